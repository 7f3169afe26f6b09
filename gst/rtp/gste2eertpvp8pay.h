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

/**
 * GstE2eeRtpVp8PayPictureIdMode:
 * @GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_NONE: no picture ID (X=0)
 * @GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_7BIT: a 7-bit picture ID
 * @GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_15BIT: a 15-bit picture ID, as
 *   libwebrtc sends
 *
 * The picture ID written in the VP8 payload descriptor.
 */
typedef enum
{
  GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_NONE,
  GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_7BIT,
  GST_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE_15BIT,
} GstE2eeRtpVp8PayPictureIdMode;

#define GST_TYPE_E2EE_RTP_VP8_PAY_PICTURE_ID_MODE \
    (gst_e2ee_rtp_vp8_pay_picture_id_mode_get_type ())
G_GNUC_INTERNAL
GType gst_e2ee_rtp_vp8_pay_picture_id_mode_get_type (void);

#define GST_TYPE_E2EE_RTP_VP8_PAY (gst_e2ee_rtp_vp8_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeRtpVp8Pay, gst_e2ee_rtp_vp8_pay, GST,
    E2EE_RTP_VP8_PAY, GstRTPBasePayload)

G_END_DECLS
