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
#include <keyring/e2ee.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL
void       e2ee_context_set_key_provider         (GstContext * context,
                                                  E2eeKeyProvider * provider);

G_GNUC_INTERNAL
gboolean   e2ee_context_get_key_provider         (GstContext * context,
                                                  E2eeKeyProvider ** provider);

G_GNUC_INTERNAL
GstContext *e2ee_key_provider_context_new        (E2eeKeyProvider * provider);

G_GNUC_INTERNAL
gboolean   e2ee_is_key_provider_need_context_message (GstMessage * msg);

G_GNUC_INTERNAL
gboolean   e2ee_context_query                    (GstElement * element);

G_GNUC_INTERNAL
gboolean   e2ee_handle_set_context               (GstElement * element,
                                                  GstContext * context,
                                                  E2eeKeyProvider ** provider);

G_GNUC_INTERNAL
gboolean   e2ee_handle_context_query             (GstElement * element,
                                                  GstQuery * query,
                                                  E2eeKeyProvider * provider);

G_GNUC_INTERNAL
void       e2ee_context_propagate                (GstElement * element,
                                                  E2eeKeyProvider * provider);

G_GNUC_INTERNAL
void       e2ee_context_init_debug               (void);

/* The shared "GST_CONTEXT" category: GST_DEBUG=GST_CONTEXT:7 shows the
 * whole dance, ours and every other element's. */
G_GNUC_INTERNAL GST_DEBUG_CATEGORY_EXTERN (e2ee_context_debug);

G_END_DECLS
