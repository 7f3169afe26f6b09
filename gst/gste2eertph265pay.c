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
#include "gste2eertph265pay.h"

struct _GstE2eeRtpH265Pay
{
  GstRTPBasePayload parent;
};

G_DEFINE_TYPE (GstE2eeRtpH265Pay, gst_e2ee_rtp_h265_pay,
    GST_TYPE_RTP_BASE_PAYLOAD);
GST_ELEMENT_REGISTER_DEFINE (e2eertph265pay, "e2eertph265pay", GST_RANK_NONE,
    GST_TYPE_E2EE_RTP_H265_PAY);

static void
gst_e2ee_rtp_h265_pay_class_init (GstE2eeRtpH265PayClass * klass)
{
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "RTP H265 payloader for encrypted frames", "Codec/Payloader/Network/RTP",
      "Payload-encode end-to-end encrypted H265 into RTP packets",
      "gst-e2ee authors");
}

static void
gst_e2ee_rtp_h265_pay_init (GstE2eeRtpH265Pay * self)
{
}
