/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* libFuzzer target: the frame-format parsers on arbitrary bytes.
 *
 * For every codec and frame type the split stays inside the frame; the
 * normalised header has the length its counting function says; escaping
 * stays within its bound, leaves no start-code emulation, and unescapes
 * back to the input; unescaping anything never grows it. */

#include <keyring/e2ee-frame-format.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
check_split (const guint8 * frame, gsize len)
{
  E2eeCodec codec;
  E2eeFrameType type;

  for (codec = E2EE_CODEC_DATA; codec <= E2EE_CODEC_H265; codec++) {
    for (type = E2EE_FRAME_TYPE_AUTO; type <= E2EE_FRAME_TYPE_DELTA; type++) {
      E2eeFrameSplit split = e2ee_frame_format_split (codec, type, frame,
          len);

      if (split.header_len > len)
        abort ();
      if (split.nal_processing) {
        gsize n = e2ee_frame_format_normalized_header_len (frame,
            split.header_len);
        guint8 *header = malloc (n ? n : 1);

        if (split.header_len + 2 > len
            || e2ee_frame_format_normalize_header (frame, split.header_len,
                header) != n)
          abort ();
        free (header);
      }
    }
  }
}

static void
check_escaping (const guint8 * data, gsize len)
{
  gsize bound = len + len / 2 + 1;
  guint8 *escaped = malloc (bound);
  guint8 *back = malloc (len ? len : 1);
  gsize escaped_len = e2ee_frame_format_escape (data, len, escaped);
  gsize i;

  if (escaped_len > bound)
    abort ();
  for (i = 0; i + 2 < escaped_len; i++) {
    if (escaped[i] == 0 && escaped[i + 1] == 0 && escaped[i + 2] < 3)
      abort ();
  }
  if (e2ee_frame_format_unescape (escaped, escaped_len, back) != len
      || memcmp (back, data, len) != 0)
    abort ();
  free (escaped);
  free (back);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* Exact-size copy: ASan flags any read past it. */
  guint8 *frame = malloc (size ? size : 1);
  guint8 *out = malloc (size ? size : 1);

  memcpy (frame, data, size);
  check_split (frame, size);
  check_escaping (frame, size);
  if (e2ee_frame_format_unescape (frame, size, out) > size)
    abort ();
  /* In place too, as the header allows. */
  if (e2ee_frame_format_unescape (frame, size, frame) > size)
    abort ();
  free (frame);
  free (out);
  return 0;
}
