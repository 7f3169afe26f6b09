/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* VP8 over RTP around e2eeencrypt/e2eedecrypt, in one process:
 *
 *   videotestsrc ! vp8enc ! ENCRYPT ! e2eertpvp8pay ! rtpvp8depay !
 *       DECRYPT ! vp8dec ! fakesink
 *
 * Every frame entering ENCRYPT must leave DECRYPT byte for byte, the decoder
 * must decode every frame, and the bus must stay free of errors and
 * warnings. ENCRYPT/DECRYPT are the real elements (shared passphrase or a
 * per-participant key provider, key index 0 and 5), or a fake cipher that
 * keeps LiveKit's clear header, scrambles the rest and appends a 30-byte
 * trailer, so the payloader is proven independently of the cryptography.
 * Also shown: the stock rtpvp8pay fails on encrypted frames, which is why
 * e2eertpvp8pay exists; and the payload descriptors e2eertpvp8pay writes. */

#include "rtp-vpx-roundtrip.h"

#define VP8_KEY_FRAME_CLEAR_SIZE 10
#define VP8_DELTA_FRAME_CLEAR_SIZE 3

static gsize
vp8_clear_size (const guint8 * frame, gsize size)
{
  /* Bit 0 of the frame tag is 0 on key frames; LiveKit keeps it in clear. */
  gsize clear = (frame[0] & 0x01) == 0 ?
      VP8_KEY_FRAME_CLEAR_SIZE : VP8_DELTA_FRAME_CLEAR_SIZE;

  return MIN (clear, size);
}

static const VpxCodec vp8 = {
  "vp8", "vp8enc deadline=1 keyframe-max-dist=10",
  "gst-e2ee vp8 pipeline test", 96, vp8_clear_size
};

GST_START_TEST (test_fake_cipher_round_trip)
{
  check_fake_cipher_round_trip (&vp8);
}

GST_END_TEST;

GST_START_TEST (test_plaintext_round_trip)
{
  check_plaintext_round_trip (&vp8);
}

GST_END_TEST;

GST_START_TEST (test_passphrase_key_index_0)
{
  check_passphrase_round_trip (&vp8, 0);
}

GST_END_TEST;

GST_START_TEST (test_passphrase_key_index_5)
{
  check_passphrase_round_trip (&vp8, 5);
}

GST_END_TEST;

GST_START_TEST (test_participant_key_index_0)
{
  check_participant_round_trip (&vp8, 0);
}

GST_END_TEST;

GST_START_TEST (test_participant_key_index_5)
{
  check_participant_round_trip (&vp8, 5);
}

GST_END_TEST;

/* The reason e2eertpvp8pay exists: rtpvp8pay parses the VP8 partitions
 * behind LiveKit's clear header and gives up on encrypted frames. */
GST_START_TEST (test_stock_payloader_fails_on_encrypted_frames)
{
  check_stock_payloader_fails (&vp8, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_stock_payloader_fails_on_fake_cipher)
{
  check_stock_payloader_fails (&vp8, TRUE);
}

GST_END_TEST;

/* Only a fake encryptor would leave a frame tag like this one: the
 * payloader must not care. */
static GstBuffer *
vp8_patterned_frame (gsize size, gboolean key_frame, GstClockTime pts)
{
  GstBuffer *buffer = patterned_frame (size, key_frame, pts);
  guint8 tag = key_frame ? 0xfe : 0xff;

  gst_buffer_fill (buffer, 0, &tag, 1);
  return buffer;
}

GST_START_TEST (test_descriptors_15bit)
{
  GstHarness *h = gst_harness_new_parse ("e2eertpvp8pay mtu=600 "
      "picture-id-offset=32766");
  /* 600 - 12 (RTP) - 4 (descriptor) = 584 per packet: 1500 bytes need 3
   * packets of 500; picture ID 0x7ffe, then 0x7fff, then it wraps to 0 */
  const ExpectedPacket key[] = {
    {{0x90, 0x80, 0xff, 0xfe}, 4, 500, FALSE},
    {{0x80, 0x80, 0xff, 0xfe}, 4, 500, FALSE},
    {{0x80, 0x80, 0xff, 0xfe}, 4, 500, TRUE},
  };
  /* 1167 bytes: 583 + 584, the larger one last */
  const ExpectedPacket delta[] = {
    {{0x90, 0x80, 0xff, 0xff}, 4, 583, FALSE},
    {{0x80, 0x80, 0xff, 0xff}, 4, 584, TRUE},
  };
  const ExpectedPacket small[] = {
    {{0x90, 0x80, 0x80, 0x00}, 4, 1, TRUE},
  };

  gst_harness_set_src_caps_str (h, "video/x-vp8");
  push_and_check_packets (&vp8, h, vp8_patterned_frame (1500, TRUE, 0), key, 3);
  push_and_check_packets (&vp8, h, vp8_patterned_frame (1167, FALSE,
          GST_SECOND / 30), delta, 2);
  push_and_check_packets (&vp8, h, vp8_patterned_frame (1, FALSE,
          GST_SECOND / 15), small, 1);

  /* an empty frame (LiveKit passes them through) makes no packet */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_descriptors_7bit_and_none)
{
  GstHarness *h = gst_harness_new_parse ("e2eertpvp8pay mtu=600 "
      "picture-id-mode=7-bit picture-id-offset=127");
  const ExpectedPacket seven[] = {
    {{0x90, 0x80, 0x7f}, 3, 100, TRUE},
  };
  const ExpectedPacket seven_wrapped[] = {
    {{0x90, 0x80, 0x00}, 3, 100, TRUE},
  };
  const ExpectedPacket none[] = {
    {{0x10}, 1, 587, FALSE},
    {{0x00}, 1, 587, TRUE},
  };

  gst_harness_set_src_caps_str (h, "video/x-vp8");
  push_and_check_packets (&vp8, h, vp8_patterned_frame (100, TRUE, 0), seven,
      1);
  push_and_check_packets (&vp8, h, vp8_patterned_frame (100, FALSE, 1),
      seven_wrapped, 1);
  gst_harness_teardown (h);

  h = gst_harness_new_parse ("e2eertpvp8pay mtu=600 picture-id-mode=none");
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  push_and_check_packets (&vp8, h, vp8_patterned_frame (1174, TRUE, 0), none,
      2);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_smallest_mtu)
{
  check_smallest_mtu (&vp8, vp8_patterned_frame);
}

GST_END_TEST;

static Suite *
rtp_vp8_suite (void)
{
  Suite *s = suite_create ("rtp-vp8");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_descriptors_15bit);
  tcase_add_test (tc, test_descriptors_7bit_and_none);
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

GST_CHECK_MAIN (rtp_vp8);
