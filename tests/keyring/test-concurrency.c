/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* One thread sets, rotates and ratchets the keys of a shared ring (indices
 * 0-3) while two threads each encrypt and decrypt frames with their own
 * cryptors on that provider. Every frame must come back exactly or be
 * refused with an E2EE error; nothing may crash or leak.
 *
 * E2EE_CONCURRENCY_FRAMES sets the total number of frames (default
 * 100000); use a few thousand under valgrind. */

#include <keyring/e2ee.h>
#include <string.h>

#define N_WORKERS 2
#define N_KEY_INDICES 4
#define MAX_FRAME 400

typedef struct
{
  E2eeKeyProvider *provider;
  E2eeCodec codec;
  guint frames;
  guint seed;
  /* results */
  guint decrypted;
  guint refused;
} Worker;

static gint stop_key_thread;
static gint state_signals;

static void
fill_frame (GRand * rand, E2eeCodec codec, guint8 * frame, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    frame[i] = g_rand_int (rand);
  if (codec == E2EE_CODEC_H264 && len > 8) {
    /* SPS then an IDR slice, with zero runs that need escaping. */
    static const guint8 start[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x65 };

    memcpy (frame, start, MIN (len, sizeof (start)));
    for (i = sizeof (start); i + 3 < len; i += 37)
      frame[i] = frame[i + 1] = frame[i + 2] = 0;
  }
}

static gboolean
is_e2ee_refusal (const GError * error)
{
  return error != NULL && error->domain == E2EE_ERROR
      && (error->code == E2EE_ERROR_MISSING_KEY
      || error->code == E2EE_ERROR_INVALID_KEY
      || error->code == E2EE_ERROR_DECRYPTION_FAILED);
}

/* The expected plaintext: H.26x headers come back with 4-byte start
 * codes, which is what the 3-byte one in fill_frame's SPS turns into. */
static gsize
expected_plaintext (E2eeCodec codec, const guint8 * frame, gsize len,
    guint8 * expected)
{
  /* The slice NAL unit's header byte is at 9: from 11 bytes on the
   * header (up to it and one more byte) is normalised. */
  if (codec == E2EE_CODEC_H264 && len >= 11) {
    static const guint8 normalised[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1,
      0x65
    };
    memcpy (expected, normalised, sizeof (normalised));
    memcpy (expected + sizeof (normalised), frame + 10, len - 10);
    return len + 1;
  }
  memcpy (expected, frame, len);
  return len;
}

static gpointer
worker_run (gpointer data)
{
  Worker *worker = data;
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (worker->provider, NULL,
      worker->codec);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (worker->provider, NULL,
      worker->codec);
  GRand *rand = g_rand_new_with_seed (worker->seed);
  guint8 frame[MAX_FRAME], expected[MAX_FRAME + 1];
  guint8 encrypted[MAX_FRAME * 2 + 64], decrypted[MAX_FRAME * 2 + 64];
  guint i;

  e2ee_frame_cryptor_set_track_id (enc, "worker-enc");
  e2ee_frame_cryptor_set_track_id (dec, "worker-dec");

  for (i = 0; i < worker->frames; i++) {
    gsize len = g_rand_int_range (rand, 1, MAX_FRAME);
    gsize enc_len, dec_len, expected_len;
    GError *error = NULL;

    /* Every H.264 frame has its slice (at 9, plus one byte): frames
     * without one take LiveKit's VP8 fallback, which the receiver may
     * split differently when encrypted bytes happen to look like a NAL
     * unit (see e2ee-frame-format.c); that is not what this test is
     * about. */
    if (worker->codec == E2EE_CODEC_H264)
      len = MAX (len, 11);
    fill_frame (rand, worker->codec, frame, len);
    expected_len = expected_plaintext (worker->codec, frame, len, expected);

    if (!e2ee_frame_cryptor_encrypt (enc, frame, len, E2EE_FRAME_TYPE_AUTO,
            encrypted, sizeof (encrypted), &enc_len, &error)) {
      /* Keys are set before the workers start and never removed. */
      g_error ("encryption failed: %s", error->message);
    }

    if (e2ee_frame_cryptor_decrypt (dec, encrypted, enc_len,
            E2EE_FRAME_TYPE_AUTO, decrypted, sizeof (decrypted), &dec_len,
            &error)) {
      g_assert_cmpmem (decrypted, dec_len, expected, expected_len);
      worker->decrypted++;
    } else {
      if (!is_e2ee_refusal (error))
        g_error ("unexpected error: %s", error->message);
      worker->refused++;
      g_clear_error (&error);
    }
  }

  g_rand_free (rand);
  g_object_unref (enc);
  g_object_unref (dec);
  return NULL;
}

static void
set_key (E2eeKeyProvider * provider, guint index, guint generation)
{
  guint8 material[32];
  guint i;

  for (i = 0; i < sizeof (material); i++)
    material[i] = generation * 13 + index * 7 + i;
  g_assert_true (e2ee_key_provider_set_key (provider, NULL, material,
          sizeof (material), index, FALSE, NULL));
}

static gpointer
key_thread_run (gpointer data)
{
  E2eeKeyProvider *provider = data;
  guint generation = 1;
  guint ops = 0;

  while (!g_atomic_int_get (&stop_key_thread)) {
    guint index = generation % N_KEY_INDICES;
    GBytes *material;

    switch (generation % 3) {
      case 0:
        set_key (provider, index, generation);
        break;
      case 1:
        material = e2ee_key_provider_ratchet_key (provider, NULL, index,
            NULL);
        g_assert_nonnull (material);
        g_bytes_unref (material);
        break;
      default:
        g_assert_true (e2ee_key_provider_set_current_key_index (provider,
                NULL, index, NULL));
        break;
    }
    generation++;
    ops++;
    g_thread_yield ();
  }
  return GUINT_TO_POINTER (ops);
}

static void
on_state_changed (E2eeKeyProvider * provider, const gchar * participant,
    const gchar * track, E2eeState state, guint key_index, gpointer data)
{
  g_assert_true (g_str_has_prefix (track, "worker-"));
  g_atomic_int_inc (&state_signals);
}

static guint
total_frames (void)
{
  const gchar *env = g_getenv ("E2EE_CONCURRENCY_FRAMES");
  guint64 frames = env ? g_ascii_strtoull (env, NULL, 10) : 100000;

  return MAX (frames, N_WORKERS);
}

static void
test_keys_change_while_streaming (void)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  Worker workers[N_WORKERS];
  GThread *threads[N_WORKERS];
  GThread *key_thread;
  guint frames = total_frames ();
  guint decrypted = 0, refused = 0, key_ops;
  guint i;

  /* A ratchet window and a failure tolerance, so that concurrent
   * ratchet adoption and invalid keys are exercised too. */
  g_object_set (provider, "ratchet-window-size", 2, "failure-tolerance", 20,
      NULL);
  g_signal_connect (provider, "state-changed", G_CALLBACK (on_state_changed),
      NULL);
  for (i = 0; i < N_KEY_INDICES; i++)
    set_key (provider, i, 0);

  key_thread = g_thread_new ("keys", key_thread_run, provider);
  for (i = 0; i < N_WORKERS; i++) {
    memset (&workers[i], 0, sizeof (Worker));
    workers[i].provider = provider;
    workers[i].codec = i % 2 ? E2EE_CODEC_VP8 : E2EE_CODEC_H264;
    workers[i].frames = frames / N_WORKERS;
    workers[i].seed = 1000 + i;
    threads[i] = g_thread_new ("worker", worker_run, &workers[i]);
  }
  for (i = 0; i < N_WORKERS; i++) {
    g_thread_join (threads[i]);
    decrypted += workers[i].decrypted;
    refused += workers[i].refused;
  }
  g_atomic_int_set (&stop_key_thread, 1);
  key_ops = GPOINTER_TO_UINT (g_thread_join (key_thread));

  g_test_message ("%u frames: %u decrypted, %u refused; %u key operations, "
      "%d state changes", frames, decrypted, refused, key_ops,
      g_atomic_int_get (&state_signals));
  g_assert_cmpuint (decrypted + refused, ==, frames / N_WORKERS * N_WORKERS);
  /* Most frames go through: a key change only spoils frames in flight. */
  g_assert_cmpuint (decrypted, >, 0);
  g_assert_cmpuint (key_ops, >, 0);

  g_object_unref (provider);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/concurrency/keys-change-while-streaming",
      test_keys_change_while_streaming);

  return g_test_run ();
}
