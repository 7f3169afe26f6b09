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

/* Which way an e2ee element works: the base, the key properties and the
 * provider options word their property blurbs and messages for it. */
typedef enum
{
  GST_E2EE_DIRECTION_ENCRYPT,
  GST_E2EE_DIRECTION_DECRYPT,
} GstE2eeDirection;

/* The text of @dir's element: @encrypt for e2eeencrypt, @decrypt for
 * e2eedecrypt. */
#define GST_E2EE_FOR(dir, encrypt, decrypt) \
    ((dir) == GST_E2EE_DIRECTION_ENCRYPT ? (encrypt) : (decrypt))

/* Adds @pipelines (NULL-terminated gst-launch-1.0 lines, as
 * examples-from-section.py extracts them from the element's SECTION
 * block) as the "example-pipelines" metadata gst-inspect-1.0 prints. */
G_GNUC_INTERNAL
void gst_e2ee_element_class_add_examples (GstElementClass * element_class,
    const gchar * const *pipelines);

G_END_DECLS
