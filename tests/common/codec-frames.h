/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Synthetic encoded frames per E2eeCodec (valid clear headers, payloads
 * that are valid NAL unit payloads), what the decryptor gives back for
 * them, and the test's own Annex B <-> length-prefixed helpers,
 * independent of the plugin's. GLib and the public keyring header only. */

#pragma once

#include <keyring/e2ee.h>
#include <string.h>

#include "hex.h"

/* Deterministic bytes that form valid NAL unit payloads: no 00 00 0x with
 * x <= 3 except the escaped 00 00 03, never ending in 00. */
static inline void
append_payload (GByteArray * frame, guint seed, gsize len)
{
  guint32 x = 0x9e3779b9u * (seed + 1);
  gsize i;

  for (i = 0; i < len; i++) {
    guint8 b;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = x & 0xff;
    if (i % 97 == 50) {
      static const guint8 escaped[] = { 0x00, 0x00, 0x03, 0x01 };
      g_byte_array_append (frame, escaped, sizeof (escaped));
      continue;
    }
    if (b == 0)
      b = 0x80;
    g_byte_array_append (frame, &b, 1);
  }
}

static inline gboolean
is_key_frame (guint n)
{
  return n % 3 == 0;
}

/* One access unit (Annex B for H.26x) of @codec, frame number @n. */
static inline GByteArray *
make_frame (E2eeCodec codec, guint n)
{
  GByteArray *f = g_byte_array_new ();
  gboolean key = is_key_frame (n);

  switch (codec) {
    case E2EE_CODEC_VP8:
      /* frame tag bit 0: 0 = key frame; key frames carry the start code */
      append_hex (f, key ? "5002009d012a4001f000" : "f10100");
      append_payload (f, n, 300 + n);
      break;
    case E2EE_CODEC_H264:
      if (key) {
        append_hex (f, "000000016742c01eab40501ed0");
        append_hex (f, "00000168ce3c80");       /* a 3-byte start code */
        append_hex (f, "000000016588840021");
      } else {
        append_hex (f, "00000001419a2438");
      }
      append_payload (f, n, 400 + n);
      break;
    case E2EE_CODEC_H265:
      if (key) {
        append_hex (f, "0000000140010c01ffff016000000300b0");
        append_hex (f, "000000014201010160000003");
        append_hex (f, "000000014401c172b462");
        append_hex (f, "000000012601af");
      } else {
        append_hex (f, "000000010201d0");
      }
      append_payload (f, n, 400 + n);
      break;
    case E2EE_CODEC_AUDIO:
      append_hex (f, "fc");
      append_payload (f, n, 120);
      break;
    default:
      append_payload (f, n, 250 + n);
      break;
  }
  return f;
}

/* What the decryptor gives back for @frame: the frame itself, except that
 * LiveKit's format rewrites 3-byte start codes in an H.26x clear header to
 * 4-byte ones (the only 3-byte one make_frame writes is H.264's PPS). */
static inline GByteArray *
expected_output (E2eeCodec codec, guint length_size, GByteArray * frame)
{
  static const guint8 pps_3[] = { 0x00, 0x00, 0x01, 0x68 };
  GByteArray *out = g_byte_array_new ();
  gsize i;

  for (i = 0; i < frame->len; i++) {
    if (codec == E2EE_CODEC_H264 && length_size == 0 && i + 4 <= frame->len &&
        memcmp (frame->data + i, pps_3, 4) == 0 &&
        (i == 0 || frame->data[i - 1] != 0)) {
      static const guint8 zero = 0;
      g_byte_array_append (out, &zero, 1);
    }
    g_byte_array_append (out, frame->data + i, 1);
  }
  return out;
}

/* TRUE if @data is a sequence of length-prefixed units filling it exactly. */
static inline gboolean
is_length_prefixed (const guint8 * data, gsize len, guint length_size,
    guint * n_units)
{
  gsize pos = 0;

  *n_units = 0;
  while (pos < len) {
    gsize nal_len = 0;
    guint k;

    if (len - pos < length_size)
      return FALSE;
    for (k = 0; k < length_size; k++)
      nal_len = (nal_len << 8) | data[pos + k];
    pos += length_size;
    if (nal_len == 0 || nal_len > len - pos)
      return FALSE;
    pos += nal_len;
    (*n_units)++;
  }
  return TRUE;
}

/* Annex B with start codes -> @length_size-byte length prefixes, by the
 * standard's rule: zeros before a start code belong to no NAL unit. */
static inline GByteArray *
to_length_prefixed (const guint8 * d, gsize len, guint length_size)
{
  GByteArray *out = g_byte_array_new ();
  gsize i = 0;

  while (i + 3 <= len && !(d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1))
    i++;
  while (i < len) {
    gsize start = i + 3, end = start, nal_len;
    guint k;

    while (end + 3 <= len && !(d[end] == 0 && d[end + 1] == 0
            && d[end + 2] == 1))
      end++;
    if (end + 3 > len)
      end = len;
    i = end;
    while (end > start && end < len && d[end - 1] == 0)
      end--;
    nal_len = end - start;
    for (k = 0; k < length_size; k++) {
      guint8 b = nal_len >> (8 * (length_size - 1 - k));
      g_byte_array_append (out, &b, 1);
    }
    g_byte_array_append (out, d + start, nal_len);
  }
  return out;
}
