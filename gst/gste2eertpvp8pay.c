/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Placeholder: type and registration only, payloading follows. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eertpvp8pay.h"
#include "gste2eeelements.h"

struct _GstE2eeRtpVP8Pay
{
  GstRTPBasePayload parent;
};

G_DEFINE_TYPE (GstE2eeRtpVP8Pay, gst_e2ee_rtp_vp8_pay,
    GST_TYPE_RTP_BASE_PAYLOAD);
GST_ELEMENT_REGISTER_DEFINE (e2eertpvp8pay, "e2eertpvp8pay", GST_RANK_NONE,
    GST_TYPE_E2EE_RTP_VP8_PAY);

static void
gst_e2ee_rtp_vp8_pay_class_init (GstE2eeRtpVP8PayClass * klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "RTP VP8 payloader for encrypted frames", "Codec/Payloader/Network/RTP",
      "Payload-encodes VP8 frames into RTP packets without parsing them",
      "gst-e2ee authors");
}

static void
gst_e2ee_rtp_vp8_pay_init (GstE2eeRtpVP8Pay * self)
{
}
