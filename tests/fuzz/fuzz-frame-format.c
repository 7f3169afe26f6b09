/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* libFuzzer target: every function of keyring/e2ee-frame-format.h on
 * arbitrary bytes, with the checks of frame-format-checks.h (which the
 * fuzz smoke test runs too). */

#include "frame-format-checks.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  check_frame_format (data, size);
  return 0;
}
