/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Temporary stub so the plugin links; the real payloader follows. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeelements.h"
#include "gste2eertph264pay.h"

struct _GstE2eeRtpH264Pay
{
  GstRTPBasePayload parent;
};

G_DEFINE_TYPE (GstE2eeRtpH264Pay, gst_e2ee_rtp_h264_pay,
    GST_TYPE_RTP_BASE_PAYLOAD);
GST_ELEMENT_REGISTER_DEFINE (e2eertph264pay, "e2eertph264pay", GST_RANK_NONE,
    GST_TYPE_E2EE_RTP_H264_PAY);

static void
gst_e2ee_rtp_h264_pay_class_init (GstE2eeRtpH264PayClass * klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "RTP H264 payloader for encrypted frames", "Codec/Payloader/Network/RTP",
      "Payload-encode end-to-end encrypted H264 into RTP packets",
      "gst-e2ee authors");
}

static void
gst_e2ee_rtp_h264_pay_init (GstE2eeRtpH264Pay * self)
{
}
