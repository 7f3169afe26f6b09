/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The round trip the VP8 and VP9 tests share:
 *
 *   videotestsrc ! ENCODER ! ENCRYPT ! PAYLOADER ! DEPAYLOADER !
 *       DECRYPT ! DECODER ! fakesink
 *
 * Unlike rtp-roundtrip-check.h (byte-exact frames only), these tests also
 * record the encrypted frames, count RTP packets and decoded frames, and
 * need the message that ended the pipeline, since the stock payloaders are
 * shown to fail with an error. The fake cipher keeps the codec's clear
 * header, scrambles the rest and appends a 30-byte trailer, so the
 * payloader is proven independently of the cryptography. */

#pragma once

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <keyring/e2ee.h>

#define N_FRAMES 60
#define MTU 600
#define PARTICIPANT "alice"
/* tag (16) + IV (12) + IV length (1) + key index (1) */
#define TRAILER_SIZE 30
#define NO_KEY_INDEX (-1)

/* Bytes LiveKit keeps in clear at the start of @frame. */
typedef gsize (*ClearSizeFunc) (const guint8 * frame, gsize size);

/* A frame of @size bytes for the payloader tests. */
typedef GstBuffer *(*MakeFrameFunc) (gsize size, gboolean key_frame,
    GstClockTime pts);

typedef struct
{
  const gchar *name;            /* "vp8": names the elements */
  const gchar *encoder;         /* encoder description */
  const gchar *passphrase;
  guint payload_type;           /* the payloader's default */
  ClearSizeFunc clear_size;
} VpxCodec;

typedef struct
{
  const VpxCodec *codec;
  const gchar *encrypt;         /* element description */
  const gchar *decrypt;
  const gchar *payloader;
  gboolean fake_cipher;         /* identity elements + scrambling probes */
  E2eeKeyProvider *provider;    /* set on both elements, or NULL */
} RoundTrip;

typedef struct
{
  GPtrArray *plain;             /* GBytes entering the encryptor */
  GPtrArray *encrypted;         /* GBytes entering the payloader */
  GPtrArray *decrypted;         /* GBytes entering the decoder */
  guint n_key_frames;           /* among the plain frames */
  guint n_packets;              /* RTP packets out of the payloader */
  guint n_decoded;              /* raw frames out of the decoder */
  gchar *enc_warning;           /* the encryptor's warning, if any */
} Capture;

/* Not a cipher: a fixed byte pattern that breaks the frame layout the way
 * encryption does, and that undoes itself. */
static void
fake_scramble (guint8 * data, gsize size)
{
  gsize i;

  for (i = 0; i < size; i++)
    data[i] ^= (guint8) (((i + 1) * 2654435761u) >> 24) | 0x01;
}

static GstBuffer *
buffer_new_like (GstBuffer * like, guint8 * data, gsize size)
{
  GstBuffer *out = gst_buffer_new_wrapped (data, size);

  gst_buffer_copy_into (out, like, GST_BUFFER_COPY_METADATA, 0, -1);
  return out;
}

static GstPadProbeReturn
fake_encrypt_probe (GstPad * pad, GstPadProbeInfo * info, gpointer codec)
{
  GstBuffer *in = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  guint8 *out;
  gsize clear, i;

  gst_buffer_map (in, &map, GST_MAP_READ);
  out = g_malloc (map.size + TRAILER_SIZE);
  memcpy (out, map.data, map.size);
  clear = ((const VpxCodec *) codec)->clear_size (map.data, map.size);
  fake_scramble (out + clear, map.size - clear);
  /* a random trailer ending in key index 0, like a real one */
  for (i = 0; i < TRAILER_SIZE - 1; i++)
    out[map.size + i] = g_random_int_range (0, 256);
  out[map.size + TRAILER_SIZE - 1] = 0x00;

  GST_PAD_PROBE_INFO_DATA (info) = buffer_new_like (in, out,
      map.size + TRAILER_SIZE);
  gst_buffer_unmap (in, &map);
  gst_buffer_unref (in);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
fake_decrypt_probe (GstPad * pad, GstPadProbeInfo * info, gpointer codec)
{
  GstBuffer *in = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  guint8 *out;
  gsize size, clear;

  gst_buffer_map (in, &map, GST_MAP_READ);
  fail_unless (map.size > TRAILER_SIZE);
  size = map.size - TRAILER_SIZE;
  out = g_memdup2 (map.data, size);
  clear = ((const VpxCodec *) codec)->clear_size (map.data, size);
  fake_scramble (out + clear, size - clear);

  GST_PAD_PROBE_INFO_DATA (info) = buffer_new_like (in, out, size);
  gst_buffer_unmap (in, &map);
  gst_buffer_unref (in);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
record_frame_probe (GstPad * pad, GstPadProbeInfo * info, gpointer frames)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_ptr_array_add (frames, g_bytes_new (map.data, map.size));
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_key_frame_probe (GstPad * pad, GstPadProbeInfo * info, gpointer count)
{
  if (!GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info),
          GST_BUFFER_FLAG_DELTA_UNIT))
    (*(guint *) count)++;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer count)
{
  (*(guint *) count)++;
  return GST_PAD_PROBE_OK;
}

/* Payloaders push a frame's packets as one buffer list. */
static GstPadProbeReturn
count_packets_probe (GstPad * pad, GstPadProbeInfo * info, gpointer count)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    *(guint *) count +=
        gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  else
    (*(guint *) count)++;
  return GST_PAD_PROBE_OK;
}

#define BUFFERS GST_PAD_PROBE_TYPE_BUFFER

static void
add_probe (GstElement * pipeline, const gchar * element, const gchar * pad,
    GstPadProbeType type, GstPadProbeCallback callback, gpointer data)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstPad *p = gst_element_get_static_pad (e, pad);

  gst_pad_add_probe (p, type, callback, data, NULL);
  gst_object_unref (p);
  gst_object_unref (e);
}

static void
set_key_provider (GstElement * pipeline, const gchar * element,
    E2eeKeyProvider * provider)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), element);

  g_object_set (e, "key-provider", provider, NULL);
  gst_object_unref (e);
}

static void
capture_init (Capture * cap)
{
  cap->plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  cap->encrypted =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  cap->decrypted =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  cap->n_key_frames = 0;
  cap->n_packets = 0;
  cap->n_decoded = 0;
  cap->enc_warning = NULL;
}

static void
capture_clear (Capture * cap)
{
  g_ptr_array_unref (cap->plain);
  g_ptr_array_unref (cap->encrypted);
  g_ptr_array_unref (cap->decrypted);
  g_free (cap->enc_warning);
}

static GstElement *
parse_round_trip (const RoundTrip * rt)
{
  const gchar *name = rt->codec->name;
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%d pattern=smpte "
      "horizontal-speed=4 ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! "
      "%s ! %s name=enc ! %s name=pay mtu=%d ! rtp%sdepay ! %s name=dec ! "
      "%sdec name=decoder ! fakesink name=sink", N_FRAMES,
      rt->codec->encoder, rt->encrypt, rt->payloader, MTU, name, rt->decrypt,
      name);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL && error == NULL, "%s: %s", desc,
      error ? error->message : "?");
  g_clear_error (&error);
  g_free (desc);
  return pipeline;
}

/* Runs the pipeline to its end and returns the EOS, error or warning
 * message that ended it. */
static GstMessage *
run_round_trip (const RoundTrip * rt, Capture * cap)
{
  GstElement *pipeline = parse_round_trip (rt);
  GstBus *bus;
  GstMessage *msg;

  if (rt->fake_cipher) {
    add_probe (pipeline, "enc", "src", BUFFERS, fake_encrypt_probe,
        (gpointer) rt->codec);
    add_probe (pipeline, "dec", "src", BUFFERS, fake_decrypt_probe,
        (gpointer) rt->codec);
  }
  if (rt->provider) {
    set_key_provider (pipeline, "enc", rt->provider);
    set_key_provider (pipeline, "dec", rt->provider);
  }
  add_probe (pipeline, "enc", "sink", BUFFERS, record_frame_probe, cap->plain);
  add_probe (pipeline, "enc", "sink", BUFFERS, count_key_frame_probe,
      &cap->n_key_frames);
  add_probe (pipeline, "pay", "sink", BUFFERS, record_frame_probe,
      cap->encrypted);
  add_probe (pipeline, "pay", "src",
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      count_packets_probe, &cap->n_packets);
  add_probe (pipeline, "decoder", "sink", BUFFERS, record_frame_probe,
      cap->decrypted);
  add_probe (pipeline, "sink", "sink", BUFFERS, count_probe, &cap->n_decoded);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  /* The encryptor warns about a stock payloader after it: noted, and the
   * run goes on to show what that payloader does. */
  while ((msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))
      && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING
      && g_str_equal (GST_MESSAGE_SRC_NAME (msg), "enc")
      && cap->enc_warning == NULL) {
    GError *error = NULL;

    gst_message_parse_warning (msg, &error, NULL);
    cap->enc_warning = g_strdup (error->message);
    g_clear_error (&error);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);

  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return msg;
}

static void
assert_eos (GstMessage * msg)
{
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    GError *error = NULL;
    gchar *debug = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &error, &debug);
    else
      gst_message_parse_warning (msg, &error, &debug);
    fail ("%s from %s: %s (%s)", GST_MESSAGE_TYPE_NAME (msg),
        GST_MESSAGE_SRC_NAME (msg), error->message, debug);
  }
  gst_message_unref (msg);
}

static gboolean
bytes_equal_from (GBytes * a, GBytes * b, gsize offset, gsize size)
{
  const guint8 *da = g_bytes_get_data (a, NULL);
  const guint8 *db = g_bytes_get_data (b, NULL);

  return memcmp (da + offset, db + offset, size) == 0;
}

/* Every frame went through encrypted and came back byte for byte. */
static void
assert_round_trip (const VpxCodec * codec, Capture * cap, gint key_index)
{
  guint i;

  fail_unless_equals_int (cap->plain->len, N_FRAMES);
  fail_unless (cap->n_key_frames >= N_FRAMES / 10);
  fail_unless_equals_int (cap->encrypted->len, cap->plain->len);
  fail_unless_equals_int (cap->decrypted->len, cap->plain->len);
  fail_unless_equals_int (cap->n_decoded, N_FRAMES);
  /* most frames needed more than one packet at this MTU */
  fail_unless (cap->n_packets > cap->plain->len * 3 / 2);

  for (i = 0; i < cap->plain->len; i++) {
    GBytes *plain = g_ptr_array_index (cap->plain, i);
    GBytes *encrypted = g_ptr_array_index (cap->encrypted, i);
    GBytes *decrypted = g_ptr_array_index (cap->decrypted, i);
    gsize size = g_bytes_get_size (plain);
    const guint8 *enc = g_bytes_get_data (encrypted, NULL);
    gsize clear = codec->clear_size (g_bytes_get_data (plain, NULL), size);

    fail_unless_equals_int (g_bytes_get_size (encrypted), size + TRAILER_SIZE);
    /* the clear header stays, the rest does not */
    fail_unless (bytes_equal_from (plain, encrypted, 0, clear));
    fail_if (bytes_equal_from (plain, encrypted, clear, size - clear),
        "frame %u was not encrypted", i);
    if (key_index != NO_KEY_INDEX)
      fail_unless_equals_int (enc[size + TRAILER_SIZE - 1], key_index);
    fail_unless (g_bytes_equal (plain, decrypted),
        "frame %u (%" G_GSIZE_FORMAT " bytes) differs after decryption", i,
        size);
  }
}

static void
check_round_trip (const RoundTrip * rt, gint key_index)
{
  Capture cap;

  capture_init (&cap);
  assert_eos (run_round_trip (rt, &cap));
  assert_round_trip (rt->codec, &cap, key_index);
  GST_INFO ("%s, key index %d: %u frames (%u key) in %u packets, "
      "byte-exact", rt->fake_cipher ? "fake cipher" : rt->encrypt, key_index,
      cap.plain->len, cap.n_key_frames, cap.n_packets);
  capture_clear (&cap);
}

/* The element name of the codec's e2ee payloader, e.g. "e2eertpvp8pay". */
static gchar *
e2ee_payloader (const VpxCodec * codec)
{
  return g_strdup_printf ("e2eertp%spay", codec->name);
}

static void
check_fake_cipher_round_trip (const VpxCodec * codec)
{
  gchar *pay = e2ee_payloader (codec);
  RoundTrip rt = { codec, "identity", "identity", pay, TRUE, NULL };

  check_round_trip (&rt, 0);
  g_free (pay);
}

static void
check_plaintext_round_trip (const VpxCodec * codec)
{
  gchar *pay = e2ee_payloader (codec);
  RoundTrip rt = { codec, "identity", "identity", pay, FALSE, NULL };
  Capture cap;
  guint i;

  capture_init (&cap);
  assert_eos (run_round_trip (&rt, &cap));
  fail_unless_equals_int (cap.plain->len, N_FRAMES);
  fail_unless_equals_int (cap.decrypted->len, N_FRAMES);
  fail_unless_equals_int (cap.n_decoded, N_FRAMES);
  for (i = 0; i < cap.plain->len; i++)
    fail_unless (g_bytes_equal (g_ptr_array_index (cap.plain, i),
            g_ptr_array_index (cap.decrypted, i)));
  capture_clear (&cap);
  g_free (pay);
}

static void
check_passphrase_round_trip (const VpxCodec * codec, gint key_index)
{
  /* key-index first: it names the slot the passphrase goes into */
  gchar *enc = g_strdup_printf ("e2eeencrypt key-index=%d "
      "passphrase=\"%s\"", key_index, codec->passphrase);
  gchar *dec = g_strdup_printf ("e2eedecrypt key-index=%d "
      "passphrase=\"%s\"", key_index, codec->passphrase);
  gchar *pay = e2ee_payloader (codec);
  RoundTrip rt = { codec, enc, dec, pay, FALSE, NULL };

  check_round_trip (&rt, key_index);
  g_free (enc);
  g_free (dec);
  g_free (pay);
}

static void
check_participant_round_trip (const VpxCodec * codec, guint key_index)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  gchar *enc = g_strdup_printf ("e2eeencrypt participant-id=" PARTICIPANT
      " key-index=%u", key_index);
  gchar *dec = g_strdup_printf ("e2eedecrypt participant-id=" PARTICIPANT
      " key-index=%u", key_index);
  gchar *pay = e2ee_payloader (codec);
  RoundTrip rt = { codec, enc, dec, pay, FALSE, provider };
  GError *error = NULL;

  g_object_set (provider, "shared-key", FALSE, NULL);
  fail_unless (e2ee_key_provider_set_passphrase (provider, PARTICIPANT,
          codec->passphrase, key_index, TRUE, &error), "%s",
      error ? error->message : "?");

  check_round_trip (&rt, key_index);
  g_object_unref (provider);
  g_free (enc);
  g_free (dec);
  g_free (pay);
}

/* The stock payloader ("rtpvp8pay") stops the pipeline with an error before
 * every frame reached the decoder: with the real elements, or with the fake
 * cipher. */
static void
check_stock_payloader_fails (const VpxCodec * codec, gboolean fake_cipher)
{
  gchar *enc = g_strdup_printf ("e2eeencrypt passphrase=\"%s\"",
      codec->passphrase);
  gchar *dec = g_strdup_printf ("e2eedecrypt passphrase=\"%s\"",
      codec->passphrase);
  gchar *pay = g_strdup_printf ("rtp%spay", codec->name);
  RoundTrip rt = { codec, fake_cipher ? "identity" : enc,
    fake_cipher ? "identity" : dec, pay, fake_cipher, NULL
  };
  Capture cap;
  GstMessage *msg;

  capture_init (&cap);
  msg = run_round_trip (&rt, &cap);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  fail_unless_equals_string (GST_MESSAGE_SRC_NAME (msg), "pay");
  /* The real encryptor said which payloader to use instead. */
  if (!fake_cipher) {
    gchar *ours = g_strdup_printf ("e2eertp%spay", codec->name);

    fail_unless (cap.enc_warning != NULL &&
        strstr (cap.enc_warning, ours) != NULL, "%s",
        GST_STR_NULL (cap.enc_warning));
    g_free (ours);
  }
  fail_unless (cap.decrypted->len < N_FRAMES);
  GST_INFO ("%s stopped the pipeline after %u of %u frames reached the "
      "decoder", rt.payloader, cap.decrypted->len, cap.plain->len);
  gst_message_unref (msg);
  capture_clear (&cap);
  g_free (enc);
  g_free (dec);
  g_free (pay);
}

/* Payload descriptors, fragment sizes and marker bits, packet by packet. */

typedef struct
{
  guint8 header[8];             /* descriptor (VP9: then scalability
                                 * structure) */
  guint header_size;
  gsize fragment_size;
  gboolean marker;
} ExpectedPacket;

/* Not a VP8 or VP9 frame at all: the payloader must not care. */
static GstBuffer *
patterned_frame (gsize size, gboolean key_frame, GstClockTime pts)
{
  guint8 *data = g_malloc (size);
  GstBuffer *buffer;
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = i * 7 + 1;
  buffer = gst_buffer_new_wrapped (data, size);
  GST_BUFFER_PTS (buffer) = pts;
  if (!key_frame)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return buffer;
}

static void
pull_and_check_packets (const VpxCodec * codec, GstHarness * h,
    GstBuffer * frame, const ExpectedPacket * expected, guint n_expected)
{
  GstMapInfo frame_map;
  gsize offset = 0;
  guint i;

  gst_buffer_map (frame, &frame_map, GST_MAP_READ);
  for (i = 0; i < n_expected; i++) {
    GstBuffer *packet = gst_harness_pull (h);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    const ExpectedPacket *e = &expected[i];
    guint8 *payload;

    fail_unless (packet != NULL);
    fail_unless (gst_buffer_get_size (packet) <= MTU);
    fail_unless (gst_rtp_buffer_map (packet, GST_MAP_READ, &rtp));
    fail_unless_equals_int (gst_rtp_buffer_get_payload_type (&rtp),
        codec->payload_type);
    fail_unless_equals_int (gst_rtp_buffer_get_marker (&rtp), e->marker);
    fail_unless_equals_int (gst_rtp_buffer_get_payload_len (&rtp),
        e->header_size + e->fragment_size);
    payload = gst_rtp_buffer_get_payload (&rtp);
    fail_unless (memcmp (payload, e->header, e->header_size) == 0,
        "packet %u: header %02x %02x %02x %02x", i, payload[0], payload[1],
        payload[2], payload[3]);
    fail_unless (memcmp (payload + e->header_size, frame_map.data + offset,
            e->fragment_size) == 0);
    offset += e->fragment_size;
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_unref (packet);
  }
  fail_unless_equals_int (offset, frame_map.size);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_buffer_unmap (frame, &frame_map);
}

static void
push_and_check_packets (const VpxCodec * codec, GstHarness * h,
    GstBuffer * frame, const ExpectedPacket * expected, guint n_expected)
{
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frame)),
      GST_FLOW_OK);
  pull_and_check_packets (codec, h, frame, expected, n_expected);
  gst_buffer_unref (frame);
}

/* At the smallest MTU the base class allows, a frame spreads over dozens
 * of packets and the stock depayloader still rebuilds it byte for byte.
 * @make_frame is the codec's patterned_frame(). */
static void
check_smallest_mtu (const VpxCodec * codec, MakeFrameFunc make_frame)
{
  gchar *desc = g_strdup_printf ("e2eertp%spay mtu=28 ! rtp%sdepay",
      codec->name, codec->name);
  gchar *caps = g_strdup_printf ("video/x-%s, width=320, height=240",
      codec->name);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *frames[2];
  guint i;

  gst_harness_set_src_caps_str (h, caps);
  frames[0] = make_frame (1000, TRUE, 0);
  frames[1] = make_frame (333, FALSE, GST_SECOND / 30);
  for (i = 0; i < G_N_ELEMENTS (frames); i++) {
    gsize size = gst_buffer_get_size (frames[i]);
    guint8 *expected = g_malloc (size);
    GstBuffer *out;

    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frames[i])),
        GST_FLOW_OK);
    out = gst_harness_try_pull (h);
    fail_unless (out != NULL, "frame %u lost", i);
    fail_unless_equals_int (gst_buffer_get_size (out), size);
    gst_buffer_extract (frames[i], 0, expected, size);
    fail_unless (gst_buffer_memcmp (out, 0, expected, size) == 0);
    g_free (expected);
    gst_buffer_unref (out);
    gst_buffer_unref (frames[i]);
  }
  gst_harness_teardown (h);
  g_free (desc);
  g_free (caps);
}
