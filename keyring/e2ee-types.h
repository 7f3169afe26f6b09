/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#pragma once

#include <keyring/e2ee-prelude.h>

G_BEGIN_DECLS

/**
 * E2eeState:
 * @E2EE_STATE_NEW: the frame cryptor has not handled a frame yet
 * @E2EE_STATE_OK: the last frame was encrypted or decrypted
 * @E2EE_STATE_ENCRYPTION_FAILED: the cipher refused to encrypt a frame
 * @E2EE_STATE_DECRYPTION_FAILED: a frame failed authentication (wrong key,
 *   tampered frame, or a key marked invalid by the failure tolerance)
 * @E2EE_STATE_MISSING_KEY: the key ring has no key at the frame's key index
 * @E2EE_STATE_KEY_RATCHETED: a frame was recovered by ratcheting the key
 *   forward inside the ratchet window, and the ratcheted key was adopted
 * @E2EE_STATE_INTERNAL_ERROR: anything else (malformed frame, out of memory)
 *
 * The states of a LiveKit frame cryptor. They are reported only when they
 * change, never once per frame.
 */
typedef enum /*< underscore_name=e2ee_state >*/
{
  E2EE_STATE_NEW,
  E2EE_STATE_OK,
  E2EE_STATE_ENCRYPTION_FAILED,
  E2EE_STATE_DECRYPTION_FAILED,
  E2EE_STATE_MISSING_KEY,
  E2EE_STATE_KEY_RATCHETED,
  E2EE_STATE_INTERNAL_ERROR,
} E2eeState;

/**
 * E2eeCodec:
 * @E2EE_CODEC_DATA: any other stream: no clear header, everything encrypted
 * @E2EE_CODEC_AUDIO: encoded audio such as Opus: 1 clear byte (the TOC byte)
 * @E2EE_CODEC_VP8: 10 clear bytes on key frames, 3 on delta frames
 * @E2EE_CODEC_VP9: no clear header
 * @E2EE_CODEC_AV1: no clear header (as the native LiveKit SDKs do)
 * @E2EE_CODEC_H264: clear up to the first slice NAL unit header + 1 byte,
 *   with start-code normalisation and emulation-prevention escaping
 * @E2EE_CODEC_H265: clear up to the first slice NAL unit's 2-byte header,
 *   with start-code normalisation and emulation-prevention escaping
 *
 * Which of LiveKit's clear-header rules applies to a stream.
 */
typedef enum /*< underscore_name=e2ee_codec >*/
{
  E2EE_CODEC_DATA,
  E2EE_CODEC_AUDIO,
  E2EE_CODEC_VP8,
  E2EE_CODEC_VP9,
  E2EE_CODEC_AV1,
  E2EE_CODEC_H264,
  E2EE_CODEC_H265,
} E2eeCodec;

/**
 * E2eeFrameType:
 * @E2EE_FRAME_TYPE_AUTO: tell from the frame's bytes (VP8: bit 0 of the
 *   frame tag, which stays in clear)
 * @E2EE_FRAME_TYPE_KEY: the frame is a key frame
 * @E2EE_FRAME_TYPE_DELTA: the frame is a delta frame
 *
 * Whether a video frame is a key frame. Only VP8's clear-header length
 * depends on it.
 */
typedef enum /*< underscore_name=e2ee_frame_type >*/
{
  E2EE_FRAME_TYPE_AUTO,
  E2EE_FRAME_TYPE_KEY,
  E2EE_FRAME_TYPE_DELTA,
} E2eeFrameType;

/**
 * E2eeEncryptionType:
 * @E2EE_ENCRYPTION_TYPE_NONE: frames pass through unchanged
 * @E2EE_ENCRYPTION_TYPE_GCM: AES-GCM in LiveKit's frame format
 *
 * LiveKit's `Encryption.Type` for tracks and data packets.
 */
typedef enum /*< underscore_name=e2ee_encryption_type >*/
{
  E2EE_ENCRYPTION_TYPE_NONE,
  E2EE_ENCRYPTION_TYPE_GCM,
} E2eeEncryptionType;

/**
 * E2eeKeyDerivation:
 * @E2EE_KEY_DERIVATION_AUTO: a passphrase goes through PBKDF2, raw key
 *   material through HKDF, as LiveKit's JavaScript SDK does
 * @E2EE_KEY_DERIVATION_PBKDF2: PBKDF2-HMAC-SHA256 (100000 iterations) for any
 *   material, as the native SDKs do by default
 * @E2EE_KEY_DERIVATION_HKDF: HKDF-SHA256 for any material
 *
 * How the AES key (and each ratchet step) is derived from key material.
 */
typedef enum /*< underscore_name=e2ee_key_derivation >*/
{
  E2EE_KEY_DERIVATION_AUTO,
  E2EE_KEY_DERIVATION_PBKDF2,
  E2EE_KEY_DERIVATION_HKDF,
} E2eeKeyDerivation;

/**
 * E2eeKeyFlags:
 * @E2EE_KEY_FLAG_NONE: an ordinary key: its material can be exported
 * @E2EE_KEY_FLAG_NOT_EXPORTABLE: the key's material never leaves the
 *   provider: e2ee_key_provider_export_key() and
 *   e2ee_key_provider_ratchet_key() refuse it with
 *   %E2EE_ERROR_NOT_EXPORTABLE (a ratcheted key keeps the flag)
 *
 * How a key may be used beyond encrypting and decrypting, as WebCrypto's
 * `extractable`.
 */
typedef enum /*< flags, underscore_name=e2ee_key_flags >*/
{
  E2EE_KEY_FLAG_NONE = 0,
  E2EE_KEY_FLAG_NOT_EXPORTABLE = 1 << 0,
} E2eeKeyFlags;

/**
 * E2EE_ERROR:
 *
 * Error domain of libe2ee-keyring. Errors in this domain use #E2eeError codes.
 */
#define E2EE_ERROR (e2ee_error_quark ())
E2EE_API GQuark e2ee_error_quark (void);

/**
 * E2eeError:
 * @E2EE_ERROR_INVALID_ARGUMENT: an argument is out of range (key index,
 *   key length, ring size, IV length...)
 * @E2EE_ERROR_MISSING_KEY: no key at the index that was asked for
 * @E2EE_ERROR_INVALID_KEY: the key at that index was marked invalid after
 *   more failures than the failure tolerance allows
 * @E2EE_ERROR_DECRYPTION_FAILED: authentication failed (wrong key or
 *   tampered data); no plaintext is released
 * @E2EE_ERROR_ENCRYPTION_FAILED: the cipher refused to encrypt
 * @E2EE_ERROR_MALFORMED_FRAME: the frame is too short for its trailer or
 *   header, has an IV length other than 12, or is otherwise not a frame
 * @E2EE_ERROR_NO_SPACE: the output buffer is too small
 * @E2EE_ERROR_INTERNAL: a library call failed unexpectedly
 * @E2EE_ERROR_NOT_EXPORTABLE: the key's material may not leave the
 *   provider (%E2EE_KEY_FLAG_NOT_EXPORTABLE)
 *
 * Error codes of the #E2EE_ERROR domain.
 */
typedef enum /*< underscore_name=e2ee_error >*/
{
  E2EE_ERROR_INVALID_ARGUMENT,
  E2EE_ERROR_MISSING_KEY,
  E2EE_ERROR_INVALID_KEY,
  E2EE_ERROR_DECRYPTION_FAILED,
  E2EE_ERROR_ENCRYPTION_FAILED,
  E2EE_ERROR_MALFORMED_FRAME,
  E2EE_ERROR_NO_SPACE,
  E2EE_ERROR_INTERNAL,
  E2EE_ERROR_NOT_EXPORTABLE,
} E2eeError;

/**
 * E2EE_KEY_PROVIDER_CONTEXT_TYPE:
 *
 * The #GstContext type under which GStreamer elements share an
 * #E2eeKeyProvider. The context's structure holds it in the field
 * #E2EE_KEY_PROVIDER_CONTEXT_FIELD.
 */
#define E2EE_KEY_PROVIDER_CONTEXT_TYPE "e2ee.key-provider"

/**
 * E2EE_KEY_PROVIDER_CONTEXT_FIELD:
 *
 * The structure field of an #E2EE_KEY_PROVIDER_CONTEXT_TYPE context that
 * holds the #E2eeKeyProvider.
 */
#define E2EE_KEY_PROVIDER_CONTEXT_FIELD "key-provider"

G_END_DECLS
