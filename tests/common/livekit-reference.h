/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Test oracles: LiveKit's frame-format algorithms written again the plain
 * way, byte by byte as livekit-client 2.23.0 has them, never with the
 * library's code, so that the memchr ()- and SIMD-based versions in
 * keyring/e2ee-frame-format.c are checked against something independent.
 * Used by the core's tests and the elements'; only E2eeFrameSplit, a plain
 * struct, comes from the private header: nothing here calls the library. */

#pragma once

#include <glib.h>
#include <keyring/e2ee-frame-format.h>

/* naluUtils.ts findNALUIndices / processNALUsForEncryption and utils.ts
 * writeRbsp / parseRbsp. */
static inline gboolean
ref_start_code_at (const guint8 * d, gsize len, gsize p, gsize * code_len)
{
  if (p + 4 < len && d[p] == 0 && d[p + 1] == 0 && d[p + 2] == 0
      && d[p + 3] == 1) {
    *code_len = 4;
    return TRUE;
  }
  if (d[p] == 0 && d[p + 1] == 0 && d[p + 2] == 1) {
    *code_len = 3;
    return TRUE;
  }
  return FALSE;
}

static inline E2eeFrameSplit
ref_split_h26x (const guint8 * d, gsize len, gsize vp8_header)
{
  E2eeFrameSplit split = { MIN (vp8_header, len), FALSE };
  gsize nals[64], n_nals = 0, start = 0, pos = 0, i;

  while (len > 3 && pos < len - 3) {
    gsize code_len = 3, end;

    while (pos < len - 3 && !ref_start_code_at (d, len, pos, &code_len))
      pos++;
    if (pos >= len - 3)
      pos = len;
    end = pos;
    while (end > start && d[end - 1] == 0)
      end--;
    if (start == 0 && end != start)
      return split;             /* leading data */
    if (start != 0 && n_nals < G_N_ELEMENTS (nals))
      nals[n_nals++] = start;
    if (pos < len)
      ref_start_code_at (d, len, pos, &code_len);
    start = pos = pos + code_len;
  }
  for (i = 0; i < n_nals; i++) {
    guint type = d[nals[i]] & 0x1f;

    if (type == 1 || type == 5) {
      split.header_len = nals[i] + 2;
      split.nal_processing = TRUE;
      return split;
    }
  }
  for (i = 0; i < n_nals; i++) {
    guint type = (d[nals[i]] >> 1) & 0x3f;

    if (type <= 9 || (type >= 16 && type <= 21)) {
      split.header_len = nals[i] + 2;
      split.nal_processing = TRUE;
      return split;
    }
  }
  return split;
}

static inline gsize
ref_escape (const guint8 * in, gsize len, guint8 * out)
{
  gsize written = 0, i;
  guint zeros = 0;

  for (i = 0; i < len; i++) {
    if (in[i] <= 3 && zeros >= 2) {
      out[written++] = 3;
      zeros = 0;
    }
    out[written++] = in[i];
    zeros = in[i] == 0 ? zeros + 1 : 0;
  }
  return written;
}

static inline gsize
ref_unescape (const guint8 * in, gsize len, guint8 * out)
{
  gsize written = 0, i = 0;

  while (i < len) {
    if (len - i >= 3 && in[i] == 0 && in[i + 1] == 0 && in[i + 2] == 3) {
      out[written++] = in[i++];
      out[written++] = in[i++];
      i++;
    } else {
      out[written++] = in[i++];
    }
  }
  return written;
}

/* Length of @data once the escape bytes after @header_len are removed, as
 * parseRbsp removes them. */
static inline gsize
ref_unescaped_length (const guint8 * data, gsize len, gsize header_len)
{
  guint8 *out = g_malloc (MAX (len, 1));
  gsize body_len = ref_unescape (data + header_len, len - header_len, out);

  g_free (out);
  return header_len + body_len;
}
