/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The NAL unit packetizer of e2eertph264pay and e2eertph265pay: single NAL
 * unit, aggregation and fragmentation packets as libwebrtc makes them.
 * Only the aggregation and fragmentation headers differ between the two
 * payload formats. */

#pragma once

#include <gst/gst.h>
#include <gst/rtp/gstrtpbasepayload.h>

#include "../gste2eenal.h"

G_BEGIN_DECLS

/**
 * GstE2eeRtpNalFormat:
 * @nal_header_size: bytes of a NAL unit header (1 for H.264, 2 for H.265)
 * @aggregation_header_size: bytes before the first aggregated NAL unit
 * @fragment_header_size: bytes before the fragment data in each FU packet
 * @write_aggregation_header: writes the aggregation packet header for
 *   @count NAL units of @data
 * @write_fragment_header: writes the header of one fragment of the NAL unit
 *   whose header is @nal_header; @first and @last say which fragment it is
 *
 * What differs between the RTP payload formats of H.264 (RFC 6184) and
 * H.265 (RFC 7798) for a packetizer that never looks past NAL unit headers.
 */
typedef struct
{
  guint nal_header_size;
  guint aggregation_header_size;
  guint fragment_header_size;
  void (*write_aggregation_header) (guint8 * out, const guint8 * data,
      const GstE2eeNalUnit * nal_units, guint count);
  void (*write_fragment_header) (guint8 * out, const guint8 * nal_header,
      gboolean first, gboolean last);
} GstE2eeRtpNalFormat;

/* Packetizes one Annex B access unit (taking it) for the payloader's MTU
 * and pushes the packets as one list; see gste2eertpnal.c. */
G_GNUC_INTERNAL
GstFlowReturn gst_e2ee_rtp_nal_push (GstRTPBasePayload * payload,
    const GstE2eeRtpNalFormat * format, GstBuffer * access_unit);

G_END_DECLS
