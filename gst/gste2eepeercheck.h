/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The encryptor's look at what follows it: GStreamer's stock RTP
 * payloaders that break encrypted frames, and which of the plugin's to use
 * instead. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Posts a warning on @encryptor's bus if the element its frames go to
 * (past queues, capsfilters and bins) is rtpvp8pay, rtpvp9pay, rtph264pay
 * or rtph265pay, naming the e2eertp*pay to use. Call without the object
 * lock, once the pipeline is linked (READY->PAUSED). */
G_GNUC_INTERNAL
void gst_e2ee_check_downstream_payloader (GstElement * encryptor);

G_END_DECLS
