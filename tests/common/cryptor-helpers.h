/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Keys and frames for the frame cryptor's tests (tests/keyring/): raw keys
 * made from a seed, VP8 frames, and encrypt/decrypt into exact-size
 * buffers. Public API only. */

#pragma once

#include <keyring/e2ee.h>

#define KEY_LEN 32
#define FRAME_LEN 64

static inline void
fill_key (guint8 key[KEY_LEN], guint8 seed)
{
  guint i;

  for (i = 0; i < KEY_LEN; i++)
    key[i] = seed * 31 + i;
}

static inline void
set_raw_key (E2eeKeyProvider * provider, const gchar * participant,
    guint8 seed, guint key_index, gboolean make_current)
{
  guint8 key[KEY_LEN];
  GError *error = NULL;

  fill_key (key, seed);
  g_assert_true (e2ee_key_provider_set_key (provider, participant, key,
          KEY_LEN, key_index, make_current, &error));
  g_assert_no_error (error);
}

static inline E2eeKeyProvider *
provider_with_key (guint8 seed)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();

  set_raw_key (provider, NULL, seed, 0, TRUE);
  return provider;
}

/* A VP8 frame whose bit 0 says key or delta, with varied payload. */
static inline void
make_vp8_frame (guint8 * frame, gsize len, gboolean key, guint seed)
{
  gsize i;

  for (i = 0; i < len; i++)
    frame[i] = (seed + i * 7) & 0xff;
  if (len > 0)
    frame[0] = key ? 0x90 : 0x91;
}

static inline guint8 *
encrypt_frame (E2eeFrameCryptor * cryptor, const guint8 * frame, gsize len,
    E2eeFrameType type, gsize * out_len)
{
  gsize size = e2ee_frame_cryptor_get_max_encrypted_size (cryptor, len);
  guint8 *out = g_malloc (size + 1);
  GError *error = NULL;

  g_assert_true (e2ee_frame_cryptor_encrypt (cryptor, frame, len, type, out,
          size, out_len, &error));
  g_assert_no_error (error);
  return out;
}

/* Decrypts into an exact-size buffer; returns the result of decrypt. */
static inline gboolean
decrypt_frame (E2eeFrameCryptor * cryptor, const guint8 * frame, gsize len,
    E2eeFrameType type, guint8 ** plaintext, gsize * out_len, GError ** error)
{
  guint8 *out = g_malloc (len + 1);
  gboolean ok = e2ee_frame_cryptor_decrypt (cryptor, frame, len, type, out,
      len, out_len, error);

  if (plaintext != NULL && ok)
    *plaintext = out;
  else
    g_free (out);
  return ok;
}
