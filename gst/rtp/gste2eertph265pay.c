/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-e2eertph265pay
 * @title: e2eertph265pay
 * @see_also: e2eeencrypt, e2eedecrypt, e2eertph264pay, rtph265depay
 *
 * Packs end-to-end encrypted H.265 access units into RTP packets
 * (RFC 7798, no DONL) the way libwebrtc does, so that the stock
 * `rtph265depay` gives back every encrypted frame byte for byte.
 *
 * ## Why not rtph265pay
 *
 * e2eeencrypt keeps the parameter sets and the first slice's NAL header in
 * clear and turns the rest of the frame into one escaped NAL unit that ends
 * with the key index byte. With key index 0, LiveKit's default, every
 * encrypted frame therefore ends in `0x00`. `rtph265pay` (byte-stream
 * input) trims all trailing zero bytes of every NAL unit except at EOS, so
 * the key index is lost and no frame can be decrypted. It also parses the
 * NAL units to fill `sprop-vps`, `sprop-sps` and `sprop-pps`, which hurts
 * on the receiving side (below).
 *
 * This element splits the access unit on start codes and nothing else: the
 * only zero byte it drops is the leading zero of a 4-byte start code. It
 * never looks past a NAL unit header (the slice data is ciphertext). A NAL
 * unit that fits the MTU goes into a single NAL unit packet, or together
 * with its small neighbours into an aggregation packet (parameter sets); a
 * larger one is cut into fragmentation units. The last packet of the access
 * unit has the marker bit set: `rtph265depay` relies on it, otherwise it
 * looks for access unit boundaries in the first byte after a slice's NAL
 * unit header, which is ciphertext.
 *
 * Input is byte-stream only. With hvc1/hev1, the parameter sets usually live
 * in `codec_data` only; carried out of band they can't be part of the
 * authenticated clear header, and put back in band on the receiving side
 * they change it. Convert with `h265parse config-interval=-1` in front of the
 * encryptor instead, which also repeats them before every key frame.
 *
 * The output caps carry no `sprop-vps`/`sprop-sps`/`sprop-pps`: the
 * parameter sets stay in clear in every key frame (they are part of the
 * authenticated clear header), so the receiver needs nothing out of band.
 *
 * ## Receiving: sprop parameter sets are harmless
 *
 * When its sink caps carry all three of `sprop-vps`, `sprop-sps` and
 * `sprop-pps` (from another sender's SDP, say) and it outputs byte-stream,
 * `rtph265depay` prepends those parameter sets to the first access unit it
 * outputs after every caps event, in front of the frame's clear header (the
 * AES-GCM additional data). e2eedecrypt then tries the frame from the start
 * codes after the parameter sets and passes on only the authenticated
 * rest, which is the sender's frame, so no frame is lost. The depayloader
 * must output byte-stream: with hvc1/hev1 output it moves in-band parameter
 * sets out of the access units into `codec_data`, which changes the key
 * frames.
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 videotestsrc ! video/x-raw,format=I420 !
 *     x265enc tune=zerolatency key-int-max=30 !
 *     h265parse config-interval=-1 !
 *     video/x-h265,stream-format=byte-stream,alignment=au !
 *     e2eeencrypt passphrase=secret ! e2eertph265pay mtu=1200 !
 *     udpsink host=127.0.0.1 port=5004
 * ]| Encrypts H.265 with a shared passphrase and sends it over RTP.
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H265,payload=96" !
 *     rtpjitterbuffer ! rtph265depay !
 *     video/x-h265,stream-format=byte-stream,alignment=au !
 *     e2eedecrypt passphrase=secret ! h265parse ! avdec_h265 !
 *     videoconvert ! autovideosink
 * ]| Receives and decrypts it. The depayloader must output byte-stream
 * access units.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/rtp/gstrtppayloads.h>

#include "../gste2eeelements.h"
#include "gste2eertph265pay.h"
#include "gste2eertpnal.h"
/* examples[]: the pipelines of the SECTION block above */
#include "gste2eertph265pay-examples.h"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h265, "
        "stream-format = (string) byte-stream, alignment = (string) au"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, "
        "media = (string) video, "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, "
        "encoding-name = (string) H265"));

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_rtp_h265_pay_debug);
#define GST_CAT_DEFAULT gst_e2ee_rtp_h265_pay_debug

/* RFC 7798 sections 4.4.2, 4.4.3 */
#define NAL_TYPE_AP 48
#define NAL_TYPE_FU 49

struct _GstE2eeRtpH265Pay
{
  GstRTPBasePayload parent;
};

#define gst_e2ee_rtp_h265_pay_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeRtpH265Pay, gst_e2ee_rtp_h265_pay,
    GST_TYPE_RTP_BASE_PAYLOAD,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_rtp_h265_pay_debug, "e2eertph265pay", 0,
        "RTP H.265 payloader for encrypted frames"));
GST_ELEMENT_REGISTER_DEFINE (e2eertph265pay, "e2eertph265pay", GST_RANK_NONE,
    GST_TYPE_E2EE_RTP_H265_PAY);

static gboolean gst_e2ee_rtp_h265_pay_set_caps (GstRTPBasePayload * payload,
    GstCaps * caps);
static GstFlowReturn gst_e2ee_rtp_h265_pay_handle_buffer (GstRTPBasePayload *
    payload, GstBuffer * buffer);

static void
gst_e2ee_rtp_h265_pay_class_init (GstE2eeRtpH265PayClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *payload_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP H.265 payloader for encrypted frames",
      "Codec/Payloader/Network/RTP",
      "Payload-encode end-to-end encrypted H.265 access units into RTP "
      "packets (RFC 7798) without touching their bytes",
      "gst-e2ee authors");
  gst_e2ee_element_class_add_examples (element_class, examples);

  payload_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_rtp_h265_pay_set_caps);
  payload_class->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_e2ee_rtp_h265_pay_handle_buffer);
}

static void
gst_e2ee_rtp_h265_pay_init (GstE2eeRtpH265Pay * self)
{
}

/* H.265 payload format (RFC 7798) */

/* The 6-bit LayerId, split over both NAL unit header bytes. */
static guint
nal_layer_id (const guint8 * header)
{
  return ((header[0] & 0x01) << 5) | (header[1] >> 3);
}

/* Aggregation packet (section 4.4.2): F is the OR, LayerId and TID the
 * minimum of the aggregated NAL units' values. */
static void
write_ap_header (guint8 * out, const guint8 * data,
    const GstE2eeNalUnit * nal_units, guint count)
{
  guint8 forbidden = 0;
  guint layer_id = 0x3f, tid = 0x07;
  guint i;

  for (i = 0; i < count; i++) {
    const guint8 *header = data + nal_units[i].offset;

    forbidden |= header[0] & 0x80;
    layer_id = MIN (layer_id, nal_layer_id (header));
    tid = MIN (tid, header[1] & 0x07);
  }
  out[0] = forbidden | (NAL_TYPE_AP << 1) | (layer_id >> 5);
  out[1] = ((layer_id & 0x1f) << 3) | tid;
}

/* Fragmentation unit (section 4.4.3): the payload header is the NAL unit
 * header with type 49, the FU header carries start, end and the type. */
static void
write_fu_header (guint8 * out, const guint8 * nal_header, gboolean first,
    gboolean last)
{
  out[0] = (nal_header[0] & 0x81) | (NAL_TYPE_FU << 1);
  out[1] = nal_header[1];
  out[2] = (first ? 0x80 : 0) | (last ? 0x40 : 0) |
      ((nal_header[0] >> 1) & 0x3f);
}

static const GstE2eeRtpNalFormat h265_format = {
  .nal_header_size = 2,
  .aggregation_header_size = 2,
  .fragment_header_size = 3,
  .write_aggregation_header = write_ap_header,
  .write_fragment_header = write_fu_header,
};

/* Virtual methods */

static gboolean
gst_e2ee_rtp_h265_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  gst_rtp_base_payload_set_options (payload, "video", TRUE, "H265", 90000);

  /* No sprop-vps/sps/pps on purpose: see the section doc. */
  return gst_rtp_base_payload_set_outcaps (payload, NULL);
}

static GstFlowReturn
gst_e2ee_rtp_h265_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  return gst_e2ee_rtp_nal_push (payload, &h265_format, buffer);
}
