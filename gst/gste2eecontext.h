/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Sharing one E2eeKeyProvider between elements, and with the application,
 * through a GstContext of type E2EE_KEY_PROVIDER_CONTEXT_TYPE. The element
 * keeps its provider in a pointer guarded by its object lock; these
 * helpers take the address of that pointer, as GStreamer's VA helpers take
 * the display's. */

#pragma once

#include <gst/gst.h>
#include <keyring/e2ee.h>

G_BEGIN_DECLS

/* Stores @provider in @context (writable); NULL removes it. */
G_GNUC_INTERNAL
void gst_context_set_e2ee_key_provider (GstContext * context,
    E2eeKeyProvider * provider);

/* *@provider gets a new reference to the provider of an
 * E2EE_KEY_PROVIDER_CONTEXT_TYPE @context; FALSE (and NULL) for any other
 * context, or one without a provider. */
G_GNUC_INTERNAL
gboolean gst_context_get_e2ee_key_provider (GstContext * context,
    E2eeKeyProvider ** provider);

/* The whole context sequence, in NULL->READY: finds @element a provider,
 * or makes one, so that *@provider is set when it returns. Call without
 * the object lock. */
G_GNUC_INTERNAL
void gst_e2ee_ensure_key_provider (GstElement * element,
    E2eeKeyProvider * const *provider);

/* For the set_context vfunc, with the object lock held (then chain up):
 * replaces *@provider by the provider @context holds, if it holds one.
 * Returns TRUE if it did. */
G_GNUC_INTERNAL
gboolean gst_e2ee_handle_set_context (GstElement * element,
    GstContext * context, E2eeKeyProvider ** provider);

/* For the query vfunc: answers a context query of our type with
 * @provider (nullable), keeping other fields of a context already in
 * @query. Returns TRUE if it answered. */
G_GNUC_INTERNAL
gboolean gst_e2ee_handle_context_query (GstElement * element,
    GstQuery * query, E2eeKeyProvider * provider);

/* Looks GStreamer's own "GST_CONTEXT" debug category up, once. */
G_GNUC_INTERNAL
void gst_e2ee_context_init_debug (void);

/* The shared "GST_CONTEXT" category: GST_DEBUG=GST_CONTEXT:7 shows the
 * whole dance, ours and every other element's. */
G_GNUC_INTERNAL GST_DEBUG_CATEGORY_EXTERN (gst_e2ee_context_debug);

G_END_DECLS
