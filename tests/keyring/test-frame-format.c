/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Clear-header rules, start-code normalisation, emulation-prevention
 * escaping, the sender's split, the size bound, the trailer and received
 * frames (keyring/e2ee-frame-format.c). */

#include <keyring/e2ee-frame-format.h>
#include <string.h>

#include "livekit-reference.h"

typedef struct
{
  const gchar *name;
  E2eeCodec codec;
  E2eeFrameType frame_type;
  const guint8 *frame;
  gsize len;
  gsize header_len;
  gboolean nal_processing;
} SplitCase;

#define FRAME(...) ((const guint8[]) { __VA_ARGS__ }), \
  sizeof ((const guint8[]) { __VA_ARGS__ })

static const SplitCase split_cases[] = {
  {"audio", E2EE_CODEC_AUDIO, E2EE_FRAME_TYPE_AUTO,
      FRAME (0xfc, 1, 2, 3, 4), 1, FALSE},
  {"audio-toc-only", E2EE_CODEC_AUDIO, E2EE_FRAME_TYPE_AUTO,
      FRAME (0xfc), 1, FALSE},
  {"vp8-key-auto", E2EE_CODEC_VP8, E2EE_FRAME_TYPE_AUTO,
      FRAME (0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 10, FALSE},
  {"vp8-delta-auto", E2EE_CODEC_VP8, E2EE_FRAME_TYPE_AUTO,
      FRAME (0x91, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 3, FALSE},
  /* An explicit frame type outranks the frame tag bit. */
  {"vp8-key-tag-given-delta", E2EE_CODEC_VP8, E2EE_FRAME_TYPE_DELTA,
      FRAME (0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 3, FALSE},
  {"vp8-delta-tag-given-key", E2EE_CODEC_VP8, E2EE_FRAME_TYPE_KEY,
      FRAME (0x91, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 10, FALSE},
  {"vp8-key-shorter-than-header", E2EE_CODEC_VP8, E2EE_FRAME_TYPE_AUTO,
      FRAME (0x90, 1), 2, FALSE},
  {"vp8-key-exact-header", E2EE_CODEC_VP8, E2EE_FRAME_TYPE_AUTO,
      FRAME (0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9), 10, FALSE},
  {"vp9", E2EE_CODEC_VP9, E2EE_FRAME_TYPE_KEY,
      FRAME (0x82, 0x49, 0x83, 0x42, 0x00), 0, FALSE},
  {"av1", E2EE_CODEC_AV1, E2EE_FRAME_TYPE_KEY,
      FRAME (0x12, 0x00, 0x0a, 0x0b), 0, FALSE},
  {"data", E2EE_CODEC_DATA, E2EE_FRAME_TYPE_AUTO,
      FRAME (0x00, 0x00, 0x00, 0x01, 0x65, 0x88, 0x84, 0x00), 0, FALSE},
  /* SPS, PPS, IDR with 4-byte start codes: IDR header byte at 17. */
  {"h264-sps-pps-idr", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f,
          0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
          0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0xa0, 0x00),
      22, TRUE},
  /* AUD (type 9) and SEI (type 6) before a non-IDR slice stay in clear. */
  {"h264-aud-sei-slice", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x09, 0xf0,
          0, 0, 0, 1, 0x06, 0x05, 0x01, 0x80,
          0, 0, 0, 1, 0x41, 0x9a, 0x11, 0x22, 0x33),
      20, TRUE},
  /* 3-byte start codes: the header is measured on the frame as given. */
  {"h264-3-byte-start-codes", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 1, 0x67, 0x42, 0xc0,
          0, 0, 1, 0x68, 0xce,
          0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0xa0),
      16, TRUE},
  /* Zero bytes before the first start code are not "leading data". */
  {"h264-leading-zeros", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21),
      8, TRUE},
  /* VPS, SPS, PPS, IDR_W_RADL (type 19: 0x26 0x01). */
  {"h265-vps-sps-pps-idr", E2EE_CODEC_H265, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01,
          0, 0, 0, 1, 0x42, 0x01, 0x01, 0x01,
          0, 0, 0, 1, 0x44, 0x01, 0xc1, 0x72,
          0, 0, 0, 1, 0x26, 0x01, 0xaf, 0x06, 0xb8, 0x63),
      30, TRUE},
  /* TRAIL_R (type 1: 0x02 0x01) and CRA (type 21: 0x2a 0x01). */
  {"h265-trail-r", E2EE_CODEC_H265, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x02, 0x01, 0xd0, 0x09, 0x7e),
      6, TRUE},
  {"h265-aud-cra", E2EE_CODEC_H265, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x46, 0x01, 0x50,
          0, 0, 0, 1, 0x2a, 0x01, 0xaf, 0x06, 0xb8),
      13, TRUE},
  /* LiveKit lets the bytes decide: H.265 bytes under an H.264 caps. */
  {"h265-bytes-as-h264", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01,
          0, 0, 0, 1, 0x26, 0x01, 0xaf, 0x06, 0xb8),
      14, TRUE},
  /* H.264 AUD (0x09) reads as an H.265 slice, but an H.264 slice later in
   * the frame wins because H.264 is tried first over all NAL units. */
  {"h264-aud-not-h265-slice", E2EE_CODEC_H265, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x09, 0xf0,
          0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21),
      12, TRUE},
  /* Fallbacks to the VP8 rule, without escaping. */
  {"h264-leading-data", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
        FRAME (0xaa, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0xa0, 0x11, 0x12),
      10, FALSE},
  {"h264-leading-data-delta", E2EE_CODEC_H264, E2EE_FRAME_TYPE_DELTA,
        FRAME (0xaa, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0xa0, 0x11, 0x12),
      3, FALSE},
  {"h264-sps-only", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
        FRAME (0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0x11, 0x22, 0x33, 0x44),
      10, FALSE},
  {"h264-no-start-code", E2EE_CODEC_H264, E2EE_FRAME_TYPE_DELTA,
      FRAME (0x65, 0x88, 0x84, 0x21, 0xa0), 3, FALSE},
  /* A NAL unit starting in the last three bytes is not seen. */
  {"h264-slice-at-end", E2EE_CODEC_H264, E2EE_FRAME_TYPE_DELTA,
      FRAME (0, 0, 0, 1, 0x65, 0x88, 0x84), 3, FALSE},
  {"h264-slice-just-seen", E2EE_CODEC_H264, E2EE_FRAME_TYPE_DELTA,
      FRAME (0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21), 6, TRUE},
  {"h264-all-zeros", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
      FRAME (0, 0, 0, 0, 0, 0), 6, FALSE},
  {"h264-short-fallback", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO,
      FRAME (0, 0, 1), 3, FALSE},
  {"empty-vp8", E2EE_CODEC_VP8, E2EE_FRAME_TYPE_KEY, NULL, 0, 0, FALSE},
  {"empty-h264", E2EE_CODEC_H264, E2EE_FRAME_TYPE_AUTO, NULL, 0, 0, FALSE},
  {"empty-audio", E2EE_CODEC_AUDIO, E2EE_FRAME_TYPE_AUTO, NULL, 0, 0, FALSE},
};

static void
test_split (gconstpointer data)
{
  const SplitCase *c = data;
  /* An exact-size copy, so a read past the end shows under ASan/valgrind. */
  guint8 *frame = c->len ? g_memdup2 (c->frame, c->len) : NULL;
  E2eeFrameSplit split = e2ee_frame_format_split (c->codec, c->frame_type,
      frame, c->len);

  g_assert_cmpuint (split.header_len, ==, c->header_len);
  g_assert_cmpint (split.nal_processing, ==, c->nal_processing);
  g_free (frame);
}

static void
assert_normalized (const guint8 * in, gsize len, const guint8 * expected,
    gsize expected_len)
{
  guint8 out[64];

  g_assert_cmpuint (e2ee_frame_format_normalized_header_len (in, len), ==,
      expected_len);
  g_assert_cmpuint (e2ee_frame_format_normalize_header (in, len, out), ==,
      expected_len);
  g_assert_cmpmem (out, expected_len, expected, expected_len);
}

static void
test_normalize_header (void)
{
  static const guint8 short_codes[] = { 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68,
    0xce, 0, 0, 1, 0x65, 0x88
  };
  static const guint8 short_codes_normalized[] = { 0, 0, 0, 1, 0x67, 0x42,
    0, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 1, 0x65, 0x88
  };
  static const guint8 long_codes[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1,
    0x65, 0x88
  };
  static const guint8 mixed[] = { 0, 0, 0, 1, 0x67, 0, 0, 1, 0x65, 0x88 };
  static const guint8 mixed_normalized[] = { 0, 0, 0, 1, 0x67, 0, 0, 0, 1,
    0x65, 0x88
  };
  /* 00 00 01 split across the end of the header is not a start code. */
  static const guint8 tail[] = { 0x65, 0x88, 0, 0 };

  assert_normalized (short_codes, sizeof (short_codes),
      short_codes_normalized, sizeof (short_codes_normalized));
  assert_normalized (long_codes, sizeof (long_codes), long_codes,
      sizeof (long_codes));
  assert_normalized (mixed, sizeof (mixed), mixed_normalized,
      sizeof (mixed_normalized));
  assert_normalized (tail, sizeof (tail), tail, sizeof (tail));
  assert_normalized (NULL, 0, NULL, 0);
}

static gsize
escape_bound (gsize len)
{
  return len + len / 2 + 1;
}

static void
assert_escapes_to (const guint8 * in, gsize len, const guint8 * expected,
    gsize expected_len)
{
  guint8 out[64];
  guint8 back[64];

  g_assert_cmpuint (e2ee_frame_format_escape (in, len, out), ==,
      expected_len);
  g_assert_cmpmem (out, expected_len, expected, expected_len);
  g_assert_cmpuint (e2ee_frame_format_unescape (out, expected_len, back), ==,
      len);
  g_assert_cmpmem (back, len, in, len);
}

static void
test_escape_known (void)
{
  static const guint8 start_code[] = { 0, 0, 1 };
  static const guint8 start_code_esc[] = { 0, 0, 3, 1 };
  static const guint8 zeros[] = { 0, 0, 0, 0, 0 };
  static const guint8 zeros_esc[] = { 0, 0, 3, 0, 0, 3, 0 };
  static const guint8 runs[] = { 0, 0, 2, 0, 0, 3, 0, 0, 4, 0xff, 0, 0 };
  static const guint8 runs_esc[] = { 0, 0, 3, 2, 0, 0, 3, 3, 0, 0, 4, 0xff,
    0, 0
  };
  static const guint8 plain[] = { 0x11, 0x00, 0x22, 0x00, 0x00, 0x04 };

  assert_escapes_to (start_code, sizeof (start_code), start_code_esc,
      sizeof (start_code_esc));
  assert_escapes_to (zeros, sizeof (zeros), zeros_esc, sizeof (zeros_esc));
  assert_escapes_to (runs, sizeof (runs), runs_esc, sizeof (runs_esc));
  assert_escapes_to (plain, sizeof (plain), plain, sizeof (plain));
  assert_escapes_to (NULL, 0, NULL, 0);
}

/* After escaping, 00 00 is never followed by 00, 01 or 02: no start code
 * and nothing a depayloader could mistake for one. */
static void
assert_no_start_code_emulation (const guint8 * data, gsize len)
{
  gsize i;

  for (i = 0; i + 2 < len; i++) {
    if (data[i] == 0 && data[i + 1] == 0)
      g_assert_cmpuint (data[i + 2], >=, 3);
  }
}

static void
fill_zero_heavy (GRand * rand, guint8 * data, gsize len)
{
  gsize i;

  /* Mostly bytes 0-3, so runs that need escaping are frequent. */
  for (i = 0; i < len; i++) {
    guint32 r = g_rand_int (rand);

    data[i] = (r & 3) ? (r >> 8) & 3 : (r >> 8) & 0xff;
    if ((r & 0x30) == 0)
      data[i] = 0;
  }
}

static void
round_trip (const guint8 * in, gsize len)
{
  guint8 *escaped = g_malloc (escape_bound (len));
  guint8 *back = g_malloc (len + 1);
  gsize escaped_len = e2ee_frame_format_escape (in, len, escaped);
  gsize back_len;

  g_assert_cmpuint (escaped_len, <=, escape_bound (len));
  assert_no_start_code_emulation (escaped, escaped_len);

  back_len = e2ee_frame_format_unescape (escaped, escaped_len, back);
  g_assert_cmpmem (back, back_len, in, len);

  /* In place, as the header allows. */
  g_assert_cmpuint (e2ee_frame_format_unescape (escaped, escaped_len,
          escaped), ==, len);
  g_assert_cmpmem (escaped, len, in, len);

  g_free (escaped);
  g_free (back);
}

static void
test_escape_round_trip_random (void)
{
  GRand *rand = g_rand_new_with_seed (0xe2ee);
  guint8 data[600];
  guint iteration;

  for (iteration = 0; iteration < 20000; iteration++) {
    gsize len = g_rand_int_range (rand, 0, sizeof (data));
    gsize i;

    if (iteration % 2) {
      fill_zero_heavy (rand, data, len);
    } else {
      for (i = 0; i < len; i++)
        data[i] = g_rand_int (rand);
    }
    round_trip (data, len);
  }
  g_rand_free (rand);
}

/* Every sequence of up to 8 bytes drawn from {00, 01, 02, 03, 04}. */
static void
test_escape_round_trip_exhaustive (void)
{
  static const guint8 alphabet[] = { 0, 1, 2, 3, 4 };
  guint8 data[8];
  gsize len;

  for (len = 0; len <= G_N_ELEMENTS (data); len++) {
    guint64 combos = 1, c;
    gsize i;

    for (i = 0; i < len; i++)
      combos *= G_N_ELEMENTS (alphabet);
    for (c = 0; c < combos; c++) {
      guint64 v = c;

      for (i = 0; i < len; i++) {
        data[i] = alphabet[v % G_N_ELEMENTS (alphabet)];
        v /= G_N_ELEMENTS (alphabet);
      }
      round_trip (data, len);
    }
  }
}

/* All zeros is the worst case: one escape byte per two input bytes. */
static void
test_escape_worst_case (void)
{
  gsize len;

  for (len = 0; len < 2000; len += 7) {
    guint8 *zeros = g_malloc0 (len + 1);
    guint8 *out = g_malloc (escape_bound (len));
    gsize out_len = e2ee_frame_format_escape (zeros, len, out);

    g_assert_cmpuint (out_len, ==, len + (len > 0 ? (len - 1) / 2 : 0));
    g_assert_cmpuint (out_len, <=, escape_bound (len));
    g_free (zeros);
    g_free (out);
  }
}

/* Unescape never grows and takes any bytes, including a lone 00 00 03 at
 * the end and 00 00 03 03. */
static void
test_unescape_edges (void)
{
  static const guint8 tail[] = { 0x11, 0, 0, 3 };
  static const guint8 tail_out[] = { 0x11, 0, 0 };
  static const guint8 double3[] = { 0, 0, 3, 3 };
  static const guint8 double3_out[] = { 0, 0, 3 };
  guint8 out[8];

  g_assert_cmpuint (e2ee_frame_format_unescape (tail, sizeof (tail), out),
      ==, sizeof (tail_out));
  g_assert_cmpmem (out, sizeof (tail_out), tail_out, sizeof (tail_out));
  g_assert_cmpuint (e2ee_frame_format_unescape (double3, sizeof (double3),
          out), ==, sizeof (double3_out));
  g_assert_cmpmem (out, sizeof (double3_out), double3_out,
      sizeof (double3_out));
}

static void
generate_soup (GRand * rand, guint8 * frame, gsize len)
{
  static const guint8 pieces[][4] = {
    {0, 0, 1}, {0, 0, 0, 1}, {0x65}, {0x41}, {0x26}, {0x02}, {0x09}, {0},
    {0xff}, {0x40, 0x01}, {3}, {0, 0}
  };
  static const guint8 piece_len[] = { 3, 4, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2 };
  gsize pos = 0;

  while (pos < len) {
    guint p = g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces));
    gsize n = MIN (piece_len[p], len - pos);

    memcpy (frame + pos, pieces[p], n);
    pos += n;
  }
}

static void
test_against_reference (void)
{
  GRand *rand = g_rand_new_with_seed (0x1e5);
  guint8 frame[64], a[128], b[128];
  guint iteration;

  for (iteration = 0; iteration < 200000; iteration++) {
    gsize len = g_rand_int_range (rand, 0, sizeof (frame));
    E2eeFrameType type = iteration % 2 ? E2EE_FRAME_TYPE_KEY :
        E2EE_FRAME_TYPE_DELTA;
    E2eeFrameSplit ours, ref;

    generate_soup (rand, frame, len);
    ours = e2ee_frame_format_split (E2EE_CODEC_H264, type, frame, len);
    ref = ref_split_h26x (frame, len, iteration % 2 ? 10 : 3);
    g_assert_cmpuint (ours.header_len, ==, ref.header_len);
    g_assert_cmpint (ours.nal_processing, ==, ref.nal_processing);

    g_assert_cmpmem (a, e2ee_frame_format_escape (frame, len, a), b,
        ref_escape (frame, len, b));
    g_assert_cmpmem (a, e2ee_frame_format_unescape (frame, len, a), b,
        ref_unescape (frame, len, b));
  }
  g_rand_free (rand);
}

/* The scans behind escaping look at whole blocks (64 or 128 bytes from
 * where they start, reading one byte more) and at the tail byte by byte;
 * the short frames above never reach a block. */

static gsize
ref_find (const guint8 * d, gsize len, gboolean escape_byte_only)
{
  gsize i;

  for (i = 0; i + 2 < len; i++) {
    if (d[i] == 0 && d[i + 1] == 0
        && (escape_byte_only ? d[i + 2] == 3 : d[i + 2] <= 3))
      return i;
  }
  return len;
}

static void
fill_nonzero (GRand * rand, guint8 * data, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    data[i] = g_rand_int_range (rand, 1, 256);
}

/* Escaping, unescaping and both scans agree with the byte-by-byte
 * references on @data. */
static void
assert_matches_reference (const guint8 * data, gsize len)
{
  guint8 *a = g_malloc (escape_bound (len));
  guint8 *b = g_malloc (escape_bound (len));

  g_assert_cmpuint (e2ee_frame_format_find_escape_point (data, len, 0), ==,
      ref_find (data, len, FALSE));
  g_assert_cmpuint (e2ee_frame_format_find_escape_byte (data, len, 0), ==,
      ref_find (data, len, TRUE));
  g_assert_cmpmem (a, e2ee_frame_format_escape (data, len, a), b,
      ref_escape (data, len, b));
  g_assert_cmpmem (a, e2ee_frame_format_unescape (data, len, a), b,
      ref_unescape (data, len, b));
  g_free (a);
  g_free (b);
}

/* One 00 00 x at every offset of otherwise zero-free data, for every
 * length up to a few blocks: pairs inside a block, straddling two blocks,
 * in the byte a block reads past its end, and in the tail. */
static void
test_scan_pair_at_every_offset (void)
{
  GRand *rand = g_rand_new_with_seed (0xb10c);
  guint8 data[300];
  gsize len, at;
  guint8 x;

  for (len = 0; len <= sizeof (data); len++) {
    for (at = 0; at + 2 <= len; at++) {
      for (x = 0; x <= 4; x++) {
        fill_nonzero (rand, data, len);
        data[at] = data[at + 1] = 0;
        if (at + 2 < len)
          data[at + 2] = x;
        assert_matches_reference (data, len);
      }
    }
  }
  g_rand_free (rand);
}

/* Long random data with sparse zeros and a few pairs (ciphertext-like),
 * and runs of zeros of every length. */
static void
test_scan_long_buffers (void)
{
  GRand *rand = g_rand_new_with_seed (0x10e6);
  guint8 *data = g_malloc (20000);
  guint iteration;

  for (iteration = 0; iteration < 400; iteration++) {
    gsize len = g_rand_int_range (rand, 0, 20000);
    guint pairs = g_rand_int_range (rand, 0, 6);
    gsize i, run;

    for (i = 0; i < len; i++)
      data[i] = g_rand_int_range (rand, 0, 256);
    while (len >= 3 && pairs-- > 0) {
      i = g_rand_int_range (rand, 0, len - 2);
      data[i] = data[i + 1] = 0;
      data[i + 2] = g_rand_int_range (rand, 0, 5);
    }
    run = len > 0 ? g_rand_int_range (rand, 0, MIN (len, 300)) : 0;
    if (iteration % 4 == 0 && run > 0)
      memset (data + g_rand_int_range (rand, 0, len - run + 1), 0, run);
    assert_matches_reference (data, len);
  }
  g_free (data);
  g_rand_free (rand);
}

/* What the encryptor relies on to escape in place: the bytes before the
 * first escape point are unchanged, and escaping afresh from it gives
 * the rest, whatever precedes it. */
static void
test_escape_restarts_at_first_point (void)
{
  GRand *rand = g_rand_new_with_seed (0xf125);
  guint8 data[600];
  guint8 whole[900], part[900];
  guint iteration;

  for (iteration = 0; iteration < 20000; iteration++) {
    gsize len = g_rand_int_range (rand, 0, sizeof (data));
    gsize first, whole_len, part_len;

    if (iteration % 2)
      fill_zero_heavy (rand, data, len);
    else
      fill_nonzero (rand, data, len);
    if (len >= 3 && iteration % 3 == 0)
      memset (data + g_rand_int_range (rand, 0, len - 2), 0, 3);
    first = e2ee_frame_format_find_escape_point (data, len, 0);
    whole_len = e2ee_frame_format_escape (data, len, whole);
    memcpy (part, data, first);
    part_len = first + e2ee_frame_format_escape (data + first, len - first,
        part + first);
    g_assert_cmpmem (part, part_len, whole, whole_len);
  }
  g_rand_free (rand);
}

/* All zeros, long: the worst case through the block scan, and back. */
static void
test_escape_worst_case_long (void)
{
  gsize len = 10000;
  guint8 *zeros = g_malloc0 (len);

  assert_matches_reference (zeros, len);
  round_trip (zeros, len);
  g_free (zeros);
}

/* Random and start-code-heavy garbage for every codec: never reads past
 * the frame (exact-size heap copies), header never longer than the frame,
 * a slice-based header always inside it with its NAL header in clear. */
static void
test_split_garbage (void)
{
  static const guint8 pieces[][4] = {
    {0, 0, 1}, {0, 0, 0, 1}, {0x65}, {0x41}, {0x26}, {0x02}, {0x09}, {0},
    {0xff}, {0x40, 0x01}
  };
  static const guint8 piece_len[] = { 3, 4, 1, 1, 1, 1, 1, 1, 1, 2 };
  GRand *rand = g_rand_new_with_seed (0x5eed);
  guint iteration;

  for (iteration = 0; iteration < 50000; iteration++) {
    gsize len = g_rand_int_range (rand, 0, 48);
    guint8 *frame = g_malloc (len ? len : 1);
    gsize pos = 0;
    E2eeCodec codec;

    while (pos < len) {
      guint p = g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces));
      gsize n = MIN (piece_len[p], len - pos);

      if (iteration % 3 == 0) {
        frame[pos++] = g_rand_int (rand);
        continue;
      }
      memcpy (frame + pos, pieces[p], n);
      pos += n;
    }
    frame = g_realloc (frame, len ? len : 1);

    for (codec = E2EE_CODEC_DATA; codec <= E2EE_CODEC_H265; codec++) {
      E2eeFrameType type;

      for (type = E2EE_FRAME_TYPE_AUTO; type <= E2EE_FRAME_TYPE_DELTA; type++) {
        E2eeFrameSplit split = e2ee_frame_format_split (codec, type, frame,
            len);

        g_assert_cmpuint (split.header_len, <=, len);
        if (split.nal_processing) {
          g_assert_true (codec == E2EE_CODEC_H264 || codec == E2EE_CODEC_H265);
          g_assert_cmpuint (split.header_len, >=, 5);
          g_assert_cmpuint (split.header_len + 2, <=, len);
        }
      }
    }
    g_free (frame);
  }
  g_rand_free (rand);
}

/* ---- the sender's split, size bound, trailer, received frames ---- */

/* Tiny H.26x frames: the sender splits where LiveKit's receiver will see a
 * slice once encrypted bytes follow, and refuses a frame no receiver can
 * split; anything else splits as e2ee_frame_format_split() says. */
static void
test_split_as_receiver_will (void)
{
  static const guint8 slice_at_end[] = { 0, 0, 0, 1, 0x65, 0x88, 0x84 };
  static const guint8 ends_in_slice_header[] = { 0, 0, 0, 1, 0x65 };
  static const guint8 vp8[] = { 0x90, 1, 2 };
  E2eeFrameSplit split;

  g_assert_true (e2ee_frame_format_split_as_receiver_will (E2EE_CODEC_H264,
          E2EE_FRAME_TYPE_DELTA, slice_at_end, sizeof (slice_at_end),
          &split));
  g_assert_cmpuint (split.header_len, ==, 6);
  g_assert_true (split.nal_processing);

  g_assert_false (e2ee_frame_format_split_as_receiver_will (E2EE_CODEC_H264,
          E2EE_FRAME_TYPE_DELTA, ends_in_slice_header,
          sizeof (ends_in_slice_header), &split));

  g_assert_true (e2ee_frame_format_split_as_receiver_will (E2EE_CODEC_VP8,
          E2EE_FRAME_TYPE_AUTO, vp8, sizeof (vp8), &split));
  g_assert_cmpuint (split.header_len, ==, 3);
  g_assert_false (split.nal_processing);
}

static void
test_max_encrypted_size (void)
{
  g_assert_cmpuint (e2ee_frame_format_max_encrypted_size (E2EE_CODEC_VP8,
          0), ==, 0);
  g_assert_cmpuint (e2ee_frame_format_max_encrypted_size (E2EE_CODEC_VP8,
          10), ==, 40);
  g_assert_cmpuint (e2ee_frame_format_max_encrypted_size (E2EE_CODEC_AUDIO,
          G_MAXSIZE - 10), ==, G_MAXSIZE);
  g_assert_cmpuint (e2ee_frame_format_max_encrypted_size (E2EE_CODEC_H264,
          100), ==, 100 + 50 + 30 + 15 + 1);
  g_assert_cmpuint (e2ee_frame_format_max_encrypted_size (E2EE_CODEC_H265,
          G_MAXSIZE / 2), ==, G_MAXSIZE);
}

/* A frame of @header, 16 sealed bytes of 0x11 and the trailer. */
static GByteArray *
received_frame (const guint8 * header, gsize header_len, guint8 key_index)
{
  static const guint8 iv[E2EE_FRAME_IV_LENGTH] = {
    0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
  };
  guint8 sealed[16], trailer[E2EE_FRAME_IV_LENGTH + 2];
  GByteArray *frame = g_byte_array_new ();

  memset (sealed, 0x11, sizeof (sealed));
  e2ee_frame_format_write_trailer (trailer, iv, key_index);
  g_assert_cmpmem (trailer, E2EE_FRAME_IV_LENGTH, iv, sizeof (iv));
  g_assert_cmpuint (trailer[E2EE_FRAME_IV_LENGTH], ==, 12);
  g_assert_cmpuint (trailer[E2EE_FRAME_IV_LENGTH + 1], ==, key_index);
  g_byte_array_append (frame, header, header_len);
  g_byte_array_append (frame, sealed, sizeof (sealed));
  g_byte_array_append (frame, trailer, sizeof (trailer));
  return frame;
}

static gboolean
parse (E2eeCodec codec, GByteArray * frame, guint8 * scratch,
    E2eeReceivedFrame * parsed, const gchar ** malformed)
{
  return e2ee_frame_format_parse_received (codec, E2EE_FRAME_TYPE_AUTO,
      frame->data, frame->len, scratch, parsed, malformed);
}

static void
test_parse_received (void)
{
  static const guint8 vp8_key[] = { 0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  GByteArray *frame = received_frame (vp8_key, sizeof (vp8_key), 5);
  guint8 scratch[128];
  E2eeReceivedFrame parsed;
  const gchar *malformed = NULL;

  g_assert_true (parse (E2EE_CODEC_VP8, frame, scratch, &parsed,
          &malformed));
  g_assert_cmpuint (parsed.header_len, ==, 10);
  g_assert_true (parsed.sealed == frame->data + 10);
  g_assert_cmpuint (parsed.sealed_len, ==, 16);
  g_assert_true (parsed.iv == frame->data + 26);
  g_assert_cmpuint (parsed.key_index, ==, 5);
  g_assert_cmpuint (parsed.n_starts, ==, 1);

  /* Shorter than its header: the header is what precedes the trailer. */
  g_byte_array_remove_range (frame, 1, 5);
  g_assert_true (parse (E2EE_CODEC_VP8, frame, scratch, &parsed,
          &malformed));
  g_assert_cmpuint (parsed.header_len, ==, 5);

  frame->data[frame->len - 2] = 16;
  g_assert_false (parse (E2EE_CODEC_VP8, frame, scratch, &parsed,
          &malformed));
  g_assert_cmpstr (malformed, ==, "IV length is not 12");

  g_byte_array_set_size (frame, 29);
  g_assert_false (parse (E2EE_CODEC_AUDIO, frame, scratch, &parsed,
          &malformed));
  g_assert_cmpstr (malformed, ==, "too short for its trailer");
  g_byte_array_unref (frame);
}

/* H.26x: the sealed part is unescaped into the scratch space only when it
 * has escape bytes; the sender's frame may begin after each leading
 * parameter set, with 3- or 4-byte start codes. */
static void
test_parse_received_h26x (void)
{
  static const guint8 four[] = {
    0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
    0, 0, 0, 1, 0x65, 0x88,
  };
  static const guint8 three[] = {
    0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
    0, 0, 1, 0x65, 0x88,
  };
  static const guint8 escape[] = { 0, 0, 3, 1 };
  guint8 scratch[128];
  E2eeReceivedFrame parsed;
  const gchar *malformed = NULL;
  GByteArray *frame = received_frame (four, sizeof (four), 0);
  GByteArray *escaped = g_byte_array_new ();

  g_assert_true (parse (E2EE_CODEC_H264, frame, scratch, &parsed,
          &malformed));
  g_assert_cmpuint (parsed.header_len, ==, 22);
  g_assert_true (parsed.sealed == frame->data + 22);
  g_assert_cmpuint (parsed.n_starts, ==, 3);
  g_assert_cmpuint (parsed.starts[1], ==, 8);
  g_assert_cmpuint (parsed.starts[2], ==, 16);

  /* An escape byte in the sealed part: parsed from the scratch space. */
  g_byte_array_append (escaped, frame->data, 23);
  g_byte_array_append (escaped, escape, sizeof (escape));
  g_byte_array_append (escaped, frame->data + 23, frame->len - 23);
  g_assert_true (parse (E2EE_CODEC_H264, escaped, scratch, &parsed,
          &malformed));
  g_assert_true (parsed.sealed == scratch);
  g_assert_cmpuint (parsed.sealed_len, ==, 16 + 3);
  g_assert_cmpuint (parsed.key_index, ==, 0);
  g_byte_array_unref (escaped);
  g_byte_array_unref (frame);

  frame = received_frame (three, sizeof (three), 1);
  g_assert_true (parse (E2EE_CODEC_H264, frame, scratch, &parsed,
          &malformed));
  g_assert_cmpuint (parsed.header_len, ==, 20);
  g_assert_cmpuint (parsed.n_starts, ==, 3);
  g_assert_cmpuint (parsed.starts[1], ==, 7);
  g_assert_cmpuint (parsed.starts[2], ==, 15);
  g_byte_array_unref (frame);
}

/* At most E2EE_FRAME_MAX_PARAMETER_SET_SKIPS leading parameter sets. */
static void
test_parse_received_skip_limit (void)
{
  static const guint8 sps[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f };
  static const guint8 idr[] = { 0, 0, 0, 1, 0x65, 0x88 };
  GByteArray *header = g_byte_array_new ();
  guint8 scratch[256];
  E2eeReceivedFrame parsed;
  const gchar *malformed = NULL;
  GByteArray *frame;
  guint i;

  for (i = 0; i < E2EE_FRAME_MAX_PARAMETER_SET_SKIPS + 3; i++)
    g_byte_array_append (header, sps, sizeof (sps));
  g_byte_array_append (header, idr, sizeof (idr));
  frame = received_frame (header->data, header->len, 2);
  g_assert_true (parse (E2EE_CODEC_H264, frame, scratch, &parsed,
          &malformed));
  g_assert_cmpuint (parsed.n_starts, ==,
      1 + E2EE_FRAME_MAX_PARAMETER_SET_SKIPS);
  for (i = 1; i < parsed.n_starts; i++)
    g_assert_cmpuint (parsed.starts[i], ==, i * sizeof (sps));
  g_byte_array_unref (frame);
  g_byte_array_unref (header);
}

/* In place, escaping gives what escaping into another buffer gives. */
static void
test_escape_in_place (void)
{
  static const guint8 cases[][8] = {
    {1, 2, 3, 4, 5, 6, 7, 8},
    {1, 0, 0, 1, 0, 0, 0, 0},
    {0, 0, 0, 0, 0, 0, 0, 0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint8 expected[16], data[16], scratch[8];
    gsize expected_len = e2ee_frame_format_escape (cases[i], 8, expected);

    memcpy (data, cases[i], 8);
    g_assert_cmpmem (data, e2ee_frame_format_escape_in_place (data, 8,
            scratch), expected, expected_len);
  }
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (split_cases); i++) {
    gchar *path = g_strdup_printf ("/frame-format/split/%s",
        split_cases[i].name);

    g_test_add_data_func (path, &split_cases[i], test_split);
    g_free (path);
  }
  g_test_add_func ("/frame-format/normalize-header", test_normalize_header);
  g_test_add_func ("/frame-format/escape/known", test_escape_known);
  g_test_add_func ("/frame-format/escape/round-trip-random",
      test_escape_round_trip_random);
  g_test_add_func ("/frame-format/escape/round-trip-exhaustive",
      test_escape_round_trip_exhaustive);
  g_test_add_func ("/frame-format/escape/worst-case",
      test_escape_worst_case);
  g_test_add_func ("/frame-format/unescape/edges", test_unescape_edges);
  g_test_add_func ("/frame-format/split/garbage", test_split_garbage);
  g_test_add_func ("/frame-format/scan/pair-at-every-offset",
      test_scan_pair_at_every_offset);
  g_test_add_func ("/frame-format/scan/long-buffers",
      test_scan_long_buffers);
  g_test_add_func ("/frame-format/escape/restarts-at-first-point",
      test_escape_restarts_at_first_point);
  g_test_add_func ("/frame-format/escape/worst-case-long",
      test_escape_worst_case_long);
  g_test_add_func ("/frame-format/against-reference",
      test_against_reference);
  g_test_add_func ("/frame-format/split-as-receiver-will",
      test_split_as_receiver_will);
  g_test_add_func ("/frame-format/max-encrypted-size",
      test_max_encrypted_size);
  g_test_add_func ("/frame-format/parse-received", test_parse_received);
  g_test_add_func ("/frame-format/parse-received/h26x",
      test_parse_received_h26x);
  g_test_add_func ("/frame-format/parse-received/skip-limit",
      test_parse_received_skip_limit);
  g_test_add_func ("/frame-format/escape/in-place", test_escape_in_place);

  return g_test_run ();
}
