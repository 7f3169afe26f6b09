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
 * Every pure function on frame bytes: where the clear header H ends, start
 * codes, escaping (E), the trailer, the size bounds, the split a sender
 * must use and the parse of a received frame. No allocation (callers pass
 * scratch space), every read bounded by the length given, so that
 * tests/fuzz/fuzz-frame-format.c can fuzz all of it. The rules and their
 * sources in LiveKit's code are in e2ee-frame-format.c. */

#pragma once

#include <keyring/e2ee-types.h>
#include <keyring/e2ee-frame-cryptor.h> /* E2EE_FRAME_OVERHEAD, _IV_LENGTH */

G_BEGIN_DECLS

#define E2EE_FRAME_TRAILER_LENGTH 2     /* IV length byte + key index byte */
/* At most this many leading parameter sets are skipped in search of the
 * sender's frame: a VPS, SPS and PPS prepended by rtph265depay in front
 * of a key frame that carries its own three (see
 * e2ee_frame_format_parse_received()). */
#define E2EE_FRAME_MAX_PARAMETER_SET_SKIPS 6

/* How a plaintext frame splits for one codec rule. */
typedef struct
{
  gsize header_len;             /* bytes of H: clear, and the AAD */
  /* H.26x with a slice found: normalise the header, escape the rest */
  gboolean nal_processing;
} E2eeFrameSplit;

/* Applies LiveKit's clear-header rule for @codec to @frame (see
 * e2ee-frame-format.c), including the H.264 fallback to the VP8 rule. Never
 * reads beyond @len; header_len is at most @len. */
E2eeFrameSplit e2ee_frame_format_split (E2eeCodec codec,
    E2eeFrameType frame_type, const guint8 * frame, gsize len);

/* The split a sender must use for plaintext @frame so that LiveKit's
 * receivers, which split the frame they receive, split it the same way
 * (they differ for a few tiny H.26x frames). FALSE, *@split undefined,
 * when no receiver could split it: the frame must be refused. */
gboolean e2ee_frame_format_split_as_receiver_will (E2eeCodec codec,
    E2eeFrameType frame_type, const guint8 * frame, gsize len,
    E2eeFrameSplit * split);

/* The output size encrypting a @len-byte frame of @codec can need (0 for
 * 0): len + E2EE_FRAME_OVERHEAD, and for H.264/H.265 room for header
 * normalisation and worst-case escaping. Saturates at G_MAXSIZE. */
gsize e2ee_frame_format_max_encrypted_size (E2eeCodec codec, gsize len);

/* Writes IV || 0x0C || @key_index: the E2EE_FRAME_IV_LENGTH +
 * E2EE_FRAME_TRAILER_LENGTH bytes that end a sealed frame, before any
 * escaping. */
void e2ee_frame_format_write_trailer (guint8 * out,
    const guint8 iv[E2EE_FRAME_IV_LENGTH], guint8 key_index);

/* Where the parts of a received frame are, once its sealed part is
 * unescaped. The pointers point into the frame or into the scratch space
 * given to e2ee_frame_format_parse_received(). */
typedef struct
{
  gsize header_len;             /* H, as received: the AAD from starts[0] */
  const guint8 *sealed;         /* C || tag */
  gsize sealed_len;
  const guint8 *iv;             /* E2EE_FRAME_IV_LENGTH bytes */
  guint8 key_index;
  /* Where the sender's frame may begin: 0, then after each leading
   * parameter set (H.264/H.265 only); the AAD from start s is
   * H[s .. header_len). */
  gsize starts[1 + E2EE_FRAME_MAX_PARAMETER_SET_SKIPS];
  guint n_starts;
} E2eeReceivedFrame;

/* Splits received @frame (@len > 0 bytes) into header, sealed part, IV and
 * key index, as LiveKit's receiver does. @scratch (@len bytes, not
 * overlapping @frame) receives the unescaped sealed part when it has escape
 * bytes. FALSE for a malformed frame, with *@malformed saying why (a
 * static string); *@parsed is then undefined. */
gboolean e2ee_frame_format_parse_received (E2eeCodec codec,
    E2eeFrameType frame_type, const guint8 * frame, gsize len,
    guint8 * scratch, E2eeReceivedFrame * parsed, const gchar ** malformed);

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
/* Escapes @len bytes at @data in place: @data has room for the worst case,
 * @scratch holds @len bytes (used from the first escape point on only).
 * Returns the escaped length. */
gsize e2ee_frame_format_escape_in_place (guint8 * data, gsize len,
    guint8 * scratch);
/* Removes escape bytes (each 00 00 03 loses its 03). out may equal in.
 * Returns bytes written. */
gsize e2ee_frame_format_unescape (const guint8 * in, gsize len, guint8 * out);

G_END_DECLS
