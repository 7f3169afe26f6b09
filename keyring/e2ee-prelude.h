/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

/**
 * E2EE_API:
 *
 * Marks a function as part of libe2ee-keyring's public ABI. The library is
 * built with `-fvisibility=hidden`, so anything without it stays private.
 *
 * Since: 1.0
 */
#ifdef BUILDING_E2EE_KEYRING
#define E2EE_API __attribute__ ((visibility ("default"))) extern
#else
#define E2EE_API extern
#endif
