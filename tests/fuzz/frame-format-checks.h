/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* What every function of keyring/e2ee-frame-format.h must hold on any
 * bytes, for the libFuzzer target (fuzz-frame-format.c) and the fuzz smoke
 * test (fuzz-smoke.c), which run the same checks. A violation aborts.
 *
 * For every codec and frame type: the split stays inside the frame and
 * the sender's split (split_as_receiver_will) agrees with it except for
 * tiny H.26x frames; the normalised header has the length its counting
 * function says; a frame sealed the way the cryptor seals it fits the
 * size bound; a received frame parses to parts inside the frame or the
 * scratch space, with sender starts in ascending order inside the header,
 * and a parsed trailer gives back what write_trailer wrote. Escaping stays
 * within its bound, in place as out of place, leaves no start-code
 * emulation and unescapes back to the input; unescaping anything never
 * grows it. Inputs are exact-size heap copies, so ASan (libFuzzer) and
 * valgrind see any read past them. */

#pragma once

#include <keyring/e2ee-frame-format.h>
#include <keyring/e2ee-frame-cryptor.h>

#include <stdlib.h>
#include <string.h>

#define CHECK(condition) do { if (!(condition)) abort (); } while (0)

static inline guint8 *
check_alloc (gsize size)
{
  guint8 *p = malloc (size ? size : 1);

  CHECK (p != NULL);
  return p;
}

static inline gboolean
check_points_into (const guint8 * p, gsize n, const guint8 * base,
    gsize size)
{
  return p >= base && n <= size && p - base <= (gssize) (size - n);
}

/* The frame as the cryptor would send it, sealed part all zeros (the worst
 * case for escaping), must fit e2ee_frame_format_max_encrypted_size(). */
static inline void
check_size_bound (E2eeCodec codec, E2eeFrameType type,
    const guint8 * frame, gsize len)
{
  E2eeFrameSplit split;
  gsize bound = e2ee_frame_format_max_encrypted_size (codec, len);
  gsize sealed_len, out_len, room;
  guint8 *sealed, *out;

  if (len == 0) {
    CHECK (bound == 0);
    return;
  }
  CHECK (bound >= len + E2EE_FRAME_OVERHEAD);
  if (!e2ee_frame_format_split_as_receiver_will (codec, type, frame, len,
          &split))
    return;
  CHECK (split.header_len <= len);

  sealed_len = len - split.header_len + E2EE_FRAME_OVERHEAD;
  sealed = check_alloc (sealed_len);
  memset (sealed, 0, sealed_len);
  /* Room for what escaping can write, so that a wrong bound is caught by
   * the CHECK below rather than as an overrun. */
  room = split.header_len * 2 + sealed_len * 2 + 1;
  out = check_alloc (room);
  if (split.nal_processing) {
    out_len = e2ee_frame_format_normalize_header (frame, split.header_len,
        out);
    CHECK (out_len + sealed_len <= bound);
    memcpy (out + out_len, sealed, sealed_len);
    out_len += e2ee_frame_format_escape_in_place (out + out_len, sealed_len,
        sealed);
  } else {
    out_len = split.header_len + sealed_len;
  }
  CHECK (out_len <= bound);
  free (out);
  free (sealed);
}

static inline void
check_received (E2eeCodec codec, E2eeFrameType type, const guint8 * frame,
    gsize len)
{
  guint8 *scratch = check_alloc (len);
  const gchar *malformed = NULL;
  E2eeReceivedFrame parsed;
  gsize body_len;
  guint i;

  if (len == 0) {
    free (scratch);
    return;
  }
  if (!e2ee_frame_format_parse_received (codec, type, frame, len, scratch,
          &parsed, &malformed)) {
    CHECK (malformed != NULL);
    free (scratch);
    return;
  }
  CHECK (parsed.header_len <= len);
  CHECK (parsed.key_index == frame[len - 1]);
  CHECK (parsed.iv[E2EE_FRAME_IV_LENGTH] == E2EE_FRAME_IV_LENGTH);
  body_len = parsed.sealed_len + E2EE_FRAME_IV_LENGTH +
      E2EE_FRAME_TRAILER_LENGTH;
  CHECK (check_points_into (parsed.sealed, body_len, frame, len)
      || check_points_into (parsed.sealed, body_len, scratch, len));
  CHECK (parsed.sealed_len >= 16);      /* the tag */
  CHECK (parsed.iv == parsed.sealed + parsed.sealed_len);
  CHECK (parsed.n_starts >= 1 && parsed.n_starts <= 1 +
      E2EE_FRAME_MAX_PARAMETER_SET_SKIPS);
  CHECK (parsed.starts[0] == 0);
  for (i = 1; i < parsed.n_starts; i++)
    CHECK (parsed.starts[i] > parsed.starts[i - 1]
        && parsed.starts[i] < parsed.header_len);
  free (scratch);
}

static inline void
check_splits (const guint8 * frame, gsize len)
{
  E2eeCodec codec;
  E2eeFrameType type;

  for (codec = E2EE_CODEC_DATA; codec <= E2EE_CODEC_H265; codec++) {
    for (type = E2EE_FRAME_TYPE_AUTO; type <= E2EE_FRAME_TYPE_DELTA; type++) {
      E2eeFrameSplit split = e2ee_frame_format_split (codec, type, frame,
          len);
      E2eeFrameSplit sender;
      gboolean h26x = codec == E2EE_CODEC_H264 || codec == E2EE_CODEC_H265;

      CHECK (split.header_len <= len);
      if (split.nal_processing) {
        gsize n = e2ee_frame_format_normalized_header_len (frame,
            split.header_len);
        guint8 *header = check_alloc (n);

        CHECK (split.header_len + 2 <= len);
        CHECK (e2ee_frame_format_normalize_header (frame, split.header_len,
                header) == n);
        free (header);
      }
      if (e2ee_frame_format_split_as_receiver_will (codec, type, frame, len,
              &sender)) {
        CHECK (sender.header_len <= len);
        if (!h26x || len > 16)
          CHECK (sender.header_len == split.header_len
              && sender.nal_processing == split.nal_processing);
      } else {
        CHECK (h26x && len <= 16);
      }
      check_size_bound (codec, type, frame, len);
      check_received (codec, type, frame, len);
    }
  }
}

static inline void
check_trailer (const guint8 * data, gsize len)
{
  guint8 iv[E2EE_FRAME_IV_LENGTH] = { 0 };
  guint8 frame[E2EE_FRAME_OVERHEAD];
  E2eeReceivedFrame parsed;
  const gchar *malformed = NULL;
  guint8 scratch[E2EE_FRAME_OVERHEAD];

  memcpy (iv, data, MIN (len, sizeof (iv)));
  memset (frame, 0x55, sizeof (frame));
  e2ee_frame_format_write_trailer (frame + 16, iv, len > 0 ? data[0] : 7);
  CHECK (e2ee_frame_format_parse_received (E2EE_CODEC_DATA,
          E2EE_FRAME_TYPE_AUTO, frame, sizeof (frame), scratch, &parsed,
          &malformed));
  CHECK (parsed.header_len == 0 && parsed.sealed == frame
      && parsed.sealed_len == 16);
  CHECK (memcmp (parsed.iv, iv, sizeof (iv)) == 0);
  CHECK (parsed.key_index == (len > 0 ? data[0] : 7));
}

static inline void
check_escaping (const guint8 * data, gsize len)
{
  gsize bound = len + len / 2 + 1;
  guint8 *escaped = check_alloc (bound);
  guint8 *in_place = check_alloc (bound);
  guint8 *scratch = check_alloc (len);
  guint8 *back = check_alloc (len);
  gsize escaped_len = e2ee_frame_format_escape (data, len, escaped);
  gsize i;

  CHECK (escaped_len <= bound);
  for (i = 0; i + 2 < escaped_len; i++)
    CHECK (!(escaped[i] == 0 && escaped[i + 1] == 0 && escaped[i + 2] < 3));
  CHECK (e2ee_frame_format_unescape (escaped, escaped_len, back) == len);
  CHECK (memcmp (back, data, len) == 0);

  memcpy (in_place, data, len);
  CHECK (e2ee_frame_format_escape_in_place (in_place, len, scratch) ==
      escaped_len);
  CHECK (memcmp (in_place, escaped, escaped_len) == 0);

  free (escaped);
  free (in_place);
  free (scratch);
  free (back);
}

/* All of the above on @size bytes of @data. */
static inline void
check_frame_format (const guint8 * data, gsize size)
{
  /* Exact-size copy: ASan flags any read past it. */
  guint8 *frame = check_alloc (size);
  guint8 *out = check_alloc (size);

  memcpy (frame, data, size);
  check_splits (frame, size);
  check_trailer (frame, size);
  check_escaping (frame, size);
  CHECK (e2ee_frame_format_unescape (frame, size, out) <= size);
  /* In place too, as the header allows. */
  CHECK (e2ee_frame_format_unescape (frame, size, frame) <= size);
  free (frame);
  free (out);
}
