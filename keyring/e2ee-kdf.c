/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* LiveKit's two key derivations, both from OpenSSL 3's EVP_KDF:
 *
 * - PBKDF2-HMAC-SHA256 with 100000 iterations, as deriveKeys() does for a
 *   passphrase in the JavaScript SDK (and the native SDKs for everything);
 * - HKDF-SHA256 with info = 128 zero bytes, as the JavaScript SDK does for
 *   raw key material.
 *
 * The salt is the ratchet salt's UTF-8 bytes in both. Nothing here keeps a
 * copy of the material or the output. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2ee-kdf.h"
#include "e2ee-key-provider.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

/* Fetching an algorithm walks OpenSSL's provider tables; do it once. */
static EVP_KDF *
fetch_kdf (const gchar * name, EVP_KDF ** cache)
{
  EVP_KDF *kdf = g_atomic_pointer_get (cache);

  if (kdf == NULL) {
    kdf = EVP_KDF_fetch (NULL, name, NULL);
    if (kdf == NULL)
      return NULL;
    if (!g_atomic_pointer_compare_and_exchange (cache, NULL, kdf)) {
      EVP_KDF_free (kdf);
      kdf = g_atomic_pointer_get (cache);
    }
  }
  return kdf;
}

static gboolean
run_kdf (const gchar * name, EVP_KDF ** cache, const OSSL_PARAM * params,
    guint8 * out, gsize out_len, GError ** error)
{
  EVP_KDF *kdf = fetch_kdf (name, cache);
  EVP_KDF_CTX *ctx;
  gboolean ok;

  if (kdf == NULL) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "OpenSSL has no %s implementation", name);
    return FALSE;
  }

  ctx = EVP_KDF_CTX_new (kdf);
  ok = ctx != NULL && EVP_KDF_derive (ctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free (ctx);

  if (!ok)
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "%s key derivation failed", name);
  return ok;
}

static gboolean
check_material (gsize material_len, GError ** error)
{
  if (material_len == 0) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "Key material is empty");
    return FALSE;
  }
  return TRUE;
}

gboolean
e2ee_kdf_pbkdf2 (const guint8 * material, gsize material_len,
    const gchar * salt, guint8 * out, gsize out_len, GError ** error)
{
  static EVP_KDF *pbkdf2;
  unsigned int iterations = E2EE_PBKDF2_ITERATIONS;
  /* pkcs5 = 1 turns off SP 800-132's lower bounds (salt >= 16 bytes), which
   * WebCrypto does not apply: a short custom ratchet salt must still work. */
  int pkcs5 = 1;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD,
        (void *) material, material_len),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
        (void *) salt, strlen (salt)),
    OSSL_PARAM_construct_uint (OSSL_KDF_PARAM_ITER, &iterations),
    OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
    OSSL_PARAM_construct_int (OSSL_KDF_PARAM_PKCS5, &pkcs5),
    OSSL_PARAM_construct_end (),
  };

  g_return_val_if_fail (salt != NULL, FALSE);
  g_return_val_if_fail (out != NULL && out_len > 0, FALSE);

  if (!check_material (material_len, error))
    return FALSE;
  return run_kdf ("PBKDF2", &pbkdf2, params, out, out_len, error);
}

gboolean
e2ee_kdf_hkdf (const guint8 * material, gsize material_len,
    const gchar * salt, guint8 * out, gsize out_len, GError ** error)
{
  static EVP_KDF *hkdf;
  static const guint8 info[E2EE_HKDF_INFO_LENGTH] = { 0, };
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY,
        (void *) material, material_len),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
        (void *) salt, strlen (salt)),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO,
        (void *) info, sizeof (info)),
    OSSL_PARAM_construct_end (),
  };

  g_return_val_if_fail (salt != NULL, FALSE);
  g_return_val_if_fail (out != NULL && out_len > 0, FALSE);

  if (!check_material (material_len, error))
    return FALSE;
  return run_kdf ("HKDF", &hkdf, params, out, out_len, error);
}

gboolean
e2ee_kdf_fingerprint (const guint8 * key, gsize key_len,
    guint8 out[E2EE_FINGERPRINT_LENGTH], GError ** error)
{
  static const gchar label[] = E2EE_KEY_FINGERPRINT_LABEL;
  guint8 mac[32];
  size_t mac_len = 0;
  gboolean ok;

  g_return_val_if_fail (key != NULL && key_len > 0, FALSE);

  /* HMAC with the key as HMAC key is a PRF of it: the output says nothing
   * about the key, and the label keeps it apart from every other use. */
  ok = EVP_Q_mac (NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
      (const guint8 *) label, strlen (label), mac, sizeof (mac),
      &mac_len) != NULL && mac_len == sizeof (mac);
  if (ok)
    memcpy (out, mac, E2EE_FINGERPRINT_LENGTH);
  else
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "HMAC-SHA256 failed");
  OPENSSL_cleanse (mac, sizeof (mac));
  return ok;
}
