/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* E2eeFrameCryptor: states, ratchet window, failure tolerance, key index,
 * bad input (keyring/e2ee-frame-cryptor.c). Its IVs: test-iv.c. */

#include <keyring/e2ee.h>
#include <keyring/e2ee-frame-cryptor-private.h>
#include <keyring/e2ee-frame-format.h>
#include <keyring/e2ee-iv.h>
#include <keyring/e2ee-key-provider-private.h>
#include <string.h>

#include "cryptor-helpers.h"
#include "livekit-reference.h"

/* Helpers (keys and frames: cryptor-helpers.h) */

typedef struct
{
  guint cryptor_signals;
  guint provider_signals;
  E2eeState last_state;
  guint last_key_index;
  gchar *last_participant;
  gchar *last_track;
} SignalLog;

static void
on_cryptor_state_changed (E2eeFrameCryptor * cryptor, E2eeState state,
    guint key_index, SignalLog * log)
{
  log->cryptor_signals++;
  log->last_state = state;
  log->last_key_index = key_index;
  /* Handlers may call back into the cryptor: no lock is held. */
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==, state);
}

static void
on_provider_state_changed (E2eeKeyProvider * provider,
    const gchar * participant, const gchar * track, E2eeState state,
    guint key_index, SignalLog * log)
{
  log->provider_signals++;
  g_free (log->last_participant);
  g_free (log->last_track);
  log->last_participant = g_strdup (participant);
  log->last_track = g_strdup (track);
}

static void
watch_signals (E2eeFrameCryptor * cryptor, SignalLog * log)
{
  memset (log, 0, sizeof (*log));
  g_signal_connect (cryptor, "state-changed",
      G_CALLBACK (on_cryptor_state_changed), log);
  g_signal_connect (e2ee_frame_cryptor_get_key_provider (cryptor),
      "state-changed", G_CALLBACK (on_provider_state_changed), log);
}

static void
signal_log_clear (SignalLog * log)
{
  g_free (log->last_participant);
  g_free (log->last_track);
}

/* States */

/* 100 frames under a wrong key: one change, one emission on each object;
 * the right key then brings ok back with one more. */
static void
test_state_changes_once (void)
{
  E2eeKeyProvider *sender = provider_with_key (1);
  E2eeKeyProvider *receiver = provider_with_key (2);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (sender, NULL,
      E2EE_CODEC_VP8);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (receiver, "bob",
      E2EE_CODEC_VP8);
  guint8 frame[FRAME_LEN];
  SignalLog log;
  guint i;

  e2ee_frame_cryptor_set_track_id (dec, "TR_video");
  watch_signals (dec, &log);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==, E2EE_STATE_NEW);

  for (i = 0; i < 100; i++) {
    gsize len;
    guint8 *encrypted;
    GError *error = NULL;

    make_vp8_frame (frame, sizeof (frame), i % 10 == 0, i);
    encrypted = encrypt_frame (enc, frame, sizeof (frame),
        E2EE_FRAME_TYPE_AUTO, &len);
    g_assert_false (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
            NULL, &len, &error));
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
    g_clear_error (&error);
    g_free (encrypted);
  }
  g_assert_cmpuint (log.cryptor_signals, ==, 1);
  g_assert_cmpuint (log.provider_signals, ==, 1);
  g_assert_cmpint (log.last_state, ==, E2EE_STATE_DECRYPTION_FAILED);
  g_assert_cmpuint (log.last_key_index, ==, 0);
  g_assert_cmpstr (log.last_participant, ==, "bob");
  g_assert_cmpstr (log.last_track, ==, "TR_video");

  /* The right key: back to ok, once. */
  set_raw_key (receiver, NULL, 1, 0, TRUE);
  for (i = 0; i < 20; i++) {
    gsize len, plain_len;
    guint8 *encrypted, *plain = NULL;
    GError *error = NULL;

    make_vp8_frame (frame, sizeof (frame), FALSE, i);
    encrypted = encrypt_frame (enc, frame, sizeof (frame),
        E2EE_FRAME_TYPE_AUTO, &len);
    g_assert_true (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
            &plain, &plain_len, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (plain, plain_len, frame, sizeof (frame));
    g_free (plain);
    g_free (encrypted);
  }
  g_assert_cmpuint (log.cryptor_signals, ==, 2);
  g_assert_cmpuint (log.provider_signals, ==, 2);
  g_assert_cmpint (log.last_state, ==, E2EE_STATE_OK);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==, E2EE_STATE_OK);

  signal_log_clear (&log);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (sender);
  g_object_unref (receiver);
}

/* More failures than the tolerance: the key is marked invalid and even a
 * good frame is refused with INVALID_KEY until a new key is set. */
static void
test_failure_tolerance (void)
{
  E2eeKeyProvider *sender = provider_with_key (1);
  E2eeKeyProvider *receiver = provider_with_key (2);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (sender, NULL,
      E2EE_CODEC_AUDIO);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (receiver, NULL,
      E2EE_CODEC_AUDIO);
  guint8 frame[FRAME_LEN];
  guint8 *encrypted;
  GError *error = NULL;
  gsize len, out_len;
  guint i;

  g_object_set (receiver, "failure-tolerance", 3, NULL);
  make_vp8_frame (frame, sizeof (frame), FALSE, 5);
  encrypted = encrypt_frame (enc, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO, &len);

  /* Failures 1..4 are tried (the 4th exceeds the tolerance of 3). */
  for (i = 0; i < 4; i++) {
    g_assert_false (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
            NULL, &out_len, &error));
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
    g_clear_error (&error);
  }
  g_assert_false (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
          NULL, &out_len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_KEY);
  g_clear_error (&error);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==,
      E2EE_STATE_DECRYPTION_FAILED);

  /* Replacing the invalid key (here with the sender's) recovers. */
  set_raw_key (receiver, NULL, 1, 0, TRUE);
  g_assert_true (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
          NULL, &out_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out_len, ==, sizeof (frame));
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==, E2EE_STATE_OK);

  g_free (encrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (sender);
  g_object_unref (receiver);
}

static void
run_ratchet_window (guint window, gboolean expect_recovered)
{
  E2eeKeyProvider *sender = provider_with_key (7);
  E2eeKeyProvider *receiver = provider_with_key (7);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (sender, NULL,
      E2EE_CODEC_VP8);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (receiver, NULL,
      E2EE_CODEC_VP8);
  guint8 frame[FRAME_LEN];
  guint8 *encrypted, *plain = NULL;
  GError *error = NULL;
  gsize len, out_len;
  guint i;

  g_object_set (receiver, "ratchet-window-size", window, NULL);
  for (i = 0; i < 3; i++)
    g_bytes_unref (e2ee_key_provider_ratchet_key (sender, NULL, 0, NULL));

  make_vp8_frame (frame, sizeof (frame), TRUE, 9);
  encrypted = encrypt_frame (enc, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO, &len);
  if (expect_recovered) {
    GBytes *sent, *adopted;

    g_assert_true (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
            &plain, &out_len, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (plain, out_len, frame, sizeof (frame));
    g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==,
        E2EE_STATE_KEY_RATCHETED);
    sent = e2ee_key_provider_export_key (sender, NULL, 0, NULL);
    adopted = e2ee_key_provider_export_key (receiver, NULL, 0, NULL);
    g_assert_true (g_bytes_equal (sent, adopted));
    g_bytes_unref (sent);
    g_bytes_unref (adopted);
  } else {
    g_assert_false (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
            NULL, &out_len, &error));
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
    g_clear_error (&error);
    g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==,
        E2EE_STATE_DECRYPTION_FAILED);
  }

  g_free (plain);
  g_free (encrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (sender);
  g_object_unref (receiver);
}

static void
test_ratchet_window_3 (void)
{
  run_ratchet_window (3, TRUE);
}

static void
test_ratchet_window_2 (void)
{
  run_ratchet_window (2, FALSE);
}

/* Encrypting */

static guint8
encrypted_kid (E2eeFrameCryptor * enc)
{
  guint8 frame[FRAME_LEN];
  gsize len;
  guint8 *out;
  guint8 kid;

  make_vp8_frame (frame, sizeof (frame), FALSE, 1);
  out = encrypt_frame (enc, frame, sizeof (frame), E2EE_FRAME_TYPE_AUTO,
      &len);
  g_assert_cmpuint (len, ==, sizeof (frame) + E2EE_FRAME_OVERHEAD);
  g_assert_cmpuint (out[len - 2], ==, 12);
  kid = out[len - 1];
  g_free (out);
  return kid;
}

static void
test_key_index_in_kid (void)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_VP8);
  guint8 frame[FRAME_LEN];
  guint8 out[FRAME_LEN + E2EE_FRAME_OVERHEAD];
  GError *error = NULL;
  SignalLog log;
  gsize len = 99;

  watch_signals (enc, &log);

  /* No key: refused, nothing written, state missing-key. */
  make_vp8_frame (frame, sizeof (frame), TRUE, 3);
  g_assert_false (e2ee_frame_cryptor_encrypt (enc, frame, sizeof (frame),
          E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_cmpuint (len, ==, 0);
  g_assert_cmpint (log.last_state, ==, E2EE_STATE_MISSING_KEY);

  set_raw_key (provider, NULL, 1, 3, TRUE);
  g_assert_cmpuint (encrypted_kid (enc), ==, 3);
  g_assert_cmpint (log.last_state, ==, E2EE_STATE_OK);
  g_assert_cmpuint (log.last_key_index, ==, 3);

  /* The ring's current index moves: the encryptor follows. */
  set_raw_key (provider, NULL, 2, 4, TRUE);
  g_assert_cmpuint (encrypted_kid (enc), ==, 4);
  g_assert_cmpuint (log.last_key_index, ==, 4);

  /* A pinned key index wins over the current one. */
  e2ee_frame_cryptor_set_key_index (enc, 3);
  g_assert_cmpuint (encrypted_kid (enc), ==, 3);
  e2ee_frame_cryptor_set_key_index (enc, 9);
  g_assert_false (e2ee_frame_cryptor_encrypt (enc, frame, sizeof (frame),
          E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_cmpint (log.last_state, ==, E2EE_STATE_MISSING_KEY);
  g_assert_cmpuint (log.last_key_index, ==, 9);
  e2ee_frame_cryptor_set_key_index (enc, -1);
  g_assert_cmpuint (encrypted_kid (enc), ==, 4);
  /* missing(?) ok3 ok4 ok3 missing9 ok4 */
  g_assert_cmpuint (log.cryptor_signals, ==, 6);

  signal_log_clear (&log);
  g_object_unref (enc);
  g_object_unref (provider);
}

static void
test_encryption_type_none (void)
{
  E2eeKeyProvider *provider = provider_with_key (1);
  E2eeFrameCryptor *cryptor = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  guint8 frame[FRAME_LEN];
  guint8 *out;
  gsize len;

  g_object_set (provider, "encryption-type", E2EE_ENCRYPTION_TYPE_NONE, NULL);
  make_vp8_frame (frame, sizeof (frame), TRUE, 1);
  out = encrypt_frame (cryptor, frame, sizeof (frame), E2EE_FRAME_TYPE_AUTO,
      &len);
  g_assert_cmpmem (out, len, frame, sizeof (frame));
  g_free (out);
  g_assert_true (decrypt_frame (cryptor, frame, sizeof (frame),
          E2EE_FRAME_TYPE_AUTO, &out, &len, NULL));
  g_assert_cmpmem (out, len, frame, sizeof (frame));
  g_free (out);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
      E2EE_STATE_NEW);

  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* Round trips for every codec, including H.264 with 3-byte start codes
 * (which come back with 4-byte ones in the header) and frames shorter
 * than their clear header. */
static void
round_trip (E2eeCodec codec, const guint8 * frame, gsize len,
    E2eeFrameType type)
{
  E2eeKeyProvider *provider = provider_with_key (4);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL, codec);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL, codec);
  E2eeFrameSplit split = e2ee_frame_format_split (codec, type, frame, len);
  gsize enc_len, dec_len, expected_len = len;
  guint8 padded[16 + 3];
  guint8 *encrypted, *decrypted = NULL;
  guint8 *expected = g_malloc (len * 2 + 8);
  GError *error = NULL;

  /* Tiny H.26x frames are split as the receiver will see them (see
   * test_tiny_h26x): as if three more bytes followed. */
  if (!split.nal_processing && len <= 16) {
    memcpy (padded, frame, len);
    memset (padded + len, 0xff, 3);
    split = e2ee_frame_format_split (codec, type, padded, len + 3);
    if (!split.nal_processing || split.header_len > len)
      split = e2ee_frame_format_split (codec, type, frame, len);
  }

  /* What the receiver gets back: the header normalised. */
  if (split.nal_processing) {
    gsize header = e2ee_frame_format_normalize_header (frame,
        split.header_len, expected);

    memcpy (expected + header, frame + split.header_len,
        len - split.header_len);
    expected_len = header + len - split.header_len;
  } else if (len > 0) {
    memcpy (expected, frame, len);
  }

  encrypted = encrypt_frame (enc, frame, len, type, &enc_len);
  g_assert_cmpuint (enc_len, <=,
      e2ee_frame_cryptor_get_max_encrypted_size (enc, len));
  g_assert_true (decrypt_frame (dec, encrypted, enc_len, type, &decrypted,
          &dec_len, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (decrypted, dec_len, expected, expected_len);

  g_free (expected);
  g_free (encrypted);
  g_free (decrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (provider);
}

static void
test_round_trips (void)
{
  static const guint8 h264_3byte[] = { 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68,
    0xce, 0, 0, 1, 0x65, 0x88, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 3, 0x11
  };
  static const guint8 h265[] = { 0, 0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 0, 1,
    0x26, 0x01, 0xaf, 0, 0, 0, 0, 0, 0, 1, 2, 3
  };
  static const guint8 vp8_short_key[] = { 0x90, 0x11 };
  static const guint8 vp8_exact_key[] = { 0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  static const guint8 h264_no_slice_short[] = { 0, 0, 0, 1, 0x67 };
  guint8 frame[300];
  E2eeCodec codec;

  round_trip (E2EE_CODEC_H264, h264_3byte, sizeof (h264_3byte),
      E2EE_FRAME_TYPE_AUTO);
  round_trip (E2EE_CODEC_H265, h265, sizeof (h265), E2EE_FRAME_TYPE_AUTO);
  round_trip (E2EE_CODEC_VP8, vp8_short_key, sizeof (vp8_short_key),
      E2EE_FRAME_TYPE_AUTO);
  round_trip (E2EE_CODEC_VP8, vp8_exact_key, sizeof (vp8_exact_key),
      E2EE_FRAME_TYPE_AUTO);
  round_trip (E2EE_CODEC_H264, h264_no_slice_short,
      sizeof (h264_no_slice_short), E2EE_FRAME_TYPE_KEY);
  for (codec = E2EE_CODEC_DATA; codec <= E2EE_CODEC_H265; codec++) {
    gsize len;

    for (len = 0; len < 40; len++) {
      make_vp8_frame (frame, len, len % 2, len);
      round_trip (codec, frame, len, E2EE_FRAME_TYPE_AUTO);
    }
    make_vp8_frame (frame, sizeof (frame), TRUE, 3);
    round_trip (codec, frame, sizeof (frame), E2EE_FRAME_TYPE_AUTO);
  }
}

/* H.264 frames of a few bytes whose slice starts in their last three
 * bytes: the sender splits them where the receiver (which sees the longer
 * encrypted frame) will, so they round-trip; one that ends in the slice
 * NAL header byte cannot be split by any receiver and is refused. */
static void
test_tiny_h26x (void)
{
  static const guint8 slice_at_len_minus_2[] = { 0, 0, 0, 1, 0x65, 0x88 };
  static const guint8 slice_at_len_minus_3[] = { 0, 0, 0, 1, 0x65, 0x88,
    0x84
  };
  static const guint8 sps_then_slice[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 1,
    0x65, 0x88
  };
  static const guint8 h265_slice_at_end[] = { 0, 0, 0, 1, 0x26, 0x01 };
  static const guint8 ends_in_slice_header[] = { 0, 0, 0, 1, 0x41 };
  E2eeKeyProvider *provider = provider_with_key (4);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  guint8 out[64];
  GError *error = NULL;
  gsize len;

  round_trip (E2EE_CODEC_H264, slice_at_len_minus_2,
      sizeof (slice_at_len_minus_2), E2EE_FRAME_TYPE_AUTO);
  round_trip (E2EE_CODEC_H264, slice_at_len_minus_3,
      sizeof (slice_at_len_minus_3), E2EE_FRAME_TYPE_AUTO);
  round_trip (E2EE_CODEC_H264, sps_then_slice, sizeof (sps_then_slice),
      E2EE_FRAME_TYPE_DELTA);
  round_trip (E2EE_CODEC_H265, h265_slice_at_end,
      sizeof (h265_slice_at_end), E2EE_FRAME_TYPE_AUTO);

  g_assert_false (e2ee_frame_cryptor_encrypt (enc, ends_in_slice_header,
          sizeof (ends_in_slice_header), E2EE_FRAME_TYPE_AUTO, out,
          sizeof (out), &len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME);
  g_clear_error (&error);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (enc), ==,
      E2EE_STATE_ENCRYPTION_FAILED);

  g_object_unref (enc);
  g_object_unref (provider);
}

/* The worst H.26x frame for growth: 3-byte start codes in the header and
 * zeros after the slice. The output fits get_max_encrypted_size and one
 * byte less is refused with NO_SPACE. */
static void
test_max_encrypted_size (void)
{
  E2eeKeyProvider *provider = provider_with_key (4);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  guint8 frame[3000];
  guint8 *out = g_malloc (sizeof (frame) * 2 + 100);
  gsize sizes[] = { 8, 9, 40, 999, sizeof (frame) };
  gsize i, pos, len, out_len, max;
  GError *error = NULL;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    len = sizes[i];
    memset (frame, 0, len);
    /* 00 00 01 09 repeated (AUDs), then a slice near the end. */
    for (pos = 0; pos + 8 < len; pos += 4) {
      frame[pos + 2] = 1;
      frame[pos + 3] = 0x09;
    }
    frame[0] = frame[1] = 0;
    frame[2] = 1;
    {
      pos = len >= 40 ? len / 2 : 0;
      frame[pos] = frame[pos + 1] = 0;
      frame[pos + 2] = 1;
      frame[pos + 3] = 0x65;
      memset (frame + pos + 4, 0, len - pos - 4);
    }
    max = e2ee_frame_cryptor_get_max_encrypted_size (enc, len);
    g_assert_true (e2ee_frame_cryptor_encrypt (enc, frame, len,
            E2EE_FRAME_TYPE_AUTO, out, max, &out_len, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (out_len, <=, max);
    g_assert_cmpuint (out_len, >, len + E2EE_FRAME_OVERHEAD);

    g_assert_false (e2ee_frame_cryptor_encrypt (enc, frame, len,
            E2EE_FRAME_TYPE_AUTO, out, max - 1, &out_len, &error));
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NO_SPACE);
    g_clear_error (&error);
  }
  g_assert_cmpuint (e2ee_frame_cryptor_get_max_encrypted_size (enc, 0), ==,
      0);
  e2ee_frame_cryptor_set_codec (enc, E2EE_CODEC_VP8);
  g_assert_cmpuint (e2ee_frame_cryptor_get_max_encrypted_size (enc, 100), ==,
      100 + E2EE_FRAME_OVERHEAD);

  g_free (out);
  g_object_unref (enc);
  g_object_unref (provider);
}

/* A frame length near G_MAXSIZE must give a size no buffer can have, never
 * one that wrapped around to a few bytes (which a caller would allocate
 * and pass to encrypt). */
static void
test_max_encrypted_size_saturates (void)
{
  static const E2eeCodec codecs[] = { E2EE_CODEC_DATA, E2EE_CODEC_AUDIO,
    E2EE_CODEC_VP8, E2EE_CODEC_VP9, E2EE_CODEC_AV1, E2EE_CODEC_H264,
    E2EE_CODEC_H265
  };
  E2eeKeyProvider *provider = provider_with_key (4);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_DATA);
  gsize i, n;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
    e2ee_frame_cryptor_set_codec (enc, codecs[i]);
    for (n = 1; n <= E2EE_FRAME_OVERHEAD; n++)
      g_assert_cmpuint (e2ee_frame_cryptor_get_max_encrypted_size (enc,
              G_MAXSIZE - n + 1), ==, G_MAXSIZE);
  }

  g_object_unref (enc);
  g_object_unref (provider);
}

/* The GBytes variants (what bindings see as encrypt and decrypt). */
static void
test_bytes_api (void)
{
  E2eeKeyProvider *provider = provider_with_key (6);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  static const guint8 frame[] = { 0, 0, 0, 1, 0x65, 0x88, 0, 0, 0, 0, 1,
    2, 3
  };
  GBytes *plain = g_bytes_new_static (frame, sizeof (frame));
  GBytes *empty = g_bytes_new_static (NULL, 0);
  GError *error = NULL;
  GBytes *encrypted, *decrypted, *bad;
  guint8 *tampered;
  gsize len;

  encrypted = e2ee_frame_cryptor_encrypt_bytes (enc, plain,
      E2EE_FRAME_TYPE_AUTO, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (encrypted), >=,
      sizeof (frame) + E2EE_FRAME_OVERHEAD);
  decrypted = e2ee_frame_cryptor_decrypt_bytes (dec, encrypted,
      E2EE_FRAME_TYPE_AUTO, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (decrypted, plain));

  tampered = g_bytes_unref_to_data (g_bytes_ref (encrypted), &len);
  tampered[len - 3] ^= 0x40;
  bad = g_bytes_new_take (tampered, len);
  g_assert_null (e2ee_frame_cryptor_decrypt_bytes (dec, bad,
          E2EE_FRAME_TYPE_AUTO, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);

  g_bytes_unref (decrypted);
  decrypted = e2ee_frame_cryptor_decrypt_bytes (dec, empty,
      E2EE_FRAME_TYPE_AUTO, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (decrypted), ==, 0);

  g_bytes_unref (bad);
  g_bytes_unref (decrypted);
  g_bytes_unref (encrypted);
  g_bytes_unref (empty);
  g_bytes_unref (plain);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (provider);
}

/* Bad input */

static gboolean
is_refusal (const GError * error)
{
  return error != NULL && error->domain == E2EE_ERROR
      && (error->code == E2EE_ERROR_MALFORMED_FRAME
      || error->code == E2EE_ERROR_DECRYPTION_FAILED
      || error->code == E2EE_ERROR_MISSING_KEY);
}

/* Every truncation of a good frame is refused with a specific error. */
static void
truncate_and_check (E2eeCodec codec, const guint8 * frame, gsize len,
    E2eeFrameType type)
{
  E2eeKeyProvider *provider = provider_with_key (5);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL, codec);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL, codec);
  gsize enc_len, cut;
  guint8 *encrypted = encrypt_frame (enc, frame, len, type, &enc_len);

  for (cut = 0; cut <= 40 && cut < enc_len; cut++) {
    guint8 *copy = g_memdup2 (encrypted, MAX (cut, 1));
    GError *error = NULL;
    gsize out_len = 1;
    gboolean ok = decrypt_frame (dec, copy, cut, type, NULL, &out_len,
        &error);

    if (cut == 0) {
      g_assert_true (ok);       /* empty: passes through */
      g_assert_cmpuint (out_len, ==, 0);
    } else {
      g_assert_false (ok);
      g_assert_true (is_refusal (error));
      if (cut < E2EE_FRAME_OVERHEAD)
        g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME);
    }
    g_clear_error (&error);
    g_free (copy);
  }
  g_free (encrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (provider);
}

static void
test_truncated_frames (void)
{
  static const guint8 h264[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x65,
    0x88, 0x84, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
  };
  guint8 frame[40];

  make_vp8_frame (frame, sizeof (frame), TRUE, 2);
  truncate_and_check (E2EE_CODEC_VP8, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO);
  truncate_and_check (E2EE_CODEC_AUDIO, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO);
  truncate_and_check (E2EE_CODEC_VP9, frame, 12, E2EE_FRAME_TYPE_AUTO);
  truncate_and_check (E2EE_CODEC_H264, h264, sizeof (h264),
      E2EE_FRAME_TYPE_AUTO);
}

static void
test_iv_length_not_12 (void)
{
  E2eeKeyProvider *provider = provider_with_key (5);
  E2eeFrameCryptor *cryptor = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_VP8);
  guint8 frame[FRAME_LEN];
  guint8 *encrypted;
  GError *error = NULL;
  gsize len, out_len;
  guint iv_len;

  make_vp8_frame (frame, sizeof (frame), TRUE, 2);
  encrypted = encrypt_frame (cryptor, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO, &len);
  for (iv_len = 0; iv_len < 256; iv_len++) {
    if (iv_len == 12)
      continue;
    encrypted[len - 2] = iv_len;
    g_assert_false (decrypt_frame (cryptor, encrypted, len,
            E2EE_FRAME_TYPE_AUTO, NULL, &out_len, &error));
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME);
    g_clear_error (&error);
  }
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
      E2EE_STATE_INTERNAL_ERROR);

  g_free (encrypted);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* Random bytes and start-code soup through an H.264/H.265 decryptor with
 * keys at every index: refused, never accepted, never a crash (exact-size
 * heap copies, so ASan and valgrind see any overread). */
static void
test_garbage_h26x (void)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  E2eeFrameCryptor *cryptors[2];
  GRand *rand = g_rand_new_with_seed (26);
  guint i, k;

  for (k = 0; k < E2EE_DEFAULT_KEY_RING_SIZE; k++)
    set_raw_key (provider, NULL, k, k, k == 0);
  cryptors[0] = e2ee_frame_cryptor_new (provider, NULL, E2EE_CODEC_H264);
  cryptors[1] = e2ee_frame_cryptor_new (provider, NULL, E2EE_CODEC_H265);

  for (i = 0; i < 5000; i++) {
    gsize len = g_rand_int_range (rand, 1, 200);
    guint8 *frame = g_malloc (len);
    gsize j, out_len;
    GError *error = NULL;

    for (j = 0; j < len; j++) {
      guint32 r = g_rand_int (rand);

      frame[j] = (r & 1) ? (r >> 8) & 3 : (r >> 8);
    }
    if (len > 4 && i % 2) {
      frame[0] = frame[1] = frame[2] = 0;
      frame[3] = 1;
    }
    /* A plausible trailer half the time. */
    if (len >= 2 && i % 4 < 2)
      frame[len - 2] = 12;

    g_assert_false (decrypt_frame (cryptors[i % 2], frame, len,
            E2EE_FRAME_TYPE_AUTO, NULL, &out_len, &error));
    g_assert_true (is_refusal (error));
    g_clear_error (&error);
    g_free (frame);
  }

  g_rand_free (rand);
  g_object_unref (cryptors[0]);
  g_object_unref (cryptors[1]);
  g_object_unref (provider);
}

static void
test_no_space_for_plaintext (void)
{
  E2eeKeyProvider *provider = provider_with_key (5);
  E2eeFrameCryptor *cryptor = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_VP8);
  guint8 frame[FRAME_LEN];
  guint8 *encrypted, *out;
  GError *error = NULL;
  gsize len, out_len;

  make_vp8_frame (frame, sizeof (frame), TRUE, 2);
  encrypted = encrypt_frame (cryptor, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO, &len);
  out = g_malloc (len);
  g_assert_false (e2ee_frame_cryptor_decrypt (cryptor, encrypted, len,
          E2EE_FRAME_TYPE_AUTO, out, len - 1, &out_len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_false (e2ee_frame_cryptor_decrypt (cryptor, encrypted, len,
          E2EE_FRAME_TYPE_AUTO, encrypted, len, &out_len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_free (out);
  g_free (encrypted);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* discard-frame-when-cryptor-not-ready */

static void
run_not_ready (gboolean discard)
{
  E2eeKeyProvider *sender = provider_with_key (1);
  E2eeKeyProvider *receiver = e2ee_key_provider_new ();
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (sender, NULL,
      E2EE_CODEC_VP8);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (receiver, NULL,
      E2EE_CODEC_VP8);
  guint8 frame[FRAME_LEN];
  guint8 *encrypted;
  GError *error = NULL;
  SignalLog log;
  gsize len, out_len;

  g_object_set (receiver, "discard-frame-when-cryptor-not-ready", discard,
      NULL);
  watch_signals (dec, &log);
  make_vp8_frame (frame, sizeof (frame), TRUE, 2);
  encrypted = encrypt_frame (enc, frame, sizeof (frame),
      E2EE_FRAME_TYPE_AUTO, &len);

  g_assert_false (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
          NULL, &out_len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==,
      discard ? E2EE_STATE_NEW : E2EE_STATE_MISSING_KEY);
  g_assert_cmpuint (log.cryptor_signals, ==, discard ? 0 : 1);

  /* A key at another index: the ring is no longer empty, so the missing
   * key at index 0 is reported either way. */
  set_raw_key (receiver, NULL, 1, 5, FALSE);
  g_assert_false (decrypt_frame (dec, encrypted, len, E2EE_FRAME_TYPE_AUTO,
          NULL, &out_len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==,
      E2EE_STATE_MISSING_KEY);
  g_assert_cmpuint (log.cryptor_signals, ==, 1);

  signal_log_clear (&log);
  g_free (encrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (sender);
  g_object_unref (receiver);
}

static void
test_not_ready_discard (void)
{
  run_not_ready (TRUE);
}

static void
test_not_ready_report (void)
{
  run_not_ready (FALSE);
}

/* Server-injected frames with the default magic bytes: each of LiveKit's
 * blank payloads passes without the trailer; one changed byte is dropped. */
static void
test_sif_default_trailer (void)
{
  static const guint8 sps[] = { 0x67, 0x42, 0xc0, 0x1f, 0x0f, 0xd9, 0x1f,
    0x88, 0x88, 0x84, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00,
    0xc8, 0x3c, 0x60, 0xc9, 0x20
  };
  static const guint8 pps[] = { 0x68, 0x87, 0xcb, 0x83, 0xcb, 0x20 };
  static const guint8 idr[] = { 0x65, 0x88, 0x84, 0x0a, 0xf2, 0x62, 0x80,
    0x00, 0xa7, 0xbe
  };
  const guint8 *payloads[] = { sps, pps, idr };
  const gsize lens[] = { sizeof (sps), sizeof (pps), sizeof (idr) };
  E2eeKeyProvider *provider = provider_with_key (1);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  const gchar *magic = E2EE_DEFAULT_UNCRYPTED_MAGIC_BYTES;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (payloads); i++) {
    gsize len = lens[i] + strlen (magic);
    guint8 *frame = g_malloc (len);
    guint8 *out = NULL;
    GError *error = NULL;
    gsize out_len;

    memcpy (frame, payloads[i], lens[i]);
    memcpy (frame + lens[i], magic, strlen (magic));
    g_assert_true (decrypt_frame (dec, frame, len, E2EE_FRAME_TYPE_AUTO,
            &out, &out_len, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (out, out_len, payloads[i], lens[i]);
    g_free (out);

    frame[1] ^= 1;
    g_assert_false (decrypt_frame (dec, frame, len, E2EE_FRAME_TYPE_AUTO,
            NULL, &out_len, &error));
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME);
    g_clear_error (&error);
    g_free (frame);
  }
  g_assert_cmpint (e2ee_frame_cryptor_get_state (dec), ==, E2EE_STATE_NEW);

  g_object_unref (dec);
  g_object_unref (provider);
}

/* Parameter sets in front of the sender's frame (rtph264depay and
 * rtph265depay prepend sprop-parameter-sets to the first access unit after
 * a caps event): the frame still opens, to exactly what the sender sent;
 * any other prefix, or a tampered frame, is refused, and the attempts
 * count as one failure and one state change. */

static const guint8 h264_sprop[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f,
  0x8c, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80
};
static const guint8 h264_sei[] = { 0, 0, 0, 1, 0x06, 0x05, 0x01, 0x80 };
static const guint8 h265_sprop[] = { 0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01,
  0, 0, 0, 1, 0x42, 0x01, 0x01, 0x60, 0, 0, 0, 1, 0x44, 0x01, 0xc1, 0x72
};

/* A key frame as a GStreamer encoder makes it, with 4-byte start codes:
 * its own parameter sets (unless @bare), then a slice with @payload_len
 * varied bytes. */
static gsize
make_h26x_key_frame (E2eeCodec codec, gboolean bare, guint8 * frame,
    gsize payload_len)
{
  static const guint8 h264_idr[] = { 0, 0, 0, 1, 0x65, 0x88, 0x84 };
  static const guint8 h265_idr[] = { 0, 0, 0, 1, 0x26, 0x01, 0xaf };
  const guint8 *params = codec == E2EE_CODEC_H264 ? h264_sprop : h265_sprop;
  gsize params_len = codec == E2EE_CODEC_H264 ?
      sizeof (h264_sprop) : sizeof (h265_sprop);
  const guint8 *idr = codec == E2EE_CODEC_H264 ? h264_idr : h265_idr;
  gsize len = 0, i;

  if (!bare) {
    memcpy (frame, params, params_len);
    len = params_len;
  }
  memcpy (frame + len, idr, sizeof (h264_idr));
  len += sizeof (h264_idr);
  for (i = 0; i < payload_len; i++)
    frame[len + i] = 0x10 + (i * 13) % 0xe0;
  return len + payload_len;
}

static guint8 *
prepend (const guint8 * prefix, gsize prefix_len, const guint8 * frame,
    gsize len, gsize * out_len)
{
  guint8 *out = g_malloc (prefix_len + len);

  memcpy (out, prefix, prefix_len);
  memcpy (out + prefix_len, frame, len);
  *out_len = prefix_len + len;
  return out;
}

static void
check_prefixed_key_frame (E2eeCodec codec, gboolean bare)
{
  E2eeKeyProvider *provider = provider_with_key (6);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL, codec);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL, codec);
  const guint8 *sprop = codec == E2EE_CODEC_H264 ? h264_sprop : h265_sprop;
  gsize sprop_len = codec == E2EE_CODEC_H264 ?
      sizeof (h264_sprop) : sizeof (h265_sprop);
  guint8 frame[256];
  guint8 *encrypted, *received, *plain = NULL;
  gsize frame_len, enc_len, received_len, plain_len;
  GError *error = NULL;
  SignalLog log;

  watch_signals (dec, &log);
  frame_len = make_h26x_key_frame (codec, bare, frame, 200);
  encrypted = encrypt_frame (enc, frame, frame_len, E2EE_FRAME_TYPE_AUTO,
      &enc_len);
  received = prepend (sprop, sprop_len, encrypted, enc_len, &received_len);

  g_assert_true (decrypt_frame (dec, received, received_len,
          E2EE_FRAME_TYPE_AUTO, &plain, &plain_len, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (plain, plain_len, frame, frame_len);
  g_assert_cmpuint (log.cryptor_signals, ==, 1);
  g_assert_cmpint (log.last_state, ==, E2EE_STATE_OK);

  signal_log_clear (&log);
  g_free (plain);
  g_free (received);
  g_free (encrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (provider);
}

/* Refuses @received with DECRYPTION_FAILED. */
static void
assert_refused (E2eeFrameCryptor * dec, const guint8 * received, gsize len)
{
  GError *error = NULL;
  gsize out_len = 1;

  g_assert_false (decrypt_frame (dec, received, len, E2EE_FRAME_TYPE_AUTO,
          NULL, &out_len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_assert_cmpuint (out_len, ==, 0);
  g_clear_error (&error);
}

static void
test_parameter_set_prefix_opens (void)
{
  check_prefixed_key_frame (E2EE_CODEC_H264, FALSE);
  check_prefixed_key_frame (E2EE_CODEC_H264, TRUE);
  check_prefixed_key_frame (E2EE_CODEC_H265, FALSE);
  check_prefixed_key_frame (E2EE_CODEC_H265, TRUE);
}

/* An SEI among the prefixed NAL units, or more parameter sets than a
 * depayloader prepends, is not skipped. */
static void
test_parameter_set_prefix_other_nal_refused (void)
{
  E2eeKeyProvider *provider = provider_with_key (6);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  guint8 frame[256], prefix[sizeof (h264_sprop) * 4 + sizeof (h264_sei)];
  guint8 *encrypted, *received;
  gsize frame_len, enc_len, received_len;
  guint i;

  frame_len = make_h26x_key_frame (E2EE_CODEC_H264, TRUE, frame, 200);
  encrypted = encrypt_frame (enc, frame, frame_len, E2EE_FRAME_TYPE_AUTO,
      &enc_len);

  /* SEI alone, SPS + SEI + PPS. */
  received = prepend (h264_sei, sizeof (h264_sei), encrypted, enc_len,
      &received_len);
  assert_refused (dec, received, received_len);
  g_free (received);
  memcpy (prefix, h264_sprop, 9);
  memcpy (prefix + 9, h264_sei, sizeof (h264_sei));
  memcpy (prefix + 9 + sizeof (h264_sei), h264_sprop + 9,
      sizeof (h264_sprop) - 9);
  received = prepend (prefix, sizeof (h264_sprop) + sizeof (h264_sei),
      encrypted, enc_len, &received_len);
  assert_refused (dec, received, received_len);
  g_free (received);

  /* Eight parameter sets: more than are ever skipped. */
  for (i = 0; i < 4; i++)
    memcpy (prefix + i * sizeof (h264_sprop), h264_sprop,
        sizeof (h264_sprop));
  received = prepend (prefix, sizeof (h264_sprop) * 4, encrypted, enc_len,
      &received_len);
  assert_refused (dec, received, received_len);
  g_free (received);

  g_free (encrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (provider);
}

/* A byte of ciphertext flipped, at a byte that neither is nor becomes an
 * escape-relevant value (<= 3), so the frame keeps its layout. */
static void
tamper_ciphertext (guint8 * frame, gsize len)
{
  gsize i;

  for (i = len / 2; i < len; i++) {
    if (frame[i] > 3 && (frame[i] ^ 0x40) > 3) {
      frame[i] ^= 0x40;
      return;
    }
  }
  g_assert_not_reached ();
}

/* Tolerance 1: the first failing frame leaves the key usable, the second
 * marks it invalid. Were the retries counted, the first frame (three
 * attempts) would already have marked it invalid. */
static void
test_parameter_set_prefix_tampered_counts_once (void)
{
  E2eeKeyProvider *provider = provider_with_key (6);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  guint8 frame[256];
  guint8 *encrypted, *received;
  gsize frame_len, enc_len, received_len, out_len;
  GError *error = NULL;
  SignalLog log;

  g_object_set (provider, "failure-tolerance", 1, NULL);
  watch_signals (dec, &log);
  frame_len = make_h26x_key_frame (E2EE_CODEC_H264, FALSE, frame, 200);
  encrypted = encrypt_frame (enc, frame, frame_len, E2EE_FRAME_TYPE_AUTO,
      &enc_len);
  tamper_ciphertext (encrypted, enc_len);
  received = prepend (h264_sprop, sizeof (h264_sprop), encrypted, enc_len,
      &received_len);

  assert_refused (dec, received, received_len);
  g_assert_cmpuint (log.cryptor_signals, ==, 1);
  g_assert_cmpint (log.last_state, ==, E2EE_STATE_DECRYPTION_FAILED);
  assert_refused (dec, received, received_len);
  g_assert_cmpuint (log.cryptor_signals, ==, 1);
  g_assert_false (decrypt_frame (dec, received, received_len,
          E2EE_FRAME_TYPE_AUTO, NULL, &out_len, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_KEY);
  g_clear_error (&error);

  signal_log_clear (&log);
  g_free (received);
  g_free (encrypted);
  g_object_unref (enc);
  g_object_unref (dec);
  g_object_unref (provider);
}

/* Escaping in place: H.264 frames whose ciphertext we choose.
 *
 * Sealed bytes look random and rarely need escaping, so the encryptor
 * seals into the output and escapes only from the first escape point on,
 * and the decryptor opens straight from the input unless it finds an
 * escape byte. To reach those paths, the tests choose the ciphertext: with
 * the IV pinned, AES-GCM's keystream is the ciphertext of a zero payload,
 * and a payload of keystream XOR D then encrypts to D. */

#define H264_HEADER_LEN 6
#define PIN_TIMESTAMP 0x12345678u
#define PIN_SEND_COUNT 7u

static const guint8 h264_header[H264_HEADER_LEN] = { 0, 0, 0, 1, 0x65, 0x88 };

static guint8 *
encrypt_pinned_h264 (E2eeKeyProvider * provider, guint32 ssrc,
    const guint8 * payload, gsize len, gsize * out_len)
{
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  guint8 *frame = g_malloc (H264_HEADER_LEN + len);
  guint8 *out;

  memcpy (frame, h264_header, H264_HEADER_LEN);
  memcpy (frame + H264_HEADER_LEN, payload, len);
  e2ee_frame_cryptor_pin_iv_for_testing (enc, ssrc, PIN_TIMESTAMP,
      PIN_SEND_COUNT);
  out = encrypt_frame (enc, frame, H264_HEADER_LEN + len,
      E2EE_FRAME_TYPE_KEY, out_len);
  g_object_unref (enc);
  g_free (frame);
  return out;
}

/* The sealed part (C || tag || IV || 0x0C || KID) of an encrypted frame,
 * unescaped. */
static guint8 *
sealed_part (const guint8 * frame, gsize len, gsize * sealed_len)
{
  guint8 *sealed = g_malloc (len);

  g_assert_cmpmem (frame, H264_HEADER_LEN, h264_header, H264_HEADER_LEN);
  *sealed_len = e2ee_frame_format_unescape (frame + H264_HEADER_LEN,
      len - H264_HEADER_LEN, sealed);
  return sealed;
}

/* The plaintext payload that encrypts to @ciphertext under this IV. */
static guint8 *
payload_for_ciphertext (E2eeKeyProvider * provider, guint32 ssrc,
    const guint8 * ciphertext, gsize len)
{
  guint8 *zeros = g_malloc0 (len + 1);
  gsize frame_len, sealed_len, i;
  guint8 *frame = encrypt_pinned_h264 (provider, ssrc, zeros, len,
      &frame_len);
  guint8 *keystream = sealed_part (frame, frame_len, &sealed_len);

  g_assert_cmpuint (sealed_len, ==, len + E2EE_FRAME_OVERHEAD);
  for (i = 0; i < len; i++)
    zeros[i] = keystream[i] ^ ciphertext[i];
  g_free (keystream);
  g_free (frame);
  return zeros;
}

/* Encrypts to exactly @ciphertext, checks the frame is LiveKit's escaping
 * of header || C || tag || IV || 0x0C || KID byte for byte, and that it
 * decrypts to the plaintext; returns how many escape bytes it carries. */
static gsize
check_chosen_ciphertext (guint32 ssrc, const guint8 * ciphertext, gsize len)
{
  E2eeKeyProvider *provider = provider_with_key (0x5c);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_H264);
  guint8 *payload = payload_for_ciphertext (provider, ssrc, ciphertext, len);
  gsize frame_len, sealed_len, expected_len, plain_len = 0;
  guint8 *frame = encrypt_pinned_h264 (provider, ssrc, payload, len,
      &frame_len);
  guint8 *sealed = sealed_part (frame, frame_len, &sealed_len);
  guint8 *expected = g_malloc (H264_HEADER_LEN + 2 * sealed_len);
  guint8 *plain = NULL;
  GError *error = NULL;

  g_assert_cmpuint (sealed_len, ==, len + E2EE_FRAME_OVERHEAD);
  g_assert_cmpmem (sealed, len, ciphertext, len);
  memcpy (expected, h264_header, H264_HEADER_LEN);
  expected_len = H264_HEADER_LEN + ref_escape (sealed, sealed_len,
      expected + H264_HEADER_LEN);
  g_assert_cmpmem (frame, frame_len, expected, expected_len);

  g_assert_true (decrypt_frame (dec, frame, frame_len, E2EE_FRAME_TYPE_KEY,
          &plain, &plain_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (plain_len, ==, H264_HEADER_LEN + len);
  g_assert_cmpmem (plain + H264_HEADER_LEN, len, payload, len);

  g_free (plain);
  g_free (expected);
  g_free (sealed);
  g_free (frame);
  g_free (payload);
  g_object_unref (dec);
  g_object_unref (provider);
  return frame_len - H264_HEADER_LEN - sealed_len;
}

static void
fill_nonzero_bytes (guint8 * data, gsize len, guint seed)
{
  gsize i;

  for (i = 0; i < len; i++)
    data[i] = 1 + (seed + i * 131) % 255;
}

/* SSRC 0x00000102 puts 00 00 01 at the start of the IV: the only escape
 * of a zero-free ciphertext is in the trailer. */
static void
test_escape_only_in_trailer (void)
{
  guint8 ciphertext[3000];
  gsize len;

  for (len = 1; len <= sizeof (ciphertext); len += 331) {
    fill_nonzero_bytes (ciphertext, len, len);
    g_assert_cmpuint (check_chosen_ciphertext (0x00000102, ciphertext, len),
        >=, 1);
    g_assert_cmpuint (check_chosen_ciphertext (0x01020304, ciphertext, len),
        ==, 0);
  }
}

/* 00 00 x where the scans split their work: inside and across the 64- and
 * 128-byte blocks, counted from the sealed part's start, which is where
 * both the encryptor and the decryptor scan from, and at the end of the
 * ciphertext, next to the tag. */
static void
test_escape_at_block_edges (void)
{
  static const gsize offsets[] = { 0, 1, 62, 63, 64, 65, 126, 127, 128,
    129, 255, 256, 997, 998
  };
  guint8 ciphertext[1000];
  gsize i;
  guint8 x;

  for (i = 0; i < G_N_ELEMENTS (offsets); i++) {
    for (x = 0; x <= 4; x++) {
      gsize at = offsets[i];

      fill_nonzero_bytes (ciphertext, sizeof (ciphertext), at + x);
      ciphertext[at] = ciphertext[at + 1] = 0;
      if (at + 2 < sizeof (ciphertext))
        ciphertext[at + 2] = x;
      check_chosen_ciphertext (0x01020304, ciphertext, sizeof (ciphertext));
    }
  }
}

/* Many escapes: an all-zero ciphertext (the worst case, one escape byte
 * per two bytes), zero runs in the middle, and escapes both in the
 * ciphertext and in the trailer. */
static void
test_escape_many (void)
{
  guint8 ciphertext[2000];

  memset (ciphertext, 0, sizeof (ciphertext));
  g_assert_cmpuint (check_chosen_ciphertext (0x01020304, ciphertext,
          sizeof (ciphertext)), >=, (sizeof (ciphertext) - 1) / 2);
  g_assert_cmpuint (check_chosen_ciphertext (0x00000102, ciphertext,
          sizeof (ciphertext)), >=, (sizeof (ciphertext) - 1) / 2 + 1);

  fill_nonzero_bytes (ciphertext, sizeof (ciphertext), 9);
  memset (ciphertext + 100, 0, 700);
  memset (ciphertext + 1000, 3, 10);
  ciphertext[1000] = ciphertext[1001] = 0;
  g_assert_cmpuint (check_chosen_ciphertext (0x00000102, ciphertext,
          sizeof (ciphertext)), >=, 350);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/frame-cryptor/state/changes-once",
      test_state_changes_once);
  g_test_add_func ("/frame-cryptor/state/failure-tolerance",
      test_failure_tolerance);
  g_test_add_func ("/frame-cryptor/ratchet/window-3-recovers",
      test_ratchet_window_3);
  g_test_add_func ("/frame-cryptor/ratchet/window-2-refuses",
      test_ratchet_window_2);
  g_test_add_func ("/frame-cryptor/encrypt/key-index-in-kid",
      test_key_index_in_kid);
  g_test_add_func ("/frame-cryptor/encryption-type-none",
      test_encryption_type_none);
  g_test_add_func ("/frame-cryptor/round-trips", test_round_trips);
  g_test_add_func ("/frame-cryptor/tiny-h26x", test_tiny_h26x);
  g_test_add_func ("/frame-cryptor/bytes-api", test_bytes_api);
  g_test_add_func ("/frame-cryptor/escape/only-in-trailer",
      test_escape_only_in_trailer);
  g_test_add_func ("/frame-cryptor/escape/at-block-edges",
      test_escape_at_block_edges);
  g_test_add_func ("/frame-cryptor/escape/many", test_escape_many);
  g_test_add_func ("/frame-cryptor/encrypt/max-encrypted-size",
      test_max_encrypted_size);
  g_test_add_func ("/frame-cryptor/encrypt/max-encrypted-size-saturates",
      test_max_encrypted_size_saturates);
  g_test_add_func ("/frame-cryptor/bad-input/truncated",
      test_truncated_frames);
  g_test_add_func ("/frame-cryptor/bad-input/iv-length",
      test_iv_length_not_12);
  g_test_add_func ("/frame-cryptor/bad-input/garbage-h26x",
      test_garbage_h26x);
  g_test_add_func ("/frame-cryptor/bad-input/no-space",
      test_no_space_for_plaintext);
  g_test_add_func ("/frame-cryptor/not-ready/discard",
      test_not_ready_discard);
  g_test_add_func ("/frame-cryptor/not-ready/report", test_not_ready_report);
  g_test_add_func ("/frame-cryptor/sif/default-trailer",
      test_sif_default_trailer);
  g_test_add_func ("/frame-cryptor/parameter-set-prefix/opens",
      test_parameter_set_prefix_opens);
  g_test_add_func ("/frame-cryptor/parameter-set-prefix/other-nal-refused",
      test_parameter_set_prefix_other_nal_refused);
  g_test_add_func ("/frame-cryptor/parameter-set-prefix/tampered-counts-once",
      test_parameter_set_prefix_tampered_counts_once);

  return g_test_run ();
}
