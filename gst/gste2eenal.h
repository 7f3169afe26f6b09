/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* H.264/H.265 access units as the plugin's elements see them: the NAL
 * units of an Annex B byte stream, and the conversion between
 * length-prefixed (avc, hvc1) and Annex B. Shared by the element base and
 * the H.26x payloaders; no key provider, no frame cryptor, no RTP. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstE2eeNalUnit:
 * @offset: where the NAL unit header starts in the access unit
 * @size: bytes of the NAL unit, header included, start code excluded
 *
 * One NAL unit of an Annex B access unit.
 */
typedef struct
{
  gsize offset;
  gsize size;
} GstE2eeNalUnit;

/* Offset of the first 00 00 01 at or after @from in @data, or @size: the
 * plugin's one start-code scanner. */
G_GNUC_INTERNAL
gsize gst_e2ee_nal_find_start_code (const guint8 * data, gsize size,
    gsize from);

/* Whether @data has bytes other than zeros before its first start code
 * (only leading_zero_8bits and a zero_byte may come there). */
G_GNUC_INTERNAL
gboolean gst_e2ee_nal_has_leading_data (const guint8 * data, gsize size);

/* The NAL units of @data as libwebrtc's H264::FindNaluIndices finds them
 * (see gste2eenal.c); a new array of GstE2eeNalUnit, empty if @data has
 * no start code. */
G_GNUC_INTERNAL
GArray *gst_e2ee_nal_split_annex_b (const guint8 * data, gsize size);

/* The NAL length size of H.264/H.265 caps: 1, 2 or 4 (3 is invalid) for
 * avc/avc3/hvc1/hev1, from codec_data (4 without it); 0 for byte-stream
 * and for any other caps. */
G_GNUC_INTERNAL
guint gst_e2ee_nal_length_size_from_caps (const GstStructure * s);

/* The parameter sets in the codec_data of avc/avc3 (avcC: SPS, then PPS)
 * or hvc1/hev1 caps (hvcC: VPS, SPS, PPS), as Annex B NAL units with
 * 4-byte start codes; NULL for other caps, or codec_data without any. */
G_GNUC_INTERNAL
GBytes *gst_e2ee_nal_parameter_sets_from_caps (const GstStructure * s);

/* Whether the Annex B access unit @data holds a sequence parameter set
 * (@h265: a VPS or SPS). */
G_GNUC_INTERNAL
gboolean gst_e2ee_nal_has_parameter_sets (const guint8 * data, gsize size,
    gboolean h265);

/* Inserts @sets (Annex B) into the Annex B access unit @au where an
 * encoder puts them: after its leading access unit delimiters, before
 * anything else. */
G_GNUC_INTERNAL
void gst_e2ee_nal_insert_parameter_sets (GByteArray * au, GBytes * sets,
    gboolean h265);

/* The largest Annex B form (4-byte start codes) of a @len-byte access unit
 * with @length_size-byte NAL lengths. */
G_GNUC_INTERNAL
gsize gst_e2ee_nal_annex_b_max_size (gsize len, guint length_size);

/* Rewrites @len bytes of length-prefixed NAL units as Annex B with 4-byte
 * start codes into @out (resized). FALSE if a length overruns @in. */
G_GNUC_INTERNAL
gboolean gst_e2ee_nal_length_prefixed_to_annex_b (const guint8 * in,
    gsize len, guint length_size, GByteArray * out);

/* Rewrites Annex B @in as @length_size-byte length-prefixed NAL units into
 * @out (@out_size bytes, must not overlap @in); *@out_len gets the length.
 * FALSE if @in has non-zero bytes before its first start code, a NAL unit
 * too long for @length_size, or @out is too small; @out then holds a part
 * of the result. */
G_GNUC_INTERNAL
gboolean gst_e2ee_nal_annex_b_to_length_prefixed (const guint8 * in,
    gsize len, guint length_size, guint8 * out, gsize out_size,
    gsize * out_len);

G_END_DECLS
