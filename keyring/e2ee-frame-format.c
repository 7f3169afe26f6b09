/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* LiveKit's frame layout: which bytes stay in clear, how H.26x headers are
 * normalised and how the sealed part is escaped. No crypto, no allocation,
 * every read bounded by the length it was given, so it can be fuzzed.
 *
 * The clear-header rules follow livekit-client 2.23.0 (FrameCryptor.ts
 * getUnencryptedBytes, naluUtils.ts processNALUsForEncryption) byte for byte,
 * including its quirks, because a receiver must split a frame exactly where
 * the sender did, and LiveKit is on both ends of most rooms:
 *
 *  - For H.264 and H.265 the *bytes* decide, not the negotiated codec: if
 *    any NAL unit has an H.264 slice type (1 or 5) the first such one ends
 *    the header; otherwise the first NAL unit with an H.265 slice type
 *    (0-9, 16-21). H.265 NAL header bytes are even at nuh_layer_id 0, so an
 *    H.265 stream is never mistaken for H.264; an H.264 AUD or SEI reads as
 *    an H.265 slice, which is why H.264 is tried first over the whole frame.
 *  - A frame with leading bytes before its first start code, or with no
 *    slice NAL unit, falls back to the VP8 rule without escaping.
 *  - NAL units that start within the last three bytes are not seen.
 *
 * The fallback is fragile, in LiveKit as here: the receiver scans the
 * frame it receives, clear bytes followed by ciphertext, so a fallback
 * frame whose clear bytes end in a start code, or whose ciphertext happens
 * to hold 00 00 01 and a slice-type byte (about one frame in 2^26 per
 * byte), is split differently by the receiver and fails to decrypt. Real
 * H.264/H.265 access units always carry a slice; the fallback only meets
 * malformed input. (The one deterministic case, a slice starting in the
 * last three bytes of a tiny frame, is handled by the encryptor.) */

#include "keyring/e2ee-frame-format.h"

#define VP8_KEY_FRAME_HEADER_LENGTH 10
#define VP8_DELTA_FRAME_HEADER_LENGTH 3
#define AUDIO_HEADER_LENGTH 1
/* The slice NAL unit's header byte(s) and one more byte stay in clear. */
#define SLICE_CLEAR_BYTES 2
#define EMULATION_PREVENTION_BYTE 0x03

/* One pass over the NAL units of an Annex B byte stream, the way
 * naluUtils.ts findNALUIndices walks it. */
typedef struct
{
  const guint8 *data;
  gsize len;
  gsize next_start;             /* first byte of the next NAL unit */
} NalScanner;

static gboolean
is_four_byte_start_code (const guint8 * data, gsize len, gsize pos)
{
  return pos + 4 <= len && data[pos] == 0 && data[pos + 1] == 0
      && data[pos + 2] == 0 && data[pos + 3] == 1;
}

static gboolean
is_three_byte_start_code (const guint8 * data, gsize len, gsize pos)
{
  return pos + 3 <= len && data[pos] == 0 && data[pos + 1] == 0
      && data[pos + 2] == 1;
}

/* Position of the first start code at or after @pos that LiveKit's scanner
 * sees, or @len if there is none. Like LiveKit, it only looks at positions
 * below len - 3, and a 4-byte code only below len - 4. */
static gsize
find_start_code (const guint8 * data, gsize len, gsize pos)
{
  if (len <= 3)
    return len;

  for (; pos < len - 3; pos++) {
    if (pos < len - 4 && is_four_byte_start_code (data, len, pos))
      return pos;
    if (is_three_byte_start_code (data, len, pos))
      return pos;
  }
  return len;
}

static gsize
start_code_length (const guint8 * data, gsize len, gsize pos)
{
  return is_four_byte_start_code (data, len, pos) ? 4 : 3;
}

/* Returns FALSE when the stream has bytes other than zeros before its first
 * start code (LiveKit: "byte stream contains leading data"). */
static gboolean
nal_scanner_init (NalScanner * scanner, const guint8 * data, gsize len)
{
  gsize first = find_start_code (data, len, 0);
  gsize i;

  for (i = 0; i < first && i < len; i++) {
    if (data[i] != 0)
      return FALSE;
  }

  scanner->data = data;
  scanner->len = len;
  scanner->next_start = first < len ?
      first + start_code_length (data, len, first) : G_MAXSIZE;
  return TRUE;
}

/* Stores the offset of the next NAL unit's first header byte in @nal. */
static gboolean
nal_scanner_next (NalScanner * scanner, gsize * nal)
{
  gsize end;

  if (scanner->len <= 3 || scanner->next_start >= scanner->len - 3)
    return FALSE;

  *nal = scanner->next_start;
  end = find_start_code (scanner->data, scanner->len, scanner->next_start);
  scanner->next_start = end < scanner->len ?
      end + start_code_length (scanner->data, scanner->len, end) :
      G_MAXSIZE;
  return TRUE;
}

static gboolean
is_h264_slice (guint8 nal_header)
{
  guint type = nal_header & 0x1f;

  return type == 1 || type == 5;
}

static gboolean
is_h265_slice (guint8 nal_header)
{
  guint type = (nal_header >> 1) & 0x3f;

  return type <= 9 || (type >= 16 && type <= 21);
}

/* Offset of the header byte of the slice NAL unit that ends the clear
 * header, or FALSE for LiveKit's fallback. */
static gboolean
find_first_slice (const guint8 * frame, gsize len, gsize * slice)
{
  NalScanner scanner;
  gboolean have_h265_slice = FALSE;
  gsize first_h265_slice = 0;
  gsize nal;

  if (!nal_scanner_init (&scanner, frame, len))
    return FALSE;

  while (nal_scanner_next (&scanner, &nal)) {
    if (is_h264_slice (frame[nal])) {
      *slice = nal;
      return TRUE;
    }
    if (!have_h265_slice && is_h265_slice (frame[nal])) {
      have_h265_slice = TRUE;
      first_h265_slice = nal;
    }
  }

  *slice = first_h265_slice;
  return have_h265_slice;
}

static gboolean
is_vp8_key_frame (E2eeFrameType frame_type, const guint8 * frame, gsize len)
{
  if (frame_type != E2EE_FRAME_TYPE_AUTO)
    return frame_type == E2EE_FRAME_TYPE_KEY;

  /* Bit 0 of the VP8 frame tag is the inverse key frame flag. */
  return len > 0 && (frame[0] & 0x01) == 0;
}

static gsize
vp8_header_length (E2eeFrameType frame_type, const guint8 * frame, gsize len)
{
  return is_vp8_key_frame (frame_type, frame, len) ?
      VP8_KEY_FRAME_HEADER_LENGTH : VP8_DELTA_FRAME_HEADER_LENGTH;
}

E2eeFrameSplit
e2ee_frame_format_split (E2eeCodec codec, E2eeFrameType frame_type,
    const guint8 * frame, gsize len)
{
  E2eeFrameSplit split = { 0, FALSE };
  gsize slice;

  switch (codec) {
    case E2EE_CODEC_AUDIO:
      split.header_len = AUDIO_HEADER_LENGTH;
      break;
    case E2EE_CODEC_VP8:
      split.header_len = vp8_header_length (frame_type, frame, len);
      break;
    case E2EE_CODEC_H264:
    case E2EE_CODEC_H265:
      if (find_first_slice (frame, len, &slice)) {
        split.header_len = slice + SLICE_CLEAR_BYTES;
        split.nal_processing = TRUE;
      } else {
        split.header_len = vp8_header_length (frame_type, frame, len);
      }
      break;
    case E2EE_CODEC_DATA:
    case E2EE_CODEC_VP9:
    case E2EE_CODEC_AV1:
    default:
      split.header_len = 0;
      break;
  }

  /* A frame shorter than its rule's header is all header. */
  split.header_len = MIN (split.header_len, len);
  return split;
}

/* A 3-byte start code that is not already the tail of a 4-byte one. */
static gboolean
is_short_start_code (const guint8 * header, gsize len, gsize pos)
{
  return is_three_byte_start_code (header, len, pos)
      && (pos == 0 || header[pos - 1] != 0);
}

gsize
e2ee_frame_format_normalized_header_len (const guint8 * header, gsize len)
{
  gsize extra = 0;
  gsize i;

  for (i = 0; i + 2 < len; i++) {
    if (is_short_start_code (header, len, i))
      extra++;
  }
  return len + extra;
}

gsize
e2ee_frame_format_normalize_header (const guint8 * header, gsize len,
    guint8 * out)
{
  gsize written = 0;
  gsize i;

  for (i = 0; i < len; i++) {
    if (i + 2 < len && is_short_start_code (header, len, i))
      out[written++] = 0;
    out[written++] = header[i];
  }
  return written;
}

gsize
e2ee_frame_format_escape (const guint8 * in, gsize len, guint8 * out)
{
  guint zeros = 0;
  gsize written = 0;
  gsize i;

  for (i = 0; i < len; i++) {
    if (zeros >= 2 && in[i] <= EMULATION_PREVENTION_BYTE) {
      out[written++] = EMULATION_PREVENTION_BYTE;
      zeros = 0;
    }
    out[written++] = in[i];
    zeros = in[i] == 0 ? zeros + 1 : 0;
  }
  return written;
}

gsize
e2ee_frame_format_unescape (const guint8 * in, gsize len, guint8 * out)
{
  gsize written = 0;
  gsize i = 0;

  /* Writing never overtakes reading (written <= i), so out may equal in. */
  while (i < len) {
    if (len - i >= 3 && in[i] == 0 && in[i + 1] == 0
        && in[i + 2] == EMULATION_PREVENTION_BYTE) {
      out[written++] = 0;
      out[written++] = 0;
      i += 3;
    } else {
      out[written++] = in[i++];
    }
  }
  return written;
}
