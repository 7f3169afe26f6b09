/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-e2eertph264pay
 * @title: e2eertph264pay
 * @see_also: e2eeencrypt, e2eedecrypt, e2eertph265pay, rtph264depay
 *
 * Packs end-to-end encrypted H.264 access units into RTP packets
 * (RFC 6184, packetization-mode 1) the way libwebrtc does, so that the stock
 * `rtph264depay` gives back every encrypted frame byte for byte.
 *
 * ## Why not rtph264pay
 *
 * e2eeencrypt keeps the parameter sets and the first slice's NAL header in
 * clear and turns the rest of the frame into one escaped NAL unit that ends
 * with the key index byte. With key index 0, LiveKit's default, every
 * encrypted frame therefore ends in `0x00`. `rtph264pay` (byte-stream input)
 * trims all trailing zero bytes of every NAL unit except at EOS, so the key
 * index is lost and no frame can be decrypted. It also parses the NAL units
 * to fill `sprop-parameter-sets`, which hurts on the receiving side (below).
 *
 * This element splits the access unit on start codes and nothing else: the
 * only zero byte it drops is the leading zero of a 4-byte start code. It
 * never looks past a NAL unit header (the slice data is ciphertext). A NAL
 * unit that fits the MTU goes into a single NAL unit packet, or together
 * with its small neighbours into a STAP-A packet (parameter sets); a larger
 * one is cut into FU-A fragments. The last packet of the access unit has
 * the marker bit set: `rtph264depay` relies on it, otherwise it looks for
 * access unit boundaries in slice headers.
 *
 * Input is byte-stream only. With avc, the parameter sets usually live
 * in `codec_data` only; carried out of band they can't be part of the
 * authenticated clear header, and put back in band on the receiving side
 * they change it. Convert with `h264parse config-interval=-1` in front of the
 * encryptor instead, which also repeats them before every key frame.
 *
 * The output caps carry no `sprop-parameter-sets`: the parameter sets stay
 * in clear in every key frame (they are part of the authenticated clear
 * header), so the receiver needs nothing out of band.
 *
 * ## Receiving: sprop-parameter-sets are harmless
 *
 * When its sink caps carry `sprop-parameter-sets` (from another sender's
 * SDP, say) and it outputs byte-stream, `rtph264depay` prepends those
 * parameter sets to the first access unit it outputs after every caps
 * event, in front of the frame's clear header (the AES-GCM additional
 * data). e2eedecrypt then tries the frame from the start codes after the
 * parameter sets and passes on only the authenticated rest, which is the
 * sender's frame, so no frame is lost. The depayloader must output
 * byte-stream: with avc output it moves in-band SPS and PPS out of the
 * access units into `codec_data`, which changes every key frame.
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 videotestsrc ! video/x-raw,format=I420 !
 *     x264enc tune=zerolatency key-int-max=30 !
 *     h264parse config-interval=-1 !
 *     video/x-h264,stream-format=byte-stream,alignment=au !
 *     e2eeencrypt passphrase=secret ! e2eertph264pay mtu=1200 !
 *     udpsink host=127.0.0.1 port=5004
 * ]| Encrypts H.264 with a shared passphrase and sends it over RTP.
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96" !
 *     rtpjitterbuffer ! rtph264depay !
 *     video/x-h264,stream-format=byte-stream,alignment=au !
 *     e2eedecrypt passphrase=secret ! h264parse ! avdec_h264 !
 *     videoconvert ! autovideosink
 * ]| Receives and decrypts it. The depayloader must output byte-stream
 * access units.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>

#include "gste2eeelements.h"
/* examples[]: the pipelines of the SECTION block above */
#include "gste2eertph264pay-examples.h"
#include "gste2eertph264pay.h"
#include "gste2eertpfragment.h"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, "
        "stream-format = (string) byte-stream, alignment = (string) au"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, "
        "media = (string) video, "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, "
        "encoding-name = (string) H264"));

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_rtp_h264_pay_debug);
#define GST_CAT_DEFAULT gst_e2ee_rtp_h264_pay_debug

/* RFC 6184 section 5.2 */
#define NAL_TYPE_STAP_A 24
#define NAL_TYPE_FU_A 28

/* The NAL unit size in front of each aggregated NAL unit, in both RFCs. */
#define AGGREGATION_LENGTH_SIZE 2

struct _GstE2eeRtpH264Pay
{
  GstRTPBasePayload parent;
};

#define gst_e2ee_rtp_h264_pay_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeRtpH264Pay, gst_e2ee_rtp_h264_pay,
    GST_TYPE_RTP_BASE_PAYLOAD,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_rtp_h264_pay_debug, "e2eertph264pay", 0,
        "RTP H.264 payloader for encrypted frames"));
GST_ELEMENT_REGISTER_DEFINE (e2eertph264pay, "e2eertph264pay", GST_RANK_NONE,
    GST_TYPE_E2EE_RTP_H264_PAY);

static gboolean gst_e2ee_rtp_h264_pay_set_caps (GstRTPBasePayload * payload,
    GstCaps * caps);
static GstFlowReturn gst_e2ee_rtp_h264_pay_handle_buffer (GstRTPBasePayload *
    payload, GstBuffer * buffer);

static void
gst_e2ee_rtp_h264_pay_class_init (GstE2eeRtpH264PayClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *payload_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP H.264 payloader for encrypted frames",
      "Codec/Payloader/Network/RTP",
      "Payload-encode end-to-end encrypted H.264 access units into RTP "
      "packets (RFC 6184) without touching their bytes",
      "gst-e2ee authors");
  gst_e2ee_element_class_add_examples (element_class, examples);

  payload_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_rtp_h264_pay_set_caps);
  payload_class->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_e2ee_rtp_h264_pay_handle_buffer);
}

static void
gst_e2ee_rtp_h264_pay_init (GstE2eeRtpH264Pay * self)
{
}

/* Packetization, shared with e2eertph265pay */

/* Where the packets of one access unit go. */
typedef struct
{
  GstRTPBasePayload *payload;
  const GstE2eeNalPacketization *format;
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
  const GstE2eeNalPacketization *format = sink->format;
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
 * gst_e2ee_nal_packetization_push:
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
gst_e2ee_nal_packetization_push (GstRTPBasePayload * payload,
    const GstE2eeNalPacketization * format, GstBuffer * access_unit)
{
  PacketSink sink = { payload, format, access_unit, NULL, NULL, 0 };
  GstMapInfo map;
  GArray *nal_units;
  GstFlowReturn ret = GST_FLOW_OK;
  guint mtu = GST_RTP_BASE_PAYLOAD_MTU (payload);

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

/* H.264 payload format (RFC 6184) */

/* STAP-A (section 5.7.1): F is the OR and NRI the maximum of the
 * aggregated NAL units' values. */
static void
write_stap_a_header (guint8 * out, const guint8 * data,
    const GstE2eeNalUnit * nal_units, guint count)
{
  guint8 forbidden = 0, nri = 0;
  guint i;

  for (i = 0; i < count; i++) {
    guint8 header = data[nal_units[i].offset];

    forbidden |= header & 0x80;
    nri = MAX (nri, header & 0x60);
  }
  out[0] = forbidden | nri | NAL_TYPE_STAP_A;
}

/* FU-A (section 5.8): the FU indicator keeps F and NRI, the FU header
 * carries start, end and the NAL unit type. */
static void
write_fu_a_header (guint8 * out, const guint8 * nal_header, gboolean first,
    gboolean last)
{
  out[0] = (nal_header[0] & 0xe0) | NAL_TYPE_FU_A;
  out[1] = (first ? 0x80 : 0) | (last ? 0x40 : 0) | (nal_header[0] & 0x1f);
}

static const GstE2eeNalPacketization h264_packetization = {
  .nal_header_size = 1,
  .aggregation_header_size = 1,
  .fragment_header_size = 2,
  .write_aggregation_header = write_stap_a_header,
  .write_fragment_header = write_fu_a_header,
};

/* Virtual methods */

static gboolean
gst_e2ee_rtp_h264_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  gst_rtp_base_payload_set_options (payload, "video", TRUE, "H264", 90000);

  /* No sprop-parameter-sets on purpose: see the section doc. */
  return gst_rtp_base_payload_set_outcaps (payload,
      "packetization-mode", G_TYPE_STRING, "1", NULL);
}

static GstFlowReturn
gst_e2ee_rtp_h264_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  return gst_e2ee_nal_packetization_push (payload, &h264_packetization,
      buffer);
}
