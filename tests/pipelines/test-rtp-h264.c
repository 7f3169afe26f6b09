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

#include "rtp-h26x-roundtrip.h"

#define X264ENC "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10"
#define OPENH264ENC "openh264enc gop-size=10"
/* Four slices per picture: only the first slice's header stays in clear,
 * the other slices' start codes end up inside the encrypted NAL unit. */
#define OPENH264ENC_SLICES OPENH264ENC " slice-mode=n-slices num-slices=4"

/* SPS and PPS of a 320x240 x264 stream, as rtph264pay puts them in caps. */
#define SPROP_PARAMETER_SETS \
    "Z0LAFdoFB+wFqDAwNSgAAAMACAAAAwHkeLF1,aM48gA=="

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
  GstHarness *h = new_payloader_harness ("h264", 44);
  GByteArray *body;

  fail_unless_equals_int (gst_harness_push (h, make_access_unit (63)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 4);

  assert_payload (pull_payload (h, FALSE), stap_a, sizeof (stap_a));
  body = pull_fragments (h, fu_headers[0], 2, fragment_sizes, 3);
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
  GstHarness *h = new_payloader_harness ("h264", 1200);
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
  GstHarness *h = new_payloader_harness ("h264", 1200);

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
  GstHarness *h = new_payloader_harness ("h264", 1200);

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
  GstHarness *h = new_payloader_harness ("h264", 1200);

  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (frame, sizeof (frame))), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Packetizer only: plaintext frames with a trailer that ends in 0x00. */

GST_START_TEST (test_fake_x264enc)
{
  check_byte_exact ("h264", X264ENC, KEYS_FAKE, 0);
}

GST_END_TEST;

GST_START_TEST (test_fake_openh264enc)
{
  check_byte_exact ("h264", OPENH264ENC, KEYS_FAKE, 0);
}

GST_END_TEST;

GST_START_TEST (test_fake_openh264enc_slices)
{
  check_byte_exact ("h264", OPENH264ENC_SLICES, KEYS_FAKE, 0);
}

GST_END_TEST;

/* rtph264pay trims the trailing 0x00 of every frame, so not one fake
 * trailer survives: the reason e2eertph264pay exists. */
GST_START_TEST (test_fake_stock_payloader_loses_zeros)
{
  RoundTrip rt = { "h264", X264ENC, "rtph264pay", NULL,
    {KEYS_FAKE, 0}
  };

  check_all_frames_lost (&rt);
}

GST_END_TEST;

/* Real encryption, byte for byte, every encoder, key index and key mode. */

GST_START_TEST (test_x264enc_passphrase_index_0)
{
  check_byte_exact ("h264", X264ENC, KEYS_PASSPHRASE, 0);
}

GST_END_TEST;

GST_START_TEST (test_x264enc_passphrase_index_5)
{
  check_byte_exact ("h264", X264ENC, KEYS_PASSPHRASE, 5);
}

GST_END_TEST;

GST_START_TEST (test_x264enc_provider_index_0)
{
  check_byte_exact ("h264", X264ENC, KEYS_PROVIDER, 0);
}

GST_END_TEST;

GST_START_TEST (test_x264enc_provider_index_5)
{
  check_byte_exact ("h264", X264ENC, KEYS_PROVIDER, 5);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_passphrase_index_0)
{
  check_byte_exact ("h264", OPENH264ENC, KEYS_PASSPHRASE, 0);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_passphrase_index_5)
{
  check_byte_exact ("h264", OPENH264ENC, KEYS_PASSPHRASE, 5);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_provider_index_0)
{
  check_byte_exact ("h264", OPENH264ENC, KEYS_PROVIDER, 0);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_provider_index_5)
{
  check_byte_exact ("h264", OPENH264ENC, KEYS_PROVIDER, 5);
}

GST_END_TEST;

GST_START_TEST (test_openh264enc_slices_passphrase_index_0)
{
  check_byte_exact ("h264", OPENH264ENC_SLICES, KEYS_PASSPHRASE, 0);
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
  RoundTrip rt = { "h264", X264ENC, "e2eertph264pay", NULL,
    {KEYS_PASSPHRASE, 0}, TRUE
  };
  FrameLog log;
  guint i, short_codes = 0;

  frame_log_init (&log);
  run_h26x (&rt, &log);
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
  RoundTrip rt = { "h264", X264ENC, "rtph264pay", NULL,
    {KEYS_PASSPHRASE, 0}
  };

  check_all_frames_lost (&rt);
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
  RoundTrip rt = { "h264", X264ENC, "e2eertph264pay", WITH_SPROP,
    {KEYS_FAKE, 0}
  };

  check_fake_first_frame_prefixed (&rt, sprop_annex_b_size ());
}

GST_END_TEST;

/* The prepended parameter sets sit in front of the first frame's clear
 * header (the AAD), so that frame fails authentication as received; the
 * frame cryptor then tries it from the start codes after the parameter
 * sets and releases the authenticated rest, which is exactly the sender's
 * frame: all frames come out byte for byte. */
GST_START_TEST (test_sprop_first_frame_authenticates)
{
  RoundTrip rt = { "h264", X264ENC, "e2eertph264pay", WITH_SPROP,
    {KEYS_PASSPHRASE, 0}
  };

  check_frames_identical (&rt);
}

GST_END_TEST;

GST_START_TEST (test_sprop_removed_before_depayloader)
{
  RoundTrip rt = { "h264", X264ENC, "e2eertph264pay", WITHOUT_SPROP,
    {KEYS_PASSPHRASE, 0}
  };

  check_frames_identical (&rt);
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
