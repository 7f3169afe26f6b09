/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* LiveKit's own frames (tests/data/livekit-2.23.0-public.json, made by
 * livekit-client 2.23.0's E2EE worker) through the elements in GstHarness:
 * e2eedecrypt must give back LiveKit's plaintext byte for byte (also from
 * avc/hvc1), drop the bad frames with the right state message, and
 * e2eeencrypt must make frames of LiveKit's layout that decrypt to the
 * plaintext. Every vector is decrypted twice: with a key provider the test
 * sets up, and by an e2eedecrypt configured with element properties only,
 * as a gst-launch-1.0 line would (the room's salt, the ratchet window for
 * a ratcheting sender, shared-key=false and participant-id, sif-trailer). */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "codec-frames.h"
#include "element-harness.h"
#include "livekit-reference.h"
#include "livekit-vectors.h"

static JsonParser *parser;
static JsonArray *vectors;

/* ---- helpers ---- */

static const gchar *
str_member (JsonObject * vector, const gchar * member)
{
  return json_object_get_string_member (vector, member);
}

static gboolean
is_h26x (JsonObject * vector)
{
  const gchar *codec = str_member (vector, "codec");

  return g_str_equal (codec, "h264") || g_str_equal (codec, "h265");
}

static const gchar *
caps_for (JsonObject * vector, gboolean length_prefixed)
{
  const gchar *codec = str_member (vector, "codec");

  if (g_str_equal (codec, "vp8"))
    return "video/x-vp8";
  if (g_str_equal (codec, "vp9"))
    return "video/x-vp9";
  if (g_str_equal (codec, "opus"))
    return "audio/x-opus";
  if (g_str_equal (codec, "h264"))
    return length_prefixed ? "video/x-h264,stream-format=avc,alignment=au" :
        "video/x-h264,stream-format=byte-stream,alignment=au";
  if (g_str_equal (codec, "h265"))
    return length_prefixed ? "video/x-h265,stream-format=hvc1,alignment=au" :
        "video/x-h265,stream-format=byte-stream,alignment=au";
  fail ("unknown codec %s", codec);
  return NULL;
}

static gboolean
is_delta (JsonObject * vector)
{
  return !json_object_get_null_member (vector, "frameType") &&
      g_str_equal (str_member (vector, "frameType"), "delta");
}

/* A provider of the vector's room, for its sender or receiver: the key
 * ratcheted as far as the sender had, and the room's SIF trailer if the
 * vector has one. */
static E2eeKeyProvider *
room_provider_for (JsonObject * vector)
{
  E2eeKeyProvider *provider = provider_for (vector, ratchet_count (vector),
      0);

  if (json_object_has_member (vector, "sifTrailerHex")) {
    GBytes *trailer = member_bytes (vector, "sifTrailerHex");

    e2ee_key_provider_set_sif_trailer (provider,
        g_bytes_get_data (trailer, NULL), g_bytes_get_size (trailer));
    g_bytes_unref (trailer);
  }
  return provider;
}

/* Annex B -> 4-byte length prefixes, split on start codes. */
static GBytes *
to_length_prefixed_4 (GBytes * annexb)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (annexb, &len);

  return g_byte_array_free_to_bytes (to_length_prefixed (d, len, 4));
}

static GstBuffer *
frame_buffer (GBytes * bytes, JsonObject * vector)
{
  GstBuffer *buf = g_bytes_get_size (bytes) == 0 ? gst_buffer_new () :
      gst_buffer_new_memdup (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));

  GST_BUFFER_PTS (buf) = GST_SECOND;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  if (is_delta (vector))
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

static void
assert_buffer_equals (GstBuffer * buf, GBytes * expected)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (expected, &len);

  fail_unless (buf != NULL);
  fail_unless_equals_int (gst_buffer_get_size (buf), len);
  fail_unless (len == 0 || gst_buffer_memcmp (buf, 0, data, len) == 0,
      "bytes differ from LiveKit's");
}

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  E2eeKeyProvider *provider;    /* NULL: configured by properties */
} ElementRun;

/* How the decryptor gets its keys. */
typedef enum
{
  KEYS_FROM_PROVIDER,           /* a provider set up by the test */
  KEYS_FROM_PROPERTIES,         /* element properties only */
} KeySource;

static ElementRun
start_element (const gchar * factory, JsonObject * vector,
    gboolean length_prefixed)
{
  GstElement *element = gst_element_factory_make (factory, NULL);
  ElementRun run;

  fail_unless (element != NULL);
  run.provider = room_provider_for (vector);
  run.bus = gst_bus_new ();
  g_object_set (element, "key-provider", run.provider,
      "participant-id", vector_participant (vector), NULL);
  if (g_str_equal (factory, "e2eeencrypt"))
    g_object_set (element, "key-index", vector_key_index (vector), NULL);
  gst_element_set_bus (element, run.bus);
  run.h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  gst_harness_set_src_caps_str (run.h, caps_for (vector, length_prefixed));
  return run;
}

/* The e2eedecrypt of a gst-launch-1.0 line that receives @vector's frame:
 * its key (passphrase, or raw key in hex) at the vector's key index, the
 * room's salt, per-participant rings, the ratchet window a receiver needs
 * to follow a sender that ratcheted (as LiveKit's receiver in the vector
 * had it), the room's SIF trailer. */
static gchar *
decryptor_line_for (JsonObject * vector)
{
  JsonObject *key = json_object_get_object_member (vector, "key");
  GString *line = g_string_new ("e2eedecrypt");

  if (g_str_equal (str_member (key, "type"), "raw"))
    g_string_append_printf (line, " key=%s", str_member (key, "hex"));
  else
    g_string_append_printf (line, " passphrase=\"%s\"",
        str_member (key, "passphrase"));
  g_string_append_printf (line, " key-index=%u ratchet-salt=\"%s\"",
      vector_key_index (vector), str_member (vector, "ratchetSalt"));
  if (g_str_equal (str_member (vector, "mode"), "participant"))
    g_string_append_printf (line, " shared-key=false participant-id=%s",
        vector_participant (vector));
  if (ratchet_count (vector) > 0)
    g_string_append (line, " ratchet-window-size=8");
  if (json_object_has_member (vector, "sifTrailerHex"))
    g_string_append_printf (line, " sif-trailer=%s",
        str_member (vector, "sifTrailerHex"));
  return g_string_free (line, FALSE);
}

static ElementRun
start_decryptor_by_properties (JsonObject * vector, gboolean length_prefixed)
{
  gchar *line = decryptor_line_for (vector);
  GError *error = NULL;
  GstElement *element;
  ElementRun run;

  /* gst-launch-1.0's parser sets the properties from the line's text. */
  GST_INFO ("decryptor: %s", line);
  element = gst_parse_launch (line, &error);
  g_assert_no_error (error);
  fail_unless (element != NULL && g_str_equal (GST_OBJECT_NAME
          (gst_element_get_factory (element)), "e2eedecrypt"), "%s", line);
  g_free (line);
  run.provider = NULL;
  run.bus = gst_bus_new ();
  gst_element_set_bus (element, run.bus);
  run.h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  gst_harness_set_src_caps_str (run.h, caps_for (vector, length_prefixed));
  return run;
}

static ElementRun
start_decryptor (JsonObject * vector, gboolean length_prefixed,
    KeySource keys)
{
  if (keys == KEYS_FROM_PROPERTIES)
    return start_decryptor_by_properties (vector, length_prefixed);
  return start_element ("e2eedecrypt", vector, length_prefixed);
}

static void
stop_element (ElementRun * run)
{
  gst_element_set_bus (run->h->element, NULL);
  gst_object_unref (run->bus);
  gst_harness_teardown (run->h);
  g_clear_object (&run->provider);
}

/* The states of every "e2ee-state-changed" message, in order. */
static GArray *
pop_states (GstBus * bus)
{
  GArray *states = g_array_new (FALSE, FALSE, sizeof (gint));
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "e2ee-state-changed")) {
      gint state = g_value_get_enum (gst_structure_get_value (s, "state"));

      g_array_append_val (states, state);
    }
    gst_message_unref (msg);
  }
  return states;
}

static JsonObject *
vector_at (guint i)
{
  return json_array_get_object_element (vectors, i);
}

/* ---- e2eedecrypt ---- */

static void
decrypt_and_expect_plaintext (JsonObject * vector, gboolean length_prefixed,
    KeySource keys)
{
  ElementRun run = start_decryptor (vector, length_prefixed, keys);
  GBytes *ciphertext = member_bytes (vector, "ciphertextHex");
  GBytes *expected = member_bytes (vector, "decryptedHex");
  GstBuffer *out;
  GArray *states;

  if (length_prefixed) {
    GBytes *lp = to_length_prefixed_4 (ciphertext);

    g_bytes_unref (ciphertext);
    ciphertext = lp;
    lp = to_length_prefixed_4 (expected);
    g_bytes_unref (expected);
    expected = lp;
  }

  out = gst_harness_push_and_pull (run.h, frame_buffer (ciphertext, vector));
  assert_buffer_equals (out, expected);
  fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (out,
          GST_BUFFER_FLAG_DELTA_UNIT), is_delta (vector));
  fail_unless_equals_uint64 (get_stat (run.h->element, "dropped"), 0);

  /* A real frame changes the state to ok once (key-ratcheted when the
   * decryptor followed the sender's ratchet); an empty or injected frame
   * is passed without a state change. */
  states = pop_states (run.bus);
  if (g_str_equal (str_member (vector, "kind"), "encrypt")) {
    fail_unless_equals_int (states->len, 1);
    fail_unless_equals_int (g_array_index (states, gint, 0),
        keys == KEYS_FROM_PROPERTIES && ratchet_count (vector) > 0 ?
        E2EE_STATE_KEY_RATCHETED : E2EE_STATE_OK);
  } else {
    fail_unless_equals_int (states->len, 0);
  }

  g_array_unref (states);
  gst_buffer_unref (out);
  g_bytes_unref (expected);
  g_bytes_unref (ciphertext);
  stop_element (&run);
}

static void
decrypt_and_expect_drop (JsonObject * vector, gint expected_state,
    KeySource keys)
{
  ElementRun run = start_decryptor (vector, FALSE, keys);
  GBytes *ciphertext = member_bytes (vector, "ciphertextHex");
  GArray *states;

  fail_unless_equals_int (gst_harness_push (run.h, frame_buffer (ciphertext,
              vector)), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (run.h) == NULL,
      "a bad frame was passed on");
  fail_unless_equals_int (count_gap_events (run.h), 1);
  fail_unless_equals_uint64 (get_stat (run.h->element, "dropped"), 1);

  states = pop_states (run.bus);
  if (expected_state >= 0) {
    fail_unless_equals_int (states->len, 1);
    fail_unless_equals_int (g_array_index (states, gint, 0), expected_state);
  } else {
    fail_unless_equals_int (states->len, 0);
  }

  g_array_unref (states);
  g_bytes_unref (ciphertext);
  stop_element (&run);
}

static JsonObject *
vector_by_id (const gchar * id)
{
  guint i;

  for (i = 0; i < json_array_get_length (vectors); i++)
    if (g_str_equal (str_member (vector_at (i), "id"), id))
      return vector_at (i);
  fail ("no vector %s", id);
  return NULL;
}

static void
decrypt_despite_wrong_frame_type (JsonObject * vector, KeySource keys)
{
  JsonObject *origin = vector_by_id (str_member (vector, "derivedFrom"));
  ElementRun run = start_decryptor (vector, FALSE, keys);
  GBytes *ciphertext = member_bytes (vector, "ciphertextHex");
  GBytes *expected = member_bytes (origin, "decryptedHex");
  GstBuffer *in = frame_buffer (ciphertext, vector);
  GstBuffer *out;

  fail_unless (GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_DELTA_UNIT));
  out = gst_harness_push_and_pull (run.h, in);
  assert_buffer_equals (out, expected);

  gst_buffer_unref (out);
  g_bytes_unref (expected);
  g_bytes_unref (ciphertext);
  stop_element (&run);
}

/* Every vector, none skipped: each kind has its expectation. */
static void
decrypt_vector (JsonObject * vector, KeySource keys)
{
  const gchar *id = str_member (vector, "id");
  const gchar *kind = str_member (vector, "kind");
  const gchar *expect = str_member (vector, "expect");

  GST_INFO ("vector %s", id);
  if (g_str_equal (kind, "decrypt-error")) {
    if (g_str_equal (id, "public-bad-wrong-frame-type")) {
      /* LiveKit fails this frame because its caller claims a key frame is
       * a delta frame. The element never trusts the caller: it reads the
       * VP8 frame type from the frame tag (in clear), as the encryptor
       * did, so the frame decrypts despite its DELTA_UNIT flag. */
      decrypt_despite_wrong_frame_type (vector, keys);
    } else if (g_str_equal (id, "public-bad-missing-key-index")) {
      decrypt_and_expect_drop (vector, E2EE_STATE_MISSING_KEY, keys);
    } else {
      /* Tampered, or (public-bad-not-ratcheted) sent with a key ratcheted
       * three times to a receiver without a ratchet window. */
      decrypt_and_expect_drop (vector, E2EE_STATE_DECRYPTION_FAILED, keys);
    }
  } else if (g_str_equal (expect, "dropped")) {
    /* an injected frame with an unknown payload: no state change */
    decrypt_and_expect_drop (vector, -1, keys);
  } else {
    decrypt_and_expect_plaintext (vector, FALSE, keys);
    if (is_h26x (vector) && g_str_equal (kind, "encrypt"))
      decrypt_and_expect_plaintext (vector, TRUE, keys);
  }
}

GST_START_TEST (test_decrypt_vector)
{
  decrypt_vector (vector_at (__i__), KEYS_FROM_PROVIDER);
}

GST_END_TEST;

/* The same through element properties alone, as on a gst-launch-1.0 line. */
GST_START_TEST (test_decrypt_vector_by_properties)
{
  decrypt_vector (vector_at (__i__), KEYS_FROM_PROPERTIES);
}

GST_END_TEST;

/* ---- e2eeencrypt ---- */

GST_START_TEST (test_encrypt_vector)
{
  JsonObject *vector = vector_at (__i__);
  JsonObject *layout;
  ElementRun run;
  GBytes *plaintext, *decrypted_expected, *lk_ciphertext;
  E2eeKeyProvider *receiver;
  E2eeFrameCryptor *cryptor;
  GError *error = NULL;
  GstMapInfo map;
  GstBuffer *out;
  const guint8 *lk;
  gsize lk_len, header_len, decrypted_len = 0;
  guint8 *decrypted;

  if (!g_str_equal (str_member (vector, "kind"), "encrypt"))
    return;

  GST_INFO ("vector %s", str_member (vector, "id"));
  layout = json_object_get_object_member (vector, "layout");
  header_len = json_object_get_int_member (layout, "headerLen");
  plaintext = member_bytes (vector, "plaintextHex");
  decrypted_expected = member_bytes (vector, "decryptedHex");
  lk_ciphertext = member_bytes (vector, "ciphertextHex");
  lk = g_bytes_get_data (lk_ciphertext, &lk_len);

  run = start_element ("e2eeencrypt", vector, FALSE);
  out = gst_harness_push_and_pull (run.h, frame_buffer (plaintext, vector));
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));

  /* LiveKit's layout: same clear header, same length (H.26x: same once the
   * escape bytes, which depend on the random IV, are removed), the key
   * index in the last byte. */
  fail_unless (map.size >= header_len);
  fail_unless (memcmp (map.data, lk, header_len) == 0, "clear header differs");
  if (is_h26x (vector)) {
    fail_unless_equals_int (ref_unescaped_length (map.data, map.size,
            header_len), ref_unescaped_length (lk, lk_len, header_len));
  } else {
    fail_unless_equals_int (map.size, lk_len);
  }
  fail_unless_equals_int (map.data[map.size - 1], vector_key_index (vector));

  /* A receiver with the vector's key decrypts it to what LiveKit's
   * receiver gets (the plaintext, with 4-byte start codes in an H.26x
   * clear header). */
  receiver = room_provider_for (vector);
  cryptor = e2ee_frame_cryptor_new (receiver, vector_participant (vector),
      vector_codec (vector));
  decrypted = g_malloc (map.size + 1);
  fail_unless (e2ee_frame_cryptor_decrypt (cryptor, map.data, map.size,
          E2EE_FRAME_TYPE_AUTO, decrypted, map.size, &decrypted_len,
          &error));
  g_assert_no_error (error);
  fail_unless_equals_int (decrypted_len,
      g_bytes_get_size (decrypted_expected));
  fail_unless (memcmp (decrypted, g_bytes_get_data (decrypted_expected,
              NULL), decrypted_len) == 0);

  g_free (decrypted);
  g_object_unref (cryptor);
  g_object_unref (receiver);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  g_bytes_unref (lk_ciphertext);
  g_bytes_unref (decrypted_expected);
  g_bytes_unref (plaintext);
  stop_element (&run);
}

GST_END_TEST;

/* Empty frames pass the encryptor unchanged, as in LiveKit. */
GST_START_TEST (test_encrypt_empty_vector)
{
  JsonObject *vector = vector_at (__i__);
  ElementRun run;
  GBytes *empty;
  GstBuffer *out;

  if (!g_str_equal (str_member (vector, "kind"), "passthrough"))
    return;

  empty = member_bytes (vector, "plaintextHex");
  run = start_element ("e2eeencrypt", vector, FALSE);
  out = gst_harness_push_and_pull (run.h, frame_buffer (empty, vector));
  fail_unless_equals_int (gst_buffer_get_size (out), 0);

  gst_buffer_unref (out);
  g_bytes_unref (empty);
  stop_element (&run);
}

GST_END_TEST;

static Suite *
e2ee_element_vectors_suite (void)
{
  Suite *s = suite_create ("e2ee-element-vectors");
  TCase *tc = tcase_create ("livekit-2.23.0-public");
  gchar *path = g_build_filename (E2EE_TEST_DATA, VECTORS_FILE, NULL);
  GError *error = NULL;
  guint n;

  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("cannot load %s: %s", path, error->message);
  g_free (path);
  vectors = json_object_get_array_member (json_node_get_object
      (json_parser_get_root (parser)), "vectors");
  n = json_array_get_length (vectors);
  g_assert_cmpuint (n, ==, 39);

  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_decrypt_vector, 0, n);
  tcase_add_loop_test (tc, test_decrypt_vector_by_properties, 0, n);
  tcase_add_loop_test (tc, test_encrypt_vector, 0, n);
  tcase_add_loop_test (tc, test_encrypt_empty_vector, 0, n);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (e2ee_element_vectors);
