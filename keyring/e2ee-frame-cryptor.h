/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* E2eeFrameCryptor: one stream's encoded frames in and out of LiveKit's
 * E2EE frame format, with the keys of an E2eeKeyProvider. The rules (what
 * stays in clear, what a failure means) are in the SECTION block of
 * e2ee-frame-cryptor.c. */

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
 *
 * Since: 1.0
 */
#define E2EE_FRAME_OVERHEAD 30

/**
 * E2EE_FRAME_IV_LENGTH:
 *
 * The length of a frame's IV, which is also the value of the IV length
 * byte in front of the key index (LiveKit's frames always carry 12).
 *
 * Since: 1.0
 */
#define E2EE_FRAME_IV_LENGTH 12

/* ---- A cryptor for one stream ----
 *
 * Each call is documented in e2ee-frame-cryptor.c (gtk-doc); a line here
 * says what a caller must know. All calls are safe from any thread; frames
 * of one stream come in one at a time. */

/* A new cryptor for one stream of @codec, using @participant_id's ring of
 * @provider (NULL: the shared ring); holds a reference to @provider. */
E2EE_API
E2eeFrameCryptor *e2ee_frame_cryptor_new        (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 E2eeCodec codec);

/* The provider the cryptor was made with (transfer none). */
E2EE_API
E2eeKeyProvider *e2ee_frame_cryptor_get_key_provider
                                                (E2eeFrameCryptor * cryptor);

/* The clear-header rule for the following frames. */
E2EE_API
void e2ee_frame_cryptor_set_codec               (E2eeFrameCryptor * cryptor,
                                                 E2eeCodec codec);

/* Switches to another participant's ring (NULL: the shared ring). */
E2EE_API
void e2ee_frame_cryptor_set_participant_id      (E2eeFrameCryptor * cryptor,
                                                 const gchar * participant_id);

/* A name for the stream in state reports (copied; NULL for none). */
E2EE_API
void e2ee_frame_cryptor_set_track_id            (E2eeFrameCryptor * cryptor,
                                                 const gchar * track_id);

/* The key index to encrypt with, -1 to 255 (-1: the ring's current index);
 * decryption always uses the index in the frame. */
E2EE_API
void e2ee_frame_cryptor_set_key_index           (E2eeFrameCryptor * cryptor,
                                                 gint key_index);

/* The last state reported (E2EE_STATE_NEW before any frame). */
E2EE_API
E2eeState e2ee_frame_cryptor_get_state          (E2eeFrameCryptor * cryptor);

/* ---- Frames in caller-provided buffers (no allocation per frame) ---- */

/* The size @out must have to encrypt a @frame_len-byte frame: @frame_len +
 * E2EE_FRAME_OVERHEAD, at most @frame_len * 3 / 2 + 46 for H.264/H.265;
 * 0 for 0. Saturates at G_MAXSIZE. */
E2EE_API
gsize e2ee_frame_cryptor_get_max_encrypted_size (E2eeFrameCryptor * cryptor,
                                                 gsize frame_len);

/* Encrypts @frame into @out (@out_size >= get_max_encrypted_size
 * (@frame_len), must not overlap @frame). TRUE: *@out_len bytes in @out.
 * FALSE (drop the frame; E2EE_ERROR_MISSING_KEY when there is no key):
 * *@out_len is 0 and nothing in @out may be sent. An empty frame gives an
 * empty one. */
E2EE_API
gboolean e2ee_frame_cryptor_encrypt             (E2eeFrameCryptor * cryptor,
                                                 const guint8 * frame,
                                                 gsize frame_len,
                                                 E2eeFrameType frame_type,
                                                 guint8 * out,
                                                 gsize out_size,
                                                 gsize * out_len,
                                                 GError ** error);

/* Decrypts @frame into @out (@out_size >= @frame_len, must not overlap
 * @frame). TRUE: the plaintext (or a passed-through frame) is *@out_len
 * bytes of @out. FALSE: drop the frame; *@out_len is 0 and @out holds no
 * unauthenticated byte. */
E2EE_API G_GNUC_WARN_UNUSED_RESULT
gboolean e2ee_frame_cryptor_decrypt             (E2eeFrameCryptor * cryptor,
                                                 const guint8 * frame,
                                                 gsize frame_len,
                                                 E2eeFrameType frame_type,
                                                 guint8 * out,
                                                 gsize out_size,
                                                 gsize * out_len,
                                                 GError ** error);

/* ---- Frames as GBytes (for bindings) ---- */

/* e2ee_frame_cryptor_encrypt() into a new GBytes; NULL with @error set on
 * failure. */
E2EE_API
GBytes *e2ee_frame_cryptor_encrypt_bytes        (E2eeFrameCryptor * cryptor,
                                                 GBytes * frame,
                                                 E2eeFrameType frame_type,
                                                 GError ** error);

/* e2ee_frame_cryptor_decrypt() into a new GBytes; NULL with @error set on
 * failure: drop the frame. */
E2EE_API G_GNUC_WARN_UNUSED_RESULT
GBytes *e2ee_frame_cryptor_decrypt_bytes        (E2eeFrameCryptor * cryptor,
                                                 GBytes * frame,
                                                 E2eeFrameType frame_type,
                                                 GError ** error);

G_END_DECLS
