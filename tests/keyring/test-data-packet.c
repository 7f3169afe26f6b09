/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Data-packet encryption: LiveKit's DataCryptor format (AES-GCM, no AAD,
 * 12-byte IV, tag appended), IV uniqueness, tampering, the ratchet window
 * and the failure tolerance. */

#include <keyring/e2ee-key-provider-private.h>

#include <openssl/evp.h>
#include <string.h>

#define PASSPHRASE "public-passphrase-32f0c07daeff"
/* PBKDF2 of PASSPHRASE (LiveKit's vector "public-vp8-key-passphrase"). */
static const guint8 passphrase_aes_key[16] = {
  0x84, 0x37, 0xee, 0x00, 0x2f, 0xdb, 0xa3, 0x57,
  0x2a, 0xc5, 0xb0, 0x04, 0x58, 0xcf, 0x03, 0xf9,
};

static const guint8 payload[] = "a LiveKit data packet payload";

static E2eeKeyProvider *
provider_with_passphrase (const gchar * first_property, ...)
{
  E2eeKeyProvider *kp;
  GError *error = NULL;
  va_list args;

  va_start (args, first_property);
  kp = E2EE_KEY_PROVIDER (g_object_new_valist (E2EE_TYPE_KEY_PROVIDER,
          first_property, args));
  va_end (args);
  g_assert_true (e2ee_key_provider_set_passphrase (kp, NULL, PASSPHRASE, 0,
          TRUE, &error));
  g_assert_no_error (error);
  return kp;
}

typedef struct
{
  GBytes *iv;
  guint key_index;
  GBytes *ciphertext;
} Packet;

static void
encrypt (E2eeKeyProvider * kp, const gchar * participant, Packet * packet)
{
  GError *error = NULL;

  g_assert_true (e2ee_key_provider_encrypt_data (kp, participant, payload,
          sizeof (payload), &packet->iv, &packet->key_index,
          &packet->ciphertext, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (packet->iv), ==, 12);
  g_assert_cmpuint (g_bytes_get_size (packet->ciphertext), ==,
      sizeof (payload) + 16);
}

static void
packet_clear (Packet * packet)
{
  g_clear_pointer (&packet->iv, g_bytes_unref);
  g_clear_pointer (&packet->ciphertext, g_bytes_unref);
}

static GBytes *
decrypt (E2eeKeyProvider * kp, const gchar * participant,
    const guint8 * iv, gsize iv_len, guint key_index,
    const guint8 * ciphertext, gsize len, GError ** error)
{
  return e2ee_key_provider_decrypt_data (kp, participant, iv, iv_len,
      key_index, ciphertext, len, error);
}

static GBytes *
decrypt_packet (E2eeKeyProvider * kp, const gchar * participant,
    const Packet * packet, GError ** error)
{
  gsize iv_len, len;
  const guint8 *iv = g_bytes_get_data (packet->iv, &iv_len);
  const guint8 *ct = g_bytes_get_data (packet->ciphertext, &len);

  return decrypt (kp, participant, iv, iv_len, packet->key_index, ct, len,
      error);
}

static void
assert_payload (GBytes * plain)
{
  g_assert_nonnull (plain);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
      payload, sizeof (payload));
}

/* What WebCrypto's AES-GCM (LiveKit's DataCryptor) makes of the payload. */
static void
reference_seal (const guint8 * iv, guint8 * out)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int n;

  g_assert_cmpint (EVP_EncryptInit_ex (ctx, EVP_aes_128_gcm (), NULL,
          passphrase_aes_key, iv), ==, 1);
  g_assert_cmpint (EVP_EncryptUpdate (ctx, out, &n, payload,
          sizeof (payload)), ==, 1);
  g_assert_cmpint (EVP_EncryptFinal_ex (ctx, out + n, &n), ==, 1);
  g_assert_cmpint (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, 16,
          out + sizeof (payload)), ==, 1);
  EVP_CIPHER_CTX_free (ctx);
}

static void
test_round_trip (void)
{
  E2eeKeyProvider *sender = provider_with_passphrase (NULL);
  E2eeKeyProvider *receiver = provider_with_passphrase (NULL);
  guint8 expected[sizeof (payload) + 16];
  Packet packet = { 0, };
  GError *error = NULL;
  GBytes *plain;

  encrypt (sender, NULL, &packet);
  g_assert_cmpuint (packet.key_index, ==, 0);

  /* Byte-exact with AES-128-GCM under LiveKit's derived key, no AAD. */
  reference_seal (g_bytes_get_data (packet.iv, NULL), expected);
  g_assert_cmpmem (g_bytes_get_data (packet.ciphertext, NULL),
      g_bytes_get_size (packet.ciphertext), expected, sizeof (expected));

  plain = decrypt_packet (receiver, NULL, &packet, &error);
  g_assert_no_error (error);
  assert_payload (plain);
  g_bytes_unref (plain);

  packet_clear (&packet);
  g_object_unref (sender);
  g_object_unref (receiver);
}

/* The participant's current key and index are used. */
static void
test_participant_key_index (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  Packet packet = { 0, };
  GError *error = NULL;
  GBytes *plain;

  g_assert_true (e2ee_key_provider_set_passphrase (kp, "alice", "alice-key",
          3, TRUE, &error));
  g_assert_true (e2ee_key_provider_set_passphrase (kp, "bob", PASSPHRASE,
          3, TRUE, &error));
  encrypt (kp, "alice", &packet);
  g_assert_cmpuint (packet.key_index, ==, 3);

  plain = decrypt_packet (kp, "alice", &packet, &error);
  g_assert_no_error (error);
  assert_payload (plain);
  g_bytes_unref (plain);

  /* Bob's key at the same index does not open Alice's packet. */
  plain = decrypt_packet (kp, "bob", &packet, &error);
  g_assert_null (plain);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);

  packet_clear (&packet);
  g_object_unref (kp);
}

static void
expect_decryption_failed (E2eeKeyProvider * kp, const guint8 * iv,
    const guint8 * ct, gsize len)
{
  GError *error = NULL;
  GBytes *plain = decrypt (kp, NULL, iv, 12, 0, ct, len, &error);

  g_assert_null (plain);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);
}

static void
test_tampering (void)
{
  E2eeKeyProvider *kp = provider_with_passphrase (NULL);
  Packet packet = { 0, };
  guint8 iv[12], ct[sizeof (payload) + 16];
  GError *error = NULL;
  GBytes *plain;
  gsize len = sizeof (ct);

  encrypt (kp, NULL, &packet);
  memcpy (iv, g_bytes_get_data (packet.iv, NULL), sizeof (iv));
  memcpy (ct, g_bytes_get_data (packet.ciphertext, NULL), sizeof (ct));

  ct[0] ^= 0x01;                /* ciphertext */
  expect_decryption_failed (kp, iv, ct, len);
  ct[0] ^= 0x01;
  ct[len - 1] ^= 0x80;          /* tag */
  expect_decryption_failed (kp, iv, ct, len);
  ct[len - 1] ^= 0x80;
  iv[11] ^= 0x01;               /* IV */
  expect_decryption_failed (kp, iv, ct, len);
  iv[11] ^= 0x01;
  /* Truncated: the tag no longer matches, or is not even there. */
  expect_decryption_failed (kp, iv, ct, len - 1);
  expect_decryption_failed (kp, iv, ct, 15);

  /* Untouched, it still opens. */
  plain = decrypt (kp, NULL, iv, 12, 0, ct, len, &error);
  g_assert_no_error (error);
  assert_payload (plain);
  g_bytes_unref (plain);

  /* IV of 11 (or 16) bytes: refused before any decryption. */
  plain = decrypt (kp, NULL, iv, 11, 0, ct, len, &error);
  g_assert_null (plain);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  packet_clear (&packet);
  g_object_unref (kp);
}

static void
test_missing_key (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  E2eeKeyProvider *sender = provider_with_passphrase (NULL);
  GBytes *iv = NULL, *ct = NULL, *plain;
  Packet packet = { 0, };
  GError *error = NULL;
  guint key_index;

  g_assert_false (e2ee_key_provider_encrypt_data (kp, NULL, payload,
          sizeof (payload), &iv, &key_index, &ct, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_null (iv);
  g_assert_null (ct);

  encrypt (sender, NULL, &packet);
  plain = decrypt_packet (kp, NULL, &packet, &error);
  g_assert_null (plain);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);

  /* A key at another index is still missing at this one. */
  g_assert_true (e2ee_key_provider_set_passphrase (kp, NULL, PASSPHRASE, 1,
          FALSE, &error));
  plain = decrypt_packet (kp, NULL, &packet, &error);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);

  packet_clear (&packet);
  g_object_unref (sender);
  g_object_unref (kp);
}

/* 10000 packets: all IVs distinct, all in the provider's data stream,
 * which no frame stream of the provider holds. */
static void
test_iv_uniqueness (void)
{
  E2eeKeyProvider *kp = provider_with_passphrase (NULL);
  GHashTable *ivs = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
  GHashTable *frame_streams = g_hash_table_new (g_direct_hash,
      g_direct_equal);
  guint32 data_stream = 0, stream;
  guint i;

  for (i = 0; i < 100; i++)
    g_hash_table_add (frame_streams,
        GUINT_TO_POINTER (e2ee_key_provider_claim_stream_id (kp)));

  for (i = 0; i < 10000; i++) {
    Packet packet = { 0, };

    encrypt (kp, NULL, &packet);
    memcpy (&stream, g_bytes_get_data (packet.iv, NULL), 4);
    if (i == 0)
      data_stream = stream;
    g_assert_cmpuint (stream, ==, data_stream);
    g_assert_false (g_hash_table_contains (ivs, packet.iv));
    g_hash_table_add (ivs, g_bytes_ref (packet.iv));
    packet_clear (&packet);
  }
  g_assert_cmpuint (g_hash_table_size (ivs), ==, 10000);
  g_assert_false (g_hash_table_contains (frame_streams,
          GUINT_TO_POINTER (GUINT32_FROM_BE (data_stream))));

  /* The data stream id stays claimed: no frame cryptor can get it. */
  for (i = 0; i < 1000; i++) {
    stream = e2ee_key_provider_claim_stream_id (kp);
    g_assert_cmpuint (stream, !=, GUINT32_FROM_BE (data_stream));
  }

  g_hash_table_unref (frame_streams);
  g_hash_table_unref (ivs);
  g_object_unref (kp);
}

static void
on_key_ratcheted (E2eeKeyProvider * kp, const gchar * participant,
    guint key_index, guint * count)
{
  (*count)++;
}

/* A packet sent with the key ratcheted twice. */
static void
encrypt_two_ratchets_ahead (Packet * packet, GBytes ** ratcheted)
{
  E2eeKeyProvider *sender = provider_with_passphrase (NULL);
  GError *error = NULL;
  GBytes *material;

  material = e2ee_key_provider_ratchet_key (sender, NULL, 0, &error);
  g_bytes_unref (material);
  *ratcheted = e2ee_key_provider_ratchet_key (sender, NULL, 0, &error);
  g_assert_no_error (error);
  encrypt (sender, NULL, packet);
  g_object_unref (sender);
}

static void
test_ratchet_window (gconstpointer data)
{
  guint window = GPOINTER_TO_UINT (data);
  E2eeKeyProvider *receiver = provider_with_passphrase ("ratchet-window-size",
      window, NULL);
  Packet packet = { 0, };
  GBytes *ratcheted, *plain, *held;
  GError *error = NULL;
  guint ratchets = 0;

  g_signal_connect (receiver, "key-ratcheted", G_CALLBACK (on_key_ratcheted),
      &ratchets);
  encrypt_two_ratchets_ahead (&packet, &ratcheted);

  plain = decrypt_packet (receiver, NULL, &packet, &error);
  held = e2ee_key_provider_export_key (receiver, NULL, 0, NULL);
  if (window >= 2) {
    g_assert_no_error (error);
    assert_payload (plain);
    g_bytes_unref (plain);
    /* The receiver adopted the ratcheted key. */
    g_assert_true (g_bytes_equal (held, ratcheted));
    g_assert_cmpuint (ratchets, ==, 1);
    /* ...and the next packet opens without searching. */
    plain = decrypt_packet (receiver, NULL, &packet, &error);
    g_assert_no_error (error);
    g_bytes_unref (plain);
    g_assert_cmpuint (ratchets, ==, 1);
  } else {
    g_assert_null (plain);
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
    g_clear_error (&error);
    /* Nothing adopted. */
    g_assert_cmpmem (g_bytes_get_data (held, NULL), g_bytes_get_size (held),
        PASSPHRASE, strlen (PASSPHRASE));
    g_assert_cmpuint (ratchets, ==, 0);
  }

  g_bytes_unref (held);
  g_bytes_unref (ratcheted);
  packet_clear (&packet);
  g_object_unref (receiver);
}

static void
test_failure_tolerance (void)
{
  E2eeKeyProvider *kp = provider_with_passphrase ("failure-tolerance", 1,
      NULL);
  E2eeKeyProvider *other = g_object_new (E2EE_TYPE_KEY_PROVIDER, NULL);
  Packet good = { 0, }, bad = { 0, };
  GError *error = NULL;
  GBytes *plain;

  g_assert_true (e2ee_key_provider_set_passphrase (other, NULL, "wrong", 0,
          TRUE, &error));
  encrypt (kp, NULL, &good);
  encrypt (other, NULL, &bad);

  /* Tolerance 1: one failure is fine, the second invalidates the key. */
  plain = decrypt_packet (kp, NULL, &bad, &error);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);
  plain = decrypt_packet (kp, NULL, &good, &error);
  g_assert_no_error (error);
  g_bytes_unref (plain);
  /* The success reset the count: two more failures needed. */
  plain = decrypt_packet (kp, NULL, &bad, &error);
  g_clear_error (&error);
  plain = decrypt_packet (kp, NULL, &bad, &error);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);

  plain = decrypt_packet (kp, NULL, &good, &error);
  g_assert_null (plain);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_KEY);
  g_clear_error (&error);

  /* The encryptor keeps using its current key regardless. */
  packet_clear (&good);
  encrypt (kp, NULL, &good);

  packet_clear (&good);
  packet_clear (&bad);
  g_object_unref (other);
  g_object_unref (kp);
}

/* A packet's key index is a 32-bit wire field. The failure it causes must
 * count against the slot that was tried: with a ring of 10, index
 * 0x80000003 names slot 3 (lookups keep its low 31 bits), not slot 1
 * (0x80000003 % 10). */
static void
test_failure_charged_to_tried_slot (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "failure-tolerance", 0, "key-ring-size", 10, NULL);
  Packet good = { 0, }, bad = { 0, };
  GError *error = NULL;
  GBytes *plain;

  g_assert_true (e2ee_key_provider_set_passphrase (kp, NULL, "one", 1, TRUE,
          &error));
  encrypt (kp, NULL, &good);
  g_assert_cmpuint (good.key_index, ==, 1);
  g_assert_true (e2ee_key_provider_set_passphrase (kp, NULL, "three", 3,
          TRUE, &error));
  g_assert_no_error (error);

  /* Slot 1's packet, claimed under slot 3's key: fails there. */
  bad.iv = g_bytes_ref (good.iv);
  bad.ciphertext = g_bytes_ref (good.ciphertext);
  bad.key_index = 0x80000003u;
  plain = decrypt_packet (kp, NULL, &bad, &error);
  g_assert_null (plain);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED);
  g_clear_error (&error);

  /* Slot 1 is untouched; slot 3 is now over the tolerance. */
  plain = decrypt_packet (kp, NULL, &good, &error);
  g_assert_no_error (error);
  assert_payload (plain);
  g_bytes_unref (plain);
  bad.key_index = 3;
  plain = decrypt_packet (kp, NULL, &bad, &error);
  g_assert_null (plain);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_KEY);
  g_clear_error (&error);

  packet_clear (&good);
  packet_clear (&bad);
  g_object_unref (kp);
}

/* key-size 256: AES-256-GCM under the first 32 bytes of PBKDF2 (computed
 * independently with Python's hashlib). */
static void
test_key_size_256 (void)
{
  static const guint8 aes_256_key[32] = {
    0x84, 0x37, 0xee, 0x00, 0x2f, 0xdb, 0xa3, 0x57,
    0x2a, 0xc5, 0xb0, 0x04, 0x58, 0xcf, 0x03, 0xf9,
    0xcd, 0x48, 0xa7, 0xcd, 0x91, 0xee, 0xc2, 0xa2,
    0xa7, 0x69, 0x87, 0xf7, 0x5e, 0x31, 0x91, 0x5b,
  };
  E2eeKeyProvider *kp = provider_with_passphrase ("key-size", 256, NULL);
  guint8 expected[sizeof (payload) + 16];
  Packet packet = { 0, };
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  GError *error = NULL;
  GBytes *plain;
  int n;

  encrypt (kp, NULL, &packet);
  g_assert_cmpint (EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL,
          aes_256_key, g_bytes_get_data (packet.iv, NULL)), ==, 1);
  g_assert_cmpint (EVP_EncryptUpdate (ctx, expected, &n, payload,
          sizeof (payload)), ==, 1);
  g_assert_cmpint (EVP_EncryptFinal_ex (ctx, expected + n, &n), ==, 1);
  g_assert_cmpint (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, 16,
          expected + sizeof (payload)), ==, 1);
  EVP_CIPHER_CTX_free (ctx);
  g_assert_cmpmem (g_bytes_get_data (packet.ciphertext, NULL),
      g_bytes_get_size (packet.ciphertext), expected, sizeof (expected));

  plain = decrypt_packet (kp, NULL, &packet, &error);
  g_assert_no_error (error);
  assert_payload (plain);
  g_bytes_unref (plain);
  packet_clear (&packet);
  g_object_unref (kp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data-packet/round-trip", test_round_trip);
  g_test_add_func ("/data-packet/key-size-256", test_key_size_256);
  g_test_add_func ("/data-packet/participant-key-index",
      test_participant_key_index);
  g_test_add_func ("/data-packet/tampering", test_tampering);
  g_test_add_func ("/data-packet/missing-key", test_missing_key);
  g_test_add_func ("/data-packet/iv-uniqueness", test_iv_uniqueness);
  g_test_add_data_func ("/data-packet/ratchet-window/1",
      GUINT_TO_POINTER (1), test_ratchet_window);
  g_test_add_data_func ("/data-packet/ratchet-window/2",
      GUINT_TO_POINTER (2), test_ratchet_window);
  g_test_add_data_func ("/data-packet/ratchet-window/4",
      GUINT_TO_POINTER (4), test_ratchet_window);
  g_test_add_func ("/data-packet/failure-tolerance", test_failure_tolerance);
  g_test_add_func ("/data-packet/failure-charged-to-tried-slot",
      test_failure_charged_to_tried_slot);

  return g_test_run ();
}
