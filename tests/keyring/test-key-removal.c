/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Removing keys (issue 15): remove_key, remove_participant and clear_keys
 * on the provider; a removed key neither decrypts nor encrypts; its slot
 * (and its precomputed ratchet steps' slots) read zero at once, while
 * references to it are still held; the frame cryptors' contexts go with
 * it; ratchets in flight cannot put it back; and removal racing with
 * encryption, decryption and ratchet jobs on other threads never uses a
 * removed key.
 *
 * E2EE_CONCURRENCY_FRAMES sets the race's frames (default 40000), as for
 * test-concurrency.c; valgrind's test setup makes it 10000. */

#include <keyring/e2ee.h>
#include <keyring/e2ee-frame-cryptor-private.h>
#include <keyring/e2ee-key-provider-private.h>
#include <keyring/e2ee-secure-memory.h>

#include <string.h>

#include "cryptor-helpers.h"

#define SALT E2EE_DEFAULT_RATCHET_SALT

static gboolean
is_missing_key (const GError * error)
{
  return g_error_matches (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
}

static gboolean
has_key (E2eeKeyProvider * kp, const gchar * participant, guint index)
{
  return e2ee_key_provider_has_key (kp, participant, index);
}

static E2eeKey *
slot_key (E2eeKeyProvider * kp, const gchar * participant, guint index)
{
  E2eeKey *key = e2ee_key_provider_lookup_key (kp, participant, index, NULL,
      NULL);

  g_assert_nonnull (key);
  return key;
}

static E2eeKeyLookup
lookup_result (E2eeKeyProvider * kp, const gchar * participant, guint index)
{
  E2eeKeyLookup result;
  E2eeKey *key = e2ee_key_provider_lookup_key (kp, participant, index, NULL,
      &result);

  if (key != NULL)
    e2ee_key_unref (key);
  return result;
}

static E2eeSecureMemoryStats
arena_stats (void)
{
  E2eeSecureMemoryStats stats;

  e2ee_secure_memory_get_stats (&stats);
  return stats;
}

/* ---- the provider's calls ---- */

static void
test_remove_key (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  GError *error = NULL;
  guint serial;

  set_raw_key (kp, NULL, 1, 0, TRUE);
  set_raw_key (kp, NULL, 2, 1, FALSE);
  /* The ring has 16 slots: index 17 is slot 1. */
  g_assert_false (e2ee_key_provider_remove_key (kp, NULL, 5));
  serial = e2ee_key_provider_get_serial (kp);
  g_assert_true (e2ee_key_provider_remove_key (kp, NULL, 17));
  g_assert_cmpuint (e2ee_key_provider_get_serial (kp), >, serial);
  g_assert_false (has_key (kp, NULL, 1));
  g_assert_true (has_key (kp, NULL, 0));
  g_assert_false (e2ee_key_provider_remove_key (kp, NULL, 1));

  g_assert_null (e2ee_key_provider_export_key (kp, NULL, 1, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_null (e2ee_key_provider_ratchet_key (kp, NULL, 1, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);

  /* The current index stays: encryptors now find nothing there. */
  g_assert_true (e2ee_key_provider_remove_key (kp, NULL, 0));
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, NULL), ==,
      0);
  g_assert_false (has_key (kp, NULL, 0));

  /* Holding no key, the options that shape keys may change again. */
  g_object_set (kp, "key-ring-size", 8, NULL);
  set_raw_key (kp, NULL, 3, 9, TRUE);
  g_assert_true (has_key (kp, NULL, 1));
  g_object_unref (kp);
}

static void
test_remove_participant (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "failure-tolerance", 0, NULL);

  set_raw_key (kp, "alice", 1, 0, FALSE);
  set_raw_key (kp, "alice", 2, 3, TRUE);
  set_raw_key (kp, "bob", 3, 3, TRUE);
  set_raw_key (kp, NULL, 4, 0, TRUE);
  e2ee_key_provider_report_decryption (kp, "alice", 3, FALSE);
  g_assert_cmpint (lookup_result (kp, "alice", 3), ==,
      E2EE_KEY_LOOKUP_INVALID);

  g_assert_true (e2ee_key_provider_remove_participant (kp, "alice"));
  g_assert_false (has_key (kp, "alice", 0));
  g_assert_false (has_key (kp, "alice", 3));
  /* Its current index went with the ring. */
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, "alice"),
      ==, 0);
  g_assert_false (e2ee_key_provider_remove_participant (kp, "alice"));
  /* The others keep theirs. */
  g_assert_true (has_key (kp, "bob", 3));
  g_assert_true (has_key (kp, NULL, 0));

  /* A participant coming back starts afresh: no failures remembered. */
  set_raw_key (kp, "alice", 2, 3, TRUE);
  g_assert_cmpint (lookup_result (kp, "alice", 3), ==, E2EE_KEY_LOOKUP_OK);
  g_assert_true (e2ee_key_provider_remove_participant (kp, "alice"));

  /* With shared-key, participants have no ring of their own: the shared
   * ring stays. */
  g_object_set (kp, "shared-key", TRUE, NULL);
  g_assert_false (e2ee_key_provider_remove_participant (kp, "carol"));
  g_assert_true (has_key (kp, "carol", 0));
  g_assert_true (has_key (kp, NULL, 0));
  /* bob's ring, made before shared-key was set, can still go. */
  g_assert_true (e2ee_key_provider_remove_participant (kp, "bob"));
  g_object_set (kp, "shared-key", FALSE, NULL);
  g_assert_false (has_key (kp, "bob", 3));
  g_object_unref (kp);
}

static void
test_clear_keys (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  E2eeSecureMemoryStats before = arena_stats (), now;
  guint i;

  for (i = 0; i < 10; i++) {
    g_autofree gchar *id = g_strdup_printf ("p%u", i);

    set_raw_key (kp, id, i, i, TRUE);
  }
  set_raw_key (kp, NULL, 99, 2, TRUE);
  g_assert_cmpuint (arena_stats ().slots_in_use, ==, before.slots_in_use + 11);

  g_assert_cmpuint (e2ee_key_provider_clear_keys (kp), ==, 11);
  now = arena_stats ();
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);
  for (i = 0; i < 10; i++) {
    g_autofree gchar *id = g_strdup_printf ("p%u", i);

    g_assert_false (has_key (kp, id, i));
    g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, id), ==,
        0);
  }
  g_assert_false (has_key (kp, NULL, 2));
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, NULL), ==,
      0);
  g_assert_cmpuint (e2ee_key_provider_clear_keys (kp), ==, 0);

  /* No key left: key-size may change; keys can be set again. */
  g_object_set (kp, "key-size", 256, NULL);
  set_raw_key (kp, "p1", 1, 0, TRUE);
  g_assert_true (has_key (kp, "p1", 0));
  g_object_unref (kp);
}

/* ---- a removed key neither decrypts nor encrypts ---- */

typedef enum
{
  REMOVE_KEY,
  REMOVE_PARTICIPANT,
  CLEAR_KEYS,
} Removal;

static void
remove_alice (E2eeKeyProvider * kp, Removal how)
{
  switch (how) {
    case REMOVE_KEY:
      g_assert_true (e2ee_key_provider_remove_key (kp, "alice", 2));
      break;
    case REMOVE_PARTICIPANT:
      g_assert_true (e2ee_key_provider_remove_participant (kp, "alice"));
      break;
    case CLEAR_KEYS:
      g_assert_cmpuint (e2ee_key_provider_clear_keys (kp), ==, 2);
      break;
  }
}

typedef struct
{
  guint count;
  E2eeState state;
} StateLog;

static void
on_state (E2eeFrameCryptor * cryptor, E2eeState state, guint key_index,
    StateLog * log)
{
  log->count++;
  log->state = state;
}

/* Whether @dec opens @sealed; if it does, to exactly @plain. */
static gboolean
opens_to (E2eeFrameCryptor * dec, const guint8 * sealed, gsize sealed_len,
    const guint8 * plain, gsize plain_len)
{
  guint8 *out = NULL;
  gsize out_len = 0;
  GError *error = NULL;

  if (!decrypt_frame (dec, sealed, sealed_len, E2EE_FRAME_TYPE_AUTO, &out,
          &out_len, &error)) {
    g_assert_true (error != NULL && error->domain == E2EE_ERROR);
    g_clear_error (&error);
    return FALSE;
  }
  g_assert_cmpmem (out, out_len, plain, plain_len);
  g_free (out);
  return TRUE;
}

/* Neither frame comes out: false, no bytes, missing-key. Nothing of the
 * plaintext is in @out (which was filled with 0xee). */
static void
assert_refused (gboolean ok, GError ** error, gsize out_len,
    const guint8 * out, gsize out_size, const guint8 * plain, gsize len)
{
  gsize i;

  g_assert_false (ok);
  g_assert_true (is_missing_key (*error));
  g_clear_error (error);
  g_assert_cmpuint (out_len, ==, 0);
  for (i = 0; i < out_size; i++)
    g_assert_cmpuint (out[i], ==, 0xee);
  g_assert_true (len == 0 || memcmp (out, plain, len) != 0);
}

static void
test_removed_key_unusable (gconstpointer data)
{
  Removal how = GPOINTER_TO_UINT (data);
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "ratchet-window-size", 2, NULL);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (kp, "alice",
      E2EE_CODEC_VP8);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (kp, "alice",
      E2EE_CODEC_VP8);
  StateLog enc_log = { 0, }, dec_log = { 0, };
  guint8 plain[FRAME_LEN], out[FRAME_LEN + 64], *sealed, *again;
  gsize sealed_len, again_len, out_len = 99;
  GError *error = NULL;
  gboolean ok;

  g_signal_connect (enc, "state-changed", G_CALLBACK (on_state), &enc_log);
  g_signal_connect (dec, "state-changed", G_CALLBACK (on_state), &dec_log);
  set_raw_key (kp, "alice", 7, 2, TRUE);
  set_raw_key (kp, "bob", 7, 2, TRUE);
  if (how == CLEAR_KEYS)
    g_assert_cmpuint (e2ee_key_provider_clear_keys (kp), ==, 2);
  set_raw_key (kp, "alice", 7, 2, TRUE);
  if (how == CLEAR_KEYS)
    set_raw_key (kp, NULL, 8, 0, TRUE);
  make_vp8_frame (plain, sizeof (plain), TRUE, 3);

  sealed = encrypt_frame (enc, plain, sizeof (plain), E2EE_FRAME_TYPE_AUTO,
      &sealed_len);
  g_assert_true (opens_to (dec, sealed, sealed_len, plain,
          sizeof (plain)));
  g_assert_cmpuint (e2ee_frame_cryptor_count_bound_keys_for_testing (enc),
      ==, 1);
  g_assert_cmpuint (e2ee_frame_cryptor_count_bound_keys_for_testing (dec),
      ==, 1);

  remove_alice (kp, how);
  /* The contexts bound to the key went with it, before any frame. */
  g_assert_cmpuint (e2ee_frame_cryptor_count_bound_keys_for_testing (enc),
      ==, 0);
  g_assert_cmpuint (e2ee_frame_cryptor_count_bound_keys_for_testing (dec),
      ==, 0);

  /* The next frame: no encryption, no decryption, missing-key. */
  memset (out, 0xee, sizeof (out));
  ok = e2ee_frame_cryptor_encrypt (enc, plain, sizeof (plain),
      E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &out_len, &error);
  assert_refused (ok, &error, out_len, out, sizeof (out), plain,
      sizeof (plain));
  g_assert_cmpint (enc_log.state, ==, E2EE_STATE_MISSING_KEY);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (enc), ==,
      E2EE_STATE_MISSING_KEY);

  memset (out, 0xee, sizeof (out));
  out_len = 99;
  ok = e2ee_frame_cryptor_decrypt (dec, sealed, sealed_len,
      E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &out_len, &error);
  assert_refused (ok, &error, out_len, out, sizeof (out), plain,
      sizeof (plain));
  g_assert_cmpint (dec_log.state, ==, E2EE_STATE_MISSING_KEY);

  /* bob's key in the same slot is another ring: never used for alice. */
  if (how != CLEAR_KEYS)
    g_assert_true (has_key (kp, "bob", 2));

  /* A new key in the slot: frames flow again, and the frame sealed with
   * the removed key still does not open (not even through the ratchet
   * window: the removed key's steps are gone too). */
  set_raw_key (kp, "alice", 9, 2, TRUE);
  again = encrypt_frame (enc, plain, sizeof (plain), E2EE_FRAME_TYPE_AUTO,
      &again_len);
  g_assert_true (opens_to (dec, again, again_len, plain,
          sizeof (plain)));
  g_assert_false (opens_to (dec, sealed, sealed_len, plain,
          sizeof (plain)));
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==,
      E2EE_STATE_DECRYPTION_FAILED);

  g_free (sealed);
  g_free (again);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (kp);
}

/* ---- the slots read zero at once ---- */

static const guint8 *
secret_of (E2eeKey * key, gsize * len)
{
  const guint8 *secret = e2ee_key_peek_secret_for_testing (key, len);
  gsize i;
  guint8 any = 0;

  g_assert_nonnull (secret);
  g_assert_cmpint (e2ee_secure_memory_inspect_slot (secret), ==,
      E2EE_SECURE_MEMORY_SLOT_IN_USE);
  for (i = 0; i < *len; i++)
    any |= secret[i];
  g_assert_cmpuint (any, !=, 0);
  return secret;
}

static void
assert_slot_wiped (const guint8 * secret, gsize len)
{
  gsize i;

  /* The neighbour kept by the test keeps the slab mapped: the bytes can
   * be read, and they are zero. */
  g_assert_cmpint (e2ee_secure_memory_inspect_slot (secret), ==,
      E2EE_SECURE_MEMORY_SLOT_FREE);
  for (i = 0; i < len; i++)
    g_assert_cmpuint (secret[i], ==, 0);
}

/* The key and the three ratchet steps precomputed from it are wiped when
 * it is removed, although the test, a frame cryptor and the steps' chain
 * still hold references to all of them. */
static void
test_slots_wiped (gconstpointer data)
{
  Removal how = GPOINTER_TO_UINT (data);
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "ratchet-window-size", 3, NULL);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (kp, "alice",
      E2EE_CODEC_VP8);
  E2eeSecureMemoryStats before;
  E2eeKey *keys[4];
  const guint8 *secrets[4];
  gsize lens[4];
  guint8 plain[FRAME_LEN], *sealed;
  gpointer neighbour;
  gsize sealed_len;
  GError *error = NULL;
  guint i;

  neighbour = e2ee_secure_memory_alloc (48);
  set_raw_key (kp, "bob", 5, 0, TRUE);
  /* bob's steps are precomputed too: wait for them before counting. */
  keys[0] = slot_key (kp, "bob", 0);
  e2ee_key_unref (e2ee_key_provider_get_ratchet_candidate (kp, keys[0], 3,
          NULL));
  e2ee_key_unref (keys[0]);
  before = arena_stats ();

  set_raw_key (kp, "alice", 7, 2, TRUE);
  make_vp8_frame (plain, sizeof (plain), TRUE, 1);
  sealed = encrypt_frame (enc, plain, sizeof (plain), E2EE_FRAME_TYPE_AUTO,
      &sealed_len);
  keys[0] = slot_key (kp, "alice", 2);
  for (i = 1; i < 4; i++) {
    keys[i] = e2ee_key_provider_get_ratchet_candidate (kp, keys[0], i,
        &error);
    g_assert_no_error (error);
  }
  for (i = 0; i < 4; i++)
    secrets[i] = secret_of (keys[i], &lens[i]);

  if (how == REMOVE_KEY)
    g_assert_true (e2ee_key_provider_remove_key (kp, "alice", 2));
  else if (how == REMOVE_PARTICIPANT)
    g_assert_true (e2ee_key_provider_remove_participant (kp, "alice"));
  else
    g_assert_cmpuint (e2ee_key_provider_clear_keys (kp), ==, 2);

  for (i = 0; i < 4; i++) {
    assert_slot_wiped (secrets[i], lens[i]);
    g_assert_true (e2ee_key_is_revoked (keys[i]));
    g_assert_null (e2ee_key_peek_secret_for_testing (keys[i], NULL));
    g_assert_null (e2ee_key_export_material (keys[i]));
  }
  /* Its secrets' slots are back in the arena, although keys[] still hold
   * the keys themselves. */
  g_assert_cmpuint (arena_stats ().slots_in_use, ==,
      before.slots_in_use - (how == CLEAR_KEYS ? 4 : 0));
  g_assert_cmpuint (e2ee_frame_cryptor_count_bound_keys_for_testing (enc),
      ==, 0);

  /* Nothing derives from a revoked key any more. */
  g_assert_null (e2ee_key_provider_get_ratchet_candidate (kp, keys[0], 4,
          &error));
  g_assert_true (is_missing_key (error));
  g_clear_error (&error);
  g_assert_null (e2ee_key_ratchet (keys[3], &error));
  g_assert_true (is_missing_key (error));
  g_clear_error (&error);

  /* The next key may well get a wiped slot: it comes zeroed, and keeps
   * its own bytes. */
  set_raw_key (kp, "alice", 8, 2, TRUE);
  g_assert_cmpuint (arena_stats ().dirty_slots, ==, before.dirty_slots);

  for (i = 0; i < 4; i++)
    e2ee_key_unref (keys[i]);
  g_free (sealed);
  g_object_unref (enc);
  g_object_unref (kp);
  e2ee_secure_memory_free (neighbour);
}

/* ---- ratchets in flight ---- */

/* A decryptor that found a frame under a ratcheted step adopts it only if
 * the slot still holds the base: a removal in between wins. Same for a
 * step of an explicit ratchet. */
static void
test_adopt_after_removal (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  E2eeKey *base, *step, *other, *held;

  set_raw_key (kp, "alice", 1, 0, TRUE);
  base = slot_key (kp, "alice", 0);
  step = e2ee_key_provider_get_ratchet_candidate (kp, base, 1, NULL);
  g_assert_nonnull (step);

  g_assert_true (e2ee_key_provider_remove_key (kp, "alice", 0));
  g_assert_false (e2ee_key_provider_adopt_ratcheted_key (kp, "alice", 0,
          base, step));
  g_assert_false (has_key (kp, "alice", 0));

  /* A new key in the slot is not replaced by the removed key's step... */
  set_raw_key (kp, "alice", 1, 0, TRUE);
  other = slot_key (kp, "alice", 0);
  g_assert_false (e2ee_key_provider_adopt_ratcheted_key (kp, "alice", 0,
          base, step));
  /* ...not even when the caller names the new key as the base: a revoked
   * key never enters a slot. */
  g_assert_false (e2ee_key_provider_adopt_ratcheted_key (kp, "alice", 0,
          other, step));
  held = slot_key (kp, "alice", 0);
  g_assert_true (held == other);

  e2ee_key_unref (held);
  e2ee_key_unref (other);
  e2ee_key_unref (step);
  e2ee_key_unref (base);
  g_object_unref (kp);
}

/* A passphrase key's precomputation (PBKDF2: a ratchet step takes tens of
 * milliseconds) is in flight on the provider's worker when the key is
 * removed: the step being derived is wiped when it completes, never
 * cached, never in a slot, and the steps still queued are not derived. */
static void
test_ratchet_job_in_flight (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "ratchet-window-size", 4, NULL);
  E2eeSecureMemoryStats before = arena_stats (), now;
  GError *error = NULL;
  E2eeKey *base;
  guint i;

  g_assert_true (e2ee_key_provider_set_passphrase (kp, "alice",
          "a passphrase", 0, TRUE, &error));
  g_assert_no_error (error);
  base = slot_key (kp, "alice", 0);
  g_assert_true (e2ee_key_provider_remove_key (kp, "alice", 0));
  g_assert_true (e2ee_key_is_revoked (base));

  /* Until the worker's step completes, its copy of the material and the
   * step's own slots are in use; then every slot is back. Bounded wait. */
  for (i = 0; i < 6000; i++) {
    now = arena_stats ();
    if (now.slots_in_use == before.slots_in_use)
      break;
    g_usleep (10 * 1000);
  }
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);
  g_assert_false (has_key (kp, "alice", 0));
  g_assert_null (e2ee_key_provider_get_ratchet_candidate (kp, base, 1,
          &error));
  g_assert_true (is_missing_key (error));
  g_clear_error (&error);

  e2ee_key_unref (base);
  g_object_unref (kp);
  g_assert_cmpuint (arena_stats ().slots_in_use, ==, before.slots_in_use);
}

/* ---- the race ---- */

#define RACE_WORKERS 2
#define RACE_INDICES 4
#define RACE_GENERATIONS 600
#define RACE_STEPS 3            /* a generation's key and 2 ratchet steps */
#define RACE_MAX_FRAME 200
#define RACE_HISTORY 8

/* The keys as the test knows them: generation g is material made from g,
 * at index g % RACE_INDICES, possibly ratcheted up to twice. A removal is
 * an event: removed_at[g] is the number of events once generation g's
 * removal had returned, so a worker that read the event count before a
 * call knows which keys were gone before the call began. */
typedef struct
{
  E2eeKeyProvider *kp;
  E2eeKey *oracle[RACE_GENERATIONS + 1][RACE_STEPS];
  gint removed_at[RACE_GENERATIONS + 1];        /* atomic; 0: not removed */
  gint events;                  /* atomic: removals that have returned */
  gint latest;                  /* atomic: newest generation set */
  /* Pacing: generation g runs while frames_done goes from (g - 1) to g
   * times frames_per_generation; workers wait for the key thread there. */
  gint frames_done;             /* atomic: frames of all workers */
  guint frames_per_generation;
  gint keys_done;               /* atomic: the key thread finished */
  gint stop;                    /* atomic */
} Race;

typedef struct
{
  Race *race;
  guint frames;
  guint seed;
  /* results */
  guint encrypted, refused_encrypt, decrypted, refused_decrypt;
  guint old_refused;
} RaceWorker;

static void
generation_material (guint g, guint8 material[KEY_LEN])
{
  guint i;

  for (i = 0; i < KEY_LEN; i++)
    material[i] = (guint8) (g * 131 + i * 17 + (g >> 8));
}

static void
race_init_oracle (Race * race)
{
  guint g, s;

  for (g = 1; g <= RACE_GENERATIONS; g++) {
    guint8 material[KEY_LEN];
    GError *error = NULL;

    generation_material (g, material);
    race->oracle[g][0] = e2ee_key_new (material, KEY_LEN, E2EE_KDF_HKDF, SALT,
        128, &error);
    g_assert_no_error (error);
    for (s = 1; s < RACE_STEPS; s++)
      race->oracle[g][s] = e2ee_key_ratchet (race->oracle[g][s - 1], NULL);
  }
}

/* Whether generation @g was removed before the event count was @events. */
static gboolean
removed_before (Race * race, guint g, gint events)
{
  gint at = g_atomic_int_get (&race->removed_at[g]);

  return at != 0 && at <= events;
}

/* Which generation sealed @frame (DATA codec: no clear header), trying
 * every generation the test set at its key index, newest first; 0 when
 * none opens it. */
static guint
race_identify (Race * race, const guint8 * frame, gsize len)
{
  E2eeAead aead = E2EE_AEAD_INIT;
  guint8 plain[RACE_MAX_FRAME];
  const guint8 *iv = frame + len - 2 - E2EE_IV_LENGTH;
  guint kid = frame[len - 1];
  guint g = g_atomic_int_get (&race->latest), s, found = 0;

  g_assert_cmpuint (frame[len - 2], ==, E2EE_IV_LENGTH);
  for (; g > 0 && found == 0; g--) {
    if (g % RACE_INDICES != kid)
      continue;
    for (s = 0; s < RACE_STEPS && found == 0; s++) {
      g_assert_true (e2ee_aead_bind (&aead, race->oracle[g][s], NULL));
      if (e2ee_aead_open (&aead, iv, NULL, 0, frame, len - 2 - E2EE_IV_LENGTH,
              plain, NULL))
        found = g;
    }
  }
  e2ee_aead_clear (&aead);
  return found;
}

typedef struct
{
  guint8 data[RACE_MAX_FRAME + E2EE_FRAME_OVERHEAD];
  gsize len;
  guint generation;
} SealedFrame;

static void
race_frame (RaceWorker * w, E2eeFrameCryptor * enc, E2eeFrameCryptor * dec,
    GRand * rand, SealedFrame * sealed, const SealedFrame * old, guint n)
{
  Race *race = w->race;
  guint8 plain[RACE_MAX_FRAME], out[RACE_MAX_FRAME + E2EE_FRAME_OVERHEAD];
  gsize len = g_rand_int_range (rand, 1, RACE_MAX_FRAME), out_len = 0, i;
  GError *error = NULL;
  guint generation;
  gint events;

  for (i = 0; i < len; i++)
    plain[i] = g_rand_int (rand);

  /* Encrypt: a key removed before the call began is never used. */
  events = g_atomic_int_get (&race->events);
  sealed->generation = 0;
  if (!e2ee_frame_cryptor_encrypt (enc, plain, len, E2EE_FRAME_TYPE_AUTO,
          sealed->data, sizeof (sealed->data), &sealed->len, &error)) {
    if (!is_missing_key (error))
      g_error ("encryption failed: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpuint (sealed->len, ==, 0);
    w->refused_encrypt++;
  } else {
    generation = race_identify (race, sealed->data, sealed->len);
    if (generation == 0)
      g_error ("frame %u sealed with a key the test never set", n);
    if (removed_before (race, generation, events))
      g_error ("frame %u sealed with generation %u, removed before the "
          "call", n, generation);
    sealed->generation = generation;
    w->encrypted++;

    /* Decrypt it: plaintext exactly, and never by a removed key. */
    events = g_atomic_int_get (&race->events);
    if (e2ee_frame_cryptor_decrypt (dec, sealed->data, sealed->len,
            E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &out_len, &error)) {
      g_assert_cmpmem (out, out_len, plain, len);
      if (removed_before (race, generation, events))
        g_error ("frame of generation %u decrypted after its removal",
            generation);
      w->decrypted++;
    } else {
      g_assert_true (error->domain == E2EE_ERROR);
      g_clear_error (&error);
      w->refused_decrypt++;
    }
  }

  /* An older frame whose key was removed since: refused. */
  events = g_atomic_int_get (&race->events);
  if (old->generation != 0 && removed_before (race, old->generation,
          events)) {
    out_len = 0;
    if (e2ee_frame_cryptor_decrypt (dec, old->data, old->len,
            E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &out_len, &error))
      g_error ("old frame of generation %u decrypted after its removal",
          old->generation);
    g_assert_true (error->domain == E2EE_ERROR);
    g_assert_cmpuint (out_len, ==, 0);
    g_clear_error (&error);
    w->old_refused++;
  }
}

static gpointer
race_worker_run (gpointer data)
{
  RaceWorker *w = data;
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (w->race->kp, NULL,
      E2EE_CODEC_DATA);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (w->race->kp, NULL,
      E2EE_CODEC_DATA);
  GRand *rand = g_rand_new_with_seed (w->seed);
  SealedFrame *history = g_new0 (SealedFrame, RACE_HISTORY);
  guint n;

  for (n = 0; n < w->frames; n++) {
    while (!g_atomic_int_get (&w->race->keys_done) &&
        (guint) g_atomic_int_get (&w->race->frames_done) >=
        g_atomic_int_get (&w->race->latest) *
        w->race->frames_per_generation)
      g_usleep (20);
    race_frame (w, enc, dec, rand, &history[n % RACE_HISTORY],
        &history[(n + 1) % RACE_HISTORY], n);
    g_atomic_int_inc (&w->race->frames_done);
  }

  g_free (history);
  g_rand_free (rand);
  g_object_unref (enc);
  g_object_unref (dec);
  return NULL;
}

/* Lets the workers run until @frames frames of all are done (or stop). */
static void
race_wait_frames (Race * race, guint frames)
{
  while (!g_atomic_int_get (&race->stop) &&
      (guint) g_atomic_int_get (&race->frames_done) < frames)
    g_usleep (20);
}

static void
race_mark_removed (Race * race, guint g)
{
  if (g_atomic_int_get (&race->removed_at[g]) == 0)
    g_atomic_int_set (&race->removed_at[g],
        g_atomic_int_add (&race->events, 1) + 1);
}

static guint
race_ratchet (Race * race, guint index)
{
  GBytes *step = e2ee_key_provider_ratchet_key (race->kp, NULL, index, NULL);

  g_assert_nonnull (step);
  g_bytes_unref (step);
  return 1;
}

/* Sets generation after generation (which queues ratchet precomputation
 * on the provider's worker), ratchets some (which queues it again), and
 * removes them: most two generations later, every seventh right away
 * while it is the current key, and every fiftieth all at once with
 * clear_keys. After a removal nothing may put a key back: the slot is
 * empty when its next generation comes. */
static gpointer
race_keys_run (gpointer data)
{
  Race *race = data;
  guint g, ops = 0;

  for (g = 1; g <= RACE_GENERATIONS && !g_atomic_int_get (&race->stop); g++) {
    guint index = g % RACE_INDICES;
    guint first_frame = (g - 1) * race->frames_per_generation;
    guint8 material[KEY_LEN];

    if (has_key (race->kp, NULL, index))
      g_error ("slot %u holds a key after generation %u was removed",
          index, g - RACE_INDICES);
    /* Before it can be used: the workers try generations up to latest. */
    g_atomic_int_set (&race->latest, g);
    generation_material (g, material);
    g_assert_true (e2ee_key_provider_set_key (race->kp, NULL, material,
            KEY_LEN, index, TRUE, NULL));
    ops++;
    race_wait_frames (race, first_frame + race->frames_per_generation / 2);

    if (g % 3 == 1 || g % 5 == 0)
      ops += race_ratchet (race, index);
    if (g % 5 == 0)
      ops += race_ratchet (race, index);

    if (g % 50 == 0) {
      guint old;

      e2ee_key_provider_clear_keys (race->kp);
      for (old = 1; old <= g; old++)
        race_mark_removed (race, old);
    } else if (g % 7 == 0) {
      g_assert_true (e2ee_key_provider_remove_key (race->kp, NULL, index));
      race_mark_removed (race, g);
    }
    if (g > 2 && g_atomic_int_get (&race->removed_at[g - 2]) == 0) {
      if (!e2ee_key_provider_remove_key (race->kp, NULL, (g - 2) %
              RACE_INDICES))
        g_error ("generation %u was not in its slot", g - 2);
      race_mark_removed (race, g - 2);
    }
    ops++;
    race_wait_frames (race, first_frame + race->frames_per_generation);
  }
  g_atomic_int_set (&race->keys_done, 1);
  return GUINT_TO_POINTER (ops);
}

static guint
race_frames (void)
{
  const gchar *env = g_getenv ("E2EE_CONCURRENCY_FRAMES");
  guint64 frames = env ? g_ascii_strtoull (env, NULL, 10) : 40000;

  return MAX (frames, RACE_WORKERS);
}

static void
test_race (void)
{
  Race *race = g_new0 (Race, 1);
  RaceWorker workers[RACE_WORKERS];
  GThread *threads[RACE_WORKERS], *keys;
  E2eeSecureMemoryStats before = arena_stats ();
  guint frames = race_frames () / RACE_WORKERS, ops, g, s, i;
  guint encrypted = 0, refused_encrypt = 0, decrypted = 0;
  guint refused_decrypt = 0, old_refused = 0;

  race->kp = g_object_new (E2EE_TYPE_KEY_PROVIDER, "ratchet-window-size", 2,
      NULL);
  race->frames_per_generation = MAX (2, frames * RACE_WORKERS /
      RACE_GENERATIONS);
  race_init_oracle (race);

  keys = g_thread_new ("keys", race_keys_run, race);
  for (i = 0; i < RACE_WORKERS; i++) {
    memset (&workers[i], 0, sizeof (RaceWorker));
    workers[i].race = race;
    workers[i].frames = frames;
    workers[i].seed = 77 + i;
    threads[i] = g_thread_new ("worker", race_worker_run, &workers[i]);
  }
  for (i = 0; i < RACE_WORKERS; i++) {
    g_thread_join (threads[i]);
    encrypted += workers[i].encrypted;
    refused_encrypt += workers[i].refused_encrypt;
    decrypted += workers[i].decrypted;
    refused_decrypt += workers[i].refused_decrypt;
    old_refused += workers[i].old_refused;
  }
  g_atomic_int_set (&race->stop, 1);
  ops = GPOINTER_TO_UINT (g_thread_join (keys));

  g_test_message ("%u frames: %u encrypted (%u refused: missing key), "
      "%u decrypted (%u refused), %u old frames refused after removal; "
      "%u key operations up to generation %d, %d removals",
      frames * RACE_WORKERS, encrypted, refused_encrypt, decrypted,
      refused_decrypt, old_refused, ops, g_atomic_int_get (&race->latest),
      g_atomic_int_get (&race->events));
  g_assert_cmpuint (encrypted + refused_encrypt, ==, frames * RACE_WORKERS);
  /* Each kind of outcome happened: the race was a race. */
  g_assert_cmpuint (encrypted, >, 0);
  g_assert_cmpuint (refused_encrypt, >, 0);
  g_assert_cmpuint (decrypted, >, 0);
  g_assert_cmpuint (old_refused, >, 0);
  g_assert_cmpuint (ops, >, 0);
  g_assert_cmpuint (arena_stats ().dirty_slots, ==, before.dirty_slots);

  g_object_unref (race->kp);
  for (g = 1; g <= RACE_GENERATIONS; g++)
    for (s = 0; s < RACE_STEPS; s++)
      e2ee_key_unref (race->oracle[g][s]);
  g_free (race);
  /* Every secret of the run is back in the arena. */
  g_assert_cmpuint (arena_stats ().slots_in_use, ==, before.slots_in_use);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/key-removal/remove-key", test_remove_key);
  g_test_add_func ("/key-removal/remove-participant",
      test_remove_participant);
  g_test_add_func ("/key-removal/clear-keys", test_clear_keys);
  g_test_add_data_func ("/key-removal/unusable/remove-key",
      GUINT_TO_POINTER (REMOVE_KEY), test_removed_key_unusable);
  g_test_add_data_func ("/key-removal/unusable/remove-participant",
      GUINT_TO_POINTER (REMOVE_PARTICIPANT), test_removed_key_unusable);
  g_test_add_data_func ("/key-removal/unusable/clear-keys",
      GUINT_TO_POINTER (CLEAR_KEYS), test_removed_key_unusable);
  g_test_add_data_func ("/key-removal/slots-wiped/remove-key",
      GUINT_TO_POINTER (REMOVE_KEY), test_slots_wiped);
  g_test_add_data_func ("/key-removal/slots-wiped/remove-participant",
      GUINT_TO_POINTER (REMOVE_PARTICIPANT), test_slots_wiped);
  g_test_add_data_func ("/key-removal/slots-wiped/clear-keys",
      GUINT_TO_POINTER (CLEAR_KEYS), test_slots_wiped);
  g_test_add_func ("/key-removal/adopt-after-removal",
      test_adopt_after_removal);
  g_test_add_func ("/key-removal/ratchet-job-in-flight",
      test_ratchet_job_in_flight);
  g_test_add_func ("/key-removal/race", test_race);

  return g_test_run ();
}
