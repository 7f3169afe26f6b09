/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* E2eeKey: key material and the AES key derived from it.
 *
 * Material and AES key share one block of the secure-memory arena
 * (e2ee-secure-memory.c: guarded, locked slabs), wiped when the key goes.
 * A key holds no expanded AES key schedule: only the E2eeAead contexts
 * bound to it do (in OpenSSL's memory, cleansed when freed), so a provider
 * holding thousands of keys does not hold thousands of cipher contexts
 * (about 1.2 KiB of heap each; 11 of the 15.7 MiB of heap that 10,000
 * participants cost with one template context per key). Binding sets the
 * key into contexts the E2eeAead keeps (0.7 us each, measured, against
 * 0.5 us for copying a template); each frame then only sets its IV.
 *
 * Removing a key from a provider revokes it (e2ee_key_revoke): its secret
 * is wiped and its slot returned to the arena at once, whoever still holds
 * a reference, and so are the ratchet steps cached behind it. Every read
 * of a secret (binding a context, a ratchet step, an export) therefore
 * takes secret_lock for reading and finds a revoked key's secret gone;
 * revoking takes it for writing, so it waits for a read in progress and
 * no read starts on a slot that is being wiped or handed to another key.
 * The reads are short: a ratchet step copies the material out under the
 * lock and derives from the copy. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2ee-key.h"
#include "e2ee-kdf.h"
#include "e2ee-secure-memory.h"

#include <sodium.h>
#include <string.h>

#define RATCHET_MATERIAL_LENGTH 32

struct _E2eeKey
{
  gint ref_count;
  E2eeKdf kdf;
  guint key_bits;
  gchar *salt;                  /* a GRefString, shared by equal salts */

  /* material (material_len bytes) followed by the AES key (key_bits / 8),
   * in the secure-memory arena */
  guint8 *secret;
  gsize material_len;

  /* Ratchet cache, guarded by ratchet_lock: the key one ratchet step ahead
   * (owned), whether a thread is deriving it right now, and whether the key
   * was revoked (then nothing is cached behind it any more). */
  E2eeKey *next;
  gboolean next_in_progress;
  gboolean revoked;

  gint n_bound;                 /* atomic: E2eeAeads bound to this key */
};

static GMutex ratchet_lock;
static GCond ratchet_cond;

/* Guards every key's @secret pointer and bytes against revocation (see
 * the top of this file). */
static GRWLock secret_lock;

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

/* Fetched once: setting a key with a fetched cipher costs half of what
 * EVP_aes_128_gcm() does, which OpenSSL 3 looks up again on every use. */
static const EVP_CIPHER *
cipher_for_bits (guint key_bits)
{
  static EVP_CIPHER *ciphers[2];
  static gsize fetched = 0;

  if (g_once_init_enter (&fetched)) {
    ciphers[0] = EVP_CIPHER_fetch (NULL, "AES-128-GCM", NULL);
    ciphers[1] = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
    g_once_init_leave (&fetched, 1);
  }
  return ciphers[key_bits == 256];
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

static void
key_free (E2eeKey * key)
{
  e2ee_secure_memory_free (key->secret);
  g_ref_string_release (key->salt);
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
  key->salt = g_ref_string_new_intern (salt);
  key->material_len = material_len;
  key->secret = e2ee_secure_memory_alloc (material_len + key_bits / 8);
  if (key->secret == NULL) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of secure memory for key material");
    key_free (key);
    return NULL;
  }
  memcpy (key->secret, material, material_len);

  if (!derive (kdf, material, material_len, salt, key_aes_key (key),
          key_bits / 8, error)) {
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

static void
set_revoked_error (GError ** error)
{
  g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY,
      "The key was removed");
}

/* A copy of @key's material in the secure-memory arena, or NULL (revoked:
 * @error set to MISSING_KEY; or out of secure memory). */
static guint8 *
copy_material (const E2eeKey * key, GError ** error)
{
  guint8 *copy = e2ee_secure_memory_alloc (key->material_len);
  gboolean revoked;

  if (copy == NULL) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of secure memory for key material");
    return NULL;
  }
  g_rw_lock_reader_lock (&secret_lock);
  revoked = key->secret == NULL;
  if (!revoked)
    memcpy (copy, key->secret, key->material_len);
  g_rw_lock_reader_unlock (&secret_lock);
  if (revoked) {
    e2ee_secure_memory_free (copy);
    set_revoked_error (error);
    return NULL;
  }
  return copy;
}

E2eeKey *
e2ee_key_ratchet (const E2eeKey * key, GError ** error)
{
  guint8 *base, *material;
  E2eeKey *ratcheted = NULL;

  g_return_val_if_fail (key != NULL, NULL);

  /* The derivation (PBKDF2: tens of milliseconds) reads a copy, so that
   * revoking @key meanwhile need not wait for it. */
  base = copy_material (key, error);
  if (base == NULL)
    return NULL;
  material = e2ee_secure_memory_alloc (RATCHET_MATERIAL_LENGTH);
  if (material == NULL) {
    e2ee_secure_memory_free (base);
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of secure memory for key material");
    return NULL;
  }
  if (derive (key->kdf, base, key->material_len, key->salt, material,
          RATCHET_MATERIAL_LENGTH, error))
    ratcheted = e2ee_key_new (material, RATCHET_MATERIAL_LENGTH, key->kdf,
        key->salt, key->key_bits, error);
  e2ee_secure_memory_free (material);
  e2ee_secure_memory_free (base);
  return ratcheted;
}

E2eeKey *
e2ee_key_ratchet_cached (E2eeKey * key, GError ** error)
{
  E2eeKey *next;
  gboolean revoked;

  g_return_val_if_fail (key != NULL, NULL);

  g_mutex_lock (&ratchet_lock);
  while (key->next == NULL && key->next_in_progress && !key->revoked)
    g_cond_wait (&ratchet_cond, &ratchet_lock);
  if (key->revoked) {
    g_mutex_unlock (&ratchet_lock);
    set_revoked_error (error);
    return NULL;
  }
  if (key->next != NULL) {
    next = e2ee_key_ref (key->next);
    g_mutex_unlock (&ratchet_lock);
    return next;
  }
  key->next_in_progress = TRUE;
  g_mutex_unlock (&ratchet_lock);

  /* The derivation (PBKDF2: tens of milliseconds) runs with no lock held. */
  next = e2ee_key_ratchet (key, error);

  /* A step of a key revoked meanwhile is never cached: it is wiped before
   * the threads waiting for it wake up (and they get MISSING_KEY). */
  g_mutex_lock (&ratchet_lock);
  revoked = key->revoked;
  if (next != NULL && !revoked)
    key->next = e2ee_key_ref (next);
  g_mutex_unlock (&ratchet_lock);
  if (next != NULL && revoked) {
    e2ee_key_revoke (next);
    g_clear_pointer (&next, e2ee_key_unref);
    set_revoked_error (error);
  }

  g_mutex_lock (&ratchet_lock);
  key->next_in_progress = FALSE;
  g_cond_broadcast (&ratchet_cond);
  g_mutex_unlock (&ratchet_lock);
  return next;
}

gboolean
e2ee_key_revoke (E2eeKey * key)
{
  gboolean bound = FALSE;
  E2eeKey *held = NULL;

  g_return_val_if_fail (key != NULL, FALSE);

  /* Along the chain of cached steps, each key handing its reference on the
   * next one to the loop (no recursion, however long the chain). */
  while (key != NULL) {
    E2eeKey *next;

    g_mutex_lock (&ratchet_lock);
    key->revoked = TRUE;
    next = g_steal_pointer (&key->next);
    /* Wakes threads waiting for a step of this key: none is coming. */
    g_cond_broadcast (&ratchet_cond);
    g_mutex_unlock (&ratchet_lock);

    g_rw_lock_writer_lock (&secret_lock);
    e2ee_secure_memory_free (key->secret);
    key->secret = NULL;
    /* Exact: a bind holds the lock for reading while it counts itself. */
    bound |= g_atomic_int_get (&key->n_bound) > 0;
    g_rw_lock_writer_unlock (&secret_lock);

    if (held != NULL)
      e2ee_key_unref (held);
    held = key = next;
  }
  return bound;
}

gboolean
e2ee_key_is_revoked (const E2eeKey * key)
{
  gboolean revoked;

  g_return_val_if_fail (key != NULL, TRUE);

  g_rw_lock_reader_lock (&secret_lock);
  revoked = key->secret == NULL;
  g_rw_lock_reader_unlock (&secret_lock);
  return revoked;
}

gconstpointer
e2ee_key_peek_secret_for_testing (const E2eeKey * key, gsize * len)
{
  g_return_val_if_fail (key != NULL, NULL);

  if (len != NULL)
    *len = key->material_len + key->key_bits / 8;
  return key->secret;
}

GBytes *
e2ee_key_export_material (const E2eeKey * key)
{
  guint8 *copy;

  g_return_val_if_fail (key != NULL, NULL);

  /* The copy stays in guarded memory and is wiped with the GBytes. */
  copy = copy_material (key, NULL);
  if (copy == NULL)
    return NULL;
  return g_bytes_new_with_free_func (copy, key->material_len,
      e2ee_secure_memory_free, copy);
}

gboolean
e2ee_key_fingerprint (const E2eeKey * key, guint8 * out, GError ** error)
{
  gboolean revoked, ok = FALSE;

  g_return_val_if_fail (key != NULL && out != NULL, FALSE);

  g_rw_lock_reader_lock (&secret_lock);
  revoked = key->secret == NULL;
  if (!revoked)
    ok = e2ee_kdf_fingerprint (key_aes_key (key), key->key_bits / 8, out,
        error);
  g_rw_lock_reader_unlock (&secret_lock);
  if (revoked)
    set_revoked_error (error);
  return ok;
}

E2eeKdf
e2ee_key_get_kdf (const E2eeKey * key)
{
  g_return_val_if_fail (key != NULL, E2EE_KDF_PBKDF2);

  return key->kdf;
}

/* E2eeAead */

/* Sets @key into *@ctx (created on first use). Call with secret_lock
 * held for reading and @key not revoked. */
static gboolean
aead_ctx_set_key (EVP_CIPHER_CTX ** ctx, const E2eeKey * key)
{
  const EVP_CIPHER *cipher = cipher_for_bits (key->key_bits);

  if (*ctx == NULL)
    *ctx = EVP_CIPHER_CTX_new ();
  if (*ctx == NULL)
    return FALSE;
  /* The cipher is given only when it changes: giving it again resets the
   * whole context, which doubles the cost. */
  if (EVP_CIPHER_CTX_get0_cipher (*ctx) == cipher)
    cipher = NULL;
  return EVP_EncryptInit_ex (*ctx, cipher, NULL, key_aes_key (key), NULL) == 1;
}

static void
aead_unbind (E2eeAead * aead)
{
  if (aead->key == NULL)
    return;
  g_atomic_int_add (&aead->key->n_bound, -1);
  g_clear_pointer (&aead->key, e2ee_key_unref);
}

gboolean
e2ee_aead_bind (E2eeAead * aead, E2eeKey * key, GError ** error)
{
  gboolean revoked, set;

  g_return_val_if_fail (aead != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (aead->key == key && !e2ee_key_is_revoked (key))
    return TRUE;

  aead_unbind (aead);

  /* GCM runs AES forwards in both directions, so an encrypt-initialised
   * schedule serves sealing and opening alike. The count goes up under
   * the lock, so that revoking the key sees this binding. */
  g_rw_lock_reader_lock (&secret_lock);
  revoked = key->secret == NULL;
  set = !revoked && aead_ctx_set_key (&aead->seal_ctx, key)
      && aead_ctx_set_key (&aead->open_ctx, key);
  if (set)
    g_atomic_int_inc (&key->n_bound);
  g_rw_lock_reader_unlock (&secret_lock);

  if (!set) {
    /* The contexts may still hold the schedule of the key bound before:
     * free them (which cleanses it) rather than leave it behind. */
    e2ee_aead_clear (aead);
    if (revoked)
      set_revoked_error (error);
    else
      g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
          "Could not set up the AES-GCM key schedule");
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
  aead_unbind (aead);
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
