/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#pragma once

/* The one header applications include. */
#include <keyring/e2ee-prelude.h>
#include <keyring/e2ee-types.h>
#include <keyring/e2ee-enum-types.h>
#include <keyring/e2ee-key-material.h>
#include <keyring/e2ee-key-provider.h>
#include <keyring/e2ee-frame-cryptor.h>
#include <keyring/e2ee-secret-service.h>
