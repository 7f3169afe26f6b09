/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-e2eertpvp8pay
 * @title: e2eertpvp8pay
 * @see_also: e2eeencrypt, e2eedecrypt, rtpvp8depay, rtpvp8pay
 *
 * Packs VP8 frames into RTP packets (RFC 7741) without ever reading the
 * frame, the way libwebrtc's VP8 packetizer does. It exists for frames that
 * went through e2eeencrypt: LiveKit's frame encryption keeps only the first
 * 10 bytes of a key frame (3 of a delta frame) in clear, and the stock
 * rtpvp8pay parses the VP8 partitions behind them to place its partition
 * boundaries. On an encrypted frame that parse fails ("Failed to parse VP8
 * frame") for most frames and the pipeline stops with an error.
 *
 * This payloader treats each input buffer as an opaque frame:
 *
 * * every packet carries the payload descriptor X=1, I=1 with the frame's
 *   picture ID (15 bits by default, see #GstE2eeRtpVp8Pay:picture-id-mode),
 *   N=0 and PID 0; S=1 marks the first packet of a frame;
 * * the frame is cut into as few fragments as the MTU allows, all of about
 *   the same size (the larger ones last), and the RTP marker bit is set on
 *   the last packet of each frame;
 * * the RTP timestamp comes from the buffer PTS, as in every payloader.
 *
 * The VP8 payload descriptor carries no key-frame information, so nothing
 * of the frame is read at all. Output packets of delta frames carry
 * %GST_BUFFER_FLAG_DELTA_UNIT, copied from the input buffer. It works the
 * same for plaintext VP8 and for encrypted frames, and any RFC 7741
 * depayloader (the stock rtpvp8depay, a browser) rebuilds the frames byte
 * for byte, so e2eedecrypt can authenticate them.
 *
 * ## Properties
 *
 * * `picture-id-mode`: 7-bit or 15-bit picture IDs (default 15-bit)
 * * `picture-id-offset`: the first picture ID (-1: random), as rtpvp8pay's
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 videotestsrc ! vp8enc deadline=1 ! \
 *     e2eeencrypt passphrase=secret ! e2eertpvp8pay ! \
 *     udpsink host=127.0.0.1 port=5004
 * ]| Encrypts VP8 frames with a shared passphrase and sends them as RTP.
 * |[
 * gst-launch-1.0 udpsrc port=5004 \
 *     caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8" \
 *     ! rtpjitterbuffer ! rtpvp8depay ! e2eedecrypt passphrase=secret ! \
 *     vp8dec ! videoconvert ! autovideosink
 * ]| Receives them: the stock depayloader is fine on this side, since
 * depayloading never needs to look inside the frame.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/rtp/gstrtpbuffer.h>

#include "../gste2eeelements.h"
#include "gste2eertpvp8pay.h"
#include "gste2eertpfragment.h"
/* examples[]: the pipelines of the SECTION block above */
#include "gste2eertpvp8pay-examples.h"

/* RFC 7741 section 4.2: first octet X|R|N|S|R|PID, extension octet
 * I|L|T|K|RSV, then M|PictureID (7 or 15 bits). */
#define VP8_DESCRIPTOR_X            0x80
#define VP8_DESCRIPTOR_S            0x10
#define VP8_DESCRIPTOR_I            0x80
#define VP8_PICTURE_ID_M            0x80
#define VP8_PICTURE_ID_7BIT_MASK    0x7f
#define VP8_PICTURE_ID_15BIT_MASK   0x7fff

struct _GstE2eeRtpVp8Pay
{
  GstRTPBasePayload parent;

  /* properties, protected by the object lock */
  GstE2eeRtpVp8PayPictureIdMode picture_id_mode;
  gint picture_id_offset;

  /* streaming state */
  GstE2eeRtpVp8PayPictureIdMode active_mode;
  guint16 picture_id;
};

static GstStaticPadTemplate gst_e2ee_rtp_vp8_pay_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-vp8"));

static GstStaticPadTemplate gst_e2ee_rtp_vp8_pay_src_template =
GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, "
        "media = (string) \"video\", "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, " "encoding-name = (string) \"VP8\""));

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_rtp_vp8_pay_debug);
#define GST_CAT_DEFAULT gst_e2ee_rtp_vp8_pay_debug

enum
{
  PROP_0,
  PROP_PICTURE_ID_MODE,
  PROP_PICTURE_ID_OFFSET,
};

#define DEFAULT_PT 96
#define DEFAULT_PICTURE_ID_MODE GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_15BIT
#define DEFAULT_PICTURE_ID_OFFSET (-1)

GType
gst_e2ee_rtp_vp8_pay_picture_id_mode_get_type (void)
{
  static GType mode_type = 0;
  static const GEnumValue modes[] = {
    {GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_NONE, "No Picture ID", "none"},
    {GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_7BIT, "7-bit Picture ID",
        "7-bit"},
    {GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_15BIT, "15-bit Picture ID",
        "15-bit"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&mode_type)) {
    GType type = g_enum_register_static ("GstE2eeRtpVp8PayPictureIdMode",
        modes);
    g_once_init_leave (&mode_type, type);
  }
  return mode_type;
}

#define gst_e2ee_rtp_vp8_pay_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeRtpVp8Pay, gst_e2ee_rtp_vp8_pay,
    GST_TYPE_RTP_BASE_PAYLOAD,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_rtp_vp8_pay_debug, "e2eertpvp8pay", 0,
        "RTP VP8 payloader for encrypted frames"));
GST_ELEMENT_REGISTER_DEFINE (e2eertpvp8pay, "e2eertpvp8pay", GST_RANK_NONE,
    GST_TYPE_E2EE_RTP_VP8_PAY);

static void gst_e2ee_rtp_vp8_pay_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_e2ee_rtp_vp8_pay_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_e2ee_rtp_vp8_pay_change_state (GstElement *
    element, GstStateChange transition);
static gboolean gst_e2ee_rtp_vp8_pay_set_caps (GstRTPBasePayload * payload,
    GstCaps * caps);
static GstFlowReturn gst_e2ee_rtp_vp8_pay_handle_buffer (GstRTPBasePayload *
    payload, GstBuffer * buffer);

static void
gst_e2ee_rtp_vp8_pay_class_init (GstE2eeRtpVp8PayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *payload_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gobject_class->set_property = gst_e2ee_rtp_vp8_pay_set_property;
  gobject_class->get_property = gst_e2ee_rtp_vp8_pay_get_property;

  /**
   * GstE2eeRtpVp8Pay:picture-id-mode:
   *
   * Size of the picture ID written in every payload descriptor, or none.
   * The default is 15 bits, as libwebrtc sends.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_PICTURE_ID_MODE,
      g_param_spec_enum ("picture-id-mode", "Picture ID mode",
          "Size of the picture ID in the payload descriptor",
          GST_TYPE_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE, DEFAULT_PICTURE_ID_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeRtpVp8Pay:picture-id-offset:
   *
   * Picture ID of the first frame, or -1 for a random one. Applied when the
   * element goes from READY to PAUSED.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_PICTURE_ID_OFFSET,
      g_param_spec_int ("picture-id-offset", "Picture ID offset",
          "Picture ID of the first frame (-1 = random)",
          -1, VP8_PICTURE_ID_15BIT_MASK, DEFAULT_PICTURE_ID_OFFSET,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class,
      &gst_e2ee_rtp_vp8_pay_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_e2ee_rtp_vp8_pay_src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP VP8 payloader for encrypted frames", "Codec/Payloader/Network/RTP",
      "Payload-encodes VP8 frames into RTP packets (RFC 7741) without "
      "parsing them, so that end-to-end encrypted frames survive",
      "gst-e2ee authors");
  gst_e2ee_element_class_add_examples (element_class, examples);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_e2ee_rtp_vp8_pay_change_state);
  payload_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_rtp_vp8_pay_set_caps);
  payload_class->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_e2ee_rtp_vp8_pay_handle_buffer);

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE, 0);
}

static void
gst_e2ee_rtp_vp8_pay_init (GstE2eeRtpVp8Pay * self)
{
  GST_RTP_BASE_PAYLOAD_PT (self) = DEFAULT_PT;
  self->picture_id_mode = DEFAULT_PICTURE_ID_MODE;
  self->picture_id_offset = DEFAULT_PICTURE_ID_OFFSET;
  self->active_mode = DEFAULT_PICTURE_ID_MODE;
}

static guint16
picture_id_mask (GstE2eeRtpVp8PayPictureIdMode mode)
{
  return mode == GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_7BIT ?
      VP8_PICTURE_ID_7BIT_MASK : VP8_PICTURE_ID_15BIT_MASK;
}

/* Called on READY_TO_PAUSED: the mode and first picture ID hold for the
 * whole stream, so a receiver never sees the picture ID change size. */
static void
gst_e2ee_rtp_vp8_pay_reset (GstE2eeRtpVp8Pay * self)
{
  gint offset;

  GST_OBJECT_LOCK (self);
  self->active_mode = self->picture_id_mode;
  offset = self->picture_id_offset;
  GST_OBJECT_UNLOCK (self);

  self->picture_id = gst_e2ee_rtp_first_picture_id (offset,
      VP8_PICTURE_ID_15BIT_MASK) & picture_id_mask (self->active_mode);
}

/* Size of the payload descriptor; the same on every packet. */
static guint
vp8_descriptor_size (GstE2eeRtpVp8PayPictureIdMode mode)
{
  switch (mode) {
    case GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_7BIT:
      return 3;
    case GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_15BIT:
      return 4;
    case GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_NONE:
    default:
      return 1;
  }
}

static void
vp8_write_descriptor (guint8 * out, GstE2eeRtpVp8PayPictureIdMode mode,
    guint16 picture_id, gboolean start_of_frame)
{
  /* N=0 (every frame may be a reference: we cannot know without parsing)
   * and PID=0 (no partition boundaries: we do not parse them). */
  out[0] = start_of_frame ? VP8_DESCRIPTOR_S : 0;
  if (mode == GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_NONE)
    return;

  out[0] |= VP8_DESCRIPTOR_X;
  out[1] = VP8_DESCRIPTOR_I;
  if (mode == GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_7BIT) {
    out[2] = picture_id & VP8_PICTURE_ID_7BIT_MASK;
  } else {
    out[2] = VP8_PICTURE_ID_M | ((picture_id >> 8) & 0x7f);
    out[3] = picture_id & 0xff;
  }
}

static GstBuffer *
gst_e2ee_rtp_vp8_pay_make_packet (GstE2eeRtpVp8Pay * self, GstBuffer * frame,
    gsize offset, gsize size, gboolean first, gboolean last)
{
  guint descriptor_size = vp8_descriptor_size (self->active_mode);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *packet;

  packet = gst_rtp_base_payload_allocate_output_buffer (GST_RTP_BASE_PAYLOAD
      (self), descriptor_size, 0, 0);
  gst_rtp_buffer_map (packet, GST_MAP_WRITE, &rtp);
  vp8_write_descriptor (gst_rtp_buffer_get_payload (&rtp), self->active_mode,
      self->picture_id, first);
  gst_rtp_buffer_set_marker (&rtp, last);
  gst_rtp_buffer_unmap (&rtp);

  return gst_e2ee_rtp_append_fragment (packet, frame, offset, size);
}

static GstFlowReturn
gst_e2ee_rtp_vp8_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  GstE2eeRtpVp8Pay *self = GST_E2EE_RTP_VP8_PAY (payload);
  gsize frame_size = gst_buffer_get_size (buffer);
  guint packet_payload = gst_rtp_buffer_calc_payload_len
      (GST_RTP_BASE_PAYLOAD_MTU (self), 0, 0);
  guint descriptor_size = vp8_descriptor_size (self->active_mode);
  guint max_fragment, n_fragments, i;
  GstBufferList *list;
  gsize offset = 0;

  if (frame_size == 0) {
    GST_DEBUG_OBJECT (self, "dropping empty frame");
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  if (packet_payload <= descriptor_size)
    goto mtu_too_small;

  max_fragment = packet_payload - descriptor_size;
  n_fragments = (frame_size + max_fragment - 1) / max_fragment;
  list = gst_buffer_list_new_sized (n_fragments);
  for (i = 0; i < n_fragments; i++) {
    gsize size = gst_e2ee_rtp_fragment_size (frame_size, 0, n_fragments,
        i);

    gst_buffer_list_add (list, gst_e2ee_rtp_vp8_pay_make_packet (self, buffer,
            offset, size, i == 0, i == n_fragments - 1));
    offset += size;
  }
  GST_LOG_OBJECT (self, "frame of %" G_GSIZE_FORMAT " bytes, picture ID %u, "
      "in %u packets", frame_size, self->picture_id, n_fragments);

  self->picture_id = (self->picture_id + 1) &
      picture_id_mask (self->active_mode);
  gst_buffer_unref (buffer);
  return gst_rtp_base_payload_push_list (payload, list);

  /* ERRORS */
mtu_too_small:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("MTU too small"),
        ("an MTU of %u leaves no room for payload after the RTP header and "
            "the %u-byte payload descriptor",
            GST_RTP_BASE_PAYLOAD_MTU (self), descriptor_size));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
}

static gboolean
gst_e2ee_rtp_vp8_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  gst_rtp_base_payload_set_options (payload, "video", TRUE, "VP8", 90000);
  return gst_rtp_base_payload_set_outcaps (payload, NULL);
}

static GstStateChangeReturn
gst_e2ee_rtp_vp8_pay_change_state (GstElement * element,
    GstStateChange transition)
{
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_e2ee_rtp_vp8_pay_reset (GST_E2EE_RTP_VP8_PAY (element));

  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static void
gst_e2ee_rtp_vp8_pay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstE2eeRtpVp8Pay *self = GST_E2EE_RTP_VP8_PAY (object);

  switch (prop_id) {
    case PROP_PICTURE_ID_MODE:
      GST_OBJECT_LOCK (self);
      self->picture_id_mode = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
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
gst_e2ee_rtp_vp8_pay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstE2eeRtpVp8Pay *self = GST_E2EE_RTP_VP8_PAY (object);

  switch (prop_id) {
    case PROP_PICTURE_ID_MODE:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->picture_id_mode);
      GST_OBJECT_UNLOCK (self);
      break;
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
