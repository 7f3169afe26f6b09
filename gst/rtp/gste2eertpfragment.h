/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* What the payloaders that never parse a frame share: how a frame (or an
 * H.26x NAL unit) is cut into fragments, and, for VP8 and VP9, how a
 * fragment becomes a packet and where the first picture ID comes from. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The size of fragment @index of @frame_size bytes cut into @n_packets
 * packets of about equal size, the first carrying @first_extra header
 * bytes more than the others (libwebrtc's split). */
G_GNUC_INTERNAL
gsize gst_e2ee_rtp_fragment_size (gsize frame_size, guint first_extra,
    guint n_packets, guint index);

/* Appends @size bytes of @frame from @offset to @packet (no copy), with
 * the frame's timestamps and delta flag; returns @packet. */
G_GNUC_INTERNAL
GstBuffer *gst_e2ee_rtp_append_fragment (GstBuffer * packet,
    GstBuffer * frame, gsize offset, gsize size);

/* The first picture ID: @offset, or a random one up to @max_picture_id
 * when @offset is -1. */
G_GNUC_INTERNAL
guint16 gst_e2ee_rtp_first_picture_id (gint offset, guint16 max_picture_id);

G_END_DECLS
