/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/*
 * e2ee-interop-bridge: the GStreamer side of the LiveKit interop tests.
 *
 *   e2ee-interop-bridge capture 'PIPELINE ... ! appsink name=sink'
 *     Runs a gst-launch style pipeline and prints every buffer that reached
 *     the appsink "sink" (then those of an appsink "enc", if any) as one
 *     JSON line {"sink": "...", "hex": "...", "key": true|false}, so that the
 *     tests use frames made by real GStreamer encoders, and frames that
 *     e2eeencrypt encrypted inside a real pipeline.
 *
 *   e2ee-interop-bridge serve
 *     Reads one JSON request per line on stdin and answers each with one
 *     JSON line on stdout. A request describes a key provider (options, keys,
 *     ratchets, SIF trailer), an element (e2eeencrypt or e2eedecrypt and its
 *     properties), caps, and frames. Every frame is pushed through the real
 *     element, one at a time (GstHarness, so no timing is involved): the
 *     answer for a frame is the buffer the element pushed, or null when it
 *     dropped the frame, plus the e2ee-state-changed states it posted.
 *     Requests that name the same "providerCache" share one key provider.
 *     With "engine": "pipeline" the element runs in appsrc ! element !
 *     appsink instead (streaming threads; outputs matched by timestamp);
 *     with "engine": "core" the frames go through E2eeFrameCryptor, which
 *     checks the core library alone.
 *
 * The Node.js runner (interop.mjs) drives both directions against LiveKit's
 * own worker and compares the bytes.
 */

#include <stdio.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include <keyring/e2ee.h>

/* Key providers kept between requests that name the same "providerCache":
 * a provider with a ratchet window derives the window's keys ahead (one
 * PBKDF2 each for passphrases), so a case reuses its key setup across
 * streams, as an application does across tracks. */
static GHashTable *provider_cache;

typedef struct
{
  E2eeKeyProvider *provider;
  GstElement *element;          /* e2eeencrypt or e2eedecrypt */
  GstHarness *harness;          /* engine "element" */
  GstElement *pipeline;         /* engine "pipeline" */
  GstBus *bus;
  E2eeFrameCryptor *cryptor;
  gboolean encrypt;
  gchar *participant_id;
} Bridge;

/* Hex helpers (libsodium's, constant-time) */

static GBytes *
bytes_from_hex (const gchar * hex, GError ** error)
{
  gsize hex_len;
  gsize bin_len = 0;
  guint8 *bin;

  if (hex == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "a hex string is missing");
    return NULL;
  }
  hex_len = strlen (hex);
  bin = g_malloc (hex_len / 2 + 1);
  if (sodium_hex2bin (bin, hex_len / 2 + 1, hex, hex_len, NULL, &bin_len,
          NULL) != 0 || bin_len * 2 != hex_len) {
    g_free (bin);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "not a hex string of even length");
    return NULL;
  }
  return g_bytes_new_take (bin, bin_len);
}

/* Test keys are not secrets, but are wiped anyway, as the project's rule
 * for key material asks. Only for bytes this file made: the caller holds
 * the last reference. */
static void
unref_wiped (GBytes * key)
{
  gsize len;
  gpointer data = (gpointer) g_bytes_get_data (key, &len);

  sodium_memzero (data, len);
  g_bytes_unref (key);
}

static void
append_hex (GString * out, const guint8 * data, gsize len)
{
  gsize start = out->len;

  g_string_set_size (out, start + len * 2 + 1);
  sodium_bin2hex (out->str + start, len * 2 + 1, data, len);
  g_string_set_size (out, start + len * 2);
}

static void
append_json_string (GString * out, const gchar * text)
{
  JsonNode *node = json_node_init_string (json_node_alloc (), text);
  gchar *quoted = json_to_string (node, FALSE);

  g_string_append (out, quoted);
  g_free (quoted);
  json_node_unref (node);
}

/* Reading requests: a missing object or member gives the fallback. */

static JsonNode *
member_node (JsonObject * object, const gchar * name)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, name);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static const gchar *
member_string (JsonObject * object, const gchar * name)
{
  JsonNode *node = member_node (object, name);

  if (node == NULL)
    return NULL;
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject * object, const gchar * name, gint64 fallback)
{
  JsonNode *node = member_node (object, name);

  if (node == NULL)
    return fallback;
  return json_node_get_int (node);
}

static gboolean
member_bool (JsonObject * object, const gchar * name, gboolean fallback)
{
  JsonNode *node = member_node (object, name);

  if (node == NULL)
    return fallback;
  return json_node_get_boolean (node);
}

static JsonArray *
member_array (JsonObject * object, const gchar * name)
{
  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  return json_object_get_array_member (object, name);
}

static JsonObject *
member_object (JsonObject * object, const gchar * name)
{
  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  return json_object_get_object_member (object, name);
}

static gboolean
set_property_checked (GObject * object, const gchar * name,
    const GValue * value, GError ** error)
{
  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (object), name)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        "%s has no property '%s'", G_OBJECT_TYPE_NAME (object), name);
    return FALSE;
  }
  g_object_set_property (object, name, value);
  return TRUE;
}

static gboolean
set_int_property (GObject * object, const gchar * name, gint64 number,
    GError ** error)
{
  GParamSpec *pspec =
      g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  GValue value = G_VALUE_INIT;
  GValue number_value = G_VALUE_INIT;
  gboolean ok;

  if (pspec == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        "%s has no property '%s'", G_OBJECT_TYPE_NAME (object), name);
    return FALSE;
  }
  /* The property may be gint or guint: let GValue convert. */
  g_value_init (&number_value, G_TYPE_INT64);
  g_value_set_int64 (&number_value, number);
  g_value_init (&value, pspec->value_type);
  if (!g_value_transform (&number_value, &value)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "cannot set %s from a number", name);
    return FALSE;
  }
  ok = set_property_checked (object, name, &value, error);
  g_value_unset (&value);
  return ok;
}

/* Key provider setup */

static const struct
{
  const gchar *json_name;
  const gchar *property;
} provider_int_options[] = {
  {"ratchetWindowSize", "ratchet-window-size"},
  {"failureTolerance", "failure-tolerance"},
  {"keyringSize", "key-ring-size"},
  {"keySize", "key-size"},
};

static E2eeKeyProvider *
provider_from_options (JsonObject * options, GError ** error)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GObject *object = G_OBJECT (provider);
  const gchar *salt;
  guint i;

  if (options == NULL)
    return provider;
  if (json_object_has_member (options, "sharedKey"))
    g_object_set (object, "shared-key",
        member_bool (options, "sharedKey", TRUE), NULL);
  salt = member_string (options, "ratchetSalt");
  if (salt != NULL)
    g_object_set (object, "ratchet-salt", salt, NULL);
  for (i = 0; i < G_N_ELEMENTS (provider_int_options); i++) {
    const gchar *name = provider_int_options[i].json_name;

    if (json_object_has_member (options, name) &&
        !set_int_property (object, provider_int_options[i].property,
            member_int (options, name, 0), error)) {
      g_object_unref (provider);
      return NULL;
    }
  }
  return provider;
}

static gboolean
apply_key (E2eeKeyProvider * provider, JsonObject * key, GError ** error)
{
  const gchar *participant = member_string (key, "participant");
  const gchar *passphrase = member_string (key, "passphrase");
  const gchar *raw_hex = member_string (key, "rawHex");
  guint key_index = member_int (key, "keyIndex", 0);
  gboolean make_current = member_bool (key, "makeCurrent", TRUE);
  GBytes *raw;
  gboolean ok;

  if (passphrase != NULL)
    return e2ee_key_provider_set_passphrase (provider, participant,
        passphrase, key_index, make_current, error);
  if (raw_hex == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "a key needs \"passphrase\" or \"rawHex\"");
    return FALSE;
  }
  raw = bytes_from_hex (raw_hex, error);
  if (raw == NULL)
    return FALSE;
  ok = e2ee_key_provider_set_key (provider, participant,
      g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), key_index,
      make_current, error);
  unref_wiped (raw);
  return ok;
}

static gboolean
apply_ratchet (E2eeKeyProvider * provider, JsonObject * ratchet,
    GError ** error)
{
  const gchar *participant = member_string (ratchet, "participant");
  guint key_index = member_int (ratchet, "keyIndex", 0);
  gint64 count = member_int (ratchet, "count", 1);

  for (; count > 0; count--) {
    GBytes *material = e2ee_key_provider_ratchet_key (provider, participant,
        key_index, error);

    if (material == NULL)
      return FALSE;
    g_bytes_unref (material);
  }
  return TRUE;
}

/* One key-management action: {"key": {...}} or {"ratchet": {...}}. */
static gboolean
apply_action (Bridge * bridge, JsonObject * action, GError ** error)
{
  JsonObject *key = member_object (action, "key");
  JsonObject *ratchet = member_object (action, "ratchet");

  if (key != NULL)
    return apply_key (bridge->provider, key, error);
  if (ratchet != NULL)
    return apply_ratchet (bridge->provider, ratchet, error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
      "unknown action");
  return FALSE;
}

static gboolean
apply_actions (Bridge * bridge, JsonArray * actions, GError ** error)
{
  guint i;

  if (actions == NULL)
    return TRUE;
  for (i = 0; i < json_array_get_length (actions); i++) {
    if (!apply_action (bridge, json_array_get_object_element (actions, i),
            error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
setup_provider (Bridge * bridge, JsonObject * request, GError ** error)
{
  const gchar *sif_hex = member_string (request, "sifTrailerHex");

  bridge->provider = provider_from_options (member_object (request,
          "provider"), error);
  if (bridge->provider == NULL)
    return FALSE;
  if (sif_hex != NULL) {
    GBytes *trailer = bytes_from_hex (sif_hex, error);

    if (trailer == NULL)
      return FALSE;
    e2ee_key_provider_set_sif_trailer (bridge->provider,
        g_bytes_get_data (trailer, NULL), g_bytes_get_size (trailer));
    g_bytes_unref (trailer);
  }
  return TRUE;
}

/* The element under test */

/* Properties of the element itself: the gst-launch route, where the element
 * makes its own key provider from "passphrase", "key" or "key-file". */
static gboolean
set_element_properties (GstElement * element, JsonObject * props,
    GError ** error)
{
  const gchar *passphrase = member_string (props, "passphrase");
  const gchar *key_hex = member_string (props, "keyHex");
  const gchar *key_file = member_string (props, "keyFile");
  GValue value = G_VALUE_INIT;
  gboolean ok = TRUE;

  if (json_object_has_member (props, "keyIndex") &&
      !set_int_property (G_OBJECT (element), "key-index",
          member_int (props, "keyIndex", 0), error))
    return FALSE;
  if (passphrase != NULL) {
    g_value_init (&value, G_TYPE_STRING);
    g_value_set_string (&value, passphrase);
    ok = set_property_checked (G_OBJECT (element), "passphrase", &value,
        error);
    g_value_unset (&value);
  }
  if (ok && key_file != NULL) {
    g_value_init (&value, G_TYPE_STRING);
    g_value_set_string (&value, key_file);
    ok = set_property_checked (G_OBJECT (element), "key-file", &value, error);
    g_value_unset (&value);
  }
  if (ok && key_hex != NULL) {
    GBytes *raw = bytes_from_hex (key_hex, error);

    if (raw == NULL)
      return FALSE;
    g_value_init (&value, GST_TYPE_BUFFER);
    g_value_take_boxed (&value, gst_buffer_new_wrapped_bytes (raw));
    ok = set_property_checked (G_OBJECT (element), "key", &value, error);
    g_value_unset (&value);
    unref_wiped (raw);
  }
  return ok;
}

/* A new e2eeencrypt or e2eedecrypt with the request's properties. */
static GstElement *
make_element (Bridge * bridge, JsonObject * request, GError ** error)
{
  const gchar *factory = bridge->encrypt ? "e2eeencrypt" : "e2eedecrypt";
  JsonObject *props = member_object (request, "element");
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "no element %s (is GST_PLUGIN_PATH set to the build's gst/?)",
        factory);
    return NULL;
  }
  if (!member_bool (props, "ownProvider", FALSE))
    g_object_set (element, "key-provider", bridge->provider, NULL);
  if (bridge->participant_id != NULL)
    g_object_set (element, "participant-id", bridge->participant_id, NULL);
  if (props != NULL && !set_element_properties (element, props, error)) {
    gst_object_unref (element);
    return NULL;
  }
  return element;
}

/* Engine "element": the element alone in a GstHarness; each frame is
 * pushed and its output pulled in this thread. */
static gboolean
setup_harness (Bridge * bridge, JsonObject * request, GError ** error)
{
  GstElement *element = make_element (bridge, request, error);

  if (element == NULL)
    return FALSE;
  bridge->bus = gst_bus_new ();
  gst_element_set_bus (element, bridge->bus);
  bridge->harness = gst_harness_new_with_element (element, "sink", "src");
  bridge->element = element;
  gst_object_unref (element);
  gst_harness_set_src_caps_str (bridge->harness,
      member_string (request, "caps"));
  return TRUE;
}

/* Engine "pipeline": appsrc ! element ! appsink, with streaming threads,
 * as an application runs it. */
static gboolean
setup_pipeline (Bridge * bridge, JsonObject * request, GError ** error)
{
  GstElement *element = make_element (bridge, request, error);
  GstElement *src = gst_element_factory_make ("appsrc", "src");
  GstElement *sink = gst_element_factory_make ("appsink", "sink");
  GstCaps *caps = gst_caps_from_string (member_string (request, "caps"));

  bridge->pipeline = gst_pipeline_new (NULL);
  if (element != NULL)
    gst_bin_add (GST_BIN (bridge->pipeline), element);
  gst_bin_add_many (GST_BIN (bridge->pipeline), src, sink, NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  gst_caps_unref (caps);
  g_object_set (sink, "sync", FALSE, "wait-on-eos", FALSE, NULL);
  if (element == NULL)
    return FALSE;
  if (!gst_element_link_many (src, element, sink, NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "cannot link appsrc ! %s ! appsink", GST_ELEMENT_NAME (element));
    return FALSE;
  }
  bridge->element = element;
  bridge->bus = gst_element_get_bus (bridge->pipeline);
  if (gst_element_set_state (bridge->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "the pipeline does not start");
    return FALSE;
  }
  return TRUE;
}

static const struct
{
  const gchar *name;
  E2eeCodec codec;
} codec_names[] = {
  {"opus", E2EE_CODEC_AUDIO},
  {"vp8", E2EE_CODEC_VP8},
  {"vp9", E2EE_CODEC_VP9},
  {"h264", E2EE_CODEC_H264},
  {"h265", E2EE_CODEC_H265},
  {"data", E2EE_CODEC_DATA},
};

static gboolean
setup_core (Bridge * bridge, JsonObject * request, GError ** error)
{
  const gchar *codec = member_string (request, "codec");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codec_names); i++) {
    if (g_strcmp0 (codec, codec_names[i].name) == 0) {
      bridge->cryptor = e2ee_frame_cryptor_new (bridge->provider,
          bridge->participant_id, codec_names[i].codec);
      return TRUE;
    }
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
      "unknown codec '%s'", codec);
  return FALSE;
}

static void
bridge_clear (Bridge * bridge)
{
  if (bridge->harness != NULL)
    gst_harness_teardown (bridge->harness);
  if (bridge->pipeline != NULL) {
    gst_element_set_state (bridge->pipeline, GST_STATE_NULL);
    gst_object_unref (bridge->pipeline);
  }
  if (bridge->bus != NULL) {
    gst_bus_set_flushing (bridge->bus, TRUE);
    gst_object_unref (bridge->bus);
  }
  g_clear_object (&bridge->cryptor);
  g_clear_object (&bridge->provider);
  g_free (bridge->participant_id);
  memset (bridge, 0, sizeof (*bridge));
}

/* Frames */

static void
append_state_name (GString * out, gint state)
{
  GEnumClass *klass = g_type_class_ref (E2EE_TYPE_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  append_json_string (out, value ? value->value_nick : "unknown");
  g_type_class_unref (klass);
}

/* The states the element posted while it handled the last frame. */
static void
append_posted_states (Bridge * bridge, GString * out)
{
  GstMessage *message;
  gboolean first = TRUE;

  g_string_append (out, ",\"states\":[");
  while ((message = gst_bus_pop_filtered (bridge->bus,
              GST_MESSAGE_ELEMENT)) != NULL) {
    const GstStructure *s = gst_message_get_structure (message);
    gint state;

    if (gst_structure_has_name (s, "e2ee-state-changed") &&
        gst_structure_get_enum (s, "state", E2EE_TYPE_STATE, &state)) {
      if (!first)
        g_string_append_c (out, ',');
      append_state_name (out, state);
      first = FALSE;
    }
    gst_message_unref (message);
  }
  g_string_append_c (out, ']');
}

#define FRAME_DURATION (20 * GST_MSECOND)

static GstBuffer *
frame_buffer (GBytes * frame, gboolean key_frame, guint64 position)
{
  GstBuffer *buffer = gst_buffer_new_wrapped_bytes (frame);

  GST_BUFFER_PTS (buffer) = position * FRAME_DURATION;
  GST_BUFFER_DURATION (buffer) = FRAME_DURATION;
  if (!key_frame)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return buffer;
}

/* {"hex": "..." | null (no "}": states may follow) */
static void
append_frame_hex (GString * out, GstBuffer * result)
{
  GstMapInfo map;

  if (result == NULL) {
    g_string_append (out, "{\"hex\":null");
    return;
  }
  gst_buffer_map (result, &map, GST_MAP_READ);
  g_string_append (out, "{\"hex\":\"");
  append_hex (out, map.data, map.size);
  g_string_append_c (out, '"');
  gst_buffer_unmap (result, &map);
}

static void
append_frame_output (GString * out, GstBuffer * result, gboolean comma)
{
  if (comma)
    g_string_append_c (out, ',');
  append_frame_hex (out, result);
  g_string_append (out, ",\"states\":[]}");
}

static gboolean
element_process (Bridge * bridge, GBytes * frame, gboolean key_frame,
    guint64 position, GString * out, GError ** error)
{
  GstBuffer *buffer = frame_buffer (frame, key_frame, position);
  GstBuffer *result;
  GstFlowReturn flow;

  g_bytes_unref (frame);
  flow = gst_harness_push (bridge->harness, buffer);
  if (flow != GST_FLOW_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "pushing frame %" G_GUINT64_FORMAT " returned %s", position,
        gst_flow_get_name (flow));
    return FALSE;
  }
  result = gst_harness_try_pull (bridge->harness);
  append_frame_hex (out, result);
  gst_clear_buffer (&result);
  /* One frame in, at most one frame out. */
  result = gst_harness_try_pull (bridge->harness);
  if (result != NULL) {
    gst_buffer_unref (result);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "the element pushed two buffers for frame %" G_GUINT64_FORMAT,
        position);
    return FALSE;
  }
  append_posted_states (bridge, out);
  g_string_append_c (out, '}');
  return TRUE;
}

static gboolean
core_process (Bridge * bridge, GBytes * frame, gboolean key_frame,
    GString * out, GError ** error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);
  E2eeFrameType type = key_frame ? E2EE_FRAME_TYPE_KEY : E2EE_FRAME_TYPE_DELTA;
  gsize out_size = bridge->encrypt ?
      e2ee_frame_cryptor_get_max_encrypted_size (bridge->cryptor, len) : len;
  guint8 *result = g_malloc (out_size + 1);
  gsize result_len = 0;
  GError *frame_error = NULL;
  gboolean ok;

  if (bridge->encrypt)
    ok = e2ee_frame_cryptor_encrypt (bridge->cryptor, data, len, type,
        result, out_size, &result_len, &frame_error);
  else
    ok = e2ee_frame_cryptor_decrypt (bridge->cryptor, data, len, type,
        result, out_size, &result_len, &frame_error);
  if (ok) {
    g_string_append (out, "{\"hex\":\"");
    append_hex (out, result, result_len);
    g_string_append_c (out, '"');
  } else {
    g_string_append (out, "{\"hex\":null,\"error\":");
    append_json_string (out, frame_error ? frame_error->message : "?");
  }
  g_clear_error (&frame_error);
  g_free (result);
  g_string_append (out, ",\"states\":[");
  append_state_name (out, e2ee_frame_cryptor_get_state (bridge->cryptor));
  g_string_append (out, "]}");
  g_bytes_unref (frame);
  return TRUE;
}

static gboolean
process_frames (Bridge * bridge, JsonArray * frames, GString * out,
    GError ** error)
{
  guint i;

  g_string_append (out, ",\"frames\":[");
  for (i = 0; i < json_array_get_length (frames); i++) {
    JsonObject *frame = json_array_get_object_element (frames, i);
    gboolean key_frame = member_bool (frame, "key", TRUE);
    GBytes *data;
    gboolean ok;

    if (!apply_actions (bridge, member_array (frame, "before"), error))
      return FALSE;
    data = bytes_from_hex (member_string (frame, "hex"), error);
    if (data == NULL)
      return FALSE;
    if (i > 0)
      g_string_append_c (out, ',');
    if (bridge->harness != NULL)
      ok = element_process (bridge, data, key_frame, i, out, error);
    else
      ok = core_process (bridge, data, key_frame, out, error);
    if (!ok)
      return FALSE;
  }
  g_string_append_c (out, ']');
  return TRUE;
}

static void
append_state_of_message (GString * out, GstMessage * message,
    gboolean * first)
{
  const GstStructure *s = gst_message_get_structure (message);
  gint state;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
      gst_structure_has_name (s, "e2ee-state-changed") &&
      gst_structure_get_enum (s, "state", E2EE_TYPE_STATE, &state)) {
    if (!*first)
      g_string_append_c (out, ',');
    append_state_name (out, state);
    *first = FALSE;
  }
}

/* Waits for the end of the stream; the states posted on the way go to a
 * top-level "states" list. */
static gboolean
wait_for_eos (Bridge * bridge, GString * states, GError ** error)
{
  gboolean first = TRUE;

  for (;;) {
    GstMessage *message = gst_bus_timed_pop (bridge->bus,
        GST_CLOCK_TIME_NONE);
    GstMessageType type = GST_MESSAGE_TYPE (message);

    if (type == GST_MESSAGE_ERROR) {
      GError *pipeline_error = NULL;

      gst_message_parse_error (message, &pipeline_error, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "pipeline: %s",
          pipeline_error->message);
      g_error_free (pipeline_error);
    } else {
      append_state_of_message (states, message, &first);
    }
    gst_message_unref (message);
    if (type == GST_MESSAGE_EOS || type == GST_MESSAGE_ERROR)
      return type == GST_MESSAGE_EOS;
  }
}

static void
unref_buffer_if_any (GstBuffer * buffer)
{
  if (buffer != NULL)
    gst_buffer_unref (buffer);
}

/* Pushes every frame, then matches what reached the appsink to the frames
 * by timestamp: a frame with no output was dropped. Key-management actions
 * between frames are refused here, the streaming thread would race them. */
static gboolean
pipeline_process_frames (Bridge * bridge, JsonArray * frames, GString * out,
    GError ** error)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (bridge->pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (bridge->pipeline), "sink");
  guint n_frames = json_array_get_length (frames);
  GPtrArray *outputs = g_ptr_array_new_full (n_frames,
      (GDestroyNotify) unref_buffer_if_any);
  GString *states = g_string_new (NULL);
  GstSample *sample;
  gboolean ok = TRUE;
  guint i;

  g_ptr_array_set_size (outputs, n_frames);
  for (i = 0; ok && i < n_frames; i++) {
    JsonObject *frame = json_array_get_object_element (frames, i);
    GBytes *data = bytes_from_hex (member_string (frame, "hex"), error);

    if (member_array (frame, "before") != NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
          "no actions between frames with engine \"pipeline\"");
      g_clear_pointer (&data, g_bytes_unref);
    }
    ok = data != NULL && gst_app_src_push_buffer (GST_APP_SRC (src),
        frame_buffer (data, member_bool (frame, "key", TRUE), i)) ==
        GST_FLOW_OK;
    g_clear_pointer (&data, g_bytes_unref);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  if (ok)
    ok = wait_for_eos (bridge, states, error);
  while (ok && (sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              0)) != NULL) {
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    guint64 position = GST_BUFFER_PTS (buffer) / FRAME_DURATION;

    if (position < n_frames && g_ptr_array_index (outputs, position) == NULL)
      g_ptr_array_index (outputs, position) = gst_buffer_ref (buffer);
    else
      ok = FALSE;
    gst_sample_unref (sample);
  }
  if (ok) {
    g_string_append_printf (out, ",\"states\":[%s],\"frames\":[",
        states->str);
    for (i = 0; i < n_frames; i++)
      append_frame_output (out, g_ptr_array_index (outputs, i), i > 0);
    g_string_append_c (out, ']');
  } else if (error != NULL && *error == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "the pipeline did not take every frame, or gave one frame twice");
  }
  g_string_free (states, TRUE);
  g_ptr_array_unref (outputs);
  gst_object_unref (src);
  gst_object_unref (sink);
  return ok;
}

static void
append_stats (Bridge * bridge, GString * out)
{
  GstStructure *stats = NULL;
  gchar *text;

  if (bridge->element == NULL ||
      !g_object_class_find_property (G_OBJECT_GET_CLASS (bridge->element),
          "stats"))
    return;
  g_object_get (bridge->element, "stats", &stats, NULL);
  if (stats == NULL)
    return;
  text = gst_structure_to_string (stats);
  g_string_append (out, ",\"stats\":");
  append_json_string (out, text);
  g_free (text);
  gst_structure_free (stats);
}

/* The request's key provider, set up as asked or taken from the cache. */
static gboolean
setup_keys (Bridge * bridge, JsonObject * request, GError ** error)
{
  const gchar *cache_key = member_string (request, "providerCache");

  if (cache_key != NULL) {
    E2eeKeyProvider *cached = g_hash_table_lookup (provider_cache, cache_key);

    if (cached != NULL) {
      bridge->provider = g_object_ref (cached);
      return TRUE;
    }
  }
  if (!setup_provider (bridge, request, error) ||
      !apply_actions (bridge, member_array (request, "setup"), error))
    return FALSE;
  if (cache_key != NULL)
    g_hash_table_insert (provider_cache, g_strdup (cache_key),
        g_object_ref (bridge->provider));
  return TRUE;
}

/* Data packets, through the provider's data API as an application's data
 * channel uses it. "encrypt-data": each of "messages" {"hex"} gives
 * {"ivHex", "keyIndex", "ciphertextHex"} (LiveKit's EncryptedPacket
 * fields); "decrypt-data": each {"ivHex", "keyIndex", "ciphertextHex"}
 * gives {"plainHex"}, or {"plainHex": null, "error"} when refused. */

static gboolean
append_encrypted_data (Bridge * bridge, JsonObject * message, GString * out,
    GError ** error)
{
  GBytes *plain = bytes_from_hex (member_string (message, "hex"), error);
  GBytes *iv = NULL;
  GBytes *ciphertext = NULL;
  guint key_index = 0;
  gboolean ok;

  if (plain == NULL)
    return FALSE;
  ok = e2ee_key_provider_encrypt_data (bridge->provider,
      bridge->participant_id, g_bytes_get_data (plain, NULL),
      g_bytes_get_size (plain), &iv, &key_index, &ciphertext, error);
  g_bytes_unref (plain);
  if (!ok)
    return FALSE;
  g_string_append (out, "{\"ivHex\":\"");
  append_hex (out, g_bytes_get_data (iv, NULL), g_bytes_get_size (iv));
  g_string_append_printf (out, "\",\"keyIndex\":%u,\"ciphertextHex\":\"",
      key_index);
  append_hex (out, g_bytes_get_data (ciphertext, NULL),
      g_bytes_get_size (ciphertext));
  g_string_append (out, "\"}");
  g_bytes_unref (iv);
  g_bytes_unref (ciphertext);
  return TRUE;
}

static gboolean
append_decrypted_data (Bridge * bridge, JsonObject * message, GString * out,
    GError ** error)
{
  GBytes *iv = bytes_from_hex (member_string (message, "ivHex"), error);
  GBytes *ciphertext = NULL;
  GBytes *plain = NULL;
  GError *refused = NULL;

  if (iv != NULL)
    ciphertext = bytes_from_hex (member_string (message, "ciphertextHex"),
        error);
  if (ciphertext != NULL)
    plain = e2ee_key_provider_decrypt_data (bridge->provider,
        bridge->participant_id, g_bytes_get_data (iv, NULL),
        g_bytes_get_size (iv), member_int (message, "keyIndex", 0),
        g_bytes_get_data (ciphertext, NULL), g_bytes_get_size (ciphertext),
        &refused);
  if (ciphertext != NULL && plain != NULL) {
    g_string_append (out, "{\"plainHex\":\"");
    append_hex (out, g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
    g_string_append (out, "\"}");
  } else if (ciphertext != NULL) {
    g_string_append (out, "{\"plainHex\":null,\"error\":");
    append_json_string (out, refused->message);
    g_string_append (out, "}");
    g_error_free (refused);
  }
  if (plain != NULL)
    g_bytes_unref (plain);
  if (ciphertext != NULL)
    g_bytes_unref (ciphertext);
  if (iv != NULL)
    g_bytes_unref (iv);
  return ciphertext != NULL;
}

static gboolean
run_data_request (Bridge * bridge, JsonObject * request, gboolean encrypt,
    GString * out, GError ** error)
{
  JsonArray *messages = member_array (request, "messages");
  guint i;

  if (!setup_keys (bridge, request, error))
    return FALSE;
  g_string_append (out, ",\"messages\":[");
  for (i = 0; messages != NULL && i < json_array_get_length (messages); i++) {
    JsonObject *message = json_array_get_object_element (messages, i);

    if (i > 0)
      g_string_append_c (out, ',');
    if (encrypt ? !append_encrypted_data (bridge, message, out, error) :
        !append_decrypted_data (bridge, message, out, error))
      return FALSE;
  }
  g_string_append_c (out, ']');
  return TRUE;
}

static gboolean
run_request (JsonObject * request, GString * out, GError ** error)
{
  Bridge bridge = { 0, };
  const gchar *op = member_string (request, "op");
  const gchar *engine = member_string (request, "engine");
  gboolean ok;

  bridge.participant_id = g_strdup (member_string (request, "participant"));
  if (g_strcmp0 (op, "encrypt-data") == 0 ||
      g_strcmp0 (op, "decrypt-data") == 0) {
    ok = run_data_request (&bridge, request,
        g_strcmp0 (op, "encrypt-data") == 0, out, error);
    bridge_clear (&bridge);
    return ok;
  }
  bridge.encrypt = g_strcmp0 (op, "encrypt") == 0;
  if (!bridge.encrypt && g_strcmp0 (op, "decrypt") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "\"op\" must be encrypt, decrypt, encrypt-data or decrypt-data");
    g_free (bridge.participant_id);
    return FALSE;
  }
  ok = setup_keys (&bridge, request, error);
  if (ok && g_strcmp0 (engine, "core") == 0)
    ok = setup_core (&bridge, request, error);
  else if (ok && g_strcmp0 (engine, "pipeline") == 0)
    ok = setup_pipeline (&bridge, request, error) &&
        pipeline_process_frames (&bridge, member_array (request, "frames"),
        out, error);
  else if (ok)
    ok = setup_harness (&bridge, request, error);
  if (ok && bridge.pipeline == NULL)
    ok = process_frames (&bridge, member_array (request, "frames"), out,
        error);
  if (ok)
    append_stats (&bridge, out);
  bridge_clear (&bridge);
  return ok;
}

static void
serve_line (const gchar * line, GString * out)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonNode *root;

  g_string_assign (out, "{\"ok\":true");
  if (json_parser_load_from_data (parser, line, -1, &error)) {
    root = json_parser_get_root (parser);
    if (!JSON_NODE_HOLDS_OBJECT (root))
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "a request is a JSON object");
    else
      run_request (json_node_get_object (root), out, &error);
  }
  if (error != NULL) {
    g_string_assign (out, "{\"ok\":false,\"error\":");
    append_json_string (out, error->message);
    g_error_free (error);
  }
  g_string_append (out, "}\n");
  g_object_unref (parser);
}

static int
serve (void)
{
  GString *out = g_string_sized_new (1 << 20);
  gchar *line = NULL;
  size_t line_size = 0;

  provider_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_object_unref);
  while (getline (&line, &line_size, stdin) > 0) {
    g_strchomp (line);
    if (line[0] == '\0')
      continue;
    serve_line (line, out);
    fwrite (out->str, 1, out->len, stdout);
    fflush (stdout);
  }
  free (line);
  g_string_free (out, TRUE);
  g_hash_table_destroy (provider_cache);
  return 0;
}

/* Capturing frames from real encoders */

static void
print_sample (GstSample * sample, const gchar * sink_name, GString * out)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_string_printf (out, "{\"sink\":\"%s\",\"hex\":\"", sink_name);
  append_hex (out, map.data, map.size);
  g_string_append_printf (out, "\",\"key\":%s}\n",
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT) ?
      "false" : "true");
  gst_buffer_unmap (buffer, &map);
  fwrite (out->str, 1, out->len, stdout);
}

/* Prints what the appsink @name holds (nothing if there is no such sink). */
static void
print_sink_samples (GstElement * pipeline, const gchar * name, GString * out)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstSample *sample;

  if (sink == NULL)
    return;
  while (GST_IS_APP_SINK (sink) &&
      (sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    print_sample (sample, name, out);
    gst_sample_unref (sample);
  }
  gst_object_unref (sink);
}

/* An appsink that does not wait on EOS for its queue to be read, so that
 * the pipeline can post EOS with every sample still queued. */
static void
dont_wait_on_eos (GstElement * pipeline, const gchar * name)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);

  if (sink == NULL)
    return;
  if (GST_IS_APP_SINK (sink))
    gst_app_sink_set_wait_on_eos (GST_APP_SINK (sink), FALSE);
  gst_object_unref (sink);
}

/* Runs @description to its end. The appsinks (sync=false, unlimited
 * queue) keep every sample until the pipeline stops, so they are read
 * after EOS: first "sink", then "enc" (frames after e2eeencrypt). */
static int
capture (const gchar * description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GString *out = g_string_new (NULL);
  GstBus *bus;
  GstMessage *message;
  int status = 0;

  /* A description that does not link fully is an error too: such a
   * pipeline would never reach EOS. */
  if (pipeline == NULL || error != NULL) {
    g_printerr ("capture: %s\n", error ? error->message : "no pipeline");
    g_clear_error (&error);
    gst_clear_object (&pipeline);
    g_string_free (out, TRUE);
    return 1;
  }
  bus = gst_element_get_bus (pipeline);
  dont_wait_on_eos (pipeline, "sink");
  dont_wait_on_eos (pipeline, "enc");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (message, &error, NULL);
    g_printerr ("capture: %s\n", error->message);
    g_clear_error (&error);
    status = 1;
  } else {
    print_sink_samples (pipeline, "sink", out);
    print_sink_samples (pipeline, "enc", out);
  }
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_string_free (out, TRUE);
  return status;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  if (sodium_init () < 0) {
    g_printerr ("libsodium failed to initialise\n");
    return 1;
  }
  if (argc == 2 && strcmp (argv[1], "serve") == 0)
    return serve ();
  if (argc == 3 && strcmp (argv[1], "capture") == 0)
    return capture (argv[2]);
  g_printerr ("usage: %s serve | capture 'PIPELINE ! appsink name=sink'\n",
      argv[0]);
  return 2;
}
