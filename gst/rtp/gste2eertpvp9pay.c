/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-e2eertpvp9pay
 * @title: e2eertpvp9pay
 * @see_also: e2eeencrypt, e2eedecrypt, rtpvp9depay, rtpvp9pay
 *
 * Packs VP9 frames into RTP packets (RFC 9628) without ever reading the
 * frame, the way libwebrtc's VP9 packetizer does for a single spatial layer
 * in non-flexible mode. It exists for frames that went through e2eeencrypt:
 * LiveKit encrypts a VP9 frame entirely, uncompressed header included, and
 * the stock rtpvp9pay parses that header to find key frames and the frame
 * size. On an encrypted frame that parse fails for most frames and the
 * pipeline stops with an error.
 *
 * This payloader treats each input buffer as an opaque frame:
 *
 * * a frame is a key frame when its buffer lacks
 *   %GST_BUFFER_FLAG_DELTA_UNIT (encoders set it, e2eeencrypt keeps it);
 * * every packet carries the payload descriptor I=1 with a 15-bit picture ID
 *   that grows by one per frame, P=1 for delta frames (P=0 on key frames,
 *   which rtpvp9depay needs before it outputs anything), L=0, F=0, B=1 on
 *   the first packet of a frame and E=1 on its last;
 * * the first packet of a key frame also carries a scalability structure
 *   (V=1) for one spatial layer (N_S=0) and no picture group (G=0), with
 *   the frame size (Y=1) taken from the width and height of the input caps
 *   when they have them: that is where rtpvp9depay takes its output caps
 *   from, since it does not parse the frame either;
 * * the frame is cut into as few fragments as the MTU allows, all of about
 *   the same packet size, and the RTP marker bit is set on the last packet.
 *
 * It works the same for plaintext VP9 and for encrypted frames, and any
 * RFC 9628 depayloader (the stock rtpvp9depay, a browser) rebuilds the frames
 * byte for byte, so e2eedecrypt can authenticate them. The RTP payload type
 * defaults to 98 (the `pt` property of the base class shows 96 as its
 * default, but this element starts from 98).
 *
 * ## Properties
 *
 * * `picture-id-offset`: the first picture ID (-1: random), as rtpvp9pay's
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 videotestsrc ! vp9enc deadline=1 ! \
 *     e2eeencrypt passphrase=secret ! e2eertpvp9pay ! \
 *     udpsink host=127.0.0.1 port=5004
 * ]| Encrypts VP9 frames with a shared passphrase and sends them as RTP.
 * |[
 * gst-launch-1.0 udpsrc port=5004 \
 *     caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=VP9" \
 *     ! rtpjitterbuffer ! rtpvp9depay ! e2eedecrypt passphrase=secret ! \
 *     vp9dec ! videoconvert ! autovideosink
 * ]| Receives them with the stock depayloader.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/rtp/gstrtpbuffer.h>

#include "../gste2eeelements.h"
#include "gste2eertpvp9pay.h"
#include "gste2eertpfragment.h"
/* examples[]: the pipelines of the SECTION block above */
#include "gste2eertpvp9pay-examples.h"

/* RFC 9628 section 4.2: first octet I|P|L|F|B|E|V|Z, then M|PictureID. */
#define VP9_DESCRIPTOR_I            0x80
#define VP9_DESCRIPTOR_P            0x40
#define VP9_DESCRIPTOR_B            0x08
#define VP9_DESCRIPTOR_E            0x04
#define VP9_DESCRIPTOR_V            0x02
#define VP9_PICTURE_ID_M            0x80
#define VP9_PICTURE_ID_MASK         0x7fff
/* picture ID of 15 bits */
#define VP9_DESCRIPTOR_SIZE         3
/* Scalability structure: N_S(3)|Y|G|RSV(3), then WIDTH(16) HEIGHT(16) per
 * spatial layer when Y=1. N_S=0 means one spatial layer. */
#define VP9_SS_Y                    0x10
#define VP9_SS_SIZE_NO_RESOLUTION   1
#define VP9_SS_SIZE_WITH_RESOLUTION 5
#define VP9_MAX_DIMENSION           G_MAXUINT16

struct _GstE2eeRtpVp9Pay
{
  GstRTPBasePayload parent;

  /* properties, protected by the object lock */
  gint picture_id_offset;

  /* streaming state */
  guint16 picture_id;
  /* from the caps; 0 when unknown */
  guint width;
  guint height;
};

static GstStaticPadTemplate gst_e2ee_rtp_vp9_pay_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-vp9"));

static GstStaticPadTemplate gst_e2ee_rtp_vp9_pay_src_template =
GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, "
        "media = (string) \"video\", "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, " "encoding-name = (string) \"VP9\""));

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_rtp_vp9_pay_debug);
#define GST_CAT_DEFAULT gst_e2ee_rtp_vp9_pay_debug

enum
{
  PROP_0,
  PROP_PICTURE_ID_OFFSET,
};

#define DEFAULT_PT 98
#define DEFAULT_PICTURE_ID_OFFSET (-1)

#define gst_e2ee_rtp_vp9_pay_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeRtpVp9Pay, gst_e2ee_rtp_vp9_pay,
    GST_TYPE_RTP_BASE_PAYLOAD,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_rtp_vp9_pay_debug, "e2eertpvp9pay", 0,
        "RTP VP9 payloader for encrypted frames"));
GST_ELEMENT_REGISTER_DEFINE (e2eertpvp9pay, "e2eertpvp9pay", GST_RANK_NONE,
    GST_TYPE_E2EE_RTP_VP9_PAY);

static void gst_e2ee_rtp_vp9_pay_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_e2ee_rtp_vp9_pay_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_e2ee_rtp_vp9_pay_change_state (GstElement *
    element, GstStateChange transition);
static gboolean gst_e2ee_rtp_vp9_pay_set_caps (GstRTPBasePayload * payload,
    GstCaps * caps);
static GstFlowReturn gst_e2ee_rtp_vp9_pay_handle_buffer (GstRTPBasePayload *
    payload, GstBuffer * buffer);

static void
gst_e2ee_rtp_vp9_pay_class_init (GstE2eeRtpVp9PayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *payload_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gobject_class->set_property = gst_e2ee_rtp_vp9_pay_set_property;
  gobject_class->get_property = gst_e2ee_rtp_vp9_pay_get_property;

  /**
   * GstE2eeRtpVp9Pay:picture-id-offset:
   *
   * Picture ID of the first frame, or -1 for a random one. Applied when the
   * element goes from READY to PAUSED.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_PICTURE_ID_OFFSET,
      g_param_spec_int ("picture-id-offset", "Picture ID offset",
          "Picture ID of the first frame (-1 = random)",
          -1, VP9_PICTURE_ID_MASK, DEFAULT_PICTURE_ID_OFFSET,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class,
      &gst_e2ee_rtp_vp9_pay_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_e2ee_rtp_vp9_pay_src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP VP9 payloader for encrypted frames", "Codec/Payloader/Network/RTP",
      "Payload-encodes VP9 frames into RTP packets (RFC 9628) without "
      "parsing them, so that end-to-end encrypted frames survive",
      "gst-e2ee authors");
  gst_e2ee_element_class_add_examples (element_class, examples);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_e2ee_rtp_vp9_pay_change_state);
  payload_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_rtp_vp9_pay_set_caps);
  payload_class->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_e2ee_rtp_vp9_pay_handle_buffer);
}

static void
gst_e2ee_rtp_vp9_pay_init (GstE2eeRtpVp9Pay * self)
{
  GST_RTP_BASE_PAYLOAD_PT (self) = DEFAULT_PT;
  self->picture_id_offset = DEFAULT_PICTURE_ID_OFFSET;
}

static void
gst_e2ee_rtp_vp9_pay_reset (GstE2eeRtpVp9Pay * self)
{
  gint offset;

  GST_OBJECT_LOCK (self);
  offset = self->picture_id_offset;
  GST_OBJECT_UNLOCK (self);

  self->picture_id = gst_e2ee_rtp_first_picture_id (offset,
      VP9_PICTURE_ID_MASK);
  self->width = 0;
  self->height = 0;
}

static guint
vp9_ss_size (GstE2eeRtpVp9Pay * self)
{
  return self->width && self->height ?
      VP9_SS_SIZE_WITH_RESOLUTION : VP9_SS_SIZE_NO_RESOLUTION;
}

/* Writes the descriptor and, when @ss is set, the scalability structure
 * after it. */
static void
vp9_write_descriptor (GstE2eeRtpVp9Pay * self, guint8 * out,
    gboolean key_frame, gboolean first, gboolean last, gboolean ss)
{
  out[0] = VP9_DESCRIPTOR_I;
  if (!key_frame)
    out[0] |= VP9_DESCRIPTOR_P;
  if (first)
    out[0] |= VP9_DESCRIPTOR_B;
  if (last)
    out[0] |= VP9_DESCRIPTOR_E;
  if (ss)
    out[0] |= VP9_DESCRIPTOR_V;
  out[1] = VP9_PICTURE_ID_M | ((self->picture_id >> 8) & 0x7f);
  out[2] = self->picture_id & 0xff;
  if (!ss)
    return;

  /* N_S=0 (one spatial layer), G=0 */
  if (vp9_ss_size (self) == VP9_SS_SIZE_NO_RESOLUTION) {
    out[3] = 0;
    return;
  }
  out[3] = VP9_SS_Y;
  GST_WRITE_UINT16_BE (out + 4, self->width);
  GST_WRITE_UINT16_BE (out + 6, self->height);
}

static GstBuffer *
gst_e2ee_rtp_vp9_pay_make_packet (GstE2eeRtpVp9Pay * self, GstBuffer * frame,
    gsize offset, gsize size, gboolean first, gboolean last)
{
  gboolean key_frame = !GST_BUFFER_FLAG_IS_SET (frame,
      GST_BUFFER_FLAG_DELTA_UNIT);
  gboolean ss = key_frame && first;
  guint header_size = VP9_DESCRIPTOR_SIZE + (ss ? vp9_ss_size (self) : 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *packet;

  packet = gst_rtp_base_payload_allocate_output_buffer (GST_RTP_BASE_PAYLOAD
      (self), header_size, 0, 0);
  gst_rtp_buffer_map (packet, GST_MAP_WRITE, &rtp);
  vp9_write_descriptor (self, gst_rtp_buffer_get_payload (&rtp), key_frame,
      first, last, ss);
  gst_rtp_buffer_set_marker (&rtp, last);
  gst_rtp_buffer_unmap (&rtp);

  return gst_e2ee_rtp_append_fragment (packet, frame, offset, size);
}

static GstFlowReturn
gst_e2ee_rtp_vp9_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  GstE2eeRtpVp9Pay *self = GST_E2EE_RTP_VP9_PAY (payload);
  gsize frame_size = gst_buffer_get_size (buffer);
  gboolean key_frame = !GST_BUFFER_FLAG_IS_SET (buffer,
      GST_BUFFER_FLAG_DELTA_UNIT);
  guint packet_payload = gst_rtp_buffer_calc_payload_len
      (GST_RTP_BASE_PAYLOAD_MTU (self), 0, 0);
  guint first_extra = key_frame ? vp9_ss_size (self) : 0;
  guint max_fragment, n_packets, i;
  GstBufferList *list;
  gsize offset = 0;

  if (frame_size == 0) {
    GST_DEBUG_OBJECT (self, "dropping empty frame");
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  /* The first packet must hold at least one byte of the frame. */
  if (packet_payload <= VP9_DESCRIPTOR_SIZE + first_extra + 1)
    goto mtu_too_small;

  max_fragment = packet_payload - VP9_DESCRIPTOR_SIZE;
  n_packets = (frame_size + first_extra + max_fragment - 1) / max_fragment;
  list = gst_buffer_list_new_sized (n_packets);
  for (i = 0; i < n_packets; i++) {
    gsize size = gst_e2ee_rtp_fragment_size (frame_size, first_extra,
        n_packets, i);

    gst_buffer_list_add (list, gst_e2ee_rtp_vp9_pay_make_packet (self, buffer,
            offset, size, i == 0, i == n_packets - 1));
    offset += size;
  }
  GST_LOG_OBJECT (self, "%s frame of %" G_GSIZE_FORMAT " bytes, picture ID "
      "%u, in %u packets", key_frame ? "key" : "delta", frame_size,
      self->picture_id, n_packets);

  self->picture_id = (self->picture_id + 1) & VP9_PICTURE_ID_MASK;
  gst_buffer_unref (buffer);
  return gst_rtp_base_payload_push_list (payload, list);

  /* ERRORS */
mtu_too_small:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("MTU too small"),
        ("an MTU of %u leaves no room for payload after the RTP header and "
            "the payload descriptor", GST_RTP_BASE_PAYLOAD_MTU (self)));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
}

/* The frame size in the scalability structure comes from the caps, never
 * from the (possibly encrypted) frame header. */
static gboolean
gst_e2ee_rtp_vp9_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  GstE2eeRtpVp9Pay *self = GST_E2EE_RTP_VP9_PAY (payload);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint width = 0, height = 0;

  if (gst_structure_get_int (s, "width", &width) &&
      gst_structure_get_int (s, "height", &height) &&
      width > 0 && height > 0 &&
      width <= VP9_MAX_DIMENSION && height <= VP9_MAX_DIMENSION) {
    self->width = width;
    self->height = height;
  } else {
    GST_DEBUG_OBJECT (self, "no frame size in caps, key frames will carry "
        "a scalability structure without resolution");
    self->width = 0;
    self->height = 0;
  }

  gst_rtp_base_payload_set_options (payload, "video", TRUE, "VP9", 90000);
  return gst_rtp_base_payload_set_outcaps (payload, NULL);
}

static GstStateChangeReturn
gst_e2ee_rtp_vp9_pay_change_state (GstElement * element,
    GstStateChange transition)
{
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_e2ee_rtp_vp9_pay_reset (GST_E2EE_RTP_VP9_PAY (element));

  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static void
gst_e2ee_rtp_vp9_pay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstE2eeRtpVp9Pay *self = GST_E2EE_RTP_VP9_PAY (object);

  switch (prop_id) {
    case PROP_PICTURE_ID_OFFSET:
      GST_OBJECT_LOCK (self);
      self->picture_id_offset = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_rtp_vp9_pay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstE2eeRtpVp9Pay *self = GST_E2EE_RTP_VP9_PAY (object);

  switch (prop_id) {
    case PROP_PICTURE_ID_OFFSET:
      GST_OBJECT_LOCK (self);
      g_value_set_int (value, self->picture_id_offset);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}
