/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: not installed. */

#pragma once

#include <keyring/e2ee-types.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

#define E2EE_IV_LENGTH 12
#define E2EE_TAG_LENGTH 16
#define E2EE_MATERIAL_MAX_LENGTH 1024

/* E2eeKey: one piece of key material and the AES key derived from it.
 * Immutable and reference counted, so a streaming thread can hold a key
 * while the application replaces it. Material and AES key live in the
 * secure-memory arena (e2ee-secure-memory.h: sodium_malloc()ed slabs) and
 * are wiped when the last reference goes. */
typedef struct _E2eeKey E2eeKey;

/* Which KDF a key actually went through (AUTO already resolved). */
typedef enum
{
  E2EE_KDF_PBKDF2,
  E2EE_KDF_HKDF,
} E2eeKdf;

E2eeKey *e2ee_key_new (const guint8 * material, gsize material_len,
    E2eeKdf kdf, const gchar * salt, guint key_bits, GError ** error);
E2eeKey *e2ee_key_ref (E2eeKey * key);
void e2ee_key_unref (E2eeKey * key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (E2eeKey, e2ee_key_unref);

/* One ratchet step: new material = KDF (material, salt) -> 32 bytes, then the
 * AES key derived from that. Same KDF, salt and key size as @key. */
E2eeKey *e2ee_key_ratchet (const E2eeKey * key, GError ** error);

/* Copy of the material (not the AES key), for export; NULL once revoked. */
GBytes *e2ee_key_export_material (const E2eeKey * key);

E2eeKdf e2ee_key_get_kdf (const E2eeKey * key);

/* The next ratchet step of @key (new reference), derived at most once per
 * key: the result is cached in @key, and a caller that finds another thread
 * deriving it waits for that thread instead of deriving it again. Lets the
 * key provider precompute the ratchet window on a worker thread. */
E2eeKey *e2ee_key_ratchet_cached (E2eeKey * key, GError ** error);

/* Wipes @key's secret now and returns its slot to the secure-memory arena,
 * whoever still holds a reference (the provider calls it when a key is
 * removed), and does the same to every ratchet step cached behind it. From
 * then on binding, ratcheting (also a step being derived right now) and
 * exporting @key fail with E2EE_ERROR_MISSING_KEY. Returns whether an
 * E2eeAead was bound to one of the revoked keys: its contexts still hold
 * the AES key schedule until unbound. */
gboolean e2ee_key_revoke (E2eeKey * key);
gboolean e2ee_key_is_revoked (const E2eeKey * key);

/* The fingerprint of @key's AES key (e2ee_kdf_fingerprint()); FALSE with
 * E2EE_ERROR_MISSING_KEY once revoked. */
gboolean e2ee_key_fingerprint (const E2eeKey * key, guint8 * out,
    GError ** error);

/* Where @key's secret (material and AES key, *@len bytes) lives in the
 * secure-memory arena, NULL once revoked. For tests and the benchmark, to
 * look at the slot after removal; never read through it. */
gconstpointer e2ee_key_peek_secret_for_testing (const E2eeKey * key,
    gsize * len);

/* sodium_init(), once per process; every user of libsodium calls it first. */
void e2ee_ensure_sodium (void);

/* E2eeAead: AES-GCM contexts bound to one key, for one thread at a time.
 * The key schedule is expanded when binding to a key (e2ee_aead_bind),
 * never per frame: sealing and opening only set the IV. */
typedef struct
{
  E2eeKey *key;
  EVP_CIPHER_CTX *seal_ctx;
  EVP_CIPHER_CTX *open_ctx;
} E2eeAead;

#define E2EE_AEAD_INIT { NULL, NULL, NULL }

/* Binds @aead to @key (a no-op when already bound to it). A revoked key
 * cannot be bound: E2EE_ERROR_MISSING_KEY. On failure @aead is cleared. */
gboolean e2ee_aead_bind (E2eeAead * aead, E2eeKey * key, GError ** error);
void e2ee_aead_clear (E2eeAead * aead);

/* out receives len bytes of ciphertext followed by the 16-byte tag.
 * in and out may be the same pointer. */
gboolean e2ee_aead_seal (E2eeAead * aead, const guint8 iv[E2EE_IV_LENGTH],
    const guint8 * aad, gsize aad_len, const guint8 * in, gsize len,
    guint8 * out, GError ** error);

/* in holds ciphertext followed by the 16-byte tag (len includes the tag);
 * out receives len - 16 bytes. On an authentication failure out is wiped
 * and E2EE_ERROR_DECRYPTION_FAILED is returned: unverified plaintext never
 * leaves this function. in and out may be the same pointer. */
gboolean e2ee_aead_open (E2eeAead * aead, const guint8 iv[E2EE_IV_LENGTH],
    const guint8 * aad, gsize aad_len, const guint8 * in, gsize len,
    guint8 * out, GError ** error);

G_END_DECLS
