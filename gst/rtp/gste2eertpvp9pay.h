/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>
#include <gst/rtp/gstrtpbasepayload.h>

G_BEGIN_DECLS

#define GST_TYPE_E2EE_RTP_VP9_PAY (gst_e2ee_rtp_vp9_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeRtpVp9Pay, gst_e2ee_rtp_vp9_pay, GST,
    E2EE_RTP_VP9_PAY, GstRTPBasePayload)

G_END_DECLS
