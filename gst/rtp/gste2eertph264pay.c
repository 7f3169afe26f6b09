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

#include <gst/rtp/gstrtppayloads.h>

#include "../gste2eeelements.h"
#include "gste2eertph264pay.h"
#include "gste2eertpnal.h"
/* examples[]: the pipelines of the SECTION block above */
#include "gste2eertph264pay-examples.h"

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

static const GstE2eeRtpNalFormat h264_format = {
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
  return gst_e2ee_rtp_nal_push (payload, &h264_format, buffer);
}
