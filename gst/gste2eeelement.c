/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* What every element of the plugin shares in its class_init. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeelements.h"

/**
 * gst_e2ee_element_class_add_examples:
 * @element_class: an element class of this plugin
 * @pipelines: %NULL-terminated gst-launch-1.0 lines
 *
 * Adds the element's example pipelines as the "example-pipelines" metadata,
 * which gst-inspect-1.0 prints (it shows no gtk-doc). Lines after the first
 * are indented to gst-inspect's value column. The lines come from the
 * element's SECTION block (gst/examples-from-section.py), so they are
 * written once.
 */
void
gst_e2ee_element_class_add_examples (GstElementClass * element_class,
    const gchar * const *pipelines)
{
  gchar *text = g_strjoinv ("\n\n                           ",
      (gchar **) pipelines);

  gst_element_class_add_metadata (element_class, "example-pipelines", text);
  g_free (text);
}
