/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: LiveKit's frame layout, without any crypto.
 *
 *   frame = H || E (C || tag(16) || IV(12) || 0x0C || KID)
 *
 * Pure functions on byte arrays, no allocation, so they can be fuzzed. */

#pragma once

#include <keyring/e2ee-types.h>

G_BEGIN_DECLS

#define E2EE_FRAME_TRAILER_LENGTH 2     /* IV length byte + key index byte */

/* How a plaintext frame splits for one codec rule. */
typedef struct
{
  gsize header_len;             /* bytes of H: clear, and the AAD */
  /* H.26x with a slice found: normalise the header, escape the rest */
  gboolean nal_processing;
} E2eeFrameSplit;

/* Applies LiveKit's clear-header rule for @codec to @frame (section 2 of the
 * format doc), including the H.264 fallback to the VP8 rule. Never reads
 * beyond @len; header_len is at most @len. */
E2eeFrameSplit e2ee_frame_format_split (E2eeCodec codec,
    E2eeFrameType frame_type, const guint8 * frame, gsize len);

/* Length of @header once every 3-byte start code is rewritten to 4 bytes. */
gsize e2ee_frame_format_normalized_header_len (const guint8 * header,
    gsize len);
/* Writes that normalised header to @out; returns bytes written. */
gsize e2ee_frame_format_normalize_header (const guint8 * header, gsize len,
    guint8 * out);

/* Offset of the first 00 00 at or after @pos that escaping acts on (a byte
 * <= 3 follows it), or @len if none. Where escaping starts afresh, as it
 * does after H, the first such pair is preceded by a non-zero byte (or by
 * nothing), so escaping may start afresh there too: bytes before it are
 * unchanged. */
gsize e2ee_frame_format_find_escape_point (const guint8 * data, gsize len,
    gsize pos);
/* Offset of the first 00 00 03 at or after @pos, or @len if none: with
 * none, unescaping changes nothing. */
gsize e2ee_frame_format_find_escape_byte (const guint8 * data, gsize len,
    gsize pos);

/* Emulation-prevention escaping: a 0x03 goes before any byte <= 3 that
 * follows two zero bytes. Worst case output is len + len / 2 + 1 bytes.
 * Returns bytes written. */
gsize e2ee_frame_format_escape (const guint8 * in, gsize len, guint8 * out);
/* Removes escape bytes (each 00 00 03 loses its 03). out may equal in.
 * Returns bytes written. */
gsize e2ee_frame_format_unescape (const guint8 * in, gsize len, guint8 * out);

G_END_DECLS
