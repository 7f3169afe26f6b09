/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The IVs (keyring/e2ee-iv.c): the generator, stream ids, pinning for
 * known-answer tests, and IVs of frame cryptors that never repeat. Data
 * packets' IVs: test-data-packet.c (/data-packet/iv-uniqueness). */

#include <keyring/e2ee.h>
#include <keyring/e2ee-iv.h>
#include <keyring/e2ee-key-provider-private.h>
#include <stdlib.h>
#include <string.h>

#include "cryptor-helpers.h"

/* IVs */

static gint
compare_ivs (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, E2EE_IV_LENGTH);
}

static void
assert_all_distinct (guint8 * ivs, gsize n)
{
  gsize i;

  qsort (ivs, n, E2EE_IV_LENGTH, compare_ivs);
  for (i = 1; i < n; i++)
    g_assert_true (memcmp (ivs + (i - 1) * E2EE_IV_LENGTH,
            ivs + i * E2EE_IV_LENGTH, E2EE_IV_LENGTH) != 0);
}

/* 100,000 frames of one cryptor: 100,000 different IVs. */
static void
test_iv_never_repeats (void)
{
  const gsize n = 100000;
  E2eeKeyProvider *provider = provider_with_key (1);
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_AUDIO);
  guint8 *ivs = g_malloc (n * E2EE_IV_LENGTH);
  guint8 frame[20];
  guint8 out[20 + E2EE_FRAME_OVERHEAD];
  gsize i, len;

  for (i = 0; i < n; i++) {
    make_vp8_frame (frame, sizeof (frame), FALSE, i);
    g_assert_true (e2ee_frame_cryptor_encrypt (enc, frame, sizeof (frame),
            E2EE_FRAME_TYPE_AUTO, out, sizeof (out), &len, NULL));
    memcpy (ivs + i * E2EE_IV_LENGTH, out + len - 14, E2EE_IV_LENGTH);
  }
  assert_all_distinct (ivs, n);

  g_free (ivs);
  g_object_unref (enc);
  g_object_unref (provider);
}

/* Two cryptors sharing a key (one provider) use different stream ids. */
static void
test_two_cryptors_two_stream_ids (void)
{
  E2eeKeyProvider *provider = provider_with_key (1);
  E2eeFrameCryptor *a = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_VP8);
  E2eeFrameCryptor *b = e2ee_frame_cryptor_new (provider, NULL,
      E2EE_CODEC_VP8);
  guint8 frame[FRAME_LEN];
  guint8 *out_a, *out_b;
  gsize len_a, len_b;

  make_vp8_frame (frame, sizeof (frame), FALSE, 1);
  out_a = encrypt_frame (a, frame, sizeof (frame), E2EE_FRAME_TYPE_AUTO,
      &len_a);
  out_b = encrypt_frame (b, frame, sizeof (frame), E2EE_FRAME_TYPE_AUTO,
      &len_b);
  /* The SSRC word is the first IV word. */
  g_assert_true (memcmp (out_a + len_a - 14, out_b + len_b - 14, 4) != 0);

  g_free (out_a);
  g_free (out_b);
  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (provider);
}

/* The generator itself: 1,000,000 IVs of one stream are distinct, the
 * timestamp word counts frames and the third word is LiveKit's formula. */
static void
test_iv_generator_million (void)
{
  const gsize n = 1000000;
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  E2eeIvGenerator generator;
  guint8 *ivs = g_malloc (n * E2EE_IV_LENGTH);
  guint32 first_ts = 0;
  gsize i;

  e2ee_iv_generator_init (&generator, provider);
  for (i = 0; i < n; i++) {
    guint8 *iv = ivs + i * E2EE_IV_LENGTH;
    guint32 ssrc, ts, third, send_count;

    e2ee_iv_generator_next (&generator, iv);
    send_count = generator.send_count - 1;
    ssrc = GUINT32_FROM_BE (*(guint32 *) iv);
    ts = GUINT32_FROM_BE (*(guint32 *) (iv + 4));
    third = GUINT32_FROM_BE (*(guint32 *) (iv + 8));
    if (i == 0)
      first_ts = ts;
    g_assert_cmpuint (ssrc, ==, e2ee_iv_generator_get_stream_id (&generator));
    g_assert_cmpuint (ts, ==, (guint32) (first_ts + i));
    g_assert_cmpuint (third, ==, (guint32) (ts - send_count % 0xFFFF));
  }
  assert_all_distinct (ivs, n);

  e2ee_iv_generator_clear (&generator);
  g_free (ivs);
  g_object_unref (provider);
}

/* When the frame counter would come back to its start, a new stream id is
 * claimed (and the old one released), so no (id, counter) pair repeats. */
static void
test_iv_generator_wrap (void)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  E2eeIvGenerator generator;
  guint8 iv[E2EE_IV_LENGTH];
  guint32 first_id;

  e2ee_iv_generator_init (&generator, provider);
  g_assert_cmpuint (e2ee_iv_generator_get_stream_id (&generator), ==, 0);
  e2ee_iv_generator_next (&generator, iv);
  first_id = e2ee_iv_generator_get_stream_id (&generator);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) iv), ==, first_id);

  /* Pretend 2^32 - 2 frames went by. */
  generator.frames_left = 2;
  e2ee_iv_generator_next (&generator, iv);
  e2ee_iv_generator_next (&generator, iv);
  g_assert_cmpuint (e2ee_iv_generator_get_stream_id (&generator), ==,
      first_id);
  g_assert_cmpuint (generator.frames_left, ==, 0);

  e2ee_iv_generator_next (&generator, iv);
  g_assert_cmpuint (e2ee_iv_generator_get_stream_id (&generator), !=,
      first_id);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) iv), ==,
      e2ee_iv_generator_get_stream_id (&generator));
  g_assert_cmpuint (generator.frames_left, ==,
      (G_GUINT64_CONSTANT (1) << 32) - 1);

  e2ee_iv_generator_clear (&generator);
  g_object_unref (provider);
}

/* Pinning replays LiveKit's inputs: fixed SSRC and timestamp words, send
 * count +1 per frame (how the public-vp8-sequence vectors were made). */
static void
test_iv_generator_pin (void)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  E2eeIvGenerator generator;
  guint8 iv[E2EE_IV_LENGTH];
  guint8 expected[E2EE_IV_LENGTH];
  guint i;

  e2ee_iv_generator_init (&generator, provider);
  e2ee_iv_generator_pin (&generator, 4116967668u, 361711162u, 4955);
  for (i = 0; i < 3; i++) {
    e2ee_iv_generator_next (&generator, iv);
    e2ee_iv_write (4116967668u, 361711162u, 4955 + i, expected);
    g_assert_cmpmem (iv, sizeof (iv), expected, sizeof (expected));
  }
  /* LiveKit's vector IV for sendCount 4957: f563f0f4 158f463a 158f32dd. */
  {
    static const guint8 lk[] = { 0xf5, 0x63, 0xf0, 0xf4, 0x15, 0x8f, 0x46,
      0x3a, 0x15, 0x8f, 0x32, 0xdd
    };
    g_assert_cmpmem (iv, sizeof (iv), lk, sizeof (lk));
  }
  /* send_count mod 0xFFFF wraps at 65535, as in LiveKit. */
  e2ee_iv_write (1, 100, 0xFFFF, iv);
  e2ee_iv_write (1, 100, 0, expected);
  g_assert_cmpmem (iv, sizeof (iv), expected, sizeof (expected));

  e2ee_iv_generator_clear (&generator);
  g_object_unref (provider);
}

/* The registry itself (point 4 of e2ee-iv.c): the data stream takes an id
 * like any sender, which no later claim gets, and its IV is that id
 * followed by a 64-bit counter that starts below 2^62 and counts up. */
static void
test_stream_ids_data_packet_iv (void)
{
  E2eeStreamIds ids;
  guint8 a[E2EE_IV_LENGTH], b[E2EE_IV_LENGTH];
  guint32 data_id;
  guint64 first, second;
  guint i;

  e2ee_stream_ids_init (&ids);
  e2ee_stream_ids_next_data_packet_iv (&ids, a);
  e2ee_stream_ids_next_data_packet_iv (&ids, b);
  g_assert_cmpmem (a, 4, b, 4);
  memcpy (&data_id, a, 4);
  data_id = GUINT32_FROM_BE (data_id);
  memcpy (&first, a + 4, 8);
  memcpy (&second, b + 4, 8);
  first = GUINT64_FROM_BE (first);
  second = GUINT64_FROM_BE (second);
  g_assert_cmpuint (first, <, G_GUINT64_CONSTANT (1) << 62);
  g_assert_cmpuint (second, ==, first + 1);

  for (i = 0; i < 1000; i++) {
    guint32 id = e2ee_stream_ids_claim (&ids);

    g_assert_cmpuint (id, !=, data_id);
    if (i % 2)
      e2ee_stream_ids_release (&ids, id);
  }
  e2ee_stream_ids_clear (&ids);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/frame-cryptor/iv/never-repeats", test_iv_never_repeats);
  g_test_add_func ("/frame-cryptor/iv/two-cryptors",
      test_two_cryptors_two_stream_ids);
  g_test_add_func ("/frame-cryptor/iv/generator-million",
      test_iv_generator_million);
  g_test_add_func ("/frame-cryptor/iv/generator-wrap",
      test_iv_generator_wrap);
  g_test_add_func ("/frame-cryptor/iv/generator-pin", test_iv_generator_pin);
  g_test_add_func ("/iv/stream-ids/data-packet-iv",
      test_stream_ids_data_packet_iv);
  return g_test_run ();
}
