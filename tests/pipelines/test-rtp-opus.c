/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Encrypted Opus through the stock RTP elements in one process: opusenc !
 * e2eeencrypt ! rtpopuspay ! rtpopusdepay ! e2eedecrypt ! opusdec. They
 * never look into the payload, so every frame must come out of the
 * decryptor exactly as it went into the encryptor. */

#include <gst/check/gstcheck.h>

#include "rtp-roundtrip-check.h"

#define N_BUFFERS 50
/* opusenc drains one frame more at EOS: its lookahead (pre-skip) pushes the
 * last samples into frame 51. */
#define N_FRAMES (N_BUFFERS + 1)

static void
check_byte_exact (KeyMode mode, guint key_index)
{
  KeySetup keys = { mode, key_index };
  gchar *encrypt = crypto_element (&keys, "e2eeencrypt", "encrypt");
  gchar *decrypt = crypto_element (&keys, "e2eedecrypt", "decrypt");
  gchar *description;
  FrameLog log;

  /* 20 ms frames: 960 samples at 48 kHz per buffer, one frame each. */
  description = g_strdup_printf ("audiotestsrc num-buffers=%u "
      "samplesperbuffer=960 wave=pink-noise ! "
      "audio/x-raw,rate=48000,channels=2 ! opusenc frame-size=20 ! %s ! "
      "rtpopuspay mtu=400 ! rtpopusdepay ! %s ! opusdec ! fakesink",
      N_BUFFERS, encrypt, decrypt);

  frame_log_init (&log);
  run_roundtrip (description, &keys, &log);
  assert_frames_identical (&log, N_FRAMES);
  fail_unless_equals_int (log.fake_rejected, 0);
  frame_log_clear (&log);

  g_free (description);
  g_free (encrypt);
  g_free (decrypt);
}

GST_START_TEST (test_fake)
{
  check_byte_exact (KEYS_FAKE, 0);
}

GST_END_TEST;

GST_START_TEST (test_passphrase_index_0)
{
  check_byte_exact (KEYS_PASSPHRASE, 0);
}

GST_END_TEST;

GST_START_TEST (test_passphrase_index_5)
{
  check_byte_exact (KEYS_PASSPHRASE, 5);
}

GST_END_TEST;

GST_START_TEST (test_provider_index_0)
{
  check_byte_exact (KEYS_PROVIDER, 0);
}

GST_END_TEST;

GST_START_TEST (test_provider_index_5)
{
  check_byte_exact (KEYS_PROVIDER, 5);
}

GST_END_TEST;

static Suite *
rtp_opus_suite (void)
{
  Suite *s = suite_create ("rtp-opus");
  TCase *fake = tcase_create ("packetizer");
  TCase *real = tcase_create ("encrypted");

  suite_add_tcase (s, fake);
  tcase_add_test (fake, test_fake);

  suite_add_tcase (s, real);
  tcase_add_test (real, test_passphrase_index_0);
  tcase_add_test (real, test_passphrase_index_5);
  tcase_add_test (real, test_provider_index_0);
  tcase_add_test (real, test_provider_index_5);

  return s;
}

GST_CHECK_MAIN (rtp_opus);
