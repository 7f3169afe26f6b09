/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* NAL units of H.264/H.265 access units.
 *
 * One scanner finds start codes; a walk over an Annex B access unit hands
 * out the bytes between them. Two readers then cut NAL units out of those
 * spans, each by the rule its consumer needs:
 *
 *  - the payloaders packetize as libwebrtc does (H264::FindNaluIndices):
 *    only the leading zero of a 4-byte start code is dropped, never any
 *    other byte, because in an encrypted frame trailing zero bytes are
 *    ciphertext or the key index; empty NAL units are skipped;
 *  - the element base converts Annex B back to length-prefixed NAL units
 *    by the standard's rule: zero bytes in front of a start code
 *    (trailing_zero_8bits, a zero_byte) belong to no NAL unit.
 *
 * keyring/e2ee-frame-format.c has a scanner of its own, on purpose: the
 * frame format must see start codes exactly where LiveKit's scanner does,
 * quirks included, and the plugin cannot reach the core's private code.
 *
 * The element base's conversion (avc/hvc1 <-> Annex B). LiveKit's frame
 * format is defined on Annex B access units: the clear header runs up to
 * the first slice NAL unit as found by its start code, and the AAD uses
 * 4-byte start codes. So a length-prefixed AU is rewritten to Annex B with
 * 4-byte start codes before the cryptor sees it, and the cryptor's result
 * is split back into length-prefixed NAL units on its start codes. That
 * split is exact:
 *  - the clear NAL units keep the start codes we wrote, and a valid NAL
 *    unit never holds a start code nor ends in a zero byte;
 *  - after encryption, everything past the clear header is escaped
 *    (00 00 0x with x <= 3 gets a 03 inserted), so the ciphertext holds
 *    no start code and stays one NAL unit (the last one) up to the end of
 *    the frame, including a trailing key index of 0;
 *  - after decryption the NAL units are the original ones again.
 * (Only a frame with no slice at all is encrypted unescaped, under the VP8
 * rule; its ciphertext could hold a start code by chance, which would then
 * split that NAL unit.) */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eenal.h"

#include <string.h>

#define START_CODE_LENGTH 3

static const guint8 four_byte_start_code[4] = { 0, 0, 0, 1 };

gsize
gst_e2ee_nal_find_start_code (const guint8 * data, gsize size, gsize from)
{
  gsize pos = from;

  while (pos + START_CODE_LENGTH <= size) {
    if (data[pos] == 0 && data[pos + 1] == 0 && data[pos + 2] == 1)
      return pos;
    /* Unless data[pos + 2] is 0, no start code begins at pos + 1 or
     * pos + 2 either. */
    pos += data[pos + 2] != 0 ? 3 : 1;
  }
  return size;
}

/* The spans between the start codes of an Annex B access unit. */
typedef struct
{
  const guint8 *data;
  gsize size;
  gsize next;                   /* the next start code, or size */
} AnnexBWalk;

static void
annex_b_walk_init (AnnexBWalk * walk, const guint8 * data, gsize size)
{
  walk->data = data;
  walk->size = size;
  walk->next = gst_e2ee_nal_find_start_code (data, size, 0);
}

/* The bytes from after the next start code up to the one after it (or the
 * end of the data), zero bytes in front of that start code included.
 * *@last says whether the span runs to the end. */
static gboolean
annex_b_walk_next (AnnexBWalk * walk, GstE2eeNalUnit * span, gboolean * last)
{
  if (walk->next >= walk->size)
    return FALSE;
  span->offset = walk->next + START_CODE_LENGTH;
  walk->next = gst_e2ee_nal_find_start_code (walk->data, walk->size,
      span->offset);
  span->size = walk->next - span->offset;
  *last = walk->next >= walk->size;
  return TRUE;
}

gboolean
gst_e2ee_nal_has_leading_data (const guint8 * data, gsize size)
{
  gsize first = gst_e2ee_nal_find_start_code (data, size, 0);
  gsize i;

  for (i = 0; i < first; i++)
    if (data[i] != 0)
      return TRUE;
  return FALSE;
}

/**
 * gst_e2ee_nal_split_annex_b:
 * @data: an Annex B access unit
 * @size: its size
 *
 * Finds the NAL units of @data the way libwebrtc does
 * (`H264::FindNaluIndices`): a NAL unit runs from the byte after a
 * `00 00 01` start code to the next start code. When that start code has a
 * fourth, leading zero byte, this byte belongs to the start code, not to
 * the NAL unit. No other byte is dropped: above all, trailing zero bytes of
 * the last NAL unit stay, because in an encrypted frame they are ciphertext
 * or the key index. Empty NAL units are skipped. Bytes before the first
 * start code are not part of any NAL unit.
 *
 * Returns: (transfer full): a #GArray of #GstE2eeNalUnit, empty if @data has
 * no start code
 */
GArray *
gst_e2ee_nal_split_annex_b (const guint8 * data, gsize size)
{
  GArray *nal_units = g_array_new (FALSE, FALSE, sizeof (GstE2eeNalUnit));
  GstE2eeNalUnit nal;
  AnnexBWalk walk;
  gboolean last;

  annex_b_walk_init (&walk, data, size);
  while (annex_b_walk_next (&walk, &nal, &last)) {
    if (!last && nal.size > 0 && data[nal.offset + nal.size - 1] == 0)
      nal.size--;               /* the zero_byte of a 4-byte start code */
    if (nal.size > 0)
      g_array_append_val (nal_units, nal);
  }
  return nal_units;
}

/* avc/avc3 (H.264) and hvc1/hev1 (H.265) carry NAL units with a 1, 2 or 4
 * byte length prefix, whose size is in codec_data (avcC byte 4, hvcC byte
 * 21, low 2 bits, plus one). */
guint
gst_e2ee_nal_length_size_from_caps (const GstStructure * s)
{
  const gchar *format = gst_structure_get_string (s, "stream-format");
  const GValue *value;
  GstBuffer *codec_data;
  GstMapInfo map;
  guint size = 4;
  gsize offset;

  if (gst_structure_has_name (s, "video/x-h264"))
    offset = 4;
  else if (gst_structure_has_name (s, "video/x-h265"))
    offset = 21;
  else
    return 0;
  if (format == NULL || g_str_equal (format, "byte-stream"))
    return 0;

  value = gst_structure_get_value (s, "codec_data");
  if (value == NULL || !GST_VALUE_HOLDS_BUFFER (value))
    return size;
  codec_data = gst_value_get_buffer (value);
  if (gst_buffer_map (codec_data, &map, GST_MAP_READ)) {
    if (map.size > offset)
      size = (map.data[offset] & 0x03) + 1;
    gst_buffer_unmap (codec_data, &map);
  }
  return size;
}

/* ---- parameter sets in codec_data ----
 *
 * With avc/hvc1 output, rtph264depay and rtph265depay take the parameter
 * sets out of every access unit and put them into codec_data
 * (gstrtph264depay.c, 1.22: handle_nal). In an encrypted key frame they
 * were part of the clear header, the AAD: the frame authenticates only
 * with them back where the sender had them. */

#define H264_NAL_TYPE(b) ((b) & 0x1f)
#define H265_NAL_TYPE(b) (((b) >> 1) & 0x3f)
#define H264_SPS 7
#define H264_PPS 8
#define H264_AUD 9
#define H265_VPS 32
#define H265_SPS 33
#define H265_PPS 34
#define H265_AUD 35

/* Appends the @n length-prefixed (2 bytes) NAL units at *@pos of @data,
 * with 4-byte start codes; those of @nal_type only when it is >= 0 (for
 * hvcC, whose arrays carry one type each). FALSE if they overrun it. */
static gboolean
append_nal_units (const guint8 * data, gsize size, gsize * pos, guint n,
    GByteArray * out)
{
  guint i;

  for (i = 0; i < n; i++) {
    gsize len;

    if (size - *pos < 2)
      return FALSE;
    len = GST_READ_UINT16_BE (data + *pos);
    *pos += 2;
    if (size - *pos < len)
      return FALSE;
    if (len > 0) {
      g_byte_array_append (out, four_byte_start_code,
          sizeof (four_byte_start_code));
      g_byte_array_append (out, data + *pos, len);
    }
    *pos += len;
  }
  return TRUE;
}

/* avcC: 5 bytes, numOfSequenceParameterSets (low 5 bits), the SPSs,
 * numOfPictureParameterSets, the PPSs (ISO/IEC 14496-15 5.3.3.1). */
static gboolean
avcc_parameter_sets (const guint8 * data, gsize size, GByteArray * out)
{
  gsize pos = 6;

  if (size < 7)
    return FALSE;
  if (!append_nal_units (data, size, &pos, data[5] & 0x1f, out)
      || pos >= size)
    return FALSE;
  pos++;
  return append_nal_units (data, size, &pos, data[pos - 1], out);
}

/* hvcC: 22 bytes, numOfArrays, then arrays of (completeness and type,
 * numNalus (2 bytes), NAL units) (ISO/IEC 14496-15 8.3.3.1). Copied in the
 * order VPS, SPS, PPS, however the arrays come. */
static gboolean
hvcc_parameter_sets (const guint8 * data, gsize size, GByteArray * out)
{
  const guint types[] = { H265_VPS, H265_SPS, H265_PPS };
  guint t;

  if (size < 23)
    return FALSE;
  for (t = 0; t < G_N_ELEMENTS (types); t++) {
    gsize pos = 23;
    guint a;

    for (a = 0; a < data[22]; a++) {
      guint type, n, i;

      if (size - pos < 3)
        return FALSE;
      type = data[pos] & 0x3f;
      n = GST_READ_UINT16_BE (data + pos + 1);
      pos += 3;
      if (type == types[t]) {
        if (!append_nal_units (data, size, &pos, n, out))
          return FALSE;
        continue;
      }
      for (i = 0; i < n; i++) {     /* skip the array */
        if (size - pos < 2 || size - pos - 2 < GST_READ_UINT16_BE (data +
                pos))
          return FALSE;
        pos += 2 + GST_READ_UINT16_BE (data + pos);
      }
    }
  }
  return TRUE;
}

GBytes *
gst_e2ee_nal_parameter_sets_from_caps (const GstStructure * s)
{
  gboolean h265 = gst_structure_has_name (s, "video/x-h265");
  const GValue *value = gst_structure_get_value (s, "codec_data");
  GByteArray *sets;
  GstMapInfo map;
  gboolean ok = FALSE;

  if (gst_e2ee_nal_length_size_from_caps (s) == 0 || value == NULL
      || !GST_VALUE_HOLDS_BUFFER (value))
    return NULL;
  if (!gst_buffer_map (gst_value_get_buffer (value), &map, GST_MAP_READ))
    return NULL;

  sets = g_byte_array_new ();
  ok = h265 ? hvcc_parameter_sets (map.data, map.size, sets) :
      avcc_parameter_sets (map.data, map.size, sets);
  gst_buffer_unmap (gst_value_get_buffer (value), &map);

  if (!ok || sets->len == 0) {
    g_byte_array_unref (sets);
    return NULL;
  }
  return g_byte_array_free_to_bytes (sets);
}

static guint
nal_type (const guint8 * data, const GstE2eeNalUnit * nal, gboolean h265)
{
  return h265 ? H265_NAL_TYPE (data[nal->offset]) :
      H264_NAL_TYPE (data[nal->offset]);
}

gboolean
gst_e2ee_nal_has_parameter_sets (const guint8 * data, gsize size,
    gboolean h265)
{
  GArray *nal_units = gst_e2ee_nal_split_annex_b (data, size);
  gboolean found = FALSE;
  guint i;

  for (i = 0; i < nal_units->len && !found; i++) {
    guint type = nal_type (data, &g_array_index (nal_units, GstE2eeNalUnit,
            i), h265);

    found = h265 ? type == H265_VPS || type == H265_SPS : type == H264_SPS;
  }
  g_array_unref (nal_units);
  return found;
}

void
gst_e2ee_nal_insert_parameter_sets (GByteArray * au, GBytes * sets,
    gboolean h265)
{
  GArray *nal_units = gst_e2ee_nal_split_annex_b (au->data, au->len);
  gsize at = au->len, sets_len;
  const guint8 *sets_data = g_bytes_get_data (sets, &sets_len);
  guint i;

  for (i = 0; i < nal_units->len; i++) {
    GstE2eeNalUnit *nal = &g_array_index (nal_units, GstE2eeNalUnit, i);

    if (nal_type (au->data, nal, h265) != (h265 ? H265_AUD : H264_AUD)) {
      /* Before its start code, with the zero_byte of a 4-byte one. */
      at = nal->offset - 3;
      if (at > 0 && au->data[at - 1] == 0)
        at--;
      break;
    }
  }
  g_array_unref (nal_units);

  g_byte_array_set_size (au, au->len + sets_len);
  memmove (au->data + at + sets_len, au->data + at, au->len - sets_len - at);
  memcpy (au->data + at, sets_data, sets_len);
}

gsize
gst_e2ee_nal_annex_b_max_size (gsize len, guint length_size)
{
  /* Each NAL length grows to a 4-byte start code; at most one per
   * length_size bytes of input. */
  return len + len * (sizeof (four_byte_start_code) - length_size);
}

gboolean
gst_e2ee_nal_length_prefixed_to_annex_b (const guint8 * in, gsize len,
    guint length_size, GByteArray * out)
{
  gsize pos = 0;

  g_byte_array_set_size (out, 0);
  while (pos < len) {
    gsize nal_len = 0;
    guint i;

    if (len - pos < length_size)
      return FALSE;
    for (i = 0; i < length_size; i++)
      nal_len = (nal_len << 8) | in[pos + i];
    pos += length_size;
    if (nal_len > len - pos)
      return FALSE;

    g_byte_array_append (out, four_byte_start_code,
        sizeof (four_byte_start_code));
    g_byte_array_append (out, in + pos, nal_len);
    pos += nal_len;
  }
  return TRUE;
}

gboolean
gst_e2ee_nal_annex_b_to_length_prefixed (const guint8 * in, gsize len,
    guint length_size, guint8 * out, gsize out_size, gsize * out_len)
{
  gsize i, written = 0;
  GstE2eeNalUnit nal;
  AnnexBWalk walk;
  gboolean last;

  *out_len = 0;
  if (gst_e2ee_nal_has_leading_data (in, len))
    return FALSE;

  annex_b_walk_init (&walk, in, len);
  while (annex_b_walk_next (&walk, &nal, &last)) {
    if (!last)
      while (nal.size > 0 && in[nal.offset + nal.size - 1] == 0)
        nal.size--;             /* the next start code's leading zero(s) */

    if (nal.size >= ((guint64) 1 << (8 * length_size)) ||
        out_size - written < length_size + nal.size)
      return FALSE;
    for (i = 0; i < length_size; i++)
      out[written + i] = nal.size >> (8 * (length_size - 1 - i));
    written += length_size;
    memcpy (out + written, in + nal.offset, nal.size);
    written += nal.size;
  }

  *out_len = written;
  return TRUE;
}
