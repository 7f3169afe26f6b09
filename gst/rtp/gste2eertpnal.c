/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Packetizing H.264 (RFC 6184, packetization-mode 1) and H.265 (RFC 7798,
 * no DONL) access units as libwebrtc does, without looking past a NAL unit
 * header: the NAL units are split on start codes only
 * (gst_e2ee_nal_split_annex_b()), so no byte of an encrypted frame is
 * trimmed; a NAL unit too big for one packet is fragmented, a run of small
 * ones that fit together is aggregated, any other goes alone; the last
 * packet of the access unit has the marker bit. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eertpnal.h"
#include "gste2eertpfragment.h"

#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_rtp_nal_debug);
#define GST_CAT_DEFAULT gst_e2ee_rtp_nal_debug

/* The NAL unit size in front of each aggregated NAL unit, in both RFCs. */
#define AGGREGATION_LENGTH_SIZE 2

static void
init_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_rtp_nal_debug, "e2eertpnal", 0,
        "NAL unit packetizer of the e2ee H.264/H.265 payloaders");
    g_once_init_leave (&once, 1);
  }
}

/* Where the packets of one access unit go. */
typedef struct
{
  GstRTPBasePayload *payload;
  const GstE2eeRtpNalFormat *format;
  GstBuffer *access_unit;
  const guint8 *data;
  GstBufferList *packets;
  guint max_payload_size;
} PacketSink;

static guint8 *
packet_sink_add (PacketSink * sink, guint payload_size, GstRTPBuffer * rtp)
{
  GstBuffer *packet;

  packet = gst_rtp_base_payload_allocate_output_buffer (sink->payload,
      payload_size, 0, 0);
  GST_BUFFER_PTS (packet) = GST_BUFFER_PTS (sink->access_unit);
  GST_BUFFER_DTS (packet) = GST_BUFFER_DTS (sink->access_unit);
  GST_BUFFER_DURATION (packet) = GST_BUFFER_DURATION (sink->access_unit);
  gst_buffer_list_add (sink->packets, packet);

  gst_rtp_buffer_map (packet, GST_MAP_WRITE, rtp);
  return gst_rtp_buffer_get_payload (rtp);
}

static void
add_single_nal_unit_packet (PacketSink * sink, const GstE2eeNalUnit * nal)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 *out;

  out = packet_sink_add (sink, nal->size, &rtp);
  memcpy (out, sink->data + nal->offset, nal->size);
  gst_rtp_buffer_unmap (&rtp);
}

/* STAP-A (H.264) or AP (H.265): a header, then each NAL unit behind its
 * 16-bit size. */
static void
add_aggregation_packet (PacketSink * sink, const GstE2eeNalUnit * nal_units,
    guint count)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint payload_size = sink->format->aggregation_header_size;
  guint8 *out;
  guint i;

  for (i = 0; i < count; i++)
    payload_size += AGGREGATION_LENGTH_SIZE + nal_units[i].size;

  out = packet_sink_add (sink, payload_size, &rtp);
  sink->format->write_aggregation_header (out, sink->data, nal_units, count);
  out += sink->format->aggregation_header_size;
  for (i = 0; i < count; i++) {
    GST_WRITE_UINT16_BE (out, nal_units[i].size);
    out += AGGREGATION_LENGTH_SIZE;
    memcpy (out, sink->data + nal_units[i].offset, nal_units[i].size);
    out += nal_units[i].size;
  }
  gst_rtp_buffer_unmap (&rtp);
}

/* FU-A (H.264) or FU (H.265): the NAL unit header travels in the fragment
 * headers, the rest is cut into fragments of about equal size, as libwebrtc
 * does. */
static void
add_fragmentation_packets (PacketSink * sink, const GstE2eeNalUnit * nal)
{
  const GstE2eeRtpNalFormat *format = sink->format;
  const guint8 *nal_data = sink->data + nal->offset;
  gsize body_size = nal->size - format->nal_header_size;
  guint capacity = sink->max_payload_size - format->fragment_header_size;
  guint fragments = (body_size + capacity - 1) / capacity;
  gsize done = 0;
  guint i;

  for (i = 0; i < fragments; i++) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gsize fragment_size = gst_e2ee_rtp_fragment_size (body_size, 0,
        fragments, i);
    guint8 *out;

    out = packet_sink_add (sink, format->fragment_header_size + fragment_size,
        &rtp);
    format->write_fragment_header (out, nal_data, i == 0, i + 1 == fragments);
    memcpy (out + format->fragment_header_size,
        nal_data + format->nal_header_size + done, fragment_size);
    gst_rtp_buffer_unmap (&rtp);
    done += fragment_size;
  }
}

/* How many NAL units from @first on fit into one aggregation packet. */
static guint
count_aggregatable (PacketSink * sink, const GstE2eeNalUnit * nal_units,
    guint first, guint n_nal_units)
{
  guint size = sink->format->aggregation_header_size;
  guint i;

  for (i = first; i < n_nal_units; i++) {
    /* The aggregation header is made from the NAL unit headers. */
    if (nal_units[i].size < sink->format->nal_header_size)
      break;
    size += AGGREGATION_LENGTH_SIZE + nal_units[i].size;
    if (size > sink->max_payload_size)
      break;
  }
  return i - first;
}

/* libwebrtc's order: a NAL unit too big for one packet is fragmented, a run
 * of small ones that fit together is aggregated, any other goes alone. */
static void
packetize_nal_units (PacketSink * sink, const GstE2eeNalUnit * nal_units,
    guint n_nal_units)
{
  guint i = 0;

  while (i < n_nal_units) {
    guint aggregatable;

    if (nal_units[i].size > sink->max_payload_size) {
      add_fragmentation_packets (sink, &nal_units[i]);
      i++;
      continue;
    }

    aggregatable = count_aggregatable (sink, nal_units, i, n_nal_units);
    if (aggregatable >= 2) {
      add_aggregation_packet (sink, &nal_units[i], aggregatable);
      i += aggregatable;
    } else {
      add_single_nal_unit_packet (sink, &nal_units[i]);
      i++;
    }
  }
}

/* Marker on the last packet of the access unit (RFC 6184 section 5.1,
 * RFC 7798 section 4.1); only the first packet keeps the key frame and
 * discont flags. */
static void
mark_access_unit (GstBufferList * packets, GstBuffer * access_unit)
{
  guint n = gst_buffer_list_length (packets);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *packet = gst_buffer_list_get_writable (packets, i);

    if (i > 0 || GST_BUFFER_FLAG_IS_SET (access_unit,
            GST_BUFFER_FLAG_DELTA_UNIT))
      GST_BUFFER_FLAG_SET (packet, GST_BUFFER_FLAG_DELTA_UNIT);
    if (i == 0 && GST_BUFFER_IS_DISCONT (access_unit))
      GST_BUFFER_FLAG_SET (packet, GST_BUFFER_FLAG_DISCONT);
    if (i + 1 == n) {
      gst_rtp_buffer_map (packet, GST_MAP_WRITE, &rtp);
      gst_rtp_buffer_set_marker (&rtp, TRUE);
      gst_rtp_buffer_unmap (&rtp);
    }
  }
}

/**
 * gst_e2ee_rtp_nal_push:
 * @payload: the payloader
 * @format: the codec's payload format
 * @access_unit: (transfer full): one Annex B access unit
 *
 * Packetizes @access_unit for the payloader's MTU and pushes the packets.
 * An access unit without a start code is dropped with a warning, an empty
 * one silently.
 *
 * Returns: the flow return of the push
 */
GstFlowReturn
gst_e2ee_rtp_nal_push (GstRTPBasePayload * payload,
    const GstE2eeRtpNalFormat * format, GstBuffer * access_unit)
{
  PacketSink sink = { payload, format, access_unit, NULL, NULL, 0 };
  GstMapInfo map;
  GArray *nal_units;
  GstFlowReturn ret = GST_FLOW_OK;
  guint mtu = GST_RTP_BASE_PAYLOAD_MTU (payload);

  init_debug ();
  sink.max_payload_size = gst_rtp_buffer_calc_payload_len (mtu, 0, 0);
  if (sink.max_payload_size <= format->fragment_header_size +
      format->aggregation_header_size + AGGREGATION_LENGTH_SIZE)
    goto mtu_too_small;

  /* An empty frame has no NAL unit (and mapping one tells no size). */
  if (gst_buffer_get_size (access_unit) == 0) {
    GST_DEBUG_OBJECT (payload, "dropping an empty access unit");
    gst_buffer_unref (access_unit);
    return GST_FLOW_OK;
  }

  if (!gst_buffer_map (access_unit, &map, GST_MAP_READ))
    goto map_failed;

  sink.data = map.data;
  nal_units = gst_e2ee_nal_split_annex_b (map.data, map.size);
  if (nal_units->len == 0) {
    GST_WARNING_OBJECT (payload, "dropping a %" G_GSIZE_FORMAT " byte access "
        "unit without a start code", map.size);
  } else {
    if (gst_e2ee_nal_has_leading_data (map.data, map.size))
      GST_WARNING_OBJECT (payload, "ignoring %" G_GSIZE_FORMAT " bytes before "
          "the first start code", gst_e2ee_nal_find_start_code (map.data,
              map.size, 0));
    GST_LOG_OBJECT (payload, "access unit of %" G_GSIZE_FORMAT " bytes, %u "
        "NAL units", map.size, nal_units->len);
    sink.packets = gst_buffer_list_new ();
    packetize_nal_units (&sink, (GstE2eeNalUnit *) nal_units->data,
        nal_units->len);
    mark_access_unit (sink.packets, access_unit);
  }

  g_array_unref (nal_units);
  gst_buffer_unmap (access_unit, &map);
  if (sink.packets)
    ret = gst_rtp_base_payload_push_list (payload, sink.packets);
  gst_buffer_unref (access_unit);
  return ret;

  /* ERRORS */
mtu_too_small:
  {
    GST_ELEMENT_ERROR (payload, STREAM, FORMAT, (NULL),
        ("MTU %u leaves no room for a fragment", mtu));
    gst_buffer_unref (access_unit);
    return GST_FLOW_ERROR;
  }
map_failed:
  {
    GST_ELEMENT_ERROR (payload, RESOURCE, READ, (NULL),
        ("could not map the access unit"));
    gst_buffer_unref (access_unit);
    return GST_FLOW_ERROR;
  }
}
