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
#include <gst/base/gstbasetransform.h>
#include <keyring/e2ee.h>

#include "gste2eeelements.h"

G_BEGIN_DECLS

/* "e2eebase": the base and its helpers (key properties) log here. */
G_GNUC_INTERNAL GST_DEBUG_CATEGORY_EXTERN (gst_e2ee_base_debug);

#define GST_TYPE_E2EE_BASE (gst_e2ee_base_get_type ())
G_GNUC_INTERNAL
G_DECLARE_DERIVABLE_TYPE (GstE2eeBase, gst_e2ee_base, GST, E2EE_BASE,
    GstBaseTransform);

/**
 * GstE2eeBaseClass:
 * @parent_class: the parent class
 * @direction: encrypting or decrypting (set by
 *   gst_e2ee_base_class_install_properties())
 * @get_max_output_size: the largest frame @process can make of @in_len bytes
 * @process: encrypts or decrypts one frame (H.26x in Annex B form) of
 *   @frame_type with @cryptor into @out
 *
 * The common base of e2eeencrypt and e2eedecrypt. It owns everything but the
 * direction: the key provider and its sharing, key properties, the frame
 * cryptor, caps, avc/hvc1 conversion, drops, statistics and bus messages.
 */
struct _GstE2eeBaseClass
{
  GstBaseTransformClass parent_class;

  GstE2eeDirection direction;

  gsize     (*get_max_output_size) (GstE2eeBase * self,
                                    E2eeFrameCryptor * cryptor,
                                    gsize in_len);
  gboolean  (*process)             (GstE2eeBase * self,
                                    E2eeFrameCryptor * cryptor,
                                    const guint8 * in,
                                    gsize in_len,
                                    E2eeFrameType frame_type,
                                    guint8 * out,
                                    gsize out_size,
                                    gsize * out_len,
                                    GError ** error);

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

/* For the subclasses' class_init: installs every property of the element,
 * with blurbs for @direction. */
G_GNUC_INTERNAL
void gst_e2ee_base_class_install_properties (GstE2eeBaseClass * klass,
    GstE2eeDirection direction);

G_END_DECLS
