/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* e2eeencrypt and e2eedecrypt in GstHarness: round trips for every codec,
 * key indices, shared and per-participant keys, avc and byte-stream;
 * enabled, missing and wrong keys, state messages, statistics, GAP events,
 * sharing the key provider through GstContext, the key properties, and
 * what gst-inspect-1.0 shows. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <keyring/e2ee.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "codec-frames.h"
#include "element-harness.h"
#include "key-file.h"

#define PASSPHRASE "element-test-passphrase"
#define OTHER_PASSPHRASE "not-the-right-passphrase"
#define FRAME_DURATION (GST_SECOND / 30)
#define N_FRAMES 6

static const guint8 raw_key[] = {
  0x0d, 0x55, 0xb6, 0x09, 0x64, 0x8f, 0xca, 0xa7,
  0xa6, 0x4f, 0xf4, 0x98, 0x6d, 0x1a, 0xd5, 0x14,
};

static const guint8 other_raw_key[] = {
  0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80,
  0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0x00,
};

/* ---- synthetic frames ---- */

static GstBuffer *
frame_buffer (GByteArray * frame, guint n, gboolean delta)
{
  GstBuffer *buf = gst_buffer_new_memdup (frame->data, frame->len);

  GST_BUFFER_PTS (buf) = n * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  if (delta)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

static void
assert_buffer_equals (GstBuffer * buf, GByteArray * expected)
{
  fail_unless (buf != NULL);
  fail_unless_equals_int (gst_buffer_get_size (buf), expected->len);
  fail_unless (gst_buffer_memcmp (buf, 0, expected->data, expected->len) == 0,
      "buffer bytes differ");
}

/* ---- element helpers ---- */

/* Pops every "e2ee-state-changed" message; returns how many there were and
 * how many had @state. */
static guint
pop_state_messages (GstBus * bus, E2eeState state, guint * n_with_state)
{
  GstMessage *msg;
  guint total = 0;

  *n_with_state = 0;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "e2ee-state-changed")) {
      const GValue *v = gst_structure_get_value (s, "state");
      guint key_index;

      fail_unless (v != NULL && G_VALUE_HOLDS (v, E2EE_TYPE_STATE));
      fail_unless (gst_structure_has_field_typed (s, "participant-id",
              G_TYPE_STRING));
      fail_unless (gst_structure_get_uint (s, "key-index", &key_index));
      total++;
      if (g_value_get_enum (v) == (gint) state)
        (*n_with_state)++;
    }
    gst_message_unref (msg);
  }
  return total;
}

/* ---- round trips ---- */

typedef struct
{
  E2eeCodec codec;
  const gchar *caps;
  guint length_size;            /* 0: Annex B / not H.26x */
} CodecCase;

static const CodecCase codec_cases[] = {
  {E2EE_CODEC_VP8, "video/x-vp8", 0},
  {E2EE_CODEC_VP9, "video/x-vp9", 0},
  {E2EE_CODEC_AV1, "video/x-av1", 0},
  {E2EE_CODEC_H264, "video/x-h264,stream-format=byte-stream,alignment=au", 0},
  {E2EE_CODEC_H265, "video/x-h265,stream-format=byte-stream,alignment=au", 0},
  {E2EE_CODEC_H264, "video/x-h264,stream-format=avc,alignment=au,"
        "codec_data=(buffer)0142c01effe1000d6742c01eab40501ed0", 4},
  {E2EE_CODEC_H264, "video/x-h264,stream-format=avc,alignment=au,"
        "codec_data=(buffer)0142c01efde1000d6742c01eab40501ed0", 2},
  {E2EE_CODEC_H265, "video/x-h265,stream-format=hvc1,alignment=au,"
        "codec_data=(buffer)01010160000000b00000000000f000fcfdf8f800000f00",
      4},
  {E2EE_CODEC_AUDIO, "audio/x-opus,channel-mapping-family=0", 0},
  {E2EE_CODEC_DATA, "application/x-e2ee-data", 0},
};

typedef enum
{
  KEYS_SHARED,                  /* passphrase properties on both elements */
  KEYS_PARTICIPANT,             /* application provider, per-participant */
} KeyMode;

static E2eeKeyProvider *
participant_provider (guint key_index)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GError *error = NULL;

  g_object_set (provider, "shared-key", FALSE, NULL);
  fail_unless (e2ee_key_provider_set_key (provider, "alice", raw_key,
          sizeof (raw_key), key_index, TRUE, &error));
  /* Another participant's key in the same slot must not be the one used. */
  fail_unless (e2ee_key_provider_set_key (provider, "bob", other_raw_key,
          sizeof (other_raw_key), key_index, TRUE, &error));
  g_assert_no_error (error);
  return provider;
}

static void
check_encrypted (GstBuffer * encrypted, GByteArray * plain,
    const CodecCase * c, guint key_index)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (encrypted, &map, GST_MAP_READ));
  /* tag + IV + 2 trailer bytes; H.26x may add escape bytes */
  if (c->codec == E2EE_CODEC_H264 || c->codec == E2EE_CODEC_H265) {
    fail_unless (map.size >= plain->len + E2EE_FRAME_OVERHEAD);
  } else {
    fail_unless_equals_int (map.size, plain->len + E2EE_FRAME_OVERHEAD);
  }
  fail_unless_equals_int (map.data[map.size - 1], key_index);
  fail_unless_equals_int (map.data[map.size - 2], E2EE_FRAME_IV_LENGTH);
  fail_if (memcmp (map.data + map.size - E2EE_FRAME_OVERHEAD - 100,
          plain->data + plain->len - 100, 100) == 0, "payload in clear");
  if (c->length_size > 0) {
    guint units;

    fail_unless (is_length_prefixed (map.data, map.size, c->length_size,
            &units), "encrypted AU is not length-prefixed");
  }
  gst_buffer_unmap (encrypted, &map);
}

static void
run_round_trip (const CodecCase * c, guint key_index, KeyMode mode)
{
  GstElement *enc = make_element ("e2eeencrypt", "enc");
  GstElement *dec = make_element ("e2eedecrypt", "dec");
  E2eeKeyProvider *provider = NULL;
  GPtrArray *encrypted;
  GstHarness *h;
  guint n;

  if (mode == KEYS_SHARED) {
    g_object_set (enc, "passphrase", PASSPHRASE, "key-index", key_index,
        NULL);
    g_object_set (dec, "passphrase", PASSPHRASE, "key-index", key_index,
        NULL);
  } else {
    provider = participant_provider (key_index);
    /* The decryptor finds the provider through the encryptor's answer to
     * its context query. */
    g_object_set (enc, "key-provider", provider, "participant-id", "alice",
        NULL);
    g_object_set (dec, "participant-id", "alice", NULL);
  }
  encrypted = capture_output (enc);

  h = harness_with (make_pair_bin (enc, dec));
  gst_harness_set_src_caps_str (h, c->caps);

  for (n = 0; n < N_FRAMES; n++) {
    GByteArray *plain = make_frame (c->codec, n);
    gboolean delta = !is_key_frame (n);
    GByteArray *expected;
    GstBuffer *out;

    if (c->length_size > 0) {
      GByteArray *lp = to_length_prefixed (plain->data, plain->len,
          c->length_size);

      g_byte_array_unref (plain);
      plain = lp;
    }
    expected = expected_output (c->codec, c->length_size, plain);

    out = gst_harness_push_and_pull (h, frame_buffer (plain, n, delta));
    assert_buffer_equals (out, expected);
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (out,
            GST_BUFFER_FLAG_DELTA_UNIT), delta);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), n * FRAME_DURATION);

    fail_unless_equals_int (encrypted->len, n + 1);
    check_encrypted (g_ptr_array_index (encrypted, n), plain, c, key_index);
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index
            (encrypted, n), GST_BUFFER_FLAG_DELTA_UNIT), delta);

    gst_buffer_unref (out);
    g_byte_array_unref (expected);
    g_byte_array_unref (plain);
  }

  fail_unless_equals_uint64 (get_stat (enc, "frames-ok"), N_FRAMES);
  fail_unless_equals_uint64 (get_stat (dec, "frames-ok"), N_FRAMES);
  fail_unless_equals_uint64 (get_stat (dec, "dropped"), 0);
  if (provider != NULL) {
    E2eeKeyProvider *used = get_provider (dec);

    fail_unless (used == provider);
    g_object_unref (used);
    g_object_unref (provider);
  }

  gst_harness_teardown (h);
  g_ptr_array_unref (encrypted);
}

GST_START_TEST (test_round_trip_shared_index_0)
{
  run_round_trip (&codec_cases[__i__], 0, KEYS_SHARED);
}

GST_END_TEST;

GST_START_TEST (test_round_trip_shared_index_5)
{
  run_round_trip (&codec_cases[__i__], 5, KEYS_SHARED);
}

GST_END_TEST;

GST_START_TEST (test_round_trip_participant_index_0)
{
  run_round_trip (&codec_cases[__i__], 0, KEYS_PARTICIPANT);
}

GST_END_TEST;

GST_START_TEST (test_round_trip_participant_index_5)
{
  run_round_trip (&codec_cases[__i__], 5, KEYS_PARTICIPANT);
}

GST_END_TEST;

/* H.264 must come in access units: alignment=nal is refused. */
GST_START_TEST (test_h264_nal_alignment_refused)
{
  GstHarness *h = gst_harness_new ("e2eeencrypt");
  GstCaps *caps = gst_caps_from_string ("video/x-h264,"
      "stream-format=byte-stream,alignment=nal");
  GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");

  fail_if (gst_pad_query_accept_caps (sinkpad, caps));
  gst_caps_unref (caps);
  caps = gst_caps_from_string ("video/x-h264,stream-format=byte-stream,"
      "alignment=au");
  fail_unless (gst_pad_query_accept_caps (sinkpad, caps));
  gst_caps_unref (caps);

  gst_object_unref (sinkpad);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- enabled, missing key, wrong key ---- */

GST_START_TEST (test_enabled_toggled_while_playing)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstHarness *h;
  guint n;

  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  h = harness_with (gst_object_ref (enc));
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  fail_unless_equals_int (GST_STATE (enc), GST_STATE_PLAYING);

  for (n = 0; n < 6; n++) {
    GByteArray *plain = make_frame (E2EE_CODEC_VP8, n);
    gboolean enabled = n < 2 || n >= 4;
    GstBuffer *out;

    g_object_set (enc, "enabled", enabled, NULL);
    out = gst_harness_push_and_pull (h, frame_buffer (plain, n, n % 3));
    if (enabled) {
      fail_unless_equals_int (gst_buffer_get_size (out),
          plain->len + E2EE_FRAME_OVERHEAD);
      fail_unless (gst_buffer_memcmp (out, 10, plain->data + 10, 50) != 0);
    } else {
      assert_buffer_equals (out, plain);
    }
    gst_buffer_unref (out);
    g_byte_array_unref (plain);
  }

  fail_unless_equals_uint64 (get_stat (enc, "frames"), 6);
  fail_unless_equals_uint64 (get_stat (enc, "passed-through"), 2);
  fail_unless_equals_uint64 (get_stat (enc, "frames-ok"), 4);
  fail_unless_equals_uint64 (get_stat (enc, "dropped"), 0);

  gst_object_unref (enc);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
on_provider_state_changed (E2eeKeyProvider * provider,
    const gchar * participant_id, const gchar * track_id, E2eeState state,
    guint key_index, gpointer user_data)
{
  guint *counts = user_data;

  counts[state]++;
}

GST_START_TEST (test_no_key_no_frame_leaves)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  guint provider_states[E2EE_STATE_INTERNAL_ERROR + 1] = { 0 };
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  guint n, total, missing, ok;

  g_object_set (enc, "key-provider", provider, NULL);
  g_signal_connect (provider, "state-changed",
      G_CALLBACK (on_provider_state_changed), provider_states);
  gst_element_set_bus (enc, bus);
  h = harness_with (gst_object_ref (enc));
  gst_harness_set_src_caps_str (h, "video/x-vp8");

  for (n = 0; n < 5; n++) {
    GByteArray *plain = make_frame (E2EE_CODEC_VP8, n);

    fail_unless_equals_int (gst_harness_push (h, frame_buffer (plain, n,
                n % 3)), GST_FLOW_OK);
    g_byte_array_unref (plain);
  }

  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_int (count_gap_events (h), 5);
  total = pop_state_messages (bus, E2EE_STATE_MISSING_KEY, &missing);
  fail_unless_equals_int (total, 1);
  fail_unless_equals_int (missing, 1);
  fail_unless_equals_int (provider_states[E2EE_STATE_MISSING_KEY], 1);
  fail_unless_equals_uint64 (get_stat (enc, "dropped"), 5);
  fail_unless_equals_uint64 (get_stat (enc, "failed"), 0);
  fail_unless_equals_uint64 (get_stat (enc, "frames-missing-key"), 5);

  /* A key set while PLAYING applies at once: frames flow, one "ok". */
  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  for (n = 5; n < 8; n++) {
    GByteArray *plain = make_frame (E2EE_CODEC_VP8, n);
    GstBuffer *out = gst_harness_push_and_pull (h, frame_buffer (plain, n,
            n % 3));

    fail_unless_equals_int (gst_buffer_get_size (out),
        plain->len + E2EE_FRAME_OVERHEAD);
    gst_buffer_unref (out);
    g_byte_array_unref (plain);
  }
  total = pop_state_messages (bus, E2EE_STATE_OK, &ok);
  fail_unless_equals_int (total, 1);
  fail_unless_equals_int (ok, 1);

  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);
  g_object_unref (provider);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Frames encrypted with @passphrase, in order. */
static GPtrArray *
encrypt_frames (const gchar * passphrase, E2eeCodec codec, const gchar * caps,
    guint n_frames)
{
  GstHarness *h = gst_harness_new ("e2eeencrypt");
  GPtrArray *frames = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_buffer_unref);
  guint n;

  g_object_set (h->element, "passphrase", passphrase, NULL);
  gst_harness_set_src_caps_str (h, caps);
  for (n = 0; n < n_frames; n++) {
    GByteArray *plain = make_frame (codec, n);

    g_ptr_array_add (frames, gst_harness_push_and_pull (h,
            frame_buffer (plain, n, !is_key_frame (n))));
    g_byte_array_unref (plain);
  }
  gst_harness_teardown (h);
  return frames;
}

GST_START_TEST (test_wrong_key_then_recovery)
{
  GPtrArray *frames = encrypt_frames (PASSPHRASE, E2EE_CODEC_VP8, "video/x-vp8",
      8);
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  guint n, total, failed, ok;

  g_object_set (dec, "passphrase", OTHER_PASSPHRASE, NULL);
  gst_element_set_bus (dec, bus);
  h = harness_with (gst_object_ref (dec));
  gst_harness_set_src_caps_str (h, "video/x-vp8");

  for (n = 0; n < 4; n++)
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, n))), GST_FLOW_OK);

  /* Nothing that failed authentication gets through. */
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_int (count_gap_events (h), 4);
  total = pop_state_messages (bus, E2EE_STATE_DECRYPTION_FAILED, &failed);
  fail_unless_equals_int (total, 1);
  fail_unless_equals_int (failed, 1);
  fail_unless_equals_uint64 (get_stat (dec, "frames"), 4);
  fail_unless_equals_uint64 (get_stat (dec, "dropped"), 4);
  fail_unless_equals_uint64 (get_stat (dec, "failed"), 4);
  fail_unless_equals_uint64 (get_stat (dec, "frames-decryption-failed"), 4);

  /* The right key, set while PLAYING: the next frames decrypt. */
  g_object_set (dec, "passphrase", PASSPHRASE, NULL);
  for (n = 4; n < 8; n++) {
    GByteArray *plain = make_frame (E2EE_CODEC_VP8, n);
    GstBuffer *out = gst_harness_push_and_pull (h,
        gst_buffer_ref (g_ptr_array_index (frames, n)));

    assert_buffer_equals (out, plain);
    gst_buffer_unref (out);
    g_byte_array_unref (plain);
  }
  total = pop_state_messages (bus, E2EE_STATE_OK, &ok);
  fail_unless_equals_int (total, 1);
  fail_unless_equals_int (ok, 1);
  fail_unless_equals_uint64 (get_stat (dec, "frames-ok"), 4);
  fail_unless_equals_uint64 (get_stat (dec, "dropped"), 4);

  gst_element_set_bus (dec, NULL);
  gst_object_unref (bus);
  gst_object_unref (dec);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* A tampered H.264 frame (byte-stream) is dropped, not passed on. */
GST_START_TEST (test_tampered_frame_dropped)
{
  const gchar *caps = "video/x-h264,stream-format=byte-stream,alignment=au";
  GPtrArray *frames = encrypt_frames (PASSPHRASE, E2EE_CODEC_H264, caps, 2);
  GstHarness *h = gst_harness_new ("e2eedecrypt");
  GstBuffer *bad = gst_buffer_copy_deep (g_ptr_array_index (frames, 1));
  GstMapInfo map;
  GstBuffer *out;

  fail_unless (gst_buffer_map (bad, &map, GST_MAP_WRITE));
  map.data[map.size - 20] ^= 0x01;      /* inside the tag */
  gst_buffer_unmap (bad, &map);

  g_object_set (h->element, "passphrase", PASSPHRASE, NULL);
  gst_harness_set_src_caps_str (h, caps);
  out = gst_harness_push_and_pull (h,
      gst_buffer_ref (g_ptr_array_index (frames, 0)));
  gst_buffer_unref (out);
  fail_unless_equals_int (gst_harness_push (h, bad), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (get_stat (h->element, "failed"), 1);

  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* ---- sharing the key provider ---- */

static GstContext *
provider_context (E2eeKeyProvider * provider)
{
  GstContext *context = gst_context_new (E2EE_KEY_PROVIDER_CONTEXT_TYPE,
      TRUE);

  gst_structure_set (gst_context_writable_structure (context),
      E2EE_KEY_PROVIDER_CONTEXT_FIELD, E2EE_TYPE_KEY_PROVIDER, provider,
      NULL);
  return context;
}

static guint
count_messages (GstBus * bus, GstMessageType type)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, type))) {
    n++;
    gst_message_unref (msg);
  }
  return n;
}

GST_START_TEST (test_context_two_elements_one_provider)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstElement *bin = make_pair_bin (gst_object_ref (enc),
      gst_object_ref (dec));
  GstBus *bus = gst_bus_new ();
  E2eeKeyProvider *p1, *p2;
  GstHarness *h;

  gst_element_set_bus (bin, bus);
  h = harness_with (gst_object_ref (bin));

  p1 = get_provider (enc);
  p2 = get_provider (dec);
  fail_unless (p1 != NULL);
  fail_unless (p1 == p2, "two providers in one pipeline");
  /* one element made it and announced it; the other found it */
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_HAVE_CONTEXT), 1);

  g_object_unref (p1);
  g_object_unref (p2);
  gst_element_set_bus (bin, NULL);
  gst_object_unref (bus);
  gst_object_unref (bin);
  gst_object_unref (enc);
  gst_object_unref (dec);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_context_creates_and_posts)
{
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstBus *bus = gst_bus_new ();
  E2eeKeyProvider *own, *posted = NULL;
  GstHarness *h;
  GstMessage *msg;
  GstContext *context = NULL;

  gst_element_set_bus (dec, bus);
  h = harness_with (gst_object_ref (dec));

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_NEED_CONTEXT);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_HAVE_CONTEXT);
  fail_unless (msg != NULL);
  gst_message_parse_have_context (msg, &context);
  fail_unless (gst_context_has_context_type (context,
          E2EE_KEY_PROVIDER_CONTEXT_TYPE));
  fail_unless (gst_context_is_persistent (context));
  fail_unless (gst_structure_get (gst_context_get_structure (context),
          E2EE_KEY_PROVIDER_CONTEXT_FIELD, E2EE_TYPE_KEY_PROVIDER, &posted,
          NULL));
  own = get_provider (dec);
  fail_unless (own != NULL && own == posted);

  g_object_unref (own);
  g_object_unref (posted);
  gst_context_unref (context);
  gst_message_unref (msg);
  gst_element_set_bus (dec, NULL);
  gst_object_unref (bus);
  gst_object_unref (dec);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_context_set_before_ready)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstContext *context = provider_context (provider);
  GstBus *bus = gst_bus_new ();
  E2eeKeyProvider *used;
  GstHarness *h;

  gst_element_set_context (enc, context);
  gst_context_unref (context);
  gst_element_set_bus (enc, bus);
  h = harness_with (gst_object_ref (enc));

  used = get_provider (enc);
  fail_unless (used == provider);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_NEED_CONTEXT), 0);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_HAVE_CONTEXT), 0);

  g_object_unref (used);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);
  gst_harness_teardown (h);
  g_object_unref (provider);
}

GST_END_TEST;

static GstBusSyncReply
answer_need_context (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  E2eeKeyProvider *provider = user_data;
  const gchar *type = NULL;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_NEED_CONTEXT &&
      gst_message_parse_context_type (msg, &type) &&
      g_str_equal (type, E2EE_KEY_PROVIDER_CONTEXT_TYPE)) {
    GstContext *context = provider_context (provider);

    gst_element_set_context (GST_ELEMENT (GST_MESSAGE_SRC (msg)), context);
    gst_context_unref (context);
  }
  return GST_BUS_PASS;
}

/* An application answering need-context from a sync handler; its key
 * provider holds a key, so the element's frames decrypt. */
GST_START_TEST (test_context_from_need_context)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GPtrArray *frames = encrypt_frames (PASSPHRASE, E2EE_CODEC_AUDIO, "audio/x-opus",
      1);
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstBus *bus = gst_bus_new ();
  GByteArray *plain = make_frame (E2EE_CODEC_AUDIO, 0);
  E2eeKeyProvider *used;
  GError *error = NULL;
  GstHarness *h;
  GstBuffer *out;

  fail_unless (e2ee_key_provider_set_passphrase (provider, NULL, PASSPHRASE,
          0, TRUE, &error));
  gst_bus_set_sync_handler (bus, answer_need_context, provider, NULL);
  gst_element_set_bus (dec, bus);
  h = harness_with (gst_object_ref (dec));

  used = get_provider (dec);
  fail_unless (used == provider);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_NEED_CONTEXT), 1);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_HAVE_CONTEXT), 0);

  gst_harness_set_src_caps_str (h, "audio/x-opus");
  out = gst_harness_push_and_pull (h,
      gst_buffer_ref (g_ptr_array_index (frames, 0)));
  assert_buffer_equals (out, plain);

  gst_buffer_unref (out);
  g_byte_array_unref (plain);
  g_object_unref (used);
  gst_element_set_bus (dec, NULL);
  gst_object_unref (bus);
  gst_object_unref (dec);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
  g_object_unref (provider);
}

GST_END_TEST;

GST_START_TEST (test_provider_property_wins)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  E2eeKeyProvider *other = e2ee_key_provider_new ();
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstContext *context = provider_context (other);
  GstQuery *query;
  GstContext *answer = NULL;
  E2eeKeyProvider *used = NULL;
  GstHarness *h;
  GstPad *pad;

  g_object_set (enc, "key-provider", provider, NULL);
  h = harness_with (gst_object_ref (enc));
  gst_element_set_context (enc, context);
  gst_context_unref (context);

  used = get_provider (enc);
  fail_unless (used == provider);
  g_object_unref (used);
  used = NULL;

  /* The element answers context queries with its provider. */
  query = gst_query_new_context (E2EE_KEY_PROVIDER_CONTEXT_TYPE);
  pad = gst_element_get_static_pad (enc, "src");
  fail_unless (gst_pad_query (pad, query));
  gst_query_parse_context (query, &answer);
  fail_unless (answer != NULL);
  fail_unless (gst_structure_get (gst_context_get_structure (answer),
          E2EE_KEY_PROVIDER_CONTEXT_FIELD, E2EE_TYPE_KEY_PROVIDER, &used,
          NULL));
  fail_unless (used == provider);

  g_object_unref (used);
  gst_query_unref (query);
  gst_object_unref (pad);
  gst_object_unref (enc);
  gst_harness_teardown (h);
  g_object_unref (other);
  g_object_unref (provider);
}

GST_END_TEST;

/* ---- key properties ---- */

GST_START_TEST (test_key_properties_write_only)
{
  const gchar *factories[] = { "e2eeencrypt", "e2eedecrypt" };
  const gchar *secrets[] = { "passphrase", "key", "key-file" };
  guint f, s;

  for (f = 0; f < G_N_ELEMENTS (factories); f++) {
    GstElement *element = make_element (factories[f], NULL);
    GObjectClass *klass = G_OBJECT_GET_CLASS (element);
    GParamSpec *stats;

    for (s = 0; s < G_N_ELEMENTS (secrets); s++) {
      GParamSpec *pspec = g_object_class_find_property (klass, secrets[s]);

      fail_unless (pspec != NULL, "no %s", secrets[s]);
      fail_if (pspec->flags & G_PARAM_READABLE, "%s is readable",
          secrets[s]);
      fail_unless (pspec->flags & G_PARAM_WRITABLE);
    }
    stats = g_object_class_find_property (klass, "stats");
    fail_unless ((stats->flags & G_PARAM_READWRITE) == G_PARAM_READABLE);
    fail_unless (g_object_class_find_property (klass,
            "enabled")->flags & GST_PARAM_MUTABLE_PLAYING);
    gst_object_unref (element);
  }
}

GST_END_TEST;

/* The text of every bus warning on @bus, joined by newlines. */
static gchar *
pop_warnings (GstBus * bus, guint * n)
{
  GString *texts = g_string_new (NULL);
  GstMessage *msg;

  *n = 0;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *error = NULL;

    gst_message_parse_warning (msg, &error, NULL);
    g_string_append_printf (texts, "%s\n", error->message);
    g_clear_error (&error);
    gst_message_unref (msg);
    (*n)++;
  }
  return g_string_free (texts, FALSE);
}

/* Encrypts with the key file @path, decrypts with the raw key as a
 * GstBuffer property; returns TRUE if the frame came back. *@warnings
 * gets the number of bus warnings. */
static gboolean
key_file_round_trip (const gchar * path, guint * warnings)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstBuffer *key = gst_buffer_new_memdup (raw_key, sizeof (raw_key));
  E2eeKeyProvider *enc_provider = e2ee_key_provider_new ();
  E2eeKeyProvider *dec_provider = e2ee_key_provider_new ();
  GByteArray *plain = make_frame (E2EE_CODEC_VP8, 0);
  GstElement *bin;
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstBuffer *out;
  gboolean same;
  gchar *texts;

  /* Separate providers, so each element's key is its own. */
  g_object_set (enc, "key-provider", enc_provider, "key-file", path, NULL);
  g_object_set (dec, "key-provider", dec_provider, "key", key, NULL);
  bin = make_pair_bin (enc, dec);
  gst_element_set_bus (bin, bus);
  h = harness_with (gst_object_ref (bin));
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  fail_unless_equals_int (gst_harness_push (h, frame_buffer (plain, 0,
              FALSE)), GST_FLOW_OK);
  out = gst_harness_try_pull (h);
  same = out != NULL && gst_buffer_get_size (out) == plain->len &&
      gst_buffer_memcmp (out, 0, plain->data, plain->len) == 0;

  /* Only the warning about the file: a wrong key has its own. */
  texts = pop_warnings (bus, warnings);
  if (strstr (texts, "readable by group or others") == NULL)
    *warnings = 0;
  else
    fail_unless (strstr (texts, path) != NULL, "%s", texts);
  g_free (texts);
  if (out)
    gst_buffer_unref (out);
  gst_element_set_bus (bin, NULL);
  gst_object_unref (bus);
  gst_object_unref (bin);
  g_byte_array_unref (plain);
  gst_buffer_unref (key);
  g_object_unref (enc_provider);
  g_object_unref (dec_provider);
  gst_harness_teardown (h);
  return same;
}

GST_START_TEST (test_key_file)
{
  gchar *hex = g_strconcat ("0d55b609648fcaa7a64ff4986d1ad514", "\n", NULL);
  gchar *open_file = write_key_file (hex, strlen (hex), 0644);
  gchar *private_hex = write_key_file (hex, strlen (hex), 0600);
  gchar *private_raw = write_key_file ((const gchar *) raw_key,
      sizeof (raw_key), 0600);
  gchar *wrong = write_key_file ("some other key material", 23, 0600);
  guint warnings = 0;

  /* Readable by others: used, with one bus warning naming the file. */
  fail_unless (key_file_round_trip (open_file, &warnings));
  fail_unless_equals_int (warnings, 1);

  fail_unless (key_file_round_trip (private_hex, &warnings));
  fail_unless_equals_int (warnings, 0);
  fail_unless (key_file_round_trip (private_raw, &warnings));
  fail_unless_equals_int (warnings, 0);

  /* A different key in the file: the decryptor must drop the frame. */
  fail_if (key_file_round_trip (wrong, &warnings));

  g_unlink (open_file);
  g_unlink (private_hex);
  g_unlink (private_raw);
  g_unlink (wrong);
  g_free (open_file);
  g_free (private_hex);
  g_free (private_raw);
  g_free (wrong);
  g_free (hex);
}

GST_END_TEST;

/* The key property: hex on the command line becomes a GstBuffer; the same
 * bytes through the key-provider API decrypt the frame. */
GST_START_TEST (test_key_property_from_launch_line)
{
  GstHarness *h = gst_harness_new_parse ("e2eeencrypt "
      "key=0d55b609648fcaa7a64ff4986d1ad514 key-index=3");
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  E2eeFrameCryptor *cryptor;
  GByteArray *plain = make_frame (E2EE_CODEC_AUDIO, 1);
  GError *error = NULL;
  GstMapInfo map;
  GstBuffer *out;
  guint8 *decrypted;
  gsize decrypted_len = 0;

  gst_harness_set_src_caps_str (h, "audio/x-opus");
  out = gst_harness_push_and_pull (h, frame_buffer (plain, 1, FALSE));

  fail_unless (e2ee_key_provider_set_key (provider, NULL, raw_key,
          sizeof (raw_key), 3, TRUE, &error));
  cryptor = e2ee_frame_cryptor_new (provider, NULL, E2EE_CODEC_AUDIO);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless_equals_int (map.data[map.size - 1], 3);
  decrypted = g_malloc (map.size);
  fail_unless (e2ee_frame_cryptor_decrypt (cryptor, map.data, map.size,
          E2EE_FRAME_TYPE_AUTO, decrypted, map.size, &decrypted_len, &error));
  g_assert_no_error (error);
  fail_unless_equals_int (decrypted_len, plain->len);
  fail_unless (memcmp (decrypted, plain->data, plain->len) == 0);

  g_free (decrypted);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  g_object_unref (cryptor);
  g_object_unref (provider);
  g_byte_array_unref (plain);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- the provider options ---- */

static const gchar *const option_names[] = {
  "shared-key", "ratchet-salt", "ratchet-window-size", "failure-tolerance",
  "key-ring-size", "key-size", "encryption-type", "uncrypted-magic-bytes",
  "key-derivation", "discard-frame-when-cryptor-not-ready", "sif-trailer",
};

/* Each element words every one of its own properties for itself: the same
 * names and types, other blurbs. */
GST_START_TEST (test_blurbs_per_element)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GParamSpec **pspecs;
  guint n, i, own = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (enc), &n);
  for (i = 0; i < n; i++) {
    GParamSpec *theirs;

    if (pspecs[i]->owner_type != G_OBJECT_TYPE (enc))
      continue;                 /* GstObject's, GstBaseTransform's */
    own++;
    theirs = g_object_class_find_property (G_OBJECT_GET_CLASS (dec),
        pspecs[i]->name);
    fail_unless (theirs != NULL, "e2eedecrypt has no %s", pspecs[i]->name);
    fail_unless (theirs->value_type == pspecs[i]->value_type);
    fail_unless_equals_string (g_param_spec_get_nick (theirs),
        g_param_spec_get_nick (pspecs[i]));
    fail_if (g_str_equal (g_param_spec_get_blurb (theirs),
            g_param_spec_get_blurb (pspecs[i])), "%s: the same blurb",
        pspecs[i]->name);
  }
  /* key-provider, participant-id, enabled, key-index, stats, the four key
   * properties and the options */
  fail_unless_equals_int (own, 9 + G_N_ELEMENTS (option_names));
  g_free (pspecs);
  gst_object_unref (enc);
  gst_object_unref (dec);
}

GST_END_TEST;

/* Every option has the provider property's type and default, and what is
 * set on the element (as gst-launch-1.0 sets it, from text) is what the
 * provider gets. */
GST_START_TEST (test_options_reach_the_provider)
{
  const gchar *values[G_N_ELEMENTS (option_names)] = {
    "false", "room-salt", "7", "2", "9", "256", "none", "MAGIC", "hkdf",
    "true", "34d4c6ea98a0fd75",
  };
  const gchar *factories[] = { "e2eeencrypt", "e2eedecrypt" };
  GObjectClass *provider_class = g_type_class_ref (E2EE_TYPE_KEY_PROVIDER);
  guint f, i;

  for (f = 0; f < G_N_ELEMENTS (factories); f++) {
    GstElement *element = make_element (factories[f], NULL);
    E2eeKeyProvider *provider;
    GstBuffer *trailer = NULL;
    GBytes *provider_trailer = NULL;
    GstMapInfo map;

    for (i = 0; i < G_N_ELEMENTS (option_names); i++) {
      GParamSpec *ours = g_object_class_find_property (G_OBJECT_GET_CLASS
          (element), option_names[i]);
      GParamSpec *theirs = g_object_class_find_property (provider_class,
          option_names[i]);

      fail_unless (ours != NULL && theirs != NULL, "%s", option_names[i]);
      if (theirs->value_type == G_TYPE_BYTES) {
        fail_unless (ours->value_type == GST_TYPE_BUFFER);
      } else {
        fail_unless (ours->value_type == theirs->value_type);
        fail_unless (g_param_values_cmp (ours,
                g_param_spec_get_default_value (ours),
                g_param_spec_get_default_value (theirs)) == 0,
            "%s: another default than the provider's", option_names[i]);
      }
      gst_util_set_object_arg (G_OBJECT (element), option_names[i],
          values[i]);
    }

    fail_unless_equals_int (gst_element_set_state (element,
            GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    provider = get_provider (element);
    fail_unless (provider != NULL);
    for (i = 0; i < G_N_ELEMENTS (option_names) - 1; i++) {
      GValue ours = G_VALUE_INIT, theirs = G_VALUE_INIT;
      gchar *a, *b;

      g_object_get_property (G_OBJECT (element), option_names[i], &ours);
      g_object_get_property (G_OBJECT (provider), option_names[i], &theirs);
      a = gst_value_serialize (&ours);
      b = gst_value_serialize (&theirs);
      fail_unless_equals_string (a, b);
      fail_unless (g_param_value_defaults (g_object_class_find_property
              (provider_class, option_names[i]), &theirs) == FALSE,
          "%s stayed at its default", option_names[i]);
      g_free (a);
      g_free (b);
      g_value_unset (&ours);
      g_value_unset (&theirs);
    }
    g_object_get (element, "sif-trailer", &trailer, NULL);
    g_object_get (provider, "sif-trailer", &provider_trailer, NULL);
    fail_unless (trailer != NULL && provider_trailer != NULL);
    fail_unless (gst_buffer_map (trailer, &map, GST_MAP_READ));
    fail_unless (map.size == 8 && memcmp (map.data, g_bytes_get_data
            (provider_trailer, NULL), 8) == 0 && map.data[0] == 0x34);
    gst_buffer_unmap (trailer, &map);

    gst_buffer_unref (trailer);
    g_bytes_unref (provider_trailer);
    g_object_unref (provider);
    gst_element_set_state (element, GST_STATE_NULL);
    gst_object_unref (element);
  }
  g_type_class_unref (provider_class);
}

GST_END_TEST;

/* Sets @element to READY on its own bus; returns the error text, or NULL
 * when it got there. */
static gchar *
ready_error (GstElement * element)
{
  GstBus *bus = gst_bus_new ();
  GstStateChangeReturn ret;
  GstMessage *msg;
  gchar *text = NULL;

  gst_element_set_bus (element, bus);
  ret = gst_element_set_state (element, GST_STATE_READY);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg != NULL) {
    GError *error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    text = g_strdup (error->message);
    g_clear_error (&error);
    gst_message_unref (msg);
  }
  fail_unless ((ret == GST_STATE_CHANGE_FAILURE) == (text != NULL),
      "state change %d, error %s", ret, GST_STR_NULL (text));
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  return text;
}

/* An element that disagrees with its application's provider is refused
 * with both values named; one that agrees, or sets what nobody set, is
 * fine. */
GST_START_TEST (test_option_conflicts_with_the_application)
{
  E2eeKeyProvider *provider = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "ratchet-salt", "app-salt", NULL);
  GstElement *element = make_element ("e2eedecrypt", NULL);
  GError *error = NULL;
  gchar *text, *salt = NULL;
  guint window = 0;

  g_object_set (element, "key-provider", provider, "ratchet-salt", "other",
      NULL);
  text = ready_error (element);
  fail_unless (text != NULL);
  fail_unless (strstr (text, "ratchet-salt=\"other\"") != NULL, "%s", text);
  fail_unless (strstr (text, "ratchet-salt=\"app-salt\"") != NULL, "%s",
      text);
  fail_unless (strstr (text, "the application") != NULL, "%s", text);
  g_free (text);

  g_object_set (element, "ratchet-salt", "app-salt", "ratchet-window-size",
      5, NULL);
  fail_unless (ready_error (element) == NULL);
  g_object_get (provider, "ratchet-window-size", &window, NULL);
  fail_unless_equals_int (window, 5);

  /* Keys are made: the salt of the next ones may not change. */
  fail_unless (e2ee_key_provider_set_key (provider, NULL, raw_key,
          sizeof (raw_key), 0, TRUE, &error));
  gst_object_unref (element);
  element = make_element ("e2eeencrypt", NULL);
  g_object_set (element, "key-provider", provider, "key-size", 256, NULL);
  text = ready_error (element);
  fail_unless (text != NULL && strstr (text, "key-size=256") != NULL &&
      strstr (text, "already holds keys made with key-size=128") != NULL,
      "%s", GST_STR_NULL (text));
  g_free (text);
  g_object_get (provider, "ratchet-salt", &salt, NULL);
  fail_unless_equals_string (salt, "app-salt");

  g_free (salt);
  gst_object_unref (element);
  g_object_unref (provider);
}

GST_END_TEST;

/* Keys of element properties stay in the provider unless it allows them
 * out; those the application sets come out. */
GST_START_TEST (test_element_keys_not_exportable)
{
  E2eeKeyProvider *open = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "element-keys-exportable", TRUE, NULL);
  GstHarness *h = gst_harness_new_parse ("e2eeencrypt name=enc "
      "key=0d55b609648fcaa7a64ff4986d1ad514 key-index=2");
  GstElement *enc = gst_bin_get_by_name (GST_BIN (h->element), "enc");
  E2eeKeyProvider *provider;
  GError *error = NULL;
  GBytes *material;

  gst_harness_play (h);
  provider = get_provider (enc);
  fail_unless (e2ee_key_provider_has_key (provider, NULL, 2));
  fail_unless (e2ee_key_provider_export_key (provider, NULL, 2,
          &error) == NULL);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NOT_EXPORTABLE);
  g_clear_error (&error);
  fail_unless (e2ee_key_provider_ratchet_key (provider, NULL, 2,
          &error) == NULL);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NOT_EXPORTABLE);
  g_clear_error (&error);
  /* The application's own keys are exportable. */
  fail_unless (e2ee_key_provider_set_key (provider, NULL, raw_key,
          sizeof (raw_key), 3, FALSE, &error));
  material = e2ee_key_provider_export_key (provider, NULL, 3, &error);
  g_assert_no_error (error);
  g_bytes_unref (material);
  g_object_unref (provider);
  gst_object_unref (enc);
  gst_harness_teardown (h);

  /* A provider that allows it. */
  enc = make_element ("e2eeencrypt", NULL);
  g_object_set (enc, "key-provider", open, "passphrase", PASSPHRASE, NULL);
  h = harness_with (gst_object_ref (enc));
  gst_harness_play (h);
  material = e2ee_key_provider_export_key (open, NULL, 0, &error);
  g_assert_no_error (error);
  fail_unless (g_bytes_get_size (material) == strlen (PASSPHRASE) &&
      memcmp (g_bytes_get_data (material, NULL), PASSPHRASE,
          strlen (PASSPHRASE)) == 0);
  g_bytes_unref (material);
  gst_object_unref (enc);
  gst_harness_teardown (h);
  g_object_unref (open);
}

GST_END_TEST;

/* ---- what the user is told ---- */

/* Pops every message of @bus: the `reason` of its one warning (fails
 * unless there is exactly one), and *@state_reason (if not NULL) that of
 * its last e2ee-state-changed message. */
static gchar *
pop_one_warning_reason_full (GstBus * bus, gchar ** state_reason)
{
  GstMessage *msg;
  gchar *reason = NULL;
  guint warnings = 0;

  while ((msg = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      const GstStructure *details = NULL;

      gst_message_parse_warning_details (msg, &details);
      fail_unless (details != NULL);
      g_free (reason);
      reason = g_strdup (gst_structure_get_string (details, "reason"));
      warnings++;
    } else if (state_reason != NULL && s != NULL &&
        gst_structure_has_name (s, "e2ee-state-changed")) {
      g_free (*state_reason);
      *state_reason = g_strdup (gst_structure_get_string (s, "reason"));
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (warnings, 1);
  return reason;
}

static gchar *
pop_one_warning_reason (GstBus * bus)
{
  return pop_one_warning_reason_full (bus, NULL);
}

/* One warning when frames start failing, none while they keep failing,
 * one again after they decrypted in between. */
GST_START_TEST (test_one_warning_per_run_of_failures)
{
  GPtrArray *frames = encrypt_frames (PASSPHRASE, E2EE_CODEC_VP8,
      "video/x-vp8", 10);
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gchar *reason, *state_reason = NULL;
  guint n;

  g_object_set (dec, "passphrase", OTHER_PASSPHRASE, NULL);
  gst_element_set_bus (dec, bus);
  h = harness_with (gst_object_ref (dec));
  gst_harness_set_src_caps_str (h, "video/x-vp8");

  for (n = 0; n < 4; n++)
    gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (frames, n)));
  reason = pop_one_warning_reason_full (bus, &state_reason);
  fail_unless_equals_string (reason, "authentication-failed");
  fail_unless_equals_string (state_reason, "authentication-failed");
  g_free (reason);
  g_free (state_reason);

  g_object_set (dec, "passphrase", PASSPHRASE, NULL);
  for (; n < 6; n++)
    gst_buffer_unref (gst_harness_push_and_pull (h,
            gst_buffer_ref (g_ptr_array_index (frames, n))));
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);

  g_object_set (dec, "passphrase", OTHER_PASSPHRASE, NULL);
  for (; n < 10; n++)
    gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (frames, n)));
  reason = pop_one_warning_reason (bus);
  fail_unless_equals_string (reason, "authentication-failed");
  g_free (reason);

  gst_element_set_bus (dec, NULL);
  gst_object_unref (bus);
  gst_object_unref (dec);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* An encryptor without a key: one warning, however many frames. */
GST_START_TEST (test_encryptor_without_key_warns_once)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gchar *reason;
  guint n;

  gst_element_set_bus (enc, bus);
  h = harness_with (gst_object_ref (enc));
  gst_harness_set_src_caps_str (h, "audio/x-opus");
  for (n = 0; n < 20; n++) {
    GByteArray *plain = make_frame (E2EE_CODEC_AUDIO, n);

    gst_harness_push (h, frame_buffer (plain, n, FALSE));
    g_byte_array_unref (plain);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  reason = pop_one_warning_reason (bus);
  fail_unless_equals_string (reason, "missing-key");
  g_free (reason);

  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A plaintext frame says why it is refused. */
GST_START_TEST (test_not_encrypted_reason)
{
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstBus *bus = gst_bus_new ();
  GByteArray *plain = make_frame (E2EE_CODEC_VP8, 0);
  GstHarness *h;
  gchar *reason, *state_reason = NULL;

  plain->data[plain->len - 2] = 0x07;   /* not an IV length of 12 */
  g_object_set (dec, "passphrase", PASSPHRASE, NULL);
  gst_element_set_bus (dec, bus);
  h = harness_with (gst_object_ref (dec));
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  gst_harness_push (h, frame_buffer (plain, 0, FALSE));
  fail_unless (gst_harness_try_pull (h) == NULL);

  reason = pop_one_warning_reason_full (bus, &state_reason);
  fail_unless_equals_string (reason, "not-encrypted");
  fail_unless_equals_string (state_reason, "not-encrypted");
  g_free (reason);
  g_free (state_reason);

  g_byte_array_unref (plain);
  gst_element_set_bus (dec, NULL);
  gst_object_unref (bus);
  gst_object_unref (dec);
  gst_harness_teardown (h);
}

GST_END_TEST;

static guint drop_log_lines;

static void
count_drop_log_lines (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  if (level <= GST_LEVEL_INFO && text != NULL &&
      g_str_has_prefix (text, "frame dropped"))
    g_atomic_int_inc (&drop_log_lines);
}

/* Frames failing in a burst are logged once, with a count after. */
GST_START_TEST (test_failure_log_rate_limited)
{
  GPtrArray *frames = encrypt_frames (PASSPHRASE, E2EE_CODEC_AUDIO,
      "audio/x-opus", 40);
  GstHarness *h = gst_harness_new ("e2eedecrypt");
  guint n;

  gst_debug_set_threshold_for_name ("e2eebase", GST_LEVEL_INFO);
  gst_debug_add_log_function (count_drop_log_lines, NULL, NULL);
  g_object_set (h->element, "passphrase", OTHER_PASSPHRASE, NULL);
  gst_harness_set_src_caps_str (h, "audio/x-opus");
  drop_log_lines = 0;
  for (n = 0; n < frames->len; n++)
    gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (frames, n)));
  /* 40 frames in well under a second (a slow machine: a few seconds) */
  fail_unless (drop_log_lines >= 1 && drop_log_lines <= 5, "%u lines",
      drop_log_lines);
  fail_unless_equals_uint64 (get_stat (h->element, "failed"), 40);

  gst_debug_remove_log_function (count_drop_log_lines);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* A key file that cannot be read, set while PLAYING: a warning naming it,
 * and the key in use stays. */
GST_START_TEST (test_bad_key_file_while_playing)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *missing = g_build_filename (g_get_tmp_dir (),
      "e2ee-no-such-key-file", NULL);
  GByteArray *plain = make_frame (E2EE_CODEC_AUDIO, 0);
  E2eeKeyProvider *receiver = e2ee_key_provider_new ();
  E2eeFrameCryptor *cryptor;
  GError *error = NULL;
  GstHarness *h;
  GstBuffer *out;
  GBytes *sealed, *opened;
  guint warnings = 0;
  gchar *texts;

  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  gst_element_set_bus (enc, bus);
  h = harness_with (gst_object_ref (enc));
  gst_harness_set_src_caps_str (h, "audio/x-opus");
  gst_buffer_unref (gst_harness_push_and_pull (h, frame_buffer (plain, 0,
              FALSE)));

  g_object_set (enc, "key-file", missing, NULL);
  texts = pop_warnings (bus, &warnings);
  fail_unless_equals_int (warnings, 1);
  fail_unless (strstr (texts, missing) != NULL, "%s", texts);
  fail_unless (strstr (texts, "does not exist") != NULL, "%s", texts);
  g_free (texts);

  out = gst_harness_push_and_pull (h, frame_buffer (plain, 1, FALSE));
  fail_unless (e2ee_key_provider_set_passphrase (receiver, NULL, PASSPHRASE,
          0, TRUE, &error));
  cryptor = e2ee_frame_cryptor_new (receiver, NULL, E2EE_CODEC_AUDIO);
  {
    gpointer data = NULL;
    gsize size = 0;

    gst_buffer_extract_dup (out, 0, gst_buffer_get_size (out), &data, &size);
    sealed = g_bytes_new_take (data, size);
  }
  opened = e2ee_frame_cryptor_decrypt_bytes (cryptor, sealed,
      E2EE_FRAME_TYPE_AUTO, &error);
  g_assert_no_error (error);
  fail_unless_equals_int (g_bytes_get_size (opened), plain->len);

  g_bytes_unref (opened);
  g_bytes_unref (sealed);
  gst_buffer_unref (out);
  g_object_unref (cryptor);
  g_object_unref (receiver);
  g_byte_array_unref (plain);
  g_free (missing);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- gst-inspect-1.0 ---- */

static gchar *
inspect (const gchar * factory)
{
  const gchar *argv[] = { "gst-inspect-1.0", factory, NULL };
  gchar *out = NULL;
  gint status = 0;
  GError *error = NULL;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
          NULL, &status, &error));
  g_assert_no_error (error);
  fail_unless (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
assert_contains (const gchar * text, const gchar * needle)
{
  fail_unless (strstr (text, needle) != NULL, "missing \"%s\"", needle);
}

GST_START_TEST (test_inspect_documents_elements)
{
  const gchar *common[] = {
    "Rank", "none (0)", "Example-pipelines", "gst-launch-1.0",
    "key-provider", "participant-id", "enabled", "key-index", "passphrase",
    "key-file", "stats", "write-only", "Write only",
    "changeable in NULL, READY, PAUSED or PLAYING state",
    "E2eeKeyProvider", "passed-through", "frames-missing-key",
  };
  const gchar *enc_only[] = {
    "Filter/Encryptor", "rtpopuspay", "e2eertpvp8pay", "e2eertpvp9pay",
    "e2eertph264pay", "e2eertph265pay", "opusenc", "vp8enc", "x264enc",
  };
  const gchar *dec_only[] = {
    "Filter/Decryptor", "rtpopusdepay", "rtpvp8depay", "rtpvp9depay",
    "rtph264depay", "rtph265depay", "avdec_h264",
  };
  gchar *enc = inspect ("e2eeencrypt");
  gchar *dec = inspect ("e2eedecrypt");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (common); i++) {
    assert_contains (enc, common[i]);
    assert_contains (dec, common[i]);
  }
  for (i = 0; i < G_N_ELEMENTS (enc_only); i++)
    assert_contains (enc, enc_only[i]);
  for (i = 0; i < G_N_ELEMENTS (dec_only); i++)
    assert_contains (dec, dec_only[i]);

  g_free (enc);
  g_free (dec);
}

GST_END_TEST;

/* Every element's example pipelines (from its SECTION block) are in its
 * metadata and parse; an element this machine lacks (x265enc, say) is the
 * only excuse. */
GST_START_TEST (test_example_pipelines_parse)
{
  const gchar *factories[] = {
    "e2eeencrypt", "e2eedecrypt", "e2eertpvp8pay", "e2eertpvp9pay",
    "e2eertph264pay", "e2eertph265pay",
  };
  guint f, i;

  for (f = 0; f < G_N_ELEMENTS (factories); f++) {
    GstElementFactory *factory = gst_element_factory_find (factories[f]);
    const gchar *text;
    gchar **lines;

    fail_unless (factory != NULL);
    text = gst_element_factory_get_metadata (factory, "example-pipelines");
    fail_unless (text != NULL, "%s has no example-pipelines", factories[f]);
    fail_unless (strstr (text, factories[f]) != NULL);
    lines = g_strsplit (text, "\n\n", -1);
    fail_unless (g_strv_length (lines) >= 2, "%s: %u examples", factories[f],
        g_strv_length (lines));
    for (i = 0; lines[i] != NULL; i++) {
      const gchar *line = g_strstrip (lines[i]);
      GError *error = NULL;
      GstElement *pipeline;

      fail_unless (g_str_has_prefix (line, "gst-launch-1.0 "), "%s", line);
      pipeline = gst_parse_launch_full (line + strlen ("gst-launch-1.0 "),
          NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
      if (pipeline == NULL)
        fail_unless (g_error_matches (error, GST_PARSE_ERROR,
                GST_PARSE_ERROR_NO_SUCH_ELEMENT), "%s: %s", line,
            error->message);
      g_clear_error (&error);
      if (pipeline != NULL)
        gst_object_unref (pipeline);
    }
    g_strfreev (lines);
    gst_object_unref (factory);
  }
}

GST_END_TEST;

static Suite *
e2ee_elements_suite (void)
{
  Suite *s = suite_create ("e2ee-elements");
  TCase *tc;
  guint n = G_N_ELEMENTS (codec_cases);

  tc = tcase_create ("round-trip");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_round_trip_shared_index_0, 0, n);
  tcase_add_loop_test (tc, test_round_trip_shared_index_5, 0, n);
  tcase_add_loop_test (tc, test_round_trip_participant_index_0, 0, n);
  tcase_add_loop_test (tc, test_round_trip_participant_index_5, 0, n);
  tcase_add_test (tc, test_h264_nal_alignment_refused);
  suite_add_tcase (s, tc);

  tc = tcase_create ("keys-and-states");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_enabled_toggled_while_playing);
  tcase_add_test (tc, test_no_key_no_frame_leaves);
  tcase_add_test (tc, test_wrong_key_then_recovery);
  tcase_add_test (tc, test_tampered_frame_dropped);
  suite_add_tcase (s, tc);

  tc = tcase_create ("context");
  tcase_add_test (tc, test_context_two_elements_one_provider);
  tcase_add_test (tc, test_context_creates_and_posts);
  tcase_add_test (tc, test_context_set_before_ready);
  tcase_add_test (tc, test_context_from_need_context);
  tcase_add_test (tc, test_provider_property_wins);
  suite_add_tcase (s, tc);

  tc = tcase_create ("properties");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_key_properties_write_only);
  tcase_add_test (tc, test_key_file);
  tcase_add_test (tc, test_key_property_from_launch_line);
  tcase_add_test (tc, test_blurbs_per_element);
  tcase_add_test (tc, test_options_reach_the_provider);
  tcase_add_test (tc, test_option_conflicts_with_the_application);
  tcase_add_test (tc, test_element_keys_not_exportable);
  tcase_add_test (tc, test_one_warning_per_run_of_failures);
  tcase_add_test (tc, test_encryptor_without_key_warns_once);
  tcase_add_test (tc, test_not_encrypted_reason);
  tcase_add_test (tc, test_failure_log_rate_limited);
  tcase_add_test (tc, test_bad_key_file_while_playing);
  tcase_add_test (tc, test_inspect_documents_elements);
  tcase_add_test (tc, test_example_pipelines_parse);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (e2ee_elements);
