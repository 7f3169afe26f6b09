/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Key material from the Secret Service (gnome-keyring, KeePassXC, ...,
 * through libsecret): the desktop's counterpart of the iOS Keychain that
 * LiveKit's guide recommends. A secret is named by its attributes, written
 * "name=value,name=value"; it holds what a key file or a passphrase file
 * would. Each call is documented in e2ee-secret-service.c. */

#pragma once

#include <glib.h>
#include <keyring/e2ee-prelude.h>

G_BEGIN_DECLS

/* Whether this build can reach the Secret Service (libsecret). */
E2EE_API
gboolean e2ee_secret_service_is_supported           (void);

/* The key material of the secret @attributes names (bytes or hex text, as
 * a key file), in guarded memory; NULL with @error set (its message names
 * the secret). */
E2EE_API
GBytes *e2ee_key_material_new_from_secret           (const gchar * attributes,
                                                     GError ** error);

/* The passphrase in the secret @attributes names (one trailing newline
 * removed, as a passphrase file). */
E2EE_API
GBytes *e2ee_key_material_new_from_passphrase_secret (const gchar * attributes,
                                                     GError ** error);

/* Stores @material under @attributes (replacing an item with exactly those
 * attributes) in the default collection, labelled @label. */
E2EE_API
gboolean e2ee_key_material_store_secret             (const gchar * attributes,
                                                     const gchar * label,
                                                     GBytes * material,
                                                     GError ** error);

G_END_DECLS
