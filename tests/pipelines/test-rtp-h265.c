/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Encrypted H.265 through RTP in one process: x265enc ! e2eeencrypt !
 * e2eertph265pay mtu=400 ! rtph265depay ! e2eedecrypt ! avdec_h265. Every
 * frame must come out of the decryptor exactly as it went into the
 * encryptor. Also shows why e2eertph265pay exists (rtph265pay loses every
 * frame at key index 0) and what sprop-vps/sps/pps in the depayloader's caps
 * do. */

#include "rtp-h26x-roundtrip.h"

#define X265ENC "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=10"

/* VPS, SPS and PPS of a 320x240 x265 stream, as rtph265pay puts them in
 * caps. */
#define SPROP_VPS "QAEMAf//AWAAAAMAkAAAAwAAAwA/ugJA"
#define SPROP_SPS \
    "QgEBAWAAAAMAkAAAAwAAAwA/oAoIDxZbpKTC//AAEAAWoMDAwIAAAAMAgAAADwQ="
#define SPROP_PPS "RAHAcYMS"

/* Packet layout, byte for byte, on a hand-made access unit. */

/* VPS, SPS and PPS, then an IDR_W_RADL slice whose last byte is 0x00 (a
 * key index 0). */
static GstBuffer *
make_access_unit (gsize idr_size)
{
  static const guint8 head[] = {
    0x00, 0x00, 0x00, 0x01, 0x40, 0x01, 0x0c, 0x01, 0xff,
    0x00, 0x00, 0x00, 0x01, 0x42, 0x01, 0x01, 0x01, 0x60,
    0x00, 0x00, 0x00, 0x01, 0x44, 0x01, 0xc0, 0x71,
    0x00, 0x00, 0x01, 0x26, 0x01
  };
  gsize size = sizeof (head) + idr_size - 2;
  guint8 *data = g_malloc (size);

  memcpy (data, head, sizeof (head));
  memset (data + sizeof (head), 0x11, idr_size - 3);
  data[size - 1] = 0x00;
  return gst_buffer_new_wrapped (data, size);
}

/* MTU 44 leaves 32 payload bytes: VPS, SPS and PPS go into one
 * aggregation packet, the 63-byte IDR NAL unit into three fragmentation
 * units of 20, 20 and 21 bytes; the trailing zero stays. */
GST_START_TEST (test_packets_ap_fu)
{
  static const guint8 ap[] = {
    0x60, 0x01,
    0x00, 0x05, 0x40, 0x01, 0x0c, 0x01, 0xff,
    0x00, 0x05, 0x42, 0x01, 0x01, 0x01, 0x60,
    0x00, 0x04, 0x44, 0x01, 0xc0, 0x71
  };
  static const guint8 fu_headers[3][3] = {
    {0x62, 0x01, 0x93}, {0x62, 0x01, 0x13}, {0x62, 0x01, 0x53}
  };
  static const gsize fragment_sizes[3] = { 20, 20, 21 };
  GstHarness *h = new_payloader_harness ("h265", 44);
  GByteArray *body;

  fail_unless_equals_int (gst_harness_push (h, make_access_unit (63)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 4);

  assert_payload (pull_payload (h, FALSE), ap, sizeof (ap));
  body = pull_fragments (h, fu_headers[0], 3, fragment_sizes, 3);
  fail_unless_equals_int (body->len, 61);
  fail_unless_equals_int (body->data[0], 0x11);
  fail_unless_equals_int (body->data[60], 0x00);

  g_byte_array_unref (body);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A NAL unit alone goes into a single NAL unit packet, zeros and all. */
GST_START_TEST (test_packets_single_nal_unit)
{
  static const guint8 frame[] = {
    0x00, 0x00, 0x00, 0x01, 0x02, 0x01, 0xd0, 0x00, 0x03, 0x00, 0x00
  };
  GstHarness *h = new_payloader_harness ("h265", 1200);

  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (frame, sizeof (frame))), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 1);
  assert_payload (pull_payload (h, TRUE), frame + 4, sizeof (frame) - 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Packetizer only: plaintext frames with a trailer that ends in 0x00. */

GST_START_TEST (test_fake_x265enc)
{
  check_byte_exact ("h265", X265ENC, KEYS_FAKE, 0);
}

GST_END_TEST;

/* rtph265pay trims the trailing 0x00 of every frame, so not one fake
 * trailer survives: the reason e2eertph265pay exists. */
GST_START_TEST (test_fake_stock_payloader_loses_zeros)
{
  RoundTrip rt = { "h265", X265ENC, "rtph265pay", NULL,
    {KEYS_FAKE, 0}
  };

  check_all_frames_lost (&rt);
}

GST_END_TEST;

/* Real encryption, byte for byte, every encoder, key index and key mode. */

GST_START_TEST (test_x265enc_passphrase_index_0)
{
  check_byte_exact ("h265", X265ENC, KEYS_PASSPHRASE, 0);
}

GST_END_TEST;

GST_START_TEST (test_x265enc_passphrase_index_5)
{
  check_byte_exact ("h265", X265ENC, KEYS_PASSPHRASE, 5);
}

GST_END_TEST;

GST_START_TEST (test_x265enc_provider_index_0)
{
  check_byte_exact ("h265", X265ENC, KEYS_PROVIDER, 0);
}

GST_END_TEST;

GST_START_TEST (test_x265enc_provider_index_5)
{
  check_byte_exact ("h265", X265ENC, KEYS_PROVIDER, 5);
}

GST_END_TEST;

/* rtph265pay at key index 0: the key index byte is trimmed off every frame,
 * so the decryptor can authenticate none of them. */
GST_START_TEST (test_stock_payloader_fails_at_index_0)
{
  RoundTrip rt = { "h265", X265ENC, "rtph265pay", NULL,
    {KEYS_PASSPHRASE, 0}
  };

  check_all_frames_lost (&rt);
}

GST_END_TEST;

/* With all of sprop-vps, sprop-sps and sprop-pps in its caps,
 * rtph265depay (byte-stream out) puts them in front of the first access
 * unit it outputs (gstrtph265depay.c, 1.22: setcaps keeps them as
 * codec_data, push prepends it). With the fake trailer this shows as one
 * longer frame. */
#define WITH_SPROP \
  "capssetter caps=\"application/x-rtp,sprop-vps=(string)" SPROP_VPS \
  ",sprop-sps=(string)\\\"" SPROP_SPS "\\\",sprop-pps=(string)" SPROP_PPS \
  "\""

/* Dropping the sprop parameter sets before the depayloader (the old rule
 * for receivers) still works, and is no longer needed. */
#define WITHOUT_SPROP \
  WITH_SPROP " ! capssetter replace=true caps=\"application/x-rtp," \
  "media=video,clock-rate=90000,encoding-name=H265,payload=96\""

static gsize
sprop_annex_b_size (void)
{
  const gchar *sets[] = { SPROP_VPS, SPROP_SPS, SPROP_PPS };
  gsize size = 0, decoded;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sets); i++) {
    g_free (g_base64_decode (sets[i], &decoded));
    size += 4 + decoded;
  }
  return size;
}

GST_START_TEST (test_fake_sprop_prepended_to_first_frame)
{
  RoundTrip rt = { "h265", X265ENC, "e2eertph265pay", WITH_SPROP,
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
  RoundTrip rt = { "h265", X265ENC, "e2eertph265pay", WITH_SPROP,
    {KEYS_PASSPHRASE, 0}
  };

  check_frames_identical (&rt);
}

GST_END_TEST;

GST_START_TEST (test_sprop_removed_before_depayloader)
{
  RoundTrip rt = { "h265", X265ENC, "e2eertph265pay", WITHOUT_SPROP,
    {KEYS_PASSPHRASE, 0}
  };

  check_frames_identical (&rt);
}

GST_END_TEST;

static Suite *
rtp_h265_suite (void)
{
  Suite *s = suite_create ("rtp-h265");
  TCase *packets = tcase_create ("packets");
  TCase *fake = tcase_create ("packetizer");
  TCase *real = tcase_create ("encrypted");

  suite_add_tcase (s, packets);
  tcase_add_test (packets, test_packets_ap_fu);
  tcase_add_test (packets, test_packets_single_nal_unit);

  suite_add_tcase (s, fake);
  tcase_add_test (fake, test_fake_x265enc);
  tcase_add_test (fake, test_fake_stock_payloader_loses_zeros);
  tcase_add_test (fake, test_fake_sprop_prepended_to_first_frame);

  suite_add_tcase (s, real);
  tcase_add_test (real, test_x265enc_passphrase_index_0);
  tcase_add_test (real, test_x265enc_passphrase_index_5);
  tcase_add_test (real, test_x265enc_provider_index_0);
  tcase_add_test (real, test_x265enc_provider_index_5);
  tcase_add_test (real, test_stock_payloader_fails_at_index_0);
  tcase_add_test (real, test_sprop_first_frame_authenticates);
  tcase_add_test (real, test_sprop_removed_before_depayloader);

  return s;
}

GST_CHECK_MAIN (rtp_h265);
