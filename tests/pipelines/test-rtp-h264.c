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
} RoundTrip;

static void
run_h264 (const RoundTrip * rt, FrameLog * log)
{
  gchar *encrypt = crypto_element (&rt->keys, "e2eeencrypt", "encrypt");
  gchar *decrypt = crypto_element (&rt->keys, "e2eedecrypt", "decrypt");
  gchar *description;

  description = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! %s ! h264parse ! "
      "video/x-h264,stream-format=byte-stream,alignment=au ! %s ! %s mtu=400 ! "
      "%s%s rtph264depay ! "
      "video/x-h264,stream-format=byte-stream,alignment=au ! %s ! "
      "h264parse ! avdec_h264 ! fakesink", N_FRAMES, rt->encoder, encrypt,
      rt->payloader, rt->depayloader_caps ? rt->depayloader_caps : "",
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

/* Rule for receivers: drop sprop-parameter-sets before the depayloader. */
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

/* The prepended parameter sets change the first frame's clear header (the
 * AAD): the decryptor rejects it, every later frame is fine. */
GST_START_TEST (test_sprop_first_frame_fails_authentication)
{
  RoundTrip rt = { X264ENC, "e2eertph264pay", WITH_SPROP, {KEYS_PASSPHRASE, 0} };
  FrameLog log;
  guint i;

  frame_log_init (&log);
  run_h264 (&rt, &log);
  fail_unless_equals_int (log.before->len, N_FRAMES);
  fail_unless_equals_int (log.after->len, N_FRAMES - 1);
  for (i = 0; i < log.after->len; i++)
    fail_unless (g_bytes_equal (g_ptr_array_index (log.before, i + 1),
            g_ptr_array_index (log.after, i)), "frame %u differs", i + 1);
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
  TCase *fake = tcase_create ("packetizer");
  TCase *real = tcase_create ("encrypted");

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
  tcase_add_test (real, test_stock_payloader_fails_at_index_0);
  tcase_add_test (real, test_sprop_first_frame_fails_authentication);
  tcase_add_test (real, test_sprop_removed_before_depayloader);

  return s;
}

GST_CHECK_MAIN (rtp_h264);
