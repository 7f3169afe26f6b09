/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* VP9 over RTP around e2eeencrypt/e2eedecrypt, in one process:
 *
 *   videotestsrc ! vp9enc ! ENCRYPT ! e2eertpvp9pay ! rtpvp9depay !
 *       DECRYPT ! vp9dec ! fakesink
 *
 * Every frame entering ENCRYPT must leave DECRYPT byte for byte, the decoder
 * must decode every frame, and the bus must stay free of errors and
 * warnings. ENCRYPT/DECRYPT are the real elements (shared passphrase or a
 * per-participant key provider, key index 0 and 5), or a fake cipher that
 * scrambles the whole frame (LiveKit keeps no VP9 byte in clear) and
 * appends a 30-byte trailer, so the payloader is proven independently of
 * the cryptography. Also shown: the stock rtpvp9pay fails on encrypted
 * frames, which is why e2eertpvp9pay exists; and the payload descriptors
 * e2eertpvp9pay writes. */

#include "rtp-vpx-roundtrip.h"

/* LiveKit encrypts VP9 frames whole, uncompressed header included. */
static gsize
vp9_clear_size (const guint8 * frame, gsize size)
{
  return 0;
}

static const VpxCodec vp9 = {
  "vp9", "vp9enc deadline=1 cpu-used=8 keyframe-max-dist=10",
  "gst-e2ee vp9 pipeline test", 98, vp9_clear_size
};

GST_START_TEST (test_fake_cipher_round_trip)
{
  check_fake_cipher_round_trip (&vp9);
}

GST_END_TEST;

GST_START_TEST (test_plaintext_round_trip)
{
  check_plaintext_round_trip (&vp9);
}

GST_END_TEST;

GST_START_TEST (test_passphrase_key_index_0)
{
  check_passphrase_round_trip (&vp9, 0);
}

GST_END_TEST;

GST_START_TEST (test_passphrase_key_index_5)
{
  check_passphrase_round_trip (&vp9, 5);
}

GST_END_TEST;

GST_START_TEST (test_participant_key_index_0)
{
  check_participant_round_trip (&vp9, 0);
}

GST_END_TEST;

GST_START_TEST (test_participant_key_index_5)
{
  check_participant_round_trip (&vp9, 5);
}

GST_END_TEST;

/* The reason e2eertpvp9pay exists: rtpvp9pay parses the VP9 uncompressed
 * header, which LiveKit encrypts, and gives up on encrypted frames. */
GST_START_TEST (test_stock_payloader_fails_on_encrypted_frames)
{
  check_stock_payloader_fails (&vp9, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_stock_payloader_fails_on_fake_cipher)
{
  check_stock_payloader_fails (&vp9, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_descriptors)
{
  GstHarness *h = gst_harness_new_parse ("e2eertpvp9pay mtu=600 "
      "picture-id-offset=32766");
  /* Key frame: I|B|V, picture ID 0x7ffe, then the scalability structure
   * N_S=0 Y=1 G=0, 320x240. 600 - 12 (RTP) - 3 (descriptor) = 585 per
   * packet; 1500 bytes + 5 of structure make 3 packets of 501-502 bytes,
   * the larger ones last. */
  const ExpectedPacket key[] = {
    {{0x8a, 0xff, 0xfe, 0x10, 0x01, 0x40, 0x00, 0xf0}, 8, 496, FALSE},
    {{0x80, 0xff, 0xfe}, 3, 502, FALSE},
    {{0x84, 0xff, 0xfe}, 3, 502, TRUE},
  };
  /* Delta frame: I|P|B, then I|P|E; 1167 bytes = 583 + 584 */
  const ExpectedPacket delta[] = {
    {{0xc8, 0xff, 0xff}, 3, 583, FALSE},
    {{0xc4, 0xff, 0xff}, 3, 584, TRUE},
  };
  /* the picture ID wraps to 0 */
  const ExpectedPacket small_delta[] = {
    {{0xcc, 0x80, 0x00}, 3, 1, TRUE},
  };
  const ExpectedPacket small_key[] = {
    {{0x8e, 0x80, 0x01, 0x10, 0x01, 0x40, 0x00, 0xf0}, 8, 20, TRUE},
  };

  gst_harness_set_src_caps_str (h, "video/x-vp9, width=320, height=240");
  push_and_check_packets (&vp9, h, patterned_frame (1500, TRUE, 0), key, 3);
  push_and_check_packets (&vp9, h, patterned_frame (1167, FALSE,
          GST_SECOND / 30), delta, 2);
  push_and_check_packets (&vp9, h, patterned_frame (1, FALSE, GST_SECOND / 15),
      small_delta, 1);
  push_and_check_packets (&vp9, h, patterned_frame (20, TRUE, GST_SECOND / 10),
      small_key, 1);

  /* an empty frame (LiveKit passes them through) makes no packet */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_descriptors_without_resolution)
{
  GstHarness *h = gst_harness_new_parse ("e2eertpvp9pay mtu=600 "
      "picture-id-offset=0");
  /* no size in the caps: N_S=0 Y=0 G=0, one byte of structure */
  const ExpectedPacket small_key[] = {
    {{0x8e, 0x80, 0x00, 0x00}, 4, 50, TRUE},
  };
  /* 1200 bytes + 1 of structure = 400 + 400 + 401 */
  const ExpectedPacket key[] = {
    {{0x8a, 0x80, 0x01, 0x00}, 4, 399, FALSE},
    {{0x80, 0x80, 0x01}, 3, 400, FALSE},
    {{0x84, 0x80, 0x01}, 3, 401, TRUE},
  };

  gst_harness_set_src_caps_str (h, "video/x-vp9");
  push_and_check_packets (&vp9, h, patterned_frame (50, TRUE, 0), small_key, 1);
  push_and_check_packets (&vp9, h, patterned_frame (1200, TRUE, GST_SECOND),
      key, 3);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* What rtpvp9depay needs, since it does not parse the frame either: it
 * drops everything until a frame whose packets all have P=0 (a key frame),
 * and takes its output caps from the scalability structure's frame size. */
GST_START_TEST (test_depayloader_needs_key_frame_descriptor)
{
  GstHarness *h = gst_harness_new_parse ("e2eertpvp9pay mtu=600 ! "
      "rtpvp9depay");
  GstBuffer *out;
  GstCaps *caps;
  GstStructure *s;
  gint width = 0, height = 0;

  gst_harness_set_src_caps_str (h, "video/x-vp9, width=320, height=240");
  fail_unless_equals_int (gst_harness_push (h, patterned_frame (800, FALSE,
              0)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  fail_unless_equals_int (gst_harness_push (h, patterned_frame (1500, TRUE,
              GST_SECOND / 30)), GST_FLOW_OK);
  out = gst_harness_try_pull (h);
  fail_unless (out != NULL, "rtpvp9depay dropped the frame");
  fail_unless_equals_int (gst_buffer_get_size (out), 1500);
  fail_if (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unref (out);
  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get_int (s, "width", &width));
  fail_unless (gst_structure_get_int (s, "height", &height));
  fail_unless_equals_int (width, 320);
  fail_unless_equals_int (height, 240);
  gst_caps_unref (caps);

  fail_unless_equals_int (gst_harness_push (h, patterned_frame (800, FALSE,
              GST_SECOND / 15)), GST_FLOW_OK);
  out = gst_harness_try_pull (h);
  fail_unless (out != NULL, "rtpvp9depay dropped the frame");
  fail_unless_equals_int (gst_buffer_get_size (out), 800);
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_smallest_mtu)
{
  check_smallest_mtu (&vp9, patterned_frame);
}

GST_END_TEST;

static Suite *
rtp_vp9_suite (void)
{
  Suite *s = suite_create ("rtp-vp9");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_descriptors);
  tcase_add_test (tc, test_descriptors_without_resolution);
  tcase_add_test (tc, test_depayloader_needs_key_frame_descriptor);
  tcase_add_test (tc, test_smallest_mtu);
  tcase_add_test (tc, test_plaintext_round_trip);
  tcase_add_test (tc, test_fake_cipher_round_trip);
  tcase_add_test (tc, test_stock_payloader_fails_on_fake_cipher);
  tcase_add_test (tc, test_passphrase_key_index_0);
  tcase_add_test (tc, test_passphrase_key_index_5);
  tcase_add_test (tc, test_participant_key_index_0);
  tcase_add_test (tc, test_participant_key_index_5);
  tcase_add_test (tc, test_stock_payloader_fails_on_encrypted_frames);
  return s;
}

GST_CHECK_MAIN (rtp_vp9);
