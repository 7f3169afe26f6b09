/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: LiveKit's two key derivations, from OpenSSL. */

#pragma once

#include <keyring/e2ee-types.h>

G_BEGIN_DECLS

#define E2EE_PBKDF2_ITERATIONS 100000
#define E2EE_HKDF_INFO_LENGTH 128

/* PBKDF2-HMAC-SHA256 (password = material, salt, 100000 iterations). */
gboolean e2ee_kdf_pbkdf2 (const guint8 * material, gsize material_len,
    const gchar * salt, guint8 * out, gsize out_len, GError ** error);

/* HKDF-SHA256 (IKM = material, salt, info = 128 zero bytes). */
gboolean e2ee_kdf_hkdf (const guint8 * material, gsize material_len,
    const gchar * salt, guint8 * out, gsize out_len, GError ** error);

/* Bytes of a key fingerprint (E2EE_KEY_FINGERPRINT_LABEL). */
#define E2EE_FINGERPRINT_LENGTH 16

/* The first E2EE_FINGERPRINT_LENGTH bytes of HMAC-SHA256 (key = @key,
 * message = E2EE_KEY_FINGERPRINT_LABEL): a value two ends can compare
 * without revealing @key, and that nothing else computes. */
gboolean e2ee_kdf_fingerprint (const guint8 * key, gsize key_len,
    guint8 out[E2EE_FINGERPRINT_LENGTH], GError ** error);

G_END_DECLS
