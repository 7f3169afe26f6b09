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
#include <keyring/e2ee-key-provider.h>

G_BEGIN_DECLS

#define E2EE_TYPE_FRAME_CRYPTOR (e2ee_frame_cryptor_get_type ())
E2EE_API
G_DECLARE_FINAL_TYPE (E2eeFrameCryptor, e2ee_frame_cryptor, E2EE,
    FRAME_CRYPTOR, GObject);

/**
 * E2EE_FRAME_OVERHEAD:
 *
 * Bytes a frame grows by when encrypted: 16-byte tag, 12-byte IV, the IV
 * length byte and the key index byte (plus escape bytes for H.264/H.265).
 */
#define E2EE_FRAME_OVERHEAD 30

E2EE_API
E2eeFrameCryptor *e2ee_frame_cryptor_new        (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 E2eeCodec codec);

E2EE_API
E2eeKeyProvider *e2ee_frame_cryptor_get_key_provider
                                                (E2eeFrameCryptor * cryptor);

E2EE_API
void e2ee_frame_cryptor_set_codec               (E2eeFrameCryptor * cryptor,
                                                 E2eeCodec codec);

E2EE_API
void e2ee_frame_cryptor_set_participant_id      (E2eeFrameCryptor * cryptor,
                                                 const gchar * participant_id);

E2EE_API
void e2ee_frame_cryptor_set_track_id            (E2eeFrameCryptor * cryptor,
                                                 const gchar * track_id);

E2EE_API
void e2ee_frame_cryptor_set_key_index           (E2eeFrameCryptor * cryptor,
                                                 gint key_index);

E2EE_API
E2eeState e2ee_frame_cryptor_get_state          (E2eeFrameCryptor * cryptor);

E2EE_API
gsize e2ee_frame_cryptor_get_max_encrypted_size (E2eeFrameCryptor * cryptor,
                                                 gsize frame_len);

E2EE_API
gboolean e2ee_frame_cryptor_encrypt             (E2eeFrameCryptor * cryptor,
                                                 const guint8 * frame,
                                                 gsize frame_len,
                                                 E2eeFrameType frame_type,
                                                 guint8 * out,
                                                 gsize out_size,
                                                 gsize * out_len,
                                                 GError ** error);

E2EE_API
gboolean e2ee_frame_cryptor_decrypt             (E2eeFrameCryptor * cryptor,
                                                 const guint8 * frame,
                                                 gsize frame_len,
                                                 E2eeFrameType frame_type,
                                                 guint8 * out,
                                                 gsize out_size,
                                                 gsize * out_len,
                                                 GError ** error);

E2EE_API
GBytes *e2ee_frame_cryptor_encrypt_bytes        (E2eeFrameCryptor * cryptor,
                                                 GBytes * frame,
                                                 E2eeFrameType frame_type,
                                                 GError ** error);

E2EE_API
GBytes *e2ee_frame_cryptor_decrypt_bytes        (E2eeFrameCryptor * cryptor,
                                                 GBytes * frame,
                                                 E2eeFrameType frame_type,
                                                 GError ** error);

E2EE_API
void e2ee_frame_cryptor_pin_iv_for_testing      (E2eeFrameCryptor * cryptor,
                                                 guint32 ssrc,
                                                 guint32 rtp_timestamp,
                                                 guint32 send_count);

G_END_DECLS
