/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* LiveKit's own frames (tests/data/livekit-2.23.0-public.json, made by
 * livekit-client 2.23.0's E2EE worker): we must decrypt every one, and with
 * LiveKit's IV inputs pinned, encrypt every plaintext to the same bytes. */

#include "livekit-vectors.h"

#include <keyring/e2ee-frame-cryptor-private.h>

#include <keyring/e2ee-frame-format.h>

static JsonParser *parser;

/* Helpers */

static E2eeFrameType
vector_frame_type (JsonObject * vector)
{
  const gchar *type;

  if (json_object_get_null_member (vector, "frameType"))
    return E2EE_FRAME_TYPE_AUTO;
  type = json_object_get_string_member (vector, "frameType");
  return g_str_equal (type, "key") ? E2EE_FRAME_TYPE_KEY :
      E2EE_FRAME_TYPE_DELTA;
}

static E2eeFrameCryptor *
cryptor_for (E2eeKeyProvider * provider, JsonObject * vector)
{
  return e2ee_frame_cryptor_new (provider, vector_participant (vector),
      vector_codec (vector));
}

/* Decrypts @frame; returns the plaintext or NULL with @error set. */
static GBytes *
decrypt (E2eeFrameCryptor * cryptor, GBytes * frame,
    E2eeFrameType frame_type, GError ** error)
{
  gsize len = g_bytes_get_size (frame);
  guint8 *out = g_malloc (len + 1);
  gsize out_len = 0;

  if (!e2ee_frame_cryptor_decrypt (cryptor, g_bytes_get_data (frame, NULL),
          len, frame_type, out, len, &out_len, error)) {
    g_assert_cmpuint (out_len, ==, 0);
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (out, out_len);
}

static GBytes *
encrypt (E2eeFrameCryptor * cryptor, GBytes * frame, E2eeFrameType frame_type)
{
  gsize len = g_bytes_get_size (frame);
  gsize size = e2ee_frame_cryptor_get_max_encrypted_size (cryptor, len);
  guint8 *out = g_malloc (size + 1);
  gsize out_len = 0;
  GError *error = NULL;

  g_assert_true (e2ee_frame_cryptor_encrypt (cryptor, g_bytes_get_data (frame,
              NULL), len, frame_type, out, size, &out_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out_len, <=, size);
  return g_bytes_new_take (out, out_len);
}

static void
assert_bytes_equal (GBytes * actual, GBytes * expected)
{
  g_assert_nonnull (actual);
  g_assert_cmpmem (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual),
      g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* "encrypt" vectors */

static void
test_decrypt (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  E2eeKeyProvider *provider = provider_for (vector, ratchet_count (vector),
      0);
  E2eeFrameCryptor *cryptor = cryptor_for (provider, vector);
  GBytes *ciphertext = member_bytes (vector, "ciphertextHex");
  GBytes *expected = member_bytes (vector, "decryptedHex");
  GError *error = NULL;
  GBytes *plaintext = decrypt (cryptor, ciphertext,
      vector_frame_type (vector), &error);

  g_assert_no_error (error);
  assert_bytes_equal (plaintext, expected);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
      E2EE_STATE_OK);

  g_bytes_unref (plaintext);
  g_bytes_unref (expected);
  g_bytes_unref (ciphertext);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

static void
test_encrypt (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  E2eeKeyProvider *provider = provider_for (vector, ratchet_count (vector),
      0);
  E2eeFrameCryptor *cryptor = cryptor_for (provider, vector);
  GBytes *plaintext = member_bytes (vector, "plaintextHex");
  GBytes *expected = member_bytes (vector, "ciphertextHex");
  GBytes *ciphertext;

  e2ee_frame_cryptor_pin_iv_for_testing (cryptor,
      json_object_get_int_member (vector, "ssrc"),
      json_object_get_int_member (vector, "timestamp"),
      json_object_get_int_member (vector, "sendCount"));
  ciphertext = encrypt (cryptor, plaintext, vector_frame_type (vector));
  assert_bytes_equal (ciphertext, expected);
  /* The key index byte is the index the key was set at. */
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (ciphertext,
              NULL))[g_bytes_get_size (ciphertext) - 1], ==,
      vector_key_index (vector));

  g_bytes_unref (ciphertext);
  g_bytes_unref (expected);
  g_bytes_unref (plaintext);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* Our clear-header rule gives LiveKit's header length. */
static void
test_header_length (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  JsonObject *layout = json_object_get_object_member (vector, "layout");
  GBytes *plaintext = member_bytes (vector, "plaintextHex");
  const guint8 *frame = g_bytes_get_data (plaintext, NULL);
  E2eeFrameSplit split = e2ee_frame_format_split (vector_codec (vector),
      vector_frame_type (vector), frame, g_bytes_get_size (plaintext));
  gsize header_len = split.header_len;

  if (split.nal_processing)
    header_len = e2ee_frame_format_normalized_header_len (frame, header_len);
  g_assert_cmpuint (header_len, ==,
      json_object_get_int_member (layout, "headerLen"));
  g_assert_cmpint (split.nal_processing, ==,
      vector_codec (vector) == E2EE_CODEC_H264
      || vector_codec (vector) == E2EE_CODEC_H265);
  g_bytes_unref (plaintext);
}

/* A receiver that holds only the base key recovers a ratcheted sender's
 * frame inside its ratchet window, adopts the ratcheted key (the exported
 * material is LiveKit's ratcheted material), and reports key-ratcheted.
 * LiveKit's JS receiver only gets one step (its recursion retries the same
 * ratchet), so it fails on ratchet3; we try every step of the window. */
static void
test_ratchet_window_recovers (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  E2eeKeyProvider *provider = provider_for (vector, 0, 8);
  E2eeFrameCryptor *cryptor = cryptor_for (provider, vector);
  GBytes *ciphertext = member_bytes (vector, "ciphertextHex");
  GBytes *expected = member_bytes (vector, "decryptedHex");
  JsonArray *materials = json_object_get_array_member (
      json_object_get_object_member (vector, "derived"),
      "ratchetedMaterialHex");
  GBytes *last_material = hex_to_bytes (json_array_get_string_element (
          materials, json_array_get_length (materials) - 1));
  GError *error = NULL;
  GBytes *plaintext, *exported;

  plaintext = decrypt (cryptor, ciphertext, vector_frame_type (vector),
      &error);
  g_assert_no_error (error);
  assert_bytes_equal (plaintext, expected);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
      E2EE_STATE_KEY_RATCHETED);

  exported = e2ee_key_provider_export_key (provider,
      vector_participant (vector), vector_key_index (vector), &error);
  g_assert_no_error (error);
  assert_bytes_equal (exported, last_material);

  /* The adopted key opens the next frame without ratcheting: state ok. */
  g_bytes_unref (plaintext);
  plaintext = decrypt (cryptor, ciphertext, vector_frame_type (vector),
      &error);
  g_assert_no_error (error);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
      E2EE_STATE_OK);

  g_bytes_unref (exported);
  g_bytes_unref (last_material);
  g_bytes_unref (plaintext);
  g_bytes_unref (expected);
  g_bytes_unref (ciphertext);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* With a window of 2, a sender 3 steps ahead is refused; 1 step is not. */
static void
test_ratchet_window_too_small (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  E2eeKeyProvider *provider = provider_for (vector, 0, 2);
  E2eeFrameCryptor *cryptor = cryptor_for (provider, vector);
  GBytes *ciphertext = member_bytes (vector, "ciphertextHex");
  gboolean reachable = ratchet_count (vector) <= 2;
  GError *error = NULL;
  GBytes *plaintext = decrypt (cryptor, ciphertext,
      vector_frame_type (vector), &error);

  if (reachable) {
    g_assert_no_error (error);
    g_assert_nonnull (plaintext);
    g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
        E2EE_STATE_KEY_RATCHETED);
  } else {
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
    g_assert_null (plaintext);
    g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
        E2EE_STATE_DECRYPTION_FAILED);
    g_clear_error (&error);
  }

  g_clear_pointer (&plaintext, g_bytes_unref);
  g_bytes_unref (ciphertext);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* The three "public-vp8-sequence-N" frames: one cryptor pinned once, the
 * send count growing by one per frame. */
static void
test_sequence (void)
{
  JsonArray *vectors = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "vectors");
  E2eeKeyProvider *provider = NULL;
  E2eeFrameCryptor *cryptor = NULL;
  guint seen = 0;
  guint i;

  for (i = 0; i < json_array_get_length (vectors); i++) {
    JsonObject *vector = json_array_get_object_element (vectors, i);
    const gchar *id = json_object_get_string_member (vector, "id");
    GBytes *plaintext, *expected, *ciphertext;

    if (!g_str_has_prefix (id, "public-vp8-sequence-"))
      continue;
    if (cryptor == NULL) {
      provider = provider_for (vector, 0, 0);
      cryptor = cryptor_for (provider, vector);
      e2ee_frame_cryptor_pin_iv_for_testing (cryptor,
          json_object_get_int_member (vector, "ssrc"),
          json_object_get_int_member (vector, "timestamp"),
          json_object_get_int_member (vector, "sendCount"));
    }
    plaintext = member_bytes (vector, "plaintextHex");
    expected = member_bytes (vector, "ciphertextHex");
    ciphertext = encrypt (cryptor, plaintext, vector_frame_type (vector));
    assert_bytes_equal (ciphertext, expected);
    g_bytes_unref (ciphertext);
    g_bytes_unref (expected);
    g_bytes_unref (plaintext);
    seen++;
  }
  g_assert_cmpuint (seen, ==, 3);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* "passthrough" vectors: empty frames, both ways. */
static void
test_passthrough (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  E2eeKeyProvider *provider = provider_for (vector, 0, 0);
  E2eeFrameCryptor *cryptor = cryptor_for (provider, vector);
  GBytes *frame = member_bytes (vector, "plaintextHex");
  GBytes *expected = member_bytes (vector, "ciphertextHex");
  GError *error = NULL;
  GBytes *encrypted = encrypt (cryptor, frame, vector_frame_type (vector));
  GBytes *decrypted = decrypt (cryptor, expected, vector_frame_type (vector),
      &error);

  g_assert_no_error (error);
  assert_bytes_equal (encrypted, expected);
  assert_bytes_equal (decrypted, frame);
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
      E2EE_STATE_NEW);

  g_bytes_unref (decrypted);
  g_bytes_unref (encrypted);
  g_bytes_unref (expected);
  g_bytes_unref (frame);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* "sif" vectors: known injected payloads pass without the trailer, others
 * are dropped; no state change either way. */
static void
test_sif (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  E2eeKeyProvider *provider = provider_for (vector, 0, 0);
  E2eeFrameCryptor *cryptor = cryptor_for (provider, vector);
  GBytes *trailer = member_bytes (vector, "sifTrailerHex");
  GBytes *frame = member_bytes (vector, "ciphertextHex");
  const gchar *expect = json_object_get_string_member (vector, "expect");
  GError *error = NULL;
  GBytes *result;

  e2ee_key_provider_set_sif_trailer (provider, g_bytes_get_data (trailer,
          NULL), g_bytes_get_size (trailer));
  result = decrypt (cryptor, frame, vector_frame_type (vector), &error);

  if (g_str_equal (expect, "passthrough")) {
    GBytes *expected = member_bytes (vector, "decryptedHex");

    g_assert_no_error (error);
    assert_bytes_equal (result, expected);
    g_bytes_unref (expected);
  } else {
    g_assert_cmpstr (expect, ==, "dropped");
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME);
    g_assert_null (result);
    g_clear_error (&error);
  }
  g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
      E2EE_STATE_NEW);

  g_clear_pointer (&result, g_bytes_unref);
  g_bytes_unref (frame);
  g_bytes_unref (trailer);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

/* "decrypt-error" vectors: refused with the right error and state. */
static void
test_decrypt_error (gconstpointer data)
{
  JsonObject *vector = (JsonObject *) data;
  E2eeKeyProvider *provider = provider_for (vector, 0, 0);
  E2eeFrameCryptor *cryptor = cryptor_for (provider, vector);
  GBytes *frame = member_bytes (vector, "ciphertextHex");
  const gchar *id = json_object_get_string_member (vector, "id");
  gboolean missing = g_str_equal (id, "public-bad-missing-key-index");
  GError *error = NULL;
  GBytes *result = decrypt (cryptor, frame, vector_frame_type (vector),
      &error);

  g_assert_null (result);
  if (missing) {
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
    g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
        E2EE_STATE_MISSING_KEY);
  } else {
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
    g_assert_cmpint (e2ee_frame_cryptor_get_state (cryptor), ==,
        E2EE_STATE_DECRYPTION_FAILED);
  }

  g_clear_error (&error);
  g_bytes_unref (frame);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

static void
add_test (const gchar * what, const gchar * id, JsonObject * vector,
    GTestDataFunc func)
{
  gchar *path = g_strdup_printf ("/vectors/%s/%s", id, what);

  g_test_add_data_func (path, vector, func);
  g_free (path);
}

static guint
add_vector_tests (JsonArray * vectors)
{
  guint n_vectors = json_array_get_length (vectors);
  guint i;

  for (i = 0; i < n_vectors; i++) {
    JsonObject *vector = json_array_get_object_element (vectors, i);
    const gchar *id = json_object_get_string_member (vector, "id");
    const gchar *kind = json_object_get_string_member (vector, "kind");

    if (g_str_equal (kind, "encrypt")) {
      add_test ("decrypt", id, vector, test_decrypt);
      add_test ("encrypt", id, vector, test_encrypt);
      add_test ("header-length", id, vector, test_header_length);
      if (ratchet_count (vector) > 0) {
        add_test ("ratchet-window-8", id, vector,
            test_ratchet_window_recovers);
        add_test ("ratchet-window-2", id, vector,
            test_ratchet_window_too_small);
      }
    } else if (g_str_equal (kind, "passthrough")) {
      add_test ("passthrough", id, vector, test_passthrough);
    } else if (g_str_equal (kind, "sif")) {
      add_test ("sif", id, vector, test_sif);
    } else if (g_str_equal (kind, "decrypt-error")) {
      add_test ("refused", id, vector, test_decrypt_error);
    } else {
      g_error ("vector %s has an unknown kind %s", id, kind);
    }
  }
  return n_vectors;
}

int
main (int argc, char **argv)
{
  const gchar *dir = g_getenv ("E2EE_TEST_DATA");
  gchar *path;
  GError *error = NULL;
  JsonObject *root;
  int ret;

  g_test_init (&argc, &argv, NULL);

  path = g_build_filename (dir ? dir : E2EE_TEST_DATA, VECTORS_FILE, NULL);
  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("Cannot load %s: %s", path, error->message);
  g_free (path);

  root = json_node_get_object (json_parser_get_root (parser));
  /* All 39 of them: a shorter file must not pass silently. */
  g_assert_cmpuint (add_vector_tests (json_object_get_array_member (root,
              "vectors")), ==, 39);
  g_assert_cmpint (json_object_get_int_member (root, "count"), ==, 39);
  g_test_add_func ("/vectors/public-vp8-sequence/encrypt", test_sequence);

  ret = g_test_run ();
  g_object_unref (parser);
  return ret;
}
