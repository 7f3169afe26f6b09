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

#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#define VP8_KEY_FRAME_HEADER_LENGTH 10
#define VP8_DELTA_FRAME_HEADER_LENGTH 3
#define AUDIO_HEADER_LENGTH 1
/* The slice NAL unit's header byte(s) and one more byte stay in clear. */
#define SLICE_CLEAR_BYTES 2
#define EMULATION_PREVENTION_BYTE 0x03

/* One pass over the NAL units of an Annex B byte stream, the way
 * naluUtils.ts findNALUIndices walks it. Lazy: the end of a NAL unit is
 * looked for only when the next one is asked for, so finding an H.264
 * slice does not scan the rest of the frame. */
typedef struct
{
  const guint8 *data;
  gsize len;
  gsize nal;                    /* first byte of the current NAL unit */
  gboolean started;
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
 * sees, or @len if there is none. LiveKit looks at each position p below
 * len - 3 (a 4-byte code only below len - 4) in turn; a start code at p
 * has its 01 byte at p + 2 or p + 3, so memchr () finds the candidates:
 * for a 01 at c, the 4-byte code at c - 3 comes before the 3-byte one at
 * c - 2, and c < len - 1 keeps both within LiveKit's bounds. */
static gsize
find_start_code (const guint8 * data, gsize len, gsize pos)
{
  while (pos + 3 < len) {
    const guint8 *one = memchr (data + pos + 2, 1, len - 1 - (pos + 2));
    gsize c;

    if (one == NULL)
      break;
    c = one - data;
    if (c >= pos + 3 && is_four_byte_start_code (data, len, c - 3))
      return c - 3;
    if (is_three_byte_start_code (data, len, c - 2))
      return c - 2;
    pos = c - 1;                /* the next candidate 01 is after c */
  }
  return len;
}

static gsize
start_code_length (const guint8 * data, gsize len, gsize pos)
{
  return is_four_byte_start_code (data, len, pos) ? 4 : 3;
}

static gsize
count_leading_zeros (const guint8 * data, gsize len)
{
  gsize i = 0;

  while (i < len && data[i] == 0)
    i++;
  return i;
}

/* Returns FALSE when the stream has bytes other than zeros before its first
 * start code (LiveKit: "byte stream contains leading data"). Without
 * leading data, the first start code ends at the first non-zero byte,
 * which must be its 01: 00 00 01 or 00 00 00 01 there, seen by LiveKit's
 * scanner only if that 01 comes before len - 1. */
static gboolean
nal_scanner_init (NalScanner * scanner, const guint8 * data, gsize len)
{
  gsize zeros = count_leading_zeros (data, len);
  gsize first = len;            /* all zeros: no start code, no NAL unit */

  if (zeros < len) {
    if (data[zeros] != 1 || zeros < 2 || zeros + 1 >= len)
      return FALSE;
    first = zeros >= 3 ? zeros - 3 : zeros - 2;
  }

  scanner->data = data;
  scanner->len = len;
  scanner->nal = first < len ?
      first + start_code_length (data, len, first) : G_MAXSIZE;
  scanner->started = FALSE;
  return TRUE;
}

/* Stores the offset of the next NAL unit's first header byte in @nal. */
static gboolean
nal_scanner_next (NalScanner * scanner, gsize * nal)
{
  if (scanner->started && scanner->nal < scanner->len) {
    gsize end = find_start_code (scanner->data, scanner->len, scanner->nal);

    scanner->nal = end < scanner->len ?
        end + start_code_length (scanner->data, scanner->len, end) :
        G_MAXSIZE;
  }
  scanner->started = TRUE;

  if (scanner->len <= 3 || scanner->nal >= scanner->len - 3)
    return FALSE;
  *nal = scanner->nal;
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

/* LiveKit's receiver splits the frame it receives, not the plaintext. For
 * H.264 and H.265 the two agree, except for one deterministic case: a
 * slice NAL unit starting in the plaintext's last three bytes is not seen
 * by the sender's scan (it only looks below len - 3) but is seen by the
 * receiver's, where encrypted bytes follow it. This only concerns frames
 * shorter than a VP8 key frame header + 3 bytes (the fallback header is at
 * most 10 bytes; later NAL units are encrypted), and LiveKit's own sender
 * gets it wrong. We split such a frame where the receiver will: the
 * plaintext followed by three bytes that cannot start a NAL unit. When
 * that split would need bytes past the frame (the frame ends in the slice
 * NAL unit's header byte), no receiver can decrypt it: refuse. */
#define RECEIVER_VIEW_MAX_LENGTH 16
#define RECEIVER_VIEW_PADDING 3

gboolean
e2ee_frame_format_split_as_receiver_will (E2eeCodec codec,
    E2eeFrameType frame_type, const guint8 * frame, gsize len,
    E2eeFrameSplit * split)
{
  guint8 padded[RECEIVER_VIEW_MAX_LENGTH + RECEIVER_VIEW_PADDING];
  E2eeFrameSplit receiver;

  *split = e2ee_frame_format_split (codec, frame_type, frame, len);
  if (split->nal_processing || len > RECEIVER_VIEW_MAX_LENGTH
      || (codec != E2EE_CODEC_H264 && codec != E2EE_CODEC_H265))
    return TRUE;

  memcpy (padded, frame, len);
  memset (padded + len, 0xff, RECEIVER_VIEW_PADDING);
  receiver = e2ee_frame_format_split (codec, frame_type, padded,
      len + RECEIVER_VIEW_PADDING);
  if (!receiver.nal_processing)
    return TRUE;
  if (receiver.header_len > len)
    return FALSE;
  *split = receiver;
  return TRUE;
}

gsize
e2ee_frame_format_max_encrypted_size (E2eeCodec codec, gsize len)
{
  if (len == 0)
    return 0;
  /* Saturates: a size that wrapped would look like room for the frame. */
  if (codec != E2EE_CODEC_H264 && codec != E2EE_CODEC_H265)
    return len > G_MAXSIZE - E2EE_FRAME_OVERHEAD ? G_MAXSIZE :
        len + E2EE_FRAME_OVERHEAD;

  /* Normalising the header adds at most one byte per 3 header bytes;
   * escaping adds at most one per 2 bytes after the first (see
   * e2ee_frame_format_escape()), over the payload plus the 30 overhead
   * bytes:
   *   h + h/3 + (p + 30) + (p + 29)/2  <=  len + len/2 + 45. */
  if (len > (G_MAXSIZE - 64) / 2)
    return G_MAXSIZE;
  return len + len / 2 + E2EE_FRAME_OVERHEAD + E2EE_FRAME_OVERHEAD / 2 + 1;
}

void
e2ee_frame_format_write_trailer (guint8 * out,
    const guint8 iv[E2EE_FRAME_IV_LENGTH], guint8 key_index)
{
  memcpy (out, iv, E2EE_FRAME_IV_LENGTH);
  out[E2EE_FRAME_IV_LENGTH] = E2EE_FRAME_IV_LENGTH;
  out[E2EE_FRAME_IV_LENGTH + 1] = key_index;
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

/* Escaping and unescaping only ever act at a 00 00 pair, and sealed bytes
 * look random: a zero byte every 256 bytes, a 00 00 pair every 64 KiB. So
 * the scan looks for pairs, not zeros, a block at a time, and checks the
 * byte after a pair one by one. Measured on 200 KiB of random bytes (the
 * cipher takes about 52 us): 4 us with AVX2, 6 us with SSE2, 22 us with
 * 64-bit words; a memchr () per zero byte took about 7 us. */
#if defined(__x86_64__) && defined(__GNUC__)
/* A pair at i is a zero byte in (p[i] | p[i + 1]); the unsigned minimum
 * over a block has a zero byte exactly when the block has a pair. SSE2 is
 * always there on x86-64; AVX2 is used when the CPU has it. */
#define PAIR_SCAN_SIMD 1
#define LOAD128(p) _mm_loadu_si128 ((const __m128i *) (p))
#define LOAD256(p) _mm256_loadu_si256 ((const __m256i *) (p))

/* Blocks of 64 bytes; each reads one byte past its end. */
static gsize
skip_pair_free_blocks_sse2 (const guint8 * data, gsize len, gsize pos)
{
  for (; pos + 65 <= len; pos += 64) {
    const guint8 *p = data + pos;
    __m128i a = _mm_or_si128 (LOAD128 (p), LOAD128 (p + 1));
    __m128i b = _mm_or_si128 (LOAD128 (p + 16), LOAD128 (p + 17));
    __m128i c = _mm_or_si128 (LOAD128 (p + 32), LOAD128 (p + 33));
    __m128i d = _mm_or_si128 (LOAD128 (p + 48), LOAD128 (p + 49));
    __m128i least = _mm_min_epu8 (_mm_min_epu8 (a, b), _mm_min_epu8 (c, d));

    if (_mm_movemask_epi8 (_mm_cmpeq_epi8 (least, _mm_setzero_si128 ())))
      break;
  }
  return pos;
}

/* Blocks of 128 bytes. */
__attribute__ ((target ("avx2")))
static gsize
skip_pair_free_blocks_avx2 (const guint8 * data, gsize len, gsize pos)
{
  for (; pos + 129 <= len; pos += 128) {
    const guint8 *p = data + pos;
    __m256i a = _mm256_or_si256 (LOAD256 (p), LOAD256 (p + 1));
    __m256i b = _mm256_or_si256 (LOAD256 (p + 32), LOAD256 (p + 33));
    __m256i c = _mm256_or_si256 (LOAD256 (p + 64), LOAD256 (p + 65));
    __m256i d = _mm256_or_si256 (LOAD256 (p + 96), LOAD256 (p + 97));
    __m256i least = _mm256_min_epu8 (_mm256_min_epu8 (a, b),
        _mm256_min_epu8 (c, d));

    if (_mm256_movemask_epi8 (_mm256_cmpeq_epi8 (least,
                _mm256_setzero_si256 ())))
      break;
  }
  return pos;
}
#endif

/* Where the first block that may hold a pair, or the tail too short for a
 * block, starts; the caller goes on byte by byte from there. */
static gsize
skip_pair_free_blocks (const guint8 * data, gsize len, gsize pos)
{
#ifdef PAIR_SCAN_SIMD
  if (__builtin_cpu_supports ("avx2"))
    return skip_pair_free_blocks_avx2 (data, len, pos);
  return skip_pair_free_blocks_sse2 (data, len, pos);
#else
  /* Elsewhere 64-bit words, with the classic "has a zero byte" test. */
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);

  for (; pos + 9 <= len; pos += 8) {
    guint64 here, next, either;

    memcpy (&here, data + pos, sizeof (here));
    memcpy (&next, data + pos + 1, sizeof (next));
    either = here | next;
    if (((either - ones) & ~either & highs) != 0)
      break;
  }
  return pos;
#endif
}

/* Offset of the first 00 00 at or after @pos with a byte after it, or
 * @len: whole blocks without a pair are skipped, the rest is looked at
 * byte by byte. */
static gsize
find_zero_pair (const guint8 * data, gsize len, gsize pos)
{
  for (pos = skip_pair_free_blocks (data, len, pos); pos + 2 < len; pos++) {
    if (data[pos] == 0 && data[pos + 1] == 0)
      return pos;
  }
  return len;
}

/* Offset of the first 00 00 at or after @pos followed by a byte from @lo
 * to EMULATION_PREVENTION_BYTE, or @len: escaping looks for any byte up to
 * 3 there, unescaping for the escape byte itself. */
static inline gsize
find_zero_pair_before (const guint8 * data, gsize len, gsize pos, guint8 lo)
{
  for (pos = find_zero_pair (data, len, pos); pos < len;
      pos = find_zero_pair (data, len, pos + 1)) {
    if (data[pos + 2] >= lo && data[pos + 2] <= EMULATION_PREVENTION_BYTE)
      return pos;
  }
  return len;
}

gsize
e2ee_frame_format_find_escape_point (const guint8 * data, gsize len,
    gsize pos)
{
  return find_zero_pair_before (data, len, pos, 0);
}

gsize
e2ee_frame_format_find_escape_byte (const guint8 * data, gsize len,
    gsize pos)
{
  return find_zero_pair_before (data, len, pos, EMULATION_PREVENTION_BYTE);
}

/* An escape byte resets LiveKit's count of zeros (writeRbsp), so the
 * search goes on from the byte after it: 00 00 00 00 becomes
 * 00 00 03 00 00, not 00 00 03 00 03 00. */
gsize
e2ee_frame_format_escape (const guint8 * in, gsize len, guint8 * out)
{
  gsize written = 0;
  gsize copied = 0;             /* input before this is in @out */
  gsize z;

  while ((z = e2ee_frame_format_find_escape_point (in, len, copied)) < len) {
    memcpy (out + written, in + copied, z + 2 - copied);
    written += z + 2 - copied;
    out[written++] = EMULATION_PREVENTION_BYTE;
    copied = z + 2;
  }
  if (copied < len)
    memcpy (out + written, in + copied, len - copied);
  return written + len - copied;
}

gsize
e2ee_frame_format_unescape (const guint8 * in, gsize len, guint8 * out)
{
  gsize written = 0;
  gsize copied = 0;
  gsize z;

  /* Writing never overtakes reading (written <= copied), so out may equal
   * in: memmove. The byte after a dropped escape byte starts afresh, as
   * in LiveKit's parseRbsp: 00 00 03 00 00 03 loses both. */
  while ((z = e2ee_frame_format_find_escape_byte (in, len, copied)) < len) {
    memmove (out + written, in + copied, z + 2 - copied);
    written += z + 2 - copied;
    copied = z + 3;             /* the escape byte is dropped */
  }
  if (copied < len)
    memmove (out + written, in + copied, len - copied);
  return written + len - copied;
}

gsize
e2ee_frame_format_escape_in_place (guint8 * data, gsize len,
    guint8 * scratch)
{
  gsize first = e2ee_frame_format_find_escape_point (data, len, 0);

  /* Sealed bytes look random and rarely need an escape byte (about one
   * per 4 MB): before the first escape point they stay where they are;
   * from there they go through @scratch, escaped afresh (see
   * e2ee_frame_format_find_escape_point()). */
  if (first == len)
    return len;
  memcpy (scratch, data + first, len - first);
  return first + e2ee_frame_format_escape (scratch, len - first,
      data + first);
}

/* Parameter sets in front of the sender's frame.
 *
 * GStreamer's rtph264depay and rtph265depay, when their caps carry
 * sprop-parameter-sets (sprop-vps, -sps and -pps for H.265) and they
 * output a byte stream, prepend those parameter sets to the first access
 * unit after every caps event. They land in front of the sender's clear
 * header, which is the AAD, so that frame fails authentication although
 * nobody tampered with it; SDPs from other senders commonly carry sprop.
 * The prefix belongs to the H.26x frame as receivers get it, not to one
 * element, so the cryptor deals with it for every host: when a frame that
 * fails starts with parameter-set NAL units, the sender's frame may begin
 * at any start code that follows them, and those beginnings are tried as
 * well. Only whole parameter sets are ever skipped, at most
 * E2EE_FRAME_MAX_PARAMETER_SET_SKIPS, and only the authenticated suffix is
 * released, which is exactly what the sender sent; the prefix is dropped
 * (the sender's key frame carries its own parameter sets, or the decoder
 * has them from the caps). The sealed part, IV and key index are the same
 * for every beginning: the skipped NAL units are no slices, so the header
 * still ends at the same slice. */
static gboolean
is_parameter_set (E2eeCodec codec, guint8 nal_header)
{
  switch (codec) {
    case E2EE_CODEC_H264:
      /* SPS, PPS */
      return (nal_header & 0x1f) == 7 || (nal_header & 0x1f) == 8;
    case E2EE_CODEC_H265:
      /* VPS, SPS, PPS */
      return ((nal_header >> 1) & 0x3f) >= 32
          && ((nal_header >> 1) & 0x3f) <= 34;
    default:
      return FALSE;
  }
}

/* Length of the start code at @pos: 4, 3, or 0 for none. */
static gsize
start_code_length_at (const guint8 * data, gsize len, gsize pos)
{
  if (is_four_byte_start_code (data, len, pos))
    return 4;
  return is_three_byte_start_code (data, len, pos) ? 3 : 0;
}

/* Fills @parsed's starts: 0, then the start code after each leading
 * parameter set within the clear header. A parameter set ends in a
 * non-zero byte (rbsp_trailing_bits), so a zero in front of 00 00 01
 * belongs to a 4-byte start code, as the sender wrote its header
 * (normalised to 4-byte start codes); find_start_code () returns those
 * from their first zero. */
static void
find_sender_starts (E2eeCodec codec, const guint8 * frame,
    E2eeReceivedFrame * parsed)
{
  gsize pos = 0;

  parsed->starts[0] = 0;
  parsed->n_starts = 1;
  while (parsed->n_starts < G_N_ELEMENTS (parsed->starts)) {
    gsize code_len = start_code_length_at (frame, parsed->header_len, pos);

    if (code_len == 0 || pos + code_len >= parsed->header_len
        || !is_parameter_set (codec, frame[pos + code_len]))
      return;
    pos = find_start_code (frame, parsed->header_len, pos + code_len + 1);
    if (pos >= parsed->header_len)
      return;
    parsed->starts[parsed->n_starts++] = pos;
  }
}

/* The H.26x part after the header, unescaped. Received sealed bytes
 * rarely carry an escape byte, so they are used where they are unless a
 * scan finds one; only then are they unescaped into @scratch (not in
 * place: a failed attempt must leave them for the next key or start). */
static const guint8 *
unescape_received_body (const guint8 * body, gsize len, guint8 * scratch,
    gsize * body_len)
{
  if (e2ee_frame_format_find_escape_byte (body, len, 0) == len) {
    *body_len = len;
    return body;
  }
  *body_len = e2ee_frame_format_unescape (body, len, scratch);
  return scratch;
}

/* The header is found on the received bytes, as LiveKit's receiver does;
 * for H.26x the rest is unescaped first.
 *
 * A frame shorter than its codec's header was encrypted with the whole
 * frame as header (see e2ee_frame_format_split ()), so it arrives with
 * fewer than header + 30 bytes: then the header is what precedes the last
 * 30 bytes. A frame that has its whole header can never be mistaken for
 * one, because it is at least header + 30 bytes long. */
gboolean
e2ee_frame_format_parse_received (E2eeCodec codec, E2eeFrameType frame_type,
    const guint8 * frame, gsize len, guint8 * scratch,
    E2eeReceivedFrame * parsed, const gchar ** malformed)
{
  E2eeFrameSplit split = e2ee_frame_format_split (codec, frame_type, frame,
      len);
  const guint8 *body;
  gsize body_len;

  if (split.nal_processing) {
    body = unescape_received_body (frame + split.header_len,
        len - split.header_len, scratch, &body_len);
  } else {
    split.header_len = len < E2EE_FRAME_OVERHEAD ? 0 :
        MIN (split.header_len, len - E2EE_FRAME_OVERHEAD);
    body = frame + split.header_len;
    body_len = len - split.header_len;
  }
  if (body_len < E2EE_FRAME_OVERHEAD) {
    *malformed = "too short for its trailer";
    return FALSE;
  }
  if (body[body_len - 2] != E2EE_FRAME_IV_LENGTH) {
    *malformed = "IV length is not 12";
    return FALSE;
  }

  parsed->header_len = split.header_len;
  parsed->key_index = body[body_len - 1];
  parsed->iv = body + body_len - E2EE_FRAME_TRAILER_LENGTH -
      E2EE_FRAME_IV_LENGTH;
  parsed->sealed = body;
  parsed->sealed_len = body_len - E2EE_FRAME_TRAILER_LENGTH -
      E2EE_FRAME_IV_LENGTH;
  parsed->starts[0] = 0;
  parsed->n_starts = 1;
  if (split.nal_processing)
    find_sender_starts (codec, frame, parsed);
  return TRUE;
}
