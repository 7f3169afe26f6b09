/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* What the H.264 and H.265 tests share: the round trip
 *
 *   videotestsrc ! ENCODER ! hNNNparse ! ENCRYPT ! PAYLOADER mtu=400 !
 *       [capssetter !] rtphNNNdepay ! DECRYPT ! hNNNparse ! avdec_hNNN
 *
 * on top of rtp-roundtrip-check.h, and the packet checks on a harness
 * around the payloader. */

#pragma once

#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>

#include "rtp-roundtrip-check.h"

#define N_FRAMES 40

typedef struct
{
  const gchar *codec;           /* "h264" or "h265": names caps, elements */
  const gchar *encoder;
  const gchar *payloader;
  const gchar *depayloader_caps;        /* extra capssetter, or NULL */
  KeySetup keys;
  gboolean skip_parser;         /* encoder output straight to "encrypt" */
} RoundTrip;

static void
run_h26x (const RoundTrip * rt, FrameLog * log)
{
  const gchar *codec = rt->codec;
  gchar *encrypt = crypto_element (&rt->keys, "e2eeencrypt", "encrypt");
  gchar *decrypt = crypto_element (&rt->keys, "e2eedecrypt", "decrypt");
  gchar *parser = rt->skip_parser ? g_strdup ("") :
      g_strdup_printf ("%sparse !", codec);
  gchar *description;

  description = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
      "%s ! %s "
      "video/x-%s,stream-format=byte-stream,alignment=au ! %s ! %s mtu=400 ! "
      "%s%s rtp%sdepay ! "
      "video/x-%s,stream-format=byte-stream,alignment=au ! %s ! "
      "%sparse ! avdec_%s ! fakesink", N_FRAMES, rt->encoder, parser, codec,
      encrypt, rt->payloader,
      rt->depayloader_caps ? rt->depayloader_caps : "",
      rt->depayloader_caps ? " !" : "", codec, codec, decrypt, codec, codec);
  run_roundtrip (description, &rt->keys, log);

  g_free (description);
  g_free (parser);
  g_free (encrypt);
  g_free (decrypt);
}

/* Every frame comes out of the decryptor as it went into the encryptor. */
static void
check_frames_identical (const RoundTrip * rt)
{
  FrameLog log;

  frame_log_init (&log);
  run_h26x (rt, &log);
  assert_frames_identical (&log, N_FRAMES);
  fail_unless_equals_int (log.fake_rejected, 0);
  frame_log_clear (&log);
}

static void
check_byte_exact (const gchar * codec, const gchar * encoder, KeyMode keys,
    guint key_index)
{
  gchar *payloader = g_strdup_printf ("e2eertp%spay", codec);
  RoundTrip rt = { codec, encoder, payloader, NULL, {keys, key_index} };

  check_frames_identical (&rt);
  g_free (payloader);
}

/* Not one frame comes out of the decryptor; with the fake cipher, because
 * every trailer was damaged. */
static void
check_all_frames_lost (const RoundTrip * rt)
{
  FrameLog log;

  frame_log_init (&log);
  run_h26x (rt, &log);
  fail_unless_equals_int (log.before->len, N_FRAMES);
  fail_unless_equals_int (log.after->len, 0);
  if (rt->keys.mode == KEYS_FAKE)
    fail_unless_equals_int (log.fake_rejected, N_FRAMES);
  frame_log_clear (&log);
}

/* With the fake cipher, the first frame comes out behind @prefix bytes of
 * parameter sets the depayloader put in front; all others unchanged. */
static void
check_fake_first_frame_prefixed (const RoundTrip * rt, gsize prefix)
{
  FrameLog log;
  GBytes *sent, *received;

  frame_log_init (&log);
  run_h26x (rt, &log);
  fail_unless_equals_int (log.after->len, N_FRAMES);
  fail_unless_equals_int (count_identical_frames (&log), N_FRAMES - 1);

  sent = g_ptr_array_index (log.before, 0);
  received = g_ptr_array_index (log.after, 0);
  fail_unless_equals_int (g_bytes_get_size (received),
      prefix + g_bytes_get_size (sent));
  fail_unless (memcmp ((const guint8 *) g_bytes_get_data (received, NULL) +
          prefix, g_bytes_get_data (sent, NULL), g_bytes_get_size (sent)) == 0);
  frame_log_clear (&log);
}

/* Packet layout, byte for byte, on a hand-made access unit. */

static GstHarness *
new_payloader_harness (const gchar * codec, guint mtu)
{
  gchar *factory = g_strdup_printf ("e2eertp%spay", codec);
  gchar *caps = g_strdup_printf ("video/x-%s,stream-format=byte-stream,"
      "alignment=au", codec);
  GstHarness *h = gst_harness_new (factory);

  g_object_set (h->element, "mtu", mtu, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (factory);
  g_free (caps);
  return h;
}

/* Pulls one packet, checks its marker and returns its payload. */
static GBytes *
pull_payload (GstHarness * h, gboolean marker)
{
  GstBuffer *packet = gst_harness_pull (h);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GBytes *payload;

  fail_unless (packet != NULL);
  fail_unless (gst_rtp_buffer_map (packet, GST_MAP_READ, &rtp));
  fail_unless_equals_int (gst_rtp_buffer_get_marker (&rtp), marker);
  payload = gst_rtp_buffer_get_payload_bytes (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  gst_buffer_unref (packet);
  return payload;
}

/* Checks and frees @payload. */
static void
assert_payload (GBytes * payload, const guint8 * expected, gsize size)
{
  fail_unless_equals_int (g_bytes_get_size (payload), size);
  fail_unless (memcmp (g_bytes_get_data (payload, NULL), expected, size) == 0);
  g_bytes_unref (payload);
}

/* Pulls @n fragmentation units, the last with the marker: unit i has the
 * @header_size bytes at @headers + i * @header_size, then
 * @fragment_sizes[i] bytes of NAL unit. Returns the NAL unit they carry. */
static GByteArray *
pull_fragments (GstHarness * h, const guint8 * headers, gsize header_size,
    const gsize * fragment_sizes, guint n)
{
  GByteArray *body = g_byte_array_new ();
  guint i;

  for (i = 0; i < n; i++) {
    GBytes *payload = pull_payload (h, i == n - 1);
    const guint8 *data = g_bytes_get_data (payload, NULL);

    fail_unless_equals_int (g_bytes_get_size (payload),
        header_size + fragment_sizes[i]);
    fail_unless (memcmp (data, headers + i * header_size, header_size) == 0);
    g_byte_array_append (body, data + header_size, fragment_sizes[i]);
    g_bytes_unref (payload);
  }
  return body;
}
