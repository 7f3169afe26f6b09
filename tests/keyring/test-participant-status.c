/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The per-participant encryption status (LiveKit's
 * participantEncryptionStatusChanged): the provider's signal fires on
 * transitions only, in order; the queries agree with it; every way a
 * participant stops being encrypted (missing key, failing frames, a stream
 * gone, encryption-type none, a stream moved to another participant)
 * turns it FALSE, and it comes back when every stream works again. */

#include <keyring/e2ee.h>

#include <string.h>

#include "cryptor-helpers.h"

/* The signal's emissions, as "alice=1" strings. */
static void
record_status (E2eeKeyProvider * provider, const gchar * participant_id,
    gboolean encrypted, GPtrArray * seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%s=%d",
          participant_id ? participant_id : "(null)", encrypted));
}

/* Asserts that the emissions since the last call were exactly @expected
 * (space-separated, "" for none), and forgets them. */
static void
assert_emitted (GPtrArray * seen, const gchar * expected)
{
  gchar *joined;

  g_ptr_array_add (seen, NULL);
  joined = g_strjoinv (" ", (gchar **) seen->pdata);
  g_ptr_array_set_size (seen, 0);
  g_assert_cmpstr (joined, ==, expected);
  g_free (joined);
}

/* A frame through @cryptor; returns whether it went through. */
static gboolean
encrypt_one (E2eeFrameCryptor * cryptor, guint seed)
{
  guint8 frame[FRAME_LEN], out[FRAME_LEN + E2EE_FRAME_OVERHEAD];
  GError *error = NULL;
  gsize out_len = 0;
  gboolean ok;

  make_vp8_frame (frame, sizeof (frame), TRUE, seed);
  ok = e2ee_frame_cryptor_encrypt (cryptor, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &out_len, &error);
  g_clear_error (&error);
  return ok;
}

/* A frame encrypted by @sender, through the decryptor @receiver. */
static gboolean
decrypt_one (E2eeFrameCryptor * sender, E2eeFrameCryptor * receiver,
    guint seed)
{
  guint8 frame[FRAME_LEN];
  guint8 *sealed;
  gsize sealed_len = 0, out_len = 0;
  GError *error = NULL;
  gboolean ok;

  make_vp8_frame (frame, sizeof (frame), TRUE, seed);
  sealed = encrypt_frame (sender, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO, &sealed_len);
  ok = decrypt_frame (receiver, sealed, sealed_len, E2EE_FRAME_TYPE_AUTO,
      NULL, &out_len, &error);
  g_clear_error (&error);
  g_free (sealed);
  return ok;
}

static gchar *
status_text (E2eeKeyProvider * provider)
{
  GVariant *status = e2ee_key_provider_dup_encryption_status (provider);
  gchar *text;

  g_assert_true (g_variant_is_of_type (status, G_VARIANT_TYPE ("a(msb)")));
  g_assert_false (g_variant_is_floating (status));
  text = g_variant_print (status, FALSE);
  g_variant_unref (status);
  return text;
}

static void
assert_status (E2eeKeyProvider * provider, const gchar * expected)
{
  gchar *text = status_text (provider);

  g_assert_cmpstr (text, ==, expected);
  g_free (text);
}

static void
test_transitions_only (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  E2eeKeyProvider *bobs = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  E2eeFrameCryptor *alice_video, *alice_audio, *bob_sender, *bob;
  guint i;

  g_signal_connect (kp, "participant-encryption-status-changed",
      G_CALLBACK (record_status), seen);
  assert_status (kp, "[]");
  g_assert_false (e2ee_key_provider_is_participant_encrypted (kp, "alice"));

  /* Alice (local) encrypts: TRUE once, not again for later frames. */
  set_raw_key (kp, "alice", 1, 0, TRUE);
  alice_video = e2ee_frame_cryptor_new (kp, "alice", E2EE_CODEC_VP8);
  for (i = 0; i < 5; i++)
    g_assert_true (encrypt_one (alice_video, i));
  assert_emitted (seen, "alice=1");
  g_assert_true (e2ee_key_provider_is_participant_encrypted (kp, "alice"));

  /* Bob (remote) without a key: not encrypted, which it was not before,
   * so nothing is emitted; it shows in the listing. */
  set_raw_key (bobs, "bob", 2, 0, TRUE);
  bob_sender = e2ee_frame_cryptor_new (bobs, "bob", E2EE_CODEC_VP8);
  bob = e2ee_frame_cryptor_new (kp, "bob", E2EE_CODEC_VP8);
  g_assert_false (decrypt_one (bob_sender, bob, 1));
  g_assert_false (decrypt_one (bob_sender, bob, 2));
  assert_emitted (seen, "");
  assert_status (kp, "[('alice', true), ('bob', false)]");

  /* Bob's key arrives: TRUE. */
  set_raw_key (kp, "bob", 2, 0, TRUE);
  g_assert_true (decrypt_one (bob_sender, bob, 3));
  g_assert_true (decrypt_one (bob_sender, bob, 4));
  assert_emitted (seen, "bob=1");

  /* A second stream of alice's that has no key yet (key index 3): alice
   * is not encrypted until every stream is. */
  alice_audio = e2ee_frame_cryptor_new (kp, "alice", E2EE_CODEC_AUDIO);
  e2ee_frame_cryptor_set_key_index (alice_audio, 3);
  g_assert_false (encrypt_one (alice_audio, 1));
  assert_emitted (seen, "alice=0");
  g_assert_false (e2ee_key_provider_is_participant_encrypted (kp, "alice"));
  set_raw_key (kp, "alice", 1, 3, FALSE);
  g_assert_true (encrypt_one (alice_audio, 2));
  assert_emitted (seen, "alice=1");

  /* encryption-type none: frames pass in clear, nobody is encrypted. */
  g_object_set (kp, "encryption-type", E2EE_ENCRYPTION_TYPE_NONE, NULL);
  assert_emitted (seen, "alice=0 bob=0");
  g_assert_true (encrypt_one (alice_video, 9));
  assert_emitted (seen, "");
  g_object_set (kp, "encryption-type", E2EE_ENCRYPTION_TYPE_GCM, NULL);
  assert_emitted (seen, "alice=1 bob=1");

  /* Frames that fail to decrypt (bob's sender changed key): FALSE. */
  set_raw_key (bobs, "bob", 7, 0, TRUE);
  g_assert_false (decrypt_one (bob_sender, bob, 5));
  g_assert_false (decrypt_one (bob_sender, bob, 6));
  assert_emitted (seen, "bob=0");
  set_raw_key (kp, "bob", 7, 0, TRUE);
  g_assert_true (decrypt_one (bob_sender, bob, 7));
  assert_emitted (seen, "bob=1");

  /* A removed key: FALSE at the next frame. */
  g_assert_true (e2ee_key_provider_remove_key (kp, "bob", 0));
  g_assert_false (decrypt_one (bob_sender, bob, 8));
  assert_emitted (seen, "bob=0");

  /* Bob's stream goes (he left): he is no longer listed, and his status
   * stays FALSE without another emission. */
  g_clear_object (&bob);
  assert_emitted (seen, "");
  assert_status (kp, "[('alice', true)]");

  /* Alice's audio stream goes: the video stream alone still encrypts. */
  g_clear_object (&alice_audio);
  assert_emitted (seen, "");
  g_assert_true (e2ee_key_provider_is_participant_encrypted (kp, "alice"));

  /* The video cryptor switches to carol's ring, which has no key: alice
   * has no stream left (FALSE), carol's stream fails (no emission). */
  e2ee_frame_cryptor_set_participant_id (alice_video, "carol");
  assert_emitted (seen, "alice=0");
  g_assert_false (encrypt_one (alice_video, 10));
  assert_emitted (seen, "");
  assert_status (kp, "[('carol', false)]");
  set_raw_key (kp, "carol", 3, 0, TRUE);
  g_assert_true (encrypt_one (alice_video, 11));
  assert_emitted (seen, "carol=1");

  /* The last stream goes: carol FALSE, the listing empty. */
  g_clear_object (&alice_video);
  assert_emitted (seen, "carol=0");
  assert_status (kp, "[]");

  g_object_unref (bob_sender);
  g_object_unref (bobs);
  g_object_unref (kp);
  g_ptr_array_unref (seen);
}

/* Streams without a participant id (shared-key elements that set none)
 * are one participant, NULL in the signal and first in the listing. */
static void
test_streams_without_participant (void)
{
  E2eeKeyProvider *kp = provider_with_key (4);
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  E2eeFrameCryptor *anonymous = e2ee_frame_cryptor_new (kp, NULL,
      E2EE_CODEC_VP8);
  E2eeFrameCryptor *dave = e2ee_frame_cryptor_new (kp, "dave",
      E2EE_CODEC_VP8);

  g_signal_connect (kp, "participant-encryption-status-changed",
      G_CALLBACK (record_status), seen);
  g_assert_true (encrypt_one (anonymous, 1));
  g_assert_true (encrypt_one (dave, 1));
  assert_emitted (seen, "(null)=1 dave=1");
  assert_status (kp, "[(nothing, true), ('dave', true)]");
  g_assert_true (e2ee_key_provider_is_participant_encrypted (kp, NULL));

  g_object_unref (anonymous);
  assert_emitted (seen, "(null)=0");
  g_object_unref (dave);
  assert_emitted (seen, "dave=0");
  g_object_unref (kp);
  g_ptr_array_unref (seen);
}

/* Two threads whose frames flip one participant's status: handlers see
 * strict alternation (never the same value twice in a row), and the last
 * value emitted is what the query says. */
typedef struct
{
  E2eeFrameCryptor *cryptor;
  guint frames;
  gboolean alternate;           /* key index 0 (a key), 1 (none), 0, ... */
} Flipper;

static gpointer
flip (gpointer data)
{
  Flipper *f = data;
  guint i;

  for (i = 0; i < f->frames; i++) {
    if (f->alternate)
      e2ee_frame_cryptor_set_key_index (f->cryptor, i % 2);
    encrypt_one (f->cryptor, i);
  }
  return NULL;
}

static void
record_alternation (E2eeKeyProvider * provider, const gchar * participant_id,
    gboolean encrypted, gint * last)
{
  /* Emissions are serialised: no lock needed here. */
  g_assert_cmpint (encrypted, !=, *last);
  *last = encrypted;
}

static void
test_concurrent_transitions_alternate (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  Flipper good, bad;
  GThread *a, *b;
  gint last = FALSE;
  guint i;

  set_raw_key (kp, "erin", 5, 0, TRUE);
  good.cryptor = e2ee_frame_cryptor_new (kp, "erin", E2EE_CODEC_VP8);
  bad.cryptor = e2ee_frame_cryptor_new (kp, "erin", E2EE_CODEC_VP8);
  e2ee_frame_cryptor_set_key_index (bad.cryptor, 1);
  good.frames = bad.frames = 2000;
  good.alternate = FALSE;
  bad.alternate = FALSE;
  g_signal_connect (kp, "participant-encryption-status-changed",
      G_CALLBACK (record_alternation), &last);

  /* bad has no key at index 1 and good encrypts: erin is FALSE... */
  a = g_thread_new ("good", flip, &good);
  b = g_thread_new ("bad", flip, &bad);
  g_thread_join (a);
  g_thread_join (b);
  g_assert_cmpint (last, ==,
      e2ee_key_provider_is_participant_encrypted (kp, "erin"));
  g_assert_false (last);

  /* Flipping between a key and none on one thread, a working stream on
   * another: a transition at every frame, racing with the other stream's
   * reports. Handlers still see strict alternation. */
  bad.alternate = TRUE;
  a = g_thread_new ("good", flip, &good);
  b = g_thread_new ("bad", flip, &bad);
  g_thread_join (a);
  g_thread_join (b);
  g_assert_cmpint (last, ==,
      e2ee_key_provider_is_participant_encrypted (kp, "erin"));
  bad.alternate = FALSE;
  e2ee_frame_cryptor_set_key_index (bad.cryptor, 1);

  /* ... and with a key there too, while both run, TRUE in the end. */
  for (i = 0; i < 3; i++) {
    a = g_thread_new ("good", flip, &good);
    b = g_thread_new ("bad", flip, &bad);
    if (i == 1)
      set_raw_key (kp, "erin", 5, 1, FALSE);
    g_thread_join (a);
    g_thread_join (b);
  }
  g_assert_true (last);
  g_assert_true (e2ee_key_provider_is_participant_encrypted (kp, "erin"));

  g_object_unref (good.cryptor);
  g_object_unref (bad.cryptor);
  g_assert_false (last);
  g_object_unref (kp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/participant-status/transitions-only",
      test_transitions_only);
  g_test_add_func ("/participant-status/streams-without-participant",
      test_streams_without_participant);
  g_test_add_func ("/participant-status/concurrent-transitions-alternate",
      test_concurrent_transitions_alternate);
  return g_test_run ();
}
