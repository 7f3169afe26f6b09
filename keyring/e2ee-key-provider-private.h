/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: what a frame cryptor needs of its provider.
 * Every function here is safe from any thread. */

#pragma once

#include <keyring/e2ee-key-provider.h>
#include <keyring/e2ee-key.h>

G_BEGIN_DECLS

/* Options a frame cryptor reads. Copied out under the provider's lock; the
 * cryptor refreshes its copy only when e2ee_key_provider_get_serial()
 * changed, so the per-frame path takes no lock in the steady state. */
typedef struct
{
  E2eeEncryptionType encryption_type;
  guint ratchet_window_size;
  gboolean discard_frame_when_cryptor_not_ready;
  /* owned: the room's trailer, or the magic bytes */
  GBytes *sif_trailer;
} E2eeFrameOptions;

void e2ee_frame_options_clear (E2eeFrameOptions * options);
/* @options must be zero-initialised or filled by an earlier call: the
 * trailer it holds is released before the new one is stored. */
void e2ee_key_provider_get_frame_options (E2eeKeyProvider * provider,
    E2eeFrameOptions * options);

/* Grows by one (atomically) on every change of an option, a key, a current
 * index, or a key's validity. */
guint e2ee_key_provider_get_serial (E2eeKeyProvider * provider);

typedef enum
{
  E2EE_KEY_LOOKUP_OK,
  E2EE_KEY_LOOKUP_MISSING,      /* no key in that slot */
  E2EE_KEY_LOOKUP_INVALID,      /* more failures than the failure tolerance */
} E2eeKeyLookup;

/* The key at @key_index (mod ring size), or at the ring's current index when
 * @key_index is -1; the index used is written to @used_index. NULL
 * participant_id, or shared-key mode, means the shared ring. Returns a new
 * reference, or NULL with @result saying why. */
E2eeKey *e2ee_key_provider_lookup_key (E2eeKeyProvider * provider,
    const gchar * participant_id, gint key_index, guint * used_index,
    E2eeKeyLookup * result);

/* lookup_key with the validity check optional: encryptors (as LiveKit's)
 * keep using the current key even when decryptors gave up on it. */
E2eeKey *e2ee_key_provider_lookup_key_full (E2eeKeyProvider * provider,
    const gchar * participant_id, gint key_index, gboolean check_validity,
    guint * used_index, E2eeKeyLookup * result);

/* Failure-tolerance bookkeeping for a decryption with the key at @key_index.
 * Cheap on success when there is nothing to reset. */
void e2ee_key_provider_report_decryption (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, gboolean success);

/* @base ratcheted @steps times (1-based), for trying a frame inside the
 * ratchet window. Ratchet steps of current keys are computed ahead on a
 * worker thread, so a streaming thread waits for at most one derivation.
 * Returns a new reference, or NULL on error. */
E2eeKey *e2ee_key_provider_get_ratchet_candidate (E2eeKeyProvider * provider,
    E2eeKey * base, guint steps, GError ** error);

/* Puts @ratcheted into the slot if it still holds @base (another stream may
 * have adopted a ratchet already), resets the failure count and emits
 * "key-ratcheted". Returns TRUE if the slot now holds @ratcheted. */
gboolean e2ee_key_provider_adopt_ratcheted_key (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, E2eeKey * base,
    E2eeKey * ratcheted);

/* Called after keys were removed while an E2eeAead was bound to one of
 * them: a frame cryptor unbinds its cached contexts of revoked keys (the
 * AES key schedule lives in them). Runs on the removing thread with the
 * provider's watcher lock held: it may take the watcher's own lock but
 * must not call back into watch/unwatch. */
typedef void (*E2eeKeysRemovedFunc) (gpointer user_data);

/* Registers @user_data (one registration per pointer); unwatch before
 * @user_data goes: it waits for a notification in progress. */
void e2ee_key_provider_watch_removals (E2eeKeyProvider * provider,
    E2eeKeysRemovedFunc func, gpointer user_data);
void e2ee_key_provider_unwatch_removals (E2eeKeyProvider * provider,
    gpointer user_data);

/* Relays a frame cryptor's state change as the provider's "state-changed"
 * signal. Call without holding any lock. */
void e2ee_key_provider_emit_state_changed (E2eeKeyProvider * provider,
    const gchar * participant_id, const gchar * track_id, E2eeState state,
    guint key_index);

/* The participant encryption status (e2ee-participant-status.c): a frame
 * cryptor (@stream) reports each change of its state under its current
 * participant id, and forgets its stream when it goes or changes
 * participant; the provider emits the transitions. Call without holding
 * any lock. */
void e2ee_key_provider_report_stream_state (E2eeKeyProvider * provider,
    gconstpointer stream, const gchar * participant_id, E2eeState state);
void e2ee_key_provider_forget_stream (E2eeKeyProvider * provider,
    gconstpointer stream);

/* A stream id (the IV's SSRC word) that no other live frame cryptor of this
 * provider holds, chosen at random; give it back with release. The
 * provider's E2eeStreamIds (e2ee-iv.c) keeps them. */
guint32 e2ee_key_provider_claim_stream_id (E2eeKeyProvider * provider);
void e2ee_key_provider_release_stream_id (E2eeKeyProvider * provider,
    guint32 stream_id);

/* The next data-packet IV: BE32 (the provider's data stream id) ||
 * BE64 (packet counter). Why it never repeats: e2ee-iv.c. */
void e2ee_key_provider_next_data_packet_iv (E2eeKeyProvider * provider,
    guint8 iv[E2EE_IV_LENGTH]);

G_END_DECLS
