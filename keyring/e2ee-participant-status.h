/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: the per-participant encryption status of an
 * E2eeKeyProvider (LiveKit's participantEncryptionStatusChanged), as plain
 * data with its own lock. Every frame cryptor reports its stream's state
 * under its participant id; a participant is encrypted while it has at
 * least one stream and every one of them encrypts or decrypts (state ok or
 * key-ratcheted), and the provider encrypts at all. The functions return
 * the transitions they caused, for the provider to emit. */

#pragma once

#include <keyring/e2ee-types.h>

G_BEGIN_DECLS

typedef struct _E2eeParticipantStatus E2eeParticipantStatus;

/* One participant whose status changed. */
typedef struct
{
  gchar *participant_id;        /* NULL: streams without a participant id */
  gboolean encrypted;
} E2eeStatusChange;

E2eeParticipantStatus *e2ee_participant_status_new (void);
void e2ee_participant_status_free (E2eeParticipantStatus * status);

/* @stream (any unique pointer: the frame cryptor) of @participant_id is in
 * @state now. Returns the changes (an array of E2eeStatusChange that frees
 * them; empty if none). */
GArray *e2ee_participant_status_report (E2eeParticipantStatus * status,
    gconstpointer stream, const gchar * participant_id, E2eeState state);

/* @stream is gone (or no longer runs frames through its cryptor). */
GArray *e2ee_participant_status_forget (E2eeParticipantStatus * status,
    gconstpointer stream);

/* Whether the provider encrypts at all (encryption-type gcm); with FALSE
 * no participant is encrypted. */
GArray *e2ee_participant_status_set_encrypting (E2eeParticipantStatus *
    status, gboolean encrypting);

gboolean e2ee_participant_status_is_encrypted (E2eeParticipantStatus *
    status, const gchar * participant_id);

/* a(msb): each participant with a stream, sorted by id (NULL first), and
 * whether it is encrypted. A new, non-floating reference. */
GVariant *e2ee_participant_status_dup_all (E2eeParticipantStatus * status);

G_END_DECLS
