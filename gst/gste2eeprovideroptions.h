/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The key provider's options as properties of e2eeencrypt and e2eedecrypt
 * (shared-key, ratchet-salt, ... sif-trailer): their values, which of them
 * the user set, and applying them to the element's provider under the rule
 * that elements sharing a provider must agree. */

#pragma once

#include <gst/gst.h>
#include <keyring/e2ee.h>

#include "gste2eeelements.h"

G_BEGIN_DECLS

/* The options, in property order; each has the provider property's name. */
typedef enum
{
  GST_E2EE_OPTION_SHARED_KEY,
  GST_E2EE_OPTION_RATCHET_SALT,
  GST_E2EE_OPTION_RATCHET_WINDOW_SIZE,
  GST_E2EE_OPTION_FAILURE_TOLERANCE,
  GST_E2EE_OPTION_KEY_RING_SIZE,
  GST_E2EE_OPTION_KEY_SIZE,
  GST_E2EE_OPTION_ENCRYPTION_TYPE,
  GST_E2EE_OPTION_UNCRYPTED_MAGIC_BYTES,
  GST_E2EE_OPTION_KEY_DERIVATION,
  GST_E2EE_OPTION_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY,
  GST_E2EE_OPTION_SIF_TRAILER,
  GST_E2EE_N_OPTIONS
} GstE2eeOption;

/* Guarded by the element's object lock. */
typedef struct
{
  GValue values[GST_E2EE_N_OPTIONS];    /* the properties' values */
  guint set;                    /* bit (1 << option): set by the user */
} GstE2eeProviderOptions;

/* Installs the options on @klass as properties @first_id to @first_id +
 * GST_E2EE_N_OPTIONS - 1, with @direction's blurbs. */
G_GNUC_INTERNAL
void gst_e2ee_provider_options_install (GObjectClass * klass,
    guint first_id, GstE2eeDirection direction);

/* Every option at its default, none set; @options zero-filled. */
G_GNUC_INTERNAL
void gst_e2ee_provider_options_init (GstE2eeProviderOptions * options);

G_GNUC_INTERNAL
void gst_e2ee_provider_options_clear (GstE2eeProviderOptions * options);

/* set_property and get_property of @option; call with the object lock. */
G_GNUC_INTERNAL
void gst_e2ee_provider_options_set (GstE2eeProviderOptions * options,
    GstE2eeOption option, const GValue * value);
G_GNUC_INTERNAL
void gst_e2ee_provider_options_get (GstE2eeProviderOptions * options,
    GstE2eeOption option, GValue * value);

/* In NULL->READY, once @element has @provider: sets every option the user
 * set on @element on @provider, unless the provider already has another
 * value for it that another element or the application set, or it shapes
 * keys the provider already holds. Then it posts an error naming both
 * values and returns FALSE (fail the state change). Options the user left
 * alone are the provider's business. Call without the object lock. */
G_GNUC_INTERNAL
gboolean gst_e2ee_provider_options_configure (GstE2eeProviderOptions *
    options, GstElement * element, E2eeKeyProvider * provider);

G_END_DECLS
