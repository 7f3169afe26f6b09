/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Data-packet encryption, as LiveKit's DataCryptor: AES-GCM with no AAD
 * under the participant's current key, a 12-byte IV and the 16-byte tag
 * appended to the ciphertext. The IV and key index travel beside the
 * ciphertext in LiveKit's EncryptedPacket message; building that message
 * is the application's business.
 *
 * IVs come from e2ee_key_provider_next_data_packet_iv(): the provider's
 * data stream id (unique among its live frame streams) and a counter, so a
 * data packet never reuses an IV of another packet or of a frame (the
 * argument, with the frames', is in e2ee-iv.c). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2ee-key-provider-private.h"

#include <string.h>

static const gchar *
printable_id (const gchar * participant_id)
{
  return participant_id ? participant_id : "(shared)";
}

static gboolean
lookup_failed (E2eeKeyLookup lookup, const gchar * participant_id,
    guint key_index, GError ** error)
{
  if (lookup == E2EE_KEY_LOOKUP_INVALID)
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_KEY,
        "The key for participant %s at index %u was marked invalid after "
        "too many decryption failures", printable_id (participant_id),
        key_index);
  else
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY,
        "No key for participant %s at index %u",
        printable_id (participant_id), key_index);
  return FALSE;
}

/**
 * e2ee_key_provider_encrypt_data:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the sending participant, or %NULL for the
 *   shared ring
 * @data: (array length=data_len): the packet's payload
 * @data_len: length of @data
 * @iv: (out) (transfer full): the 12-byte IV used
 * @key_index: (out): the key index used (the ring's current index)
 * @ciphertext: (out) (transfer full): the ciphertext followed by the
 *   16-byte tag
 * @error: return location for a #GError, or %NULL
 *
 * Encrypts a data packet with the current key of @participant_id's ring,
 * as LiveKit's `encryptData`. Send @iv, @key_index and @ciphertext in an
 * `EncryptedPacket`.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *   (%E2EE_ERROR_MISSING_KEY when the ring has no current key)
 *
 * Since: 1.0
 */
gboolean
e2ee_key_provider_encrypt_data (E2eeKeyProvider * provider,
    const gchar * participant_id, const guint8 * data, gsize data_len,
    GBytes ** iv, guint * key_index, GBytes ** ciphertext, GError ** error)
{
  E2eeAead aead = E2EE_AEAD_INIT;
  E2eeKeyLookup lookup;
  guint8 iv_bytes[E2EE_IV_LENGTH];
  guint used_index;
  E2eeKey *key;
  guint8 *out;
  gboolean ok;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (data != NULL || data_len == 0, FALSE);
  g_return_val_if_fail (iv != NULL && ciphertext != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = e2ee_key_provider_lookup_key_full (provider, participant_id, -1,
      FALSE, &used_index, &lookup);
  if (key == NULL)
    return lookup_failed (lookup, participant_id, used_index, error);

  e2ee_key_provider_next_data_packet_iv (provider, iv_bytes);
  out = g_malloc (data_len + E2EE_TAG_LENGTH);
  ok = e2ee_aead_bind (&aead, key, error)
      && e2ee_aead_seal (&aead, iv_bytes, NULL, 0, data, data_len, out,
      error);
  e2ee_aead_clear (&aead);
  e2ee_key_unref (key);

  if (!ok) {
    g_free (out);
    return FALSE;
  }
  *iv = g_bytes_new (iv_bytes, sizeof (iv_bytes));
  *ciphertext = g_bytes_new_take (out, data_len + E2EE_TAG_LENGTH);
  if (key_index != NULL)
    *key_index = used_index;
  return TRUE;
}

/* Opens with @key, or NULL. The plaintext buffer is wiped by open on
 * failure, so freeing it leaks nothing. */
static GBytes *
open_with_key (E2eeKey * key, const guint8 * iv, const guint8 * ciphertext,
    gsize ciphertext_len, GError ** error)
{
  E2eeAead aead = E2EE_AEAD_INIT;
  gsize plain_len = ciphertext_len - E2EE_TAG_LENGTH;
  guint8 *plain = g_malloc (MAX (plain_len, 1));
  gboolean ok;

  ok = e2ee_aead_bind (&aead, key, error)
      && e2ee_aead_open (&aead, iv, NULL, 0, ciphertext, ciphertext_len,
      plain, error);
  e2ee_aead_clear (&aead);
  if (!ok) {
    g_free (plain);
    return NULL;
  }
  return g_bytes_new_take (plain, plain_len);
}

/* Tries the ratchet window: @base ratcheted 1..@window steps. Adopts the
 * first step that opens the packet. */
static GBytes *
open_in_ratchet_window (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, E2eeKey * base,
    guint window, const guint8 * iv, const guint8 * ciphertext,
    gsize ciphertext_len)
{
  guint steps;

  for (steps = 1; steps <= window; steps++) {
    E2eeKey *candidate = e2ee_key_provider_get_ratchet_candidate (provider,
        base, steps, NULL);
    GBytes *plain;

    if (candidate == NULL)
      return NULL;
    plain = open_with_key (candidate, iv, ciphertext, ciphertext_len, NULL);
    if (plain != NULL) {
      g_debug ("Data packet of participant %s opened %u ratchet steps "
          "ahead of key index %u", printable_id (participant_id), steps,
          key_index);
      e2ee_key_provider_adopt_ratcheted_key (provider, participant_id,
          key_index, base, candidate);
      e2ee_key_unref (candidate);
      return plain;
    }
    e2ee_key_unref (candidate);
  }
  return NULL;
}

/**
 * e2ee_key_provider_decrypt_data:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the sending participant, or %NULL for the
 *   shared ring
 * @iv: (array length=iv_len): the packet's IV
 * @iv_len: length of @iv, must be 12
 * @key_index: the packet's key index
 * @ciphertext: (array length=ciphertext_len): ciphertext followed by the
 *   16-byte tag
 * @ciphertext_len: length of @ciphertext
 * @error: return location for a #GError, or %NULL
 *
 * Decrypts a data packet, as LiveKit's `decryptData`. When the key at
 * @key_index fails and #E2eeKeyProvider:ratchet-window-size is above 0,
 * the key ratcheted 1 to ratchet-window-size steps is tried; a step that
 * works replaces the key and #E2eeKeyProvider::key-ratcheted is emitted.
 * Failures count towards #E2eeKeyProvider:failure-tolerance.
 *
 * Returns: (transfer full) (nullable): the payload, or %NULL with @error
 *   set: %E2EE_ERROR_INVALID_ARGUMENT for a bad IV length,
 *   %E2EE_ERROR_MISSING_KEY, %E2EE_ERROR_INVALID_KEY, or
 *   %E2EE_ERROR_DECRYPTION_FAILED when the packet does not authenticate
 *
 * Since: 1.0
 */
GBytes *
e2ee_key_provider_decrypt_data (E2eeKeyProvider * provider,
    const gchar * participant_id, const guint8 * iv, gsize iv_len,
    guint key_index, const guint8 * ciphertext, gsize ciphertext_len,
    GError ** error)
{
  E2eeFrameOptions options = { 0, };
  E2eeKeyLookup lookup;
  E2eeKey *key;
  GBytes *plain;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), NULL);
  g_return_val_if_fail (iv != NULL || iv_len == 0, NULL);
  g_return_val_if_fail (ciphertext != NULL || ciphertext_len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (iv_len != E2EE_IV_LENGTH) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "Data packet IV must be %u bytes, not %" G_GSIZE_FORMAT,
        E2EE_IV_LENGTH, iv_len);
    return NULL;
  }
  if (ciphertext_len < E2EE_TAG_LENGTH) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED,
        "Data packet of %" G_GSIZE_FORMAT " bytes is shorter than its tag",
        ciphertext_len);
    return NULL;
  }

  /* From here on the slot's index: failures and a ratchet step go to the
   * slot that was tried, whatever the 32-bit wire value was. */
  key = e2ee_key_provider_lookup_key (provider, participant_id,
      (gint) (key_index & G_MAXINT), &key_index, &lookup);
  if (key == NULL) {
    lookup_failed (lookup, participant_id, key_index, error);
    return NULL;
  }

  plain = open_with_key (key, iv, ciphertext, ciphertext_len, NULL);
  if (plain == NULL) {
    e2ee_key_provider_get_frame_options (provider, &options);
    plain = open_in_ratchet_window (provider, participant_id, key_index,
        key, options.ratchet_window_size, iv, ciphertext, ciphertext_len);
    e2ee_frame_options_clear (&options);
  }
  e2ee_key_unref (key);

  e2ee_key_provider_report_decryption (provider, participant_id, key_index,
      plain != NULL);
  if (plain == NULL)
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED,
        "Data packet of participant %s with key index %u failed "
        "authentication", printable_id (participant_id), key_index);
  return plain;
}
