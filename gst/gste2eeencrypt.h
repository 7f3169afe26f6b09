/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#pragma once

#include "gste2eebase.h"

G_BEGIN_DECLS

#define GST_TYPE_E2EE_ENCRYPT (gst_e2ee_encrypt_get_type ())
G_GNUC_INTERNAL
G_DECLARE_FINAL_TYPE (GstE2eeEncrypt, gst_e2ee_encrypt, GST, E2EE_ENCRYPT,
    GstE2eeBase);

G_END_DECLS
