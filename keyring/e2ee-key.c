/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* E2eeKey: key material, the AES key derived from it and an AES-GCM context
 * with that key's schedule already expanded (the "template"), so binding an
 * E2eeAead to a key costs one context copy and each frame only sets its IV.
 *
 * Material and AES key share one sodium_malloc() block (guard pages, locked
 * when the system allows it); sodium_free() wipes it. The template context
 * lives in OpenSSL's memory, and EVP_CIPHER_CTX_free() cleanses it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2ee-key.h"
#include "e2ee-kdf.h"

#include <sodium.h>
#include <string.h>

#define RATCHET_MATERIAL_LENGTH 32

struct _E2eeKey
{
  gint ref_count;
  E2eeKdf kdf;
  guint key_bits;
  gchar *salt;

  /* material (material_len bytes) followed by the AES key (key_bits / 8) */
  guint8 *secret;
  gsize material_len;

  EVP_CIPHER_CTX *template_ctx;

  /* Ratchet cache, guarded by ratchet_lock: the key one ratchet step ahead
   * (owned), and whether a thread is deriving it right now. */
  E2eeKey *next;
  gboolean next_in_progress;
};

static GMutex ratchet_lock;
static GCond ratchet_cond;

void
e2ee_ensure_sodium (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised)) {
    /* Fails only when the system has no randomness source at all. */
    if (sodium_init () < 0)
      g_error ("libsodium could not be initialised");
    g_once_init_leave (&initialised, 1);
  }
}

static inline guint8 *
key_aes_key (const E2eeKey * key)
{
  return key->secret + key->material_len;
}

static const EVP_CIPHER *
cipher_for_bits (guint key_bits)
{
  return key_bits == 256 ? EVP_aes_256_gcm () : EVP_aes_128_gcm ();
}

static gboolean
derive (E2eeKdf kdf, const guint8 * material, gsize material_len,
    const gchar * salt, guint8 * out, gsize out_len, GError ** error)
{
  if (kdf == E2EE_KDF_PBKDF2)
    return e2ee_kdf_pbkdf2 (material, material_len, salt, out, out_len,
        error);
  return e2ee_kdf_hkdf (material, material_len, salt, out, out_len, error);
}

static gboolean
check_key_arguments (gsize material_len, guint key_bits, GError ** error)
{
  if (material_len == 0 || material_len > E2EE_MATERIAL_MAX_LENGTH) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "Key material must be 1 to %u bytes long, not %" G_GSIZE_FORMAT,
        E2EE_MATERIAL_MAX_LENGTH, material_len);
    return FALSE;
  }
  if (key_bits != 128 && key_bits != 256) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "Key size must be 128 or 256 bits, not %u", key_bits);
    return FALSE;
  }
  return TRUE;
}

static gboolean
key_setup_template (E2eeKey * key, GError ** error)
{
  key->template_ctx = EVP_CIPHER_CTX_new ();
  if (key->template_ctx == NULL
      || EVP_EncryptInit_ex (key->template_ctx, cipher_for_bits (key->key_bits),
          NULL, key_aes_key (key), NULL) != 1) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Could not set up the AES-GCM key schedule");
    return FALSE;
  }
  return TRUE;
}

static void
key_free (E2eeKey * key)
{
  EVP_CIPHER_CTX_free (key->template_ctx);
  sodium_free (key->secret);
  g_free (key->salt);
  g_free (key);
}

E2eeKey *
e2ee_key_new (const guint8 * material, gsize material_len, E2eeKdf kdf,
    const gchar * salt, guint key_bits, GError ** error)
{
  E2eeKey *key;

  g_return_val_if_fail (material != NULL || material_len == 0, NULL);
  g_return_val_if_fail (salt != NULL, NULL);

  if (!check_key_arguments (material_len, key_bits, error))
    return NULL;

  e2ee_ensure_sodium ();

  key = g_new0 (E2eeKey, 1);
  key->ref_count = 1;
  key->kdf = kdf;
  key->key_bits = key_bits;
  key->salt = g_strdup (salt);
  key->material_len = material_len;
  key->secret = sodium_malloc (material_len + key_bits / 8);
  if (key->secret == NULL) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of secure memory for key material");
    key_free (key);
    return NULL;
  }
  memcpy (key->secret, material, material_len);

  if (!derive (kdf, material, material_len, salt, key_aes_key (key),
          key_bits / 8, error) || !key_setup_template (key, error)) {
    key_free (key);
    return NULL;
  }
  return key;
}

E2eeKey *
e2ee_key_ref (E2eeKey * key)
{
  g_return_val_if_fail (key != NULL, NULL);

  g_atomic_int_inc (&key->ref_count);
  return key;
}

void
e2ee_key_unref (E2eeKey * key)
{
  /* Iterative, so dropping a key with a long chain of cached ratchet steps
   * cannot exhaust the stack: each key hands its reference on its next step
   * to the loop. */
  while (key != NULL && g_atomic_int_dec_and_test (&key->ref_count)) {
    E2eeKey *next = key->next;

    key_free (key);
    key = next;
  }
}

E2eeKey *
e2ee_key_ratchet (const E2eeKey * key, GError ** error)
{
  guint8 *material;
  E2eeKey *ratcheted = NULL;

  g_return_val_if_fail (key != NULL, NULL);

  material = sodium_malloc (RATCHET_MATERIAL_LENGTH);
  if (material == NULL) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of secure memory for key material");
    return NULL;
  }
  if (derive (key->kdf, key->secret, key->material_len, key->salt, material,
          RATCHET_MATERIAL_LENGTH, error))
    ratcheted = e2ee_key_new (material, RATCHET_MATERIAL_LENGTH, key->kdf,
        key->salt, key->key_bits, error);
  sodium_free (material);
  return ratcheted;
}

E2eeKey *
e2ee_key_ratchet_cached (E2eeKey * key, GError ** error)
{
  E2eeKey *next;

  g_return_val_if_fail (key != NULL, NULL);

  g_mutex_lock (&ratchet_lock);
  while (key->next == NULL && key->next_in_progress)
    g_cond_wait (&ratchet_cond, &ratchet_lock);
  if (key->next != NULL) {
    next = e2ee_key_ref (key->next);
    g_mutex_unlock (&ratchet_lock);
    return next;
  }
  key->next_in_progress = TRUE;
  g_mutex_unlock (&ratchet_lock);

  /* The derivation (PBKDF2: tens of milliseconds) runs with no lock held. */
  next = e2ee_key_ratchet (key, error);

  g_mutex_lock (&ratchet_lock);
  key->next_in_progress = FALSE;
  if (next != NULL)
    key->next = e2ee_key_ref (next);
  g_cond_broadcast (&ratchet_cond);
  g_mutex_unlock (&ratchet_lock);
  return next;
}

static void
secure_bytes_free (gpointer data)
{
  sodium_free (data);
}

GBytes *
e2ee_key_export_material (const E2eeKey * key)
{
  guint8 *copy;

  g_return_val_if_fail (key != NULL, NULL);

  /* The copy stays in guarded memory and is wiped with the GBytes. */
  copy = sodium_malloc (key->material_len);
  if (copy == NULL)
    g_error ("Out of secure memory for exported key material");
  memcpy (copy, key->secret, key->material_len);
  return g_bytes_new_with_free_func (copy, key->material_len,
      secure_bytes_free, copy);
}

E2eeKdf
e2ee_key_get_kdf (const E2eeKey * key)
{
  g_return_val_if_fail (key != NULL, E2EE_KDF_PBKDF2);

  return key->kdf;
}

/* E2eeAead */

gboolean
e2ee_aead_bind (E2eeAead * aead, E2eeKey * key, GError ** error)
{
  g_return_val_if_fail (aead != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (aead->key == key)
    return TRUE;

  if (aead->seal_ctx == NULL)
    aead->seal_ctx = EVP_CIPHER_CTX_new ();
  if (aead->open_ctx == NULL)
    aead->open_ctx = EVP_CIPHER_CTX_new ();
  g_clear_pointer (&aead->key, e2ee_key_unref);

  /* GCM runs AES forwards in both directions, so one encrypt-initialised
   * schedule serves sealing and opening alike. */
  if (aead->seal_ctx == NULL || aead->open_ctx == NULL
      || EVP_CIPHER_CTX_copy (aead->seal_ctx, key->template_ctx) != 1
      || EVP_CIPHER_CTX_copy (aead->open_ctx, key->template_ctx) != 1) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Could not copy the AES-GCM context");
    return FALSE;
  }
  aead->key = e2ee_key_ref (key);
  return TRUE;
}

void
e2ee_aead_clear (E2eeAead * aead)
{
  g_return_if_fail (aead != NULL);

  g_clear_pointer (&aead->seal_ctx, EVP_CIPHER_CTX_free);
  g_clear_pointer (&aead->open_ctx, EVP_CIPHER_CTX_free);
  g_clear_pointer (&aead->key, e2ee_key_unref);
}

static gboolean
check_lengths (gsize aad_len, gsize len, GError ** error)
{
  if (aad_len > G_MAXINT || len > G_MAXINT) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "Data too large for AES-GCM");
    return FALSE;
  }
  return TRUE;
}

gboolean
e2ee_aead_seal (E2eeAead * aead, const guint8 iv[E2EE_IV_LENGTH],
    const guint8 * aad, gsize aad_len, const guint8 * in, gsize len,
    guint8 * out, GError ** error)
{
  EVP_CIPHER_CTX *ctx;
  guint8 final[16];
  int n;

  g_return_val_if_fail (aead != NULL && aead->key != NULL, FALSE);
  g_return_val_if_fail (iv != NULL && out != NULL, FALSE);
  g_return_val_if_fail (in != NULL || len == 0, FALSE);
  g_return_val_if_fail (aad != NULL || aad_len == 0, FALSE);

  if (!check_lengths (aad_len, len, error))
    return FALSE;

  /* Only the IV changes per frame: the key schedule came with the copy. */
  ctx = aead->seal_ctx;
  if (EVP_EncryptInit_ex (ctx, NULL, NULL, NULL, iv) != 1
      || (aad_len > 0
          && EVP_EncryptUpdate (ctx, NULL, &n, aad, (int) aad_len) != 1)
      || (len > 0 && EVP_EncryptUpdate (ctx, out, &n, in, (int) len) != 1)
      || EVP_EncryptFinal_ex (ctx, final, &n) != 1
      || EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, E2EE_TAG_LENGTH,
          out + len) != 1) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_ENCRYPTION_FAILED,
        "AES-GCM encryption failed");
    return FALSE;
  }
  return TRUE;
}

gboolean
e2ee_aead_open (E2eeAead * aead, const guint8 iv[E2EE_IV_LENGTH],
    const guint8 * aad, gsize aad_len, const guint8 * in, gsize len,
    guint8 * out, GError ** error)
{
  EVP_CIPHER_CTX *ctx;
  guint8 tag[E2EE_TAG_LENGTH];
  guint8 final[16];
  gsize text_len;
  int n;

  g_return_val_if_fail (aead != NULL && aead->key != NULL, FALSE);
  g_return_val_if_fail (iv != NULL, FALSE);
  g_return_val_if_fail (in != NULL || len == 0, FALSE);
  g_return_val_if_fail (aad != NULL || aad_len == 0, FALSE);

  if (len < E2EE_TAG_LENGTH) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED,
        "Ciphertext of %" G_GSIZE_FORMAT " bytes is shorter than its tag",
        len);
    return FALSE;
  }
  if (!check_lengths (aad_len, len, error))
    return FALSE;

  text_len = len - E2EE_TAG_LENGTH;
  g_return_val_if_fail (out != NULL || text_len == 0, FALSE);
  /* Copied first: with in == out the tag must survive the decryption. */
  memcpy (tag, in + text_len, E2EE_TAG_LENGTH);

  ctx = aead->open_ctx;
  if (EVP_DecryptInit_ex (ctx, NULL, NULL, NULL, iv) != 1
      || (aad_len > 0
          && EVP_DecryptUpdate (ctx, NULL, &n, aad, (int) aad_len) != 1)
      || (text_len > 0
          && EVP_DecryptUpdate (ctx, out, &n, in, (int) text_len) != 1)
      || EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, E2EE_TAG_LENGTH,
          tag) != 1
      || EVP_DecryptFinal_ex (ctx, final, &n) != 1) {
    /* Unverified plaintext never leaves this function. */
    if (text_len > 0)
      sodium_memzero (out, text_len);
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED,
        "AES-GCM authentication failed");
    return FALSE;
  }
  return TRUE;
}
