/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The per-participant encryption status (see the header). Streams and
 * participants are counted, not scanned: a report is O(1). A participant
 * entry lives while it has streams; its status is derived from the counts,
 * and a change is returned only when the derived value differs from the
 * one last returned, so the provider's signal fires on transitions only. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyring/e2ee-participant-status.h"

#include <string.h>

/* The key of the participant table: participant ids, and this for the
 * streams that have none (NULL cannot be a GHashTable key here). */
static const gchar no_participant[] = "";

typedef struct
{
  gchar *participant_id;        /* NULL for no_participant */
  guint n_streams;
  guint n_healthy;
  gboolean encrypted;           /* the value last reported */
} Participant;

typedef struct
{
  Participant *participant;
  gboolean healthy;
} Stream;

struct _E2eeParticipantStatus
{
  GMutex lock;
  gboolean encrypting;
  GHashTable *streams;          /* stream pointer -> Stream */
  GHashTable *participants;     /* id (or no_participant) -> Participant */
};

static void
participant_free (gpointer data)
{
  Participant *p = data;

  g_free (p->participant_id);
  g_free (p);
}

static void
change_clear (gpointer data)
{
  g_free (((E2eeStatusChange *) data)->participant_id);
}

static GArray *
new_changes (void)
{
  GArray *changes = g_array_new (FALSE, FALSE, sizeof (E2eeStatusChange));

  g_array_set_clear_func (changes, change_clear);
  return changes;
}

E2eeParticipantStatus *
e2ee_participant_status_new (void)
{
  E2eeParticipantStatus *status = g_new0 (E2eeParticipantStatus, 1);

  g_mutex_init (&status->lock);
  status->encrypting = TRUE;
  status->streams = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  /* Keys point into the Participant (or are no_participant). */
  status->participants = g_hash_table_new_full (g_str_hash, g_str_equal,
      NULL, participant_free);
  return status;
}

void
e2ee_participant_status_free (E2eeParticipantStatus * status)
{
  if (status == NULL)
    return;
  g_hash_table_unref (status->streams);
  g_hash_table_unref (status->participants);
  g_mutex_clear (&status->lock);
  g_free (status);
}

static gboolean
is_healthy (E2eeState state)
{
  return state == E2EE_STATE_OK || state == E2EE_STATE_KEY_RATCHETED;
}

static const gchar *
key_of (const gchar * participant_id)
{
  return participant_id != NULL ? participant_id : no_participant;
}

static gboolean
derive (E2eeParticipantStatus * status, const Participant * p)
{
  return status->encrypting && p->n_streams > 0
      && p->n_healthy == p->n_streams;
}

/* Appends @p's change, if its derived status moved; drops @p once it has
 * no stream left (after reporting it unencrypted, if it was encrypted). */
static void
settle (E2eeParticipantStatus * status, Participant * p, GArray * changes)
{
  gboolean now = derive (status, p);

  if (now != p->encrypted) {
    E2eeStatusChange change = { g_strdup (p->participant_id), now };

    p->encrypted = now;
    g_array_append_val (changes, change);
  }
  if (p->n_streams == 0)
    g_hash_table_remove (status->participants, key_of (p->participant_id));
}

static Participant *
ensure_participant (E2eeParticipantStatus * status,
    const gchar * participant_id)
{
  Participant *p = g_hash_table_lookup (status->participants,
      key_of (participant_id));

  if (p == NULL) {
    p = g_new0 (Participant, 1);
    p->participant_id = g_strdup (participant_id);
    g_hash_table_insert (status->participants,
        (gpointer) key_of (p->participant_id), p);
  }
  return p;
}

/* Takes @stream out of its participant's counts; returns the participant
 * (still in the table) for the caller to settle. */
static Participant *
detach (Stream * stream)
{
  Participant *p = stream->participant;

  p->n_streams--;
  if (stream->healthy)
    p->n_healthy--;
  stream->participant = NULL;
  return p;
}

GArray *
e2ee_participant_status_report (E2eeParticipantStatus * status,
    gconstpointer stream_id, const gchar * participant_id, E2eeState state)
{
  GArray *changes = new_changes ();
  Participant *old = NULL, *p;
  Stream *stream;

  g_mutex_lock (&status->lock);
  stream = g_hash_table_lookup (status->streams, stream_id);
  if (stream == NULL) {
    stream = g_new0 (Stream, 1);
    g_hash_table_insert (status->streams, (gpointer) stream_id, stream);
  } else if (g_strcmp0 (stream->participant->participant_id,
          participant_id) != 0) {
    old = detach (stream);
  } else {
    p = stream->participant;
    if (stream->healthy)
      p->n_healthy--;
    p->n_streams--;
  }

  p = ensure_participant (status, participant_id);
  stream->participant = p;
  stream->healthy = is_healthy (state);
  p->n_streams++;
  if (stream->healthy)
    p->n_healthy++;

  if (old != NULL)
    settle (status, old, changes);
  settle (status, p, changes);
  g_mutex_unlock (&status->lock);
  return changes;
}

GArray *
e2ee_participant_status_forget (E2eeParticipantStatus * status,
    gconstpointer stream_id)
{
  GArray *changes = new_changes ();
  Stream *stream;

  g_mutex_lock (&status->lock);
  stream = g_hash_table_lookup (status->streams, stream_id);
  if (stream != NULL) {
    Participant *p = detach (stream);

    g_hash_table_remove (status->streams, stream_id);
    settle (status, p, changes);
  }
  g_mutex_unlock (&status->lock);
  return changes;
}

static gint
compare_participants (gconstpointer a, gconstpointer b)
{
  const Participant *pa = *(Participant * const *) a;
  const Participant *pb = *(Participant * const *) b;

  if (pa->participant_id == NULL || pb->participant_id == NULL)
    return (pa->participant_id != NULL) - (pb->participant_id != NULL);
  return strcmp (pa->participant_id, pb->participant_id);
}

/* The participants sorted (NULL first), so changes and listings come in
 * an order that does not depend on hashing. Call with the lock held. */
static GPtrArray *
sorted_participants (E2eeParticipantStatus * status)
{
  GPtrArray *sorted = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer p;

  g_hash_table_iter_init (&iter, status->participants);
  while (g_hash_table_iter_next (&iter, NULL, &p))
    g_ptr_array_add (sorted, p);
  g_ptr_array_sort (sorted, compare_participants);
  return sorted;
}

GArray *
e2ee_participant_status_set_encrypting (E2eeParticipantStatus * status,
    gboolean encrypting)
{
  GArray *changes = new_changes ();
  GPtrArray *participants;
  guint i;

  g_mutex_lock (&status->lock);
  if (status->encrypting != encrypting) {
    status->encrypting = encrypting;
    participants = sorted_participants (status);
    for (i = 0; i < participants->len; i++)
      settle (status, g_ptr_array_index (participants, i), changes);
    g_ptr_array_unref (participants);
  }
  g_mutex_unlock (&status->lock);
  return changes;
}

gboolean
e2ee_participant_status_is_encrypted (E2eeParticipantStatus * status,
    const gchar * participant_id)
{
  Participant *p;
  gboolean encrypted;

  g_mutex_lock (&status->lock);
  p = g_hash_table_lookup (status->participants, key_of (participant_id));
  encrypted = p != NULL && p->encrypted;
  g_mutex_unlock (&status->lock);
  return encrypted;
}

GVariant *
e2ee_participant_status_dup_all (E2eeParticipantStatus * status)
{
  GVariantBuilder builder;
  GPtrArray *participants;
  guint i;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(msb)"));
  g_mutex_lock (&status->lock);
  participants = sorted_participants (status);
  for (i = 0; i < participants->len; i++) {
    Participant *p = g_ptr_array_index (participants, i);

    g_variant_builder_add (&builder, "(msb)", p->participant_id,
        p->encrypted);
  }
  g_ptr_array_unref (participants);
  g_mutex_unlock (&status->lock);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
