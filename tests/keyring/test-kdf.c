/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Key derivation, ratchet and AEAD against the vectors LiveKit's own
 * JavaScript client produced (tests/data/livekit-2.23.0-public.json). */

#include <keyring/e2ee-kdf.h>
#include <keyring/e2ee-key.h>

#include <json-glib/json-glib.h>
#include <string.h>

#include "hex.h"

#define VECTORS_FILE E2EE_TEST_DATA "/livekit-2.23.0-public.json"

/* PBKDF2 and HKDF of the public vectors' key material with 32 bytes out
 * (computed independently with Python's hashlib/hmac). */
#define PASSPHRASE "public-passphrase-32f0c07daeff"
#define PASSPHRASE_PBKDF2_32 \
  "8437ee002fdba3572ac5b00458cf03f9cd48a7cd91eec2a2a76987f75e31915b"
#define RAW_HEX \
  "0d55b609648fcaa7a64ff4986d1ad514cd4105adeda1ca954686d1166c505736"

static JsonParser *parser;

static void
assert_bytes_equal_hex (const guint8 * data, gsize len, const gchar * hex)
{
  GBytes *expected = hex_to_bytes (hex);

  g_assert_cmpmem (data, len, g_bytes_get_data (expected, NULL),
      g_bytes_get_size (expected));
  g_bytes_unref (expected);
}

static JsonArray *
vectors (void)
{
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));

  return json_object_get_array_member (root, "vectors");
}

/* The vector's key material and which KDF LiveKit's JS client used. */
static GBytes *
vector_material (JsonObject * vector, E2eeKdf * kdf)
{
  JsonObject *key = json_object_get_object_member (vector, "key");
  const gchar *type = json_object_get_string_member (key, "type");

  if (g_str_equal (type, "passphrase")) {
    const gchar *passphrase = json_object_get_string_member (key,
        "passphrase");

    *kdf = E2EE_KDF_PBKDF2;
    return g_bytes_new (passphrase, strlen (passphrase));
  }
  g_assert_cmpstr (type, ==, "raw");
  *kdf = E2EE_KDF_HKDF;
  return hex_to_bytes (json_object_get_string_member (key, "hex"));
}

static gboolean
derive (E2eeKdf kdf, GBytes * material, const gchar * salt, guint8 * out,
    gsize out_len)
{
  GError *error = NULL;
  gboolean ok;
  gsize len;
  const guint8 *data = g_bytes_get_data (material, &len);

  if (kdf == E2EE_KDF_PBKDF2)
    ok = e2ee_kdf_pbkdf2 (data, len, salt, out, out_len, &error);
  else
    ok = e2ee_kdf_hkdf (data, len, salt, out, out_len, &error);
  g_assert_no_error (error);
  return ok;
}

/* Derives the AES key (and every ratchet step) with the raw KDF functions
 * and compares each byte with the vector's. */
static void
test_vector_derivations (void)
{
  JsonArray *array = vectors ();
  guint i, checked = 0, ratchets = 0;

  for (i = 0; i < json_array_get_length (array); i++) {
    JsonObject *vector = json_array_get_object_element (array, i);
    JsonObject *derived;
    JsonArray *steps = NULL;
    const gchar *salt;
    E2eeKdf kdf;
    GBytes *material;
    guint8 aes_key[16];
    guint s;

    if (!json_object_has_member (vector, "derived")
        || json_object_get_null_member (vector, "derived"))
      continue;
    derived = json_object_get_object_member (vector, "derived");
    salt = json_object_get_string_member (vector, "ratchetSalt");
    material = vector_material (vector, &kdf);

    if (json_object_has_member (derived, "ratchetedMaterialHex"))
      steps = json_object_get_array_member (derived, "ratchetedMaterialHex");
    g_assert_cmpint (json_object_get_int_member (vector, "ratchetCount"), ==,
        steps ? json_array_get_length (steps) : 0);

    for (s = 0; steps && s < json_array_get_length (steps); s++) {
      guint8 next[32];

      g_assert_true (derive (kdf, material, salt, next, sizeof (next)));
      assert_bytes_equal_hex (next, sizeof (next),
          json_array_get_string_element (steps, s));
      g_bytes_unref (material);
      material = g_bytes_new (next, sizeof (next));
      ratchets++;
    }

    g_assert_true (derive (kdf, material, salt, aes_key, sizeof (aes_key)));
    assert_bytes_equal_hex (aes_key, sizeof (aes_key),
        json_object_get_string_member (derived, "aesKeyHex"));
    g_bytes_unref (material);
    checked++;
  }
  /* The file has 29 vectors with derived keys, 4 with ratchets (8 steps). */
  g_assert_cmpuint (checked, ==, 29);
  g_assert_cmpuint (ratchets, ==, 8);
}

static E2eeKey *
key_from_vector (JsonObject * vector)
{
  GError *error = NULL;
  E2eeKdf kdf;
  GBytes *material = vector_material (vector, &kdf);
  gsize len;
  const guint8 *data = g_bytes_get_data (material, &len);
  E2eeKey *key = e2ee_key_new (data, len, kdf,
      json_object_get_string_member (vector, "ratchetSalt"), 128, &error);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_bytes_unref (material);
  return key;
}

/* Opens the sealed part of a LiveKit frame with @key: the strongest check
 * that E2eeKey derived the vector's AES key and that E2eeAead is AES-GCM
 * exactly as WebCrypto does it. Only codecs without escaping qualify. */
static gboolean
open_vector_frame (JsonObject * vector, E2eeKey * key)
{
  JsonObject *layout = json_object_get_object_member (vector, "layout");
  GBytes *frame = hex_to_bytes (json_object_get_string_member (vector,
          "ciphertextHex"));
  GBytes *plain = hex_to_bytes (json_object_get_string_member (vector,
          "plaintextHex"));
  GBytes *iv = hex_to_bytes (json_object_get_string_member (layout, "ivHex"));
  gsize header = json_object_get_int_member (layout, "headerLen");
  gsize sealed = json_object_get_int_member (layout, "sealedLen");
  const guint8 *data = g_bytes_get_data (frame, NULL);
  E2eeAead aead = E2EE_AEAD_INIT;
  GError *error = NULL;
  guint8 *out = g_malloc (sealed);
  gboolean ok;

  g_assert_true (e2ee_aead_bind (&aead, key, &error));
  ok = e2ee_aead_open (&aead, g_bytes_get_data (iv, NULL), data, header,
      data + header, sealed, out, &error);
  if (ok) {
    gsize plain_len;
    const guint8 *plain_data = g_bytes_get_data (plain, &plain_len);

    g_assert_no_error (error);
    g_assert_cmpmem (out, sealed - E2EE_TAG_LENGTH, plain_data + header,
        plain_len - header);
  } else {
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
    g_clear_error (&error);
  }
  e2ee_aead_clear (&aead);
  g_free (out);
  g_bytes_unref (iv);
  g_bytes_unref (plain);
  g_bytes_unref (frame);
  return ok;
}

static gboolean
vector_is_plain_codec (JsonObject * vector)
{
  const gchar *codec = json_object_get_string_member (vector, "codec");

  return g_str_equal (json_object_get_string_member (vector, "kind"),
      "encrypt") && (g_str_equal (codec, "vp8") || g_str_equal (codec, "opus")
      || g_str_equal (codec, "vp9"));
}

/* E2eeKey + e2ee_key_ratchet + export reproduce the vectors' ratchet
 * material, and the resulting key opens LiveKit's frame. */
static void
test_key_vectors (void)
{
  JsonArray *array = vectors ();
  guint i, opened = 0, ratcheted_opened = 0;

  for (i = 0; i < json_array_get_length (array); i++) {
    JsonObject *vector = json_array_get_object_element (array, i);
    JsonObject *derived;
    JsonArray *steps = NULL;
    E2eeKey *key;
    guint s;

    if (!vector_is_plain_codec (vector))
      continue;
    derived = json_object_get_object_member (vector, "derived");
    if (json_object_has_member (derived, "ratchetedMaterialHex"))
      steps = json_object_get_array_member (derived, "ratchetedMaterialHex");

    key = key_from_vector (vector);
    for (s = 0; steps && s < json_array_get_length (steps); s++) {
      GError *error = NULL;
      E2eeKey *next;
      GBytes *material;

      /* Before the last step the frame must not open: the ratchet count
       * matters. */
      g_assert_false (open_vector_frame (vector, key));
      next = e2ee_key_ratchet (key, &error);
      g_assert_no_error (error);
      g_assert_cmpint (e2ee_key_get_kdf (next), ==, e2ee_key_get_kdf (key));
      material = e2ee_key_export_material (next);
      assert_bytes_equal_hex (g_bytes_get_data (material, NULL),
          g_bytes_get_size (material),
          json_array_get_string_element (steps, s));
      g_bytes_unref (material);
      e2ee_key_unref (key);
      key = next;
    }
    g_assert_true (open_vector_frame (vector, key));
    opened++;
    if (steps)
      ratcheted_opened++;
    e2ee_key_unref (key);
  }
  g_assert_cmpuint (opened, >=, 15);
  g_assert_cmpuint (ratcheted_opened, ==, 3);
}

/* The cached ratchet derives each step once and equals the plain one. */
static void
test_ratchet_cached (void)
{
  GError *error = NULL;
  E2eeKey *key = e2ee_key_new ((const guint8 *) PASSPHRASE,
      strlen (PASSPHRASE), E2EE_KDF_PBKDF2, "LKFrameEncryptionKey", 128,
      &error);
  E2eeKey *a, *b;
  GBytes *material;

  g_assert_no_error (error);
  a = e2ee_key_ratchet_cached (key, &error);
  b = e2ee_key_ratchet_cached (key, &error);
  g_assert_no_error (error);
  g_assert_true (a == b);
  material = e2ee_key_export_material (a);
  assert_bytes_equal_hex (g_bytes_get_data (material, NULL),
      g_bytes_get_size (material), PASSPHRASE_PBKDF2_32);
  g_bytes_unref (material);
  e2ee_key_unref (a);
  e2ee_key_unref (b);
  e2ee_key_unref (key);
}

/* Seals @plain with OpenSSL directly under @aes_key, to compare. */
static void
reference_seal (const guint8 * aes_key, gsize key_len, const guint8 * iv,
    const guint8 * plain, gsize len, guint8 * out)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int n;

  g_assert_cmpint (EVP_EncryptInit_ex (ctx, key_len == 32 ?
          EVP_aes_256_gcm () : EVP_aes_128_gcm (), NULL, aes_key, iv), ==, 1);
  g_assert_cmpint (EVP_EncryptUpdate (ctx, out, &n, plain, len), ==, 1);
  g_assert_cmpint (EVP_EncryptFinal_ex (ctx, out + n, &n), ==, 1);
  g_assert_cmpint (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, 16,
          out + len), ==, 1);
  EVP_CIPHER_CTX_free (ctx);
}

static void
check_key_size (E2eeKdf kdf, const guint8 * material, gsize material_len,
    guint bits, const gchar * expected_key_hex)
{
  static const guint8 iv[E2EE_IV_LENGTH] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  static const guint8 plain[40] = "forty bytes of plaintext for key-size";
  GError *error = NULL;
  E2eeKey *key = e2ee_key_new (material, material_len, kdf,
      "LKFrameEncryptionKey", bits, &error);
  GBytes *expected_key = hex_to_bytes (expected_key_hex);
  E2eeAead aead = E2EE_AEAD_INIT;
  guint8 sealed[sizeof (plain) + 16], expected[sizeof (plain) + 16];

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (expected_key), ==, bits / 8);
  g_assert_true (e2ee_aead_bind (&aead, key, &error));
  g_assert_true (e2ee_aead_seal (&aead, iv, NULL, 0, plain, sizeof (plain),
          sealed, &error));
  g_assert_no_error (error);
  reference_seal (g_bytes_get_data (expected_key, NULL), bits / 8, iv, plain,
      sizeof (plain), expected);
  g_assert_cmpmem (sealed, sizeof (sealed), expected, sizeof (expected));

  e2ee_aead_clear (&aead);
  g_bytes_unref (expected_key);
  e2ee_key_unref (key);
}

/* A 256-bit key is the first 32 bytes of the KDF, used with AES-256-GCM. */
static void
test_key_size_256 (void)
{
  GBytes *raw = hex_to_bytes (RAW_HEX);

  check_key_size (E2EE_KDF_PBKDF2, (const guint8 *) PASSPHRASE,
      strlen (PASSPHRASE), 256, PASSPHRASE_PBKDF2_32);
  check_key_size (E2EE_KDF_PBKDF2, (const guint8 *) PASSPHRASE,
      strlen (PASSPHRASE), 128, "8437ee002fdba3572ac5b00458cf03f9");
  check_key_size (E2EE_KDF_HKDF, g_bytes_get_data (raw, NULL),
      g_bytes_get_size (raw), 256,
      "af61441f19fddc81389cf770fe03e4e4553109346bc40f86d2dfa5b63aa926ba");
  g_bytes_unref (raw);
}

static void
test_key_arguments (void)
{
  guint8 big[E2EE_MATERIAL_MAX_LENGTH + 1] = { 0, };
  GError *error = NULL;
  E2eeKey *key;

  key = e2ee_key_new (big, 0, E2EE_KDF_HKDF, "salt", 128, &error);
  g_assert_null (key);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  key = e2ee_key_new (big, sizeof (big), E2EE_KDF_HKDF, "salt", 128, &error);
  g_assert_null (key);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  key = e2ee_key_new (big, 16, E2EE_KDF_HKDF, "salt", 192, &error);
  g_assert_null (key);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  key = e2ee_key_new (big, E2EE_MATERIAL_MAX_LENGTH, E2EE_KDF_HKDF, "salt",
      128, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  e2ee_key_unref (key);
}

typedef struct
{
  E2eeKey *key;
  E2eeAead aead;
  guint8 iv[E2EE_IV_LENGTH];
  guint8 aad[10];
  guint8 plain[100];
  guint8 sealed[100 + E2EE_TAG_LENGTH];
} AeadFixture;

static void
aead_fixture_set_up (AeadFixture * f, gconstpointer data)
{
  GError *error = NULL;
  guint i;

  f->key = e2ee_key_new ((const guint8 *) PASSPHRASE, strlen (PASSPHRASE),
      E2EE_KDF_PBKDF2, "LKFrameEncryptionKey", 128, &error);
  g_assert_no_error (error);
  memset (&f->aead, 0, sizeof (f->aead));
  g_assert_true (e2ee_aead_bind (&f->aead, f->key, &error));
  for (i = 0; i < sizeof (f->iv); i++)
    f->iv[i] = i * 7;
  for (i = 0; i < sizeof (f->aad); i++)
    f->aad[i] = 0xa0 + i;
  for (i = 0; i < sizeof (f->plain); i++)
    f->plain[i] = i;
  g_assert_true (e2ee_aead_seal (&f->aead, f->iv, f->aad, sizeof (f->aad),
          f->plain, sizeof (f->plain), f->sealed, &error));
  g_assert_no_error (error);
}

static void
aead_fixture_tear_down (AeadFixture * f, gconstpointer data)
{
  e2ee_aead_clear (&f->aead);
  e2ee_key_unref (f->key);
}

static void
test_aead_round_trip (AeadFixture * f, gconstpointer data)
{
  GError *error = NULL;
  guint8 out[sizeof (f->plain)];
  guint8 in_place[sizeof (f->sealed)];

  /* Sealing did encrypt: the output differs from the plaintext. */
  g_assert_true (memcmp (f->sealed, f->plain, sizeof (f->plain)) != 0);

  g_assert_true (e2ee_aead_open (&f->aead, f->iv, f->aad, sizeof (f->aad),
          f->sealed, sizeof (f->sealed), out, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof (out), f->plain, sizeof (f->plain));

  /* In place, both ways. */
  memcpy (in_place, f->plain, sizeof (f->plain));
  g_assert_true (e2ee_aead_seal (&f->aead, f->iv, f->aad, sizeof (f->aad),
          in_place, sizeof (f->plain), in_place, &error));
  g_assert_cmpmem (in_place, sizeof (in_place), f->sealed,
      sizeof (f->sealed));
  g_assert_true (e2ee_aead_open (&f->aead, f->iv, f->aad, sizeof (f->aad),
          in_place, sizeof (in_place), in_place, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (in_place, sizeof (f->plain), f->plain, sizeof (f->plain));

  /* A different IV gives a different ciphertext. */
  f->iv[11] ^= 1;
  g_assert_true (e2ee_aead_seal (&f->aead, f->iv, f->aad, sizeof (f->aad),
          f->plain, sizeof (f->plain), in_place, &error));
  g_assert_true (memcmp (in_place, f->sealed, sizeof (f->sealed)) != 0);

  /* Too short to hold a tag. */
  g_assert_false (e2ee_aead_open (&f->aead, f->iv, NULL, 0, f->sealed,
          E2EE_TAG_LENGTH - 1, out, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);
}

static void
expect_refused (AeadFixture * f, const guint8 * aad, const guint8 * sealed)
{
  GError *error = NULL;
  guint8 out[sizeof (f->plain)];
  guint i;

  memset (out, 0xaa, sizeof (out));
  g_assert_false (e2ee_aead_open (&f->aead, f->iv, aad, sizeof (f->aad),
          sealed, sizeof (f->sealed), out, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);
  /* No unverified plaintext (nor the caller's old bytes) is left. */
  for (i = 0; i < sizeof (out); i++)
    g_assert_cmpuint (out[i], ==, 0);
}

static void
test_aead_refuses_tampering (AeadFixture * f, gconstpointer data)
{
  guint8 sealed[sizeof (f->sealed)];
  guint8 aad[sizeof (f->aad)];
  gsize positions[] = { 0, 50, sizeof (f->plain) - 1, sizeof (f->plain),
    sizeof (f->sealed) - 1
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (positions); i++) {
    memcpy (sealed, f->sealed, sizeof (sealed));
    sealed[positions[i]] ^= 0x01;
    expect_refused (f, f->aad, sealed);
  }
  for (i = 0; i < sizeof (aad); i++) {
    memcpy (aad, f->aad, sizeof (aad));
    aad[i] ^= 0x80;
    expect_refused (f, aad, f->sealed);
  }
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, VECTORS_FILE, &error))
    g_error ("Cannot load %s: %s", VECTORS_FILE, error->message);

  g_test_add_func ("/kdf/vector-derivations", test_vector_derivations);
  g_test_add_func ("/kdf/key-vectors", test_key_vectors);
  g_test_add_func ("/kdf/ratchet-cached", test_ratchet_cached);
  g_test_add_func ("/kdf/key-size-256", test_key_size_256);
  g_test_add_func ("/kdf/key-arguments", test_key_arguments);
  g_test_add ("/aead/round-trip", AeadFixture, NULL, aead_fixture_set_up,
      test_aead_round_trip, aead_fixture_tear_down);
  g_test_add ("/aead/refuses-tampering", AeadFixture, NULL,
      aead_fixture_set_up, test_aead_refuses_tampering,
      aead_fixture_tear_down);

  ret = g_test_run ();
  g_object_unref (parser);
  return ret;
}
