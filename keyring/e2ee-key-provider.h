/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib-object.h>
#include <keyring/e2ee-types.h>

G_BEGIN_DECLS

#define E2EE_TYPE_KEY_PROVIDER (e2ee_key_provider_get_type ())
E2EE_API
G_DECLARE_FINAL_TYPE (E2eeKeyProvider, e2ee_key_provider, E2EE, KEY_PROVIDER,
    GObject);

/**
 * E2EE_DEFAULT_RATCHET_SALT:
 *
 * LiveKit's default ratchet salt, also the salt of both key derivations.
 */
#define E2EE_DEFAULT_RATCHET_SALT "LKFrameEncryptionKey"

/**
 * E2EE_DEFAULT_UNCRYPTED_MAGIC_BYTES:
 *
 * The trailer that marks server-injected frames until the room sends its
 * own SIF trailer (the Swift and Android SDKs' default).
 */
#define E2EE_DEFAULT_UNCRYPTED_MAGIC_BYTES "LK-ROCKS"

/**
 * E2EE_DEFAULT_KEY_RING_SIZE:
 *
 * Number of key slots per ring (LiveKit's default).
 */
#define E2EE_DEFAULT_KEY_RING_SIZE 16

/**
 * E2EE_MAX_KEY_RING_SIZE:
 *
 * The largest key ring: the key index travels in one byte.
 */
#define E2EE_MAX_KEY_RING_SIZE 255

E2EE_API
E2eeKeyProvider *e2ee_key_provider_new          (void);

E2EE_API
gboolean e2ee_key_provider_set_key              (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const guint8 * material,
                                                 gsize material_len,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 GError ** error);

E2EE_API
gboolean e2ee_key_provider_set_passphrase       (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const gchar * passphrase,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 GError ** error);

E2EE_API
gboolean e2ee_key_provider_set_key_from_file    (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const gchar * path,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 GError ** error);

E2EE_API
GBytes *e2ee_key_provider_ratchet_key           (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index,
                                                 GError ** error);

E2EE_API
GBytes *e2ee_key_provider_export_key            (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index,
                                                 GError ** error);

E2EE_API
gboolean e2ee_key_provider_has_key              (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index);

E2EE_API
guint e2ee_key_provider_get_current_key_index   (E2eeKeyProvider * provider,
                                                 const gchar * participant_id);

E2EE_API
gboolean e2ee_key_provider_set_current_key_index (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index,
                                                 GError ** error);

E2EE_API
void e2ee_key_provider_set_sif_trailer          (E2eeKeyProvider * provider,
                                                 const guint8 * trailer,
                                                 gsize trailer_len);

E2EE_API
gboolean e2ee_key_provider_encrypt_data         (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const guint8 * data,
                                                 gsize data_len,
                                                 GBytes ** iv,
                                                 guint * key_index,
                                                 GBytes ** ciphertext,
                                                 GError ** error);

E2EE_API
GBytes *e2ee_key_provider_decrypt_data          (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const guint8 * iv,
                                                 gsize iv_len,
                                                 guint key_index,
                                                 const guint8 * ciphertext,
                                                 gsize ciphertext_len,
                                                 GError ** error);

G_END_DECLS
