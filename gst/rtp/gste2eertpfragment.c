/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eertpfragment.h"

/* Splits @frame_size bytes into @n_packets fragments so that the packets,
 * headers included, are of about equal size (the larger ones last, as
 * libwebrtc does), the first packet carrying @first_extra header bytes more
 * than the others. Returns the size of fragment @index. */
gsize
gst_e2ee_rtp_fragment_size (gsize frame_size, guint first_extra,
    guint n_packets, guint index)
{
  gsize total = frame_size + first_extra;
  gsize base = total / n_packets;
  guint n_larger = total % n_packets;
  gsize size = index >= n_packets - n_larger ? base + 1 : base;

  return index == 0 ? size - first_extra : size;
}

/* Gives @packet, whose header is written, the timestamps and delta flag of
 * @frame and appends @size bytes of @frame from @offset. The fragment
 * shares the frame's memory: no copy, no parsing. Returns @packet. */
GstBuffer *
gst_e2ee_rtp_append_fragment (GstBuffer * packet, GstBuffer * frame,
    gsize offset, gsize size)
{
  GstBuffer *fragment;

  GST_BUFFER_PTS (packet) = GST_BUFFER_PTS (frame);
  GST_BUFFER_DTS (packet) = GST_BUFFER_DTS (frame);
  GST_BUFFER_DURATION (packet) = GST_BUFFER_DURATION (frame);
  if (GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_DELTA_UNIT))
    GST_BUFFER_FLAG_SET (packet, GST_BUFFER_FLAG_DELTA_UNIT);

  fragment = gst_buffer_copy_region (frame, GST_BUFFER_COPY_MEMORY, offset,
      size);
  return gst_buffer_append (packet, fragment);
}

/* The picture ID of the first frame: @offset (the picture-id-offset
 * property), or a random one up to @max_picture_id when it is -1. */
guint16
gst_e2ee_rtp_first_picture_id (gint offset, guint16 max_picture_id)
{
  if (offset < 0)
    return g_random_int_range (0, max_picture_id + 1);
  return offset;
}
