/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The round trip the RTP pipeline tests share: one pipeline runs
 *
 *   encoder ! encrypt ! payloader ! depayloader ! decrypt ! decoder ! sink
 *
 * in one process. Every frame entering the element named "encrypt" and
 * every frame leaving the element named "decrypt" is recorded, and the two
 * lists are compared byte for byte.
 *
 * "Fake" encryption lets the packetizers be checked without the real
 * elements: "encrypt" and "decrypt" are identities, a probe appends a
 * trailer shaped like LiveKit's (29 bytes that hold no zero, so no start
 * code can appear, then key index 0x00) and the probe on the receiving side
 * strips it again after checking it byte for byte. */

#pragma once

#include <gst/check/gstcheck.h>
#include <keyring/e2ee.h>
#include <string.h>

#define FAKE_TRAILER_SIZE 30
#define PASSPHRASE "pipeline test passphrase"
#define PARTICIPANT "bob"

typedef enum
{
  KEYS_FAKE,                    /* identities and a fake trailer */
  KEYS_PASSPHRASE,              /* shared key from the passphrase property */
  KEYS_PROVIDER,                /* per-participant key in our own provider */
} KeyMode;

typedef struct
{
  KeyMode mode;
  guint key_index;
} KeySetup;

typedef struct
{
  GMutex lock;
  GPtrArray *before;            /* GBytes: frames entering "encrypt" */
  GPtrArray *after;             /* GBytes: frames leaving "decrypt" */
  GPtrArray *trailers;          /* GBytes: the fake trailer of each frame */
  guint fake_checked;           /* frames that reached the fake decryptor */
  guint fake_rejected;          /* frames whose fake trailer was damaged */
} FrameLog;

static void
frame_log_init (FrameLog * log)
{
  g_mutex_init (&log->lock);
  log->before = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  log->after = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  log->trailers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  log->fake_checked = 0;
  log->fake_rejected = 0;
}

static void
frame_log_clear (FrameLog * log)
{
  g_ptr_array_unref (log->before);
  g_ptr_array_unref (log->after);
  g_ptr_array_unref (log->trailers);
  g_mutex_clear (&log->lock);
}

static GBytes *
buffer_to_bytes (GstBuffer * buffer)
{
  gsize size = gst_buffer_get_size (buffer);
  guint8 *data = g_malloc (size);

  gst_buffer_extract (buffer, 0, data, size);
  return g_bytes_new_take (data, size);
}

static GstPadProbeReturn
record_frame (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GPtrArray *frames = user_data;
  FrameLog *log = g_object_get_data (G_OBJECT (pad), "frame-log");

  g_mutex_lock (&log->lock);
  g_ptr_array_add (frames, buffer_to_bytes (GST_PAD_PROBE_INFO_BUFFER (info)));
  g_mutex_unlock (&log->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
append_fake_trailer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  FrameLog *log = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint8 trailer[FAKE_TRAILER_SIZE];
  guint i;

  for (i = 0; i < FAKE_TRAILER_SIZE - 1; i++)
    trailer[i] = g_random_int_range (1, 256);
  trailer[FAKE_TRAILER_SIZE - 1] = 0x00;        /* key index 0 */

  g_mutex_lock (&log->lock);
  g_ptr_array_add (log->trailers, g_bytes_new (trailer, sizeof (trailer)));
  g_mutex_unlock (&log->lock);

  buffer = gst_buffer_append (buffer,
      gst_buffer_new_memdup (trailer, sizeof (trailer)));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/* Fake authentication: a frame passes only if it ends in the very trailer
 * that was appended to the frame sent at the same position. */
static gboolean
has_fake_trailer (FrameLog * log, GstBuffer * buffer)
{
  gsize size = gst_buffer_get_size (buffer);
  GBytes *expected = NULL;
  gboolean ok;

  g_mutex_lock (&log->lock);
  if (log->fake_checked < log->trailers->len)
    expected = g_bytes_ref (g_ptr_array_index (log->trailers,
            log->fake_checked));
  log->fake_checked++;
  g_mutex_unlock (&log->lock);

  ok = expected && size >= FAKE_TRAILER_SIZE &&
      gst_buffer_memcmp (buffer, size - FAKE_TRAILER_SIZE,
      g_bytes_get_data (expected, NULL), FAKE_TRAILER_SIZE) == 0;
  if (expected)
    g_bytes_unref (expected);
  return ok;
}

static GstPadProbeReturn
strip_fake_trailer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  FrameLog *log = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gsize size = gst_buffer_get_size (buffer);

  if (!has_fake_trailer (log, buffer)) {
    g_mutex_lock (&log->lock);
    log->fake_rejected++;
    g_mutex_unlock (&log->lock);
    return GST_PAD_PROBE_DROP;
  }

  buffer = gst_buffer_make_writable (buffer);
  gst_buffer_resize (buffer, 0, size - FAKE_TRAILER_SIZE);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement * pipeline, const gchar * element_name,
    const gchar * pad_name, GstPadProbeCallback callback, gpointer data,
    FrameLog * log)
{
  GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline), element_name);
  GstPad *pad;

  fail_unless (element != NULL, "no element named %s", element_name);
  pad = gst_element_get_static_pad (element, pad_name);
  g_object_set_data (G_OBJECT (pad), "frame-log", log);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, data, NULL);
  gst_object_unref (pad);
  gst_object_unref (element);
}

/* Runs @pipeline to EOS, asserting that no error reaches the bus. */
static void
run_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    fail ("error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
        err->message, debug ? debug : "");
  }
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
}

/* The launch description of the element named @name: @factory with the
 * keys of @keys, or an identity for fake encryption. */
static gchar *
crypto_element (const KeySetup * keys, const gchar * factory,
    const gchar * name)
{
  switch (keys->mode) {
    case KEYS_FAKE:
      return g_strdup_printf ("identity name=%s", name);
    case KEYS_PASSPHRASE:
      return g_strdup_printf ("%s name=%s passphrase=\"" PASSPHRASE "\" "
          "key-index=%u", factory, name, keys->key_index);
    case KEYS_PROVIDER:
      return g_strdup_printf ("%s name=%s participant-id=" PARTICIPANT,
          factory, name);
  }
  g_assert_not_reached ();
}

/* Hands one provider holding bob's key at @key_index to both elements. */
static void
use_own_provider (GstElement * pipeline, guint key_index)
{
  static const guint8 material[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  const gchar *names[] = { "encrypt", "decrypt" };
  E2eeKeyProvider *provider;
  GError *error = NULL;
  guint i;

  provider = g_object_new (E2EE_TYPE_KEY_PROVIDER, "shared-key", FALSE, NULL);
  fail_unless (e2ee_key_provider_set_key (provider, PARTICIPANT, material,
          sizeof (material), key_index, TRUE, &error));
  g_assert_no_error (error);

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), names[i]);

    g_object_set (e, "key-provider", provider, NULL);
    gst_object_unref (e);
  }
  g_object_unref (provider);
}

/* Parses @description, records the frames around "encrypt" and "decrypt"
 * into @log and runs it to EOS. */
static void
run_roundtrip (const gchar * description, const KeySetup * keys,
    FrameLog * log)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  GST_INFO ("running %s", description);
  fail_unless (pipeline != NULL, "could not parse '%s': %s", description,
      error ? error->message : "?");
  fail_unless (error == NULL, "parsing '%s': %s", description,
      error ? error->message : "");

  add_probe (pipeline, "encrypt", "sink", record_frame, log->before, log);
  add_probe (pipeline, "decrypt", "src", record_frame, log->after, log);
  if (keys->mode == KEYS_FAKE) {
    add_probe (pipeline, "encrypt", "src", append_fake_trailer, log, log);
    add_probe (pipeline, "decrypt", "sink", strip_fake_trailer, log, log);
  } else if (keys->mode == KEYS_PROVIDER) {
    use_own_provider (pipeline, keys->key_index);
  }

  run_to_eos (pipeline);
  gst_object_unref (pipeline);
}

/* Asserts that every frame came through unchanged and none was lost. */
static void
assert_frames_identical (FrameLog * log, guint expected_frames)
{
  guint i;

  fail_unless_equals_int (log->before->len, expected_frames);
  fail_unless_equals_int (log->after->len, log->before->len);
  for (i = 0; i < log->before->len; i++) {
    GBytes *sent = g_ptr_array_index (log->before, i);
    GBytes *received = g_ptr_array_index (log->after, i);

    fail_unless (g_bytes_equal (sent, received),
        "frame %u differs: %" G_GSIZE_FORMAT " bytes sent, %" G_GSIZE_FORMAT
        " received", i, g_bytes_get_size (sent), g_bytes_get_size (received));
  }
}

/* Number of received frames that equal the frame sent at the same position. */
G_GNUC_UNUSED static guint
count_identical_frames (FrameLog * log)
{
  guint i, identical = 0;

  for (i = 0; i < MIN (log->before->len, log->after->len); i++)
    if (g_bytes_equal (g_ptr_array_index (log->before, i),
            g_ptr_array_index (log->after, i)))
      identical++;
  return identical;
}
