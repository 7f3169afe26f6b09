/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeelements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (e2eeencrypt, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eedecrypt, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eertpvp8pay, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eertpvp9pay, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eertph264pay, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eertph265pay, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, e2ee,
    "End-to-end encryption of encoded media, wire-compatible with LiveKit",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
