/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Encrypted H.264 through RTP in one process: x264enc or openh264enc !
 * e2eeencrypt ! e2eertph264pay mtu=400 ! rtph264depay ! e2eedecrypt !
 * avdec_h264. Every frame must come out of the decryptor exactly as it went
 * into the encryptor. Also shows why e2eertph264pay exists (rtph264pay
 * loses every frame at key index 0) and what sprop-parameter-sets in the
 * depayloader's caps do. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>

#include "rtp-roundtrip-check.h"

#define N_FRAMES 40

#define X264ENC "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10"
#define OPENH264ENC "openh264enc gop-size=10"
/* Four slices per picture: only the first slice's header stays in clear,
 * the other slices' start codes end up inside the encrypted NAL unit. */
#define OPENH264ENC_SLICES OPENH264ENC " slice-mode=n-slices num-slices=4"

/* SPS and PPS of a 320x240 x264 stream, as rtph264pay puts them in caps. */
#define SPROP_PARAMETER_SETS \
    "Z0LAFdoFB+wFqDAwNSgAAAMACAAAAwHkeLF1,aM48gA=="

typedef struct
{
  const gchar *encoder;
  const gchar *payloader;
  const gchar *depayloader_caps;        /* extra capssetter, or NULL */
  KeySetup keys;
  gboolean skip_parser;         /* encoder output straight to "encrypt" */
} RoundTrip;

static void
run_h264 (const RoundTrip * rt, FrameLog * log)
{
  gchar *encrypt = crypto_element (&rt->keys, "e2eeencrypt", "encrypt");
  gchar *decrypt = crypto_element (&rt->keys, "e2eedecrypt", "decrypt");
  gchar *description;

  description = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
      "%s ! %s "
      "video/x-h264,stream-format=byte-stream,alignment=au ! %s ! %s mtu=400 ! "
      "%s%s rtph264depay ! "
      "video/x-h264,stream-format=byte-stream,alignment=au ! %s ! "
      "h264parse ! avdec_h264 ! fakesink", N_FRAMES, rt->encoder,
      rt->skip_parser ? "" : "h264parse !", encrypt, rt->payloader, rt->depayloader_caps ? rt->depayloader_caps : "",
      rt->depayloader_caps ? " !" : "", decrypt);
  run_roundtrip (description, &rt->keys, log);

  g_free (description);
  g_free (encrypt);
  g_free (decrypt);
}

static void
check_byte_exact (const gchar * encoder, KeyMode keys, guint key_index)
{
  RoundTrip rt = { encoder, "e2eertph264pay", NULL, {keys, key_index} };
  FrameLog log;

  frame_log_init (&log);
  run_h264 (&rt, &log);
  assert_frames_identical (&log, N_FRAMES);
  fail_unless_equals_int (log.fake_rejected, 0);
  frame_log_clear (&log);
}

/* Packet layout, byte for byte, on a hand-made access unit. */

/* SPS ending in 0x00 before a 4-byte start code, PPS, then an IDR slice
 * behind a 3-byte start code whose last byte is 0x00 (a key index 0). */
static GstBuffer *
make_access_unit (gsize idr_size)
{
  static const guint8 head[] = {
    0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x1e, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x68, 0xce, 0x3c, 0x80,
    0x00, 0x00, 0x01, 0x65
  };
  gsize size = sizeof (head) + idr_size - 1;
  guint8 *data = g_malloc (size);

  memcpy (data, head, sizeof (head));
  memset (data + sizeof (head), 0x11, idr_size - 2);
  data[size - 1] = 0x00;
  return gst_buffer_new_wrapped (data, size);
}

static GstHarness *
new_payloader_harness (guint mtu)
{
  GstHarness *h = gst_harness_new ("e2eertph264pay");

  g_object_set (h->element, "mtu", mtu, NULL);
  gst_harness_set_src_caps_str (h,
      "video/x-h264,stream-format=byte-stream,alignment=au");
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

static void
assert_payload (GBytes * payload, const guint8 * expected, gsize size)
{
  fail_unless_equals_int (g_bytes_get_size (payload), size);
  fail_unless (memcmp (g_bytes_get_data (payload, NULL), expected, size) == 0);
  g_bytes_unref (payload);
}

/* MTU 44 leaves 32 payload bytes: SPS and PPS go into one STAP-A packet,
 * the 63-byte IDR NAL unit into three FU-A fragments of 20, 21 and 21
 * bytes; every zero byte but the start codes' is payload. */
GST_START_TEST (test_packets_stap_a_fu_a)
{
  static const guint8 stap_a[] = {
    0x78, 0x00, 0x05, 0x67, 0x42, 0xc0, 0x1e, 0x00,
    0x00, 0x04, 0x68, 0xce, 0x3c, 0x80
  };
  static const guint8 fu_headers[3][2] = {
    {0x7c, 0x85}, {0x7c, 0x05}, {0x7c, 0x45}
  };
  static const gsize fragment_sizes[3] = { 20, 21, 21 };
  GstHarness *h = new_payloader_harness (44);
  GByteArray *body = g_byte_array_new ();
  guint i;

  fail_unless_equals_int (gst_harness_push (h, make_access_unit (63)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 4);

  assert_payload (pull_payload (h, FALSE), stap_a, sizeof (stap_a));
  for (i = 0; i < 3; i++) {
    GBytes *payload = pull_payload (h, i == 2);
    const guint8 *data = g_bytes_get_data (payload, NULL);

    fail_unless_equals_int (g_bytes_get_size (payload), 2 + fragment_sizes[i]);
    fail_unless (memcmp (data, fu_headers[i], 2) == 0);
    g_byte_array_append (body, data + 2, fragment_sizes[i]);
    g_bytes_unref (payload);
  }
  fail_unless_equals_int (body->len, 62);
  fail_unless_equals_int (body->data[0], 0x11);
  fail_unless_equals_int (body->data[61], 0x00);

  g_byte_array_unref (body);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* With room for everything, the whole access unit is one STAP-A packet. */
GST_START_TEST (test_packets_single_stap_a)
{
  GstHarness *h = new_payloader_harness (1200);
  GBytes *payload;
  const guint8 *data;

  fail_unless_equals_int (gst_harness_push (h, make_access_unit (30)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 1);
  payload = pull_payload (h, TRUE);
  data = g_bytes_get_data (payload, NULL);
  fail_unless_equals_int (g_bytes_get_size (payload), 1 + 7 + 6 + 2 + 30);
  fail_unless_equals_int (data[0], 0x78);
  fail_unless_equals_int (GST_READ_UINT16_BE (data + 14), 30);
  fail_unless_equals_int (data[16], 0x65);
  fail_unless_equals_int (data[16 + 29], 0x00);
  g_bytes_unref (payload);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A NAL unit alone goes into a single NAL unit packet, zeros and all. */
GST_START_TEST (test_packets_single_nal_unit)
{
  static const guint8 frame[] = {
    0x00, 0x00, 0x00, 0x01, 0x41, 0x9a, 0x00, 0x03, 0x00, 0x00
  };
  GstHarness *h = new_payloader_harness (1200);

  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (frame, sizeof (frame))), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 1);
  assert_payload (pull_payload (h, TRUE), frame + 4, sizeof (frame) - 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Leading zero bytes and empty NAL units carry nothing: one NAL unit. */
GST_START_TEST (test_packets_leading_zeros_and_empty_nal_units)
{
  static const guint8 frame[] = {
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x41, 0x9a, 0x00
  };
  static const guint8 nal_unit[] = { 0x41, 0x9a, 0x00 };
  GstHarness *h = new_payloader_harness (1200);

  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (frame, sizeof (frame))), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 1);
  assert_payload (pull_payload (h, TRUE), nal_unit, sizeof (nal_unit));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Without a start code there is no NAL unit: dropped, not an error; so
 * is an empty buffer. */
GST_START_TEST (test_packets_no_start_code)
{
  static const guint8 frame[] = { 0x41, 0x9a, 0x00, 0x01, 0x02 };
  GstHarness *h = new_payloader_harness (1200);

  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (frame, sizeof (frame))), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Packetizer only: plaintext frames with a trailer that ends in 0x00. */

GST_START_TEST (test_fake_x264enc)
{
  check_byte_exact (X264ENC, KEYS_FAKE, 0);
}

GST_END_TEST;

GST_START_TEST (test_fake_openh264enc)
{
  check_byte_exact (OPENH264ENC, KEYS_FAKE, 0);
}

GST_END_TEST;

GST_START_TEST (test_fake_openh264enc_slices)
{
  check_byte_exact (OPENH264ENC_SLICES, KEYS_FAKE, 0);
}

GST_END_TEST;

/* rtph264pay trims the trailing 0x00 of every frame, so not one fake
 * trailer survives: the reason e2eertph264pay exists. */
GST_START_TEST (test_fake_stock_payloader_loses_zeros)
{
  RoundTrip rt = { X264ENC, "rtph264pay", NULL, {KEYS_FAKE, 0} };
  FrameLog log;

  frame_log_init (&log);
  run_h264 (&rt, &log);
  fail_unless_equals_int (log.before->len, N_FRAMES);
  fail_unless_equals_int (log.after->len, 0);
  fail_unless_equals_int (log.fake_rejected, N_FRAMES);
  frame_log_clear (&log);
}

GST_END_TEST;

/* Real encryption, byte for byte, every encoder, key index and key mode. */

GST_START_TEST (test_x264enc_passphrase_index_0)
{
  check_byte_exact (X264ENC, KEYS_PASSPHRASE, 0);
}

GST_END_TEST;

GST_START_TEST (test_x264enc_passphrase_index_5)
{
  check_byte_exact (X264ENC, KEYS_PASSPHRASE, 5);
}

GST_END_TEST;

GST_START_TEST (test_x264enc_provider_index_0)
{
  check_byte_exact (X264ENC, KEYS_PROVIDER, 0);
}

GST_END_TEST;

GST_START_TEST (test_x264enc_provider_index_5)
{
  check_byte_exact (X264ENC, KEYS_PROVIDER, 5);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_passphrase_index_0)
{
  check_byte_exact (OPENH264ENC, KEYS_PASSPHRASE, 0);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_passphrase_index_5)
{
  check_byte_exact (OPENH264ENC, KEYS_PASSPHRASE, 5);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_provider_index_0)
{
  check_byte_exact (OPENH264ENC, KEYS_PROVIDER, 0);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_provider_index_5)
{
  check_byte_exact (OPENH264ENC, KEYS_PROVIDER, 5);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_slices_passphrase_index_0)
{
  check_byte_exact (OPENH264ENC_SLICES, KEYS_PASSPHRASE, 0);
}

GST_END_TEST;

/* x264enc writes 3-byte start codes in front of SEI and slices. LiveKit
 * authenticates the clear header with 4-byte start codes, which is what
 * the depayloader outputs, so every frame decrypts, and comes back with
 * 4-byte start codes up to the first slice. (h264parse in front of the
 * encryptor writes 4-byte start codes, so there frames come back as they
 * went in.) */
static GBytes *
with_long_start_codes_in_clear_header (GBytes * frame)
{
  gsize size, i;
  const guint8 *data = g_bytes_get_data (frame, &size);
  GByteArray *out = g_byte_array_sized_new (size + 8);
  const guint8 zero = 0;
  gboolean in_clear_header = TRUE;

  for (i = 0; i < size; i++) {
    if (in_clear_header && i + 3 < size && data[i] == 0 && data[i + 1] == 0 &&
        data[i + 2] == 1) {
      guint nal_type = data[i + 3] & 0x1f;

      if (i == 0 || data[i - 1] != 0)
        g_byte_array_append (out, &zero, 1);
      in_clear_header = nal_type != 1 && nal_type != 5;
    }
    g_byte_array_append (out, data + i, 1);
  }
  return g_byte_array_free_to_bytes (out);
}

GST_START_TEST (test_x264enc_short_start_codes)
{
  RoundTrip rt = { X264ENC, "e2eertph264pay", NULL, {KEYS_PASSPHRASE, 0},
    TRUE
  };
  FrameLog log;
  guint i, short_codes = 0;

  frame_log_init (&log);
  run_h264 (&rt, &log);
  fail_unless_equals_int (log.before->len, N_FRAMES);
  fail_unless_equals_int (log.after->len, N_FRAMES);
  for (i = 0; i < N_FRAMES; i++) {
    GBytes *sent = g_ptr_array_index (log.before, i);
    GBytes *expected = with_long_start_codes_in_clear_header (sent);

    if (!g_bytes_equal (expected, sent))
      short_codes++;
    fail_unless (g_bytes_equal (expected, g_ptr_array_index (log.after, i)),
        "frame %u differs", i);
    g_bytes_unref (expected);
  }
  /* the case this test is about did happen */
  fail_unless_equals_int (short_codes, N_FRAMES);
  frame_log_clear (&log);
}

GST_END_TEST;

/* rtph264pay at key index 0: the key index byte is trimmed off every frame,
 * so the decryptor can authenticate none of them. */
GST_START_TEST (test_stock_payloader_fails_at_index_0)
{
  RoundTrip rt = { X264ENC, "rtph264pay", NULL, {KEYS_PASSPHRASE, 0} };
  FrameLog log;

  frame_log_init (&log);
  run_h264 (&rt, &log);
  fail_unless_equals_int (log.before->len, N_FRAMES);
  fail_unless_equals_int (log.after->len, 0);
  frame_log_clear (&log);
}

GST_END_TEST;

/* With sprop-parameter-sets in its caps, rtph264depay (byte-stream out)
 * puts SPS and PPS in front of the first access unit it outputs
 * (gstrtph264depay.c, 1.22: setcaps keeps them as codec_data, push
 * prepends it). With the fake trailer this shows as one longer frame. */
#define WITH_SPROP \
  "capssetter caps=\"application/x-rtp,sprop-parameter-sets=(string)\\\"" \
  SPROP_PARAMETER_SETS "\\\"\""

/* Dropping sprop-parameter-sets before the depayloader (the old rule for
 * receivers) still works, and is no longer needed. */
#define WITHOUT_SPROP \
  WITH_SPROP " ! capssetter replace=true caps=\"application/x-rtp," \
  "media=video,clock-rate=90000,encoding-name=H264,payload=96\""

static gsize
sprop_annex_b_size (void)
{
  gchar **sets = g_strsplit (SPROP_PARAMETER_SETS, ",", 0);
  gsize size = 0, decoded;
  guint i;

  for (i = 0; sets[i]; i++) {
    g_free (g_base64_decode (sets[i], &decoded));
    size += 4 + decoded;
  }
  g_strfreev (sets);
  return size;
}

GST_START_TEST (test_fake_sprop_prepended_to_first_frame)
{
  RoundTrip rt = { X264ENC, "e2eertph264pay", WITH_SPROP, {KEYS_FAKE, 0} };
  FrameLog log;
  GBytes *sent, *received;
  gsize prefix = sprop_annex_b_size ();

  frame_log_init (&log);
  run_h264 (&rt, &log);
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

GST_END_TEST;

/* The prepended parameter sets sit in front of the first frame's clear
 * header (the AAD), so that frame fails authentication as received; the
 * frame cryptor then tries it from the start codes after the parameter
 * sets and releases the authenticated rest, which is exactly the sender's
 * frame: all frames come out byte for byte. */
GST_START_TEST (test_sprop_first_frame_authenticates)
{
  RoundTrip rt = { X264ENC, "e2eertph264pay", WITH_SPROP,
    {KEYS_PASSPHRASE, 0}
  };
  FrameLog log;

  frame_log_init (&log);
  run_h264 (&rt, &log);
  assert_frames_identical (&log, N_FRAMES);
  frame_log_clear (&log);
}

GST_END_TEST;

GST_START_TEST (test_sprop_removed_before_depayloader)
{
  RoundTrip rt = { X264ENC, "e2eertph264pay", WITHOUT_SPROP,
    {KEYS_PASSPHRASE, 0}
  };
  FrameLog log;

  frame_log_init (&log);
  run_h264 (&rt, &log);
  assert_frames_identical (&log, N_FRAMES);
  frame_log_clear (&log);
}

GST_END_TEST;

static Suite *
rtp_h264_suite (void)
{
  Suite *s = suite_create ("rtp-h264");
  TCase *packets = tcase_create ("packets");
  TCase *fake = tcase_create ("packetizer");
  TCase *real = tcase_create ("encrypted");

  suite_add_tcase (s, packets);
  tcase_add_test (packets, test_packets_stap_a_fu_a);
  tcase_add_test (packets, test_packets_single_stap_a);
  tcase_add_test (packets, test_packets_single_nal_unit);
  tcase_add_test (packets, test_packets_leading_zeros_and_empty_nal_units);
  tcase_add_test (packets, test_packets_no_start_code);

  suite_add_tcase (s, fake);
  tcase_add_test (fake, test_fake_x264enc);
  tcase_add_test (fake, test_fake_openh264enc);
  tcase_add_test (fake, test_fake_openh264enc_slices);
  tcase_add_test (fake, test_fake_stock_payloader_loses_zeros);
  tcase_add_test (fake, test_fake_sprop_prepended_to_first_frame);

  suite_add_tcase (s, real);
  tcase_add_test (real, test_x264enc_passphrase_index_0);
  tcase_add_test (real, test_x264enc_passphrase_index_5);
  tcase_add_test (real, test_x264enc_provider_index_0);
  tcase_add_test (real, test_x264enc_provider_index_5);
  tcase_add_test (real, test_openh264enc_passphrase_index_0);
  tcase_add_test (real, test_openh264enc_passphrase_index_5);
  tcase_add_test (real, test_openh264enc_provider_index_0);
  tcase_add_test (real, test_openh264enc_provider_index_5);
  tcase_add_test (real, test_openh264enc_slices_passphrase_index_0);
  tcase_add_test (real, test_x264enc_short_start_codes);
  tcase_add_test (real, test_stock_payloader_fails_at_index_0);
  tcase_add_test (real, test_sprop_first_frame_authenticates);
  tcase_add_test (real, test_sprop_removed_before_depayloader);

  return s;
}

GST_CHECK_MAIN (rtp_h264);
