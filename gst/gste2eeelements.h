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

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (e2eeencrypt);
GST_ELEMENT_REGISTER_DECLARE (e2eedecrypt);
GST_ELEMENT_REGISTER_DECLARE (e2eertpvp8pay);
GST_ELEMENT_REGISTER_DECLARE (e2eertpvp9pay);
GST_ELEMENT_REGISTER_DECLARE (e2eertph264pay);
GST_ELEMENT_REGISTER_DECLARE (e2eertph265pay);

G_END_DECLS
