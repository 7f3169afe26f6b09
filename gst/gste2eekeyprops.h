/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The write-only key properties of e2eeencrypt and e2eedecrypt
 * (passphrase, key, key-file) and the key they stage until the element has
 * a key provider to put it in. */

#pragma once

#include <gst/gst.h>
#include <keyring/e2ee.h>

G_BEGIN_DECLS

typedef enum
{
  GST_E2EE_PENDING_KEY_NONE,
  GST_E2EE_PENDING_KEY_PASSPHRASE,      /* PBKDF2 */
  GST_E2EE_PENDING_KEY_RAW,     /* HKDF */
} GstE2eePendingKeyKind;

/* The key set by the last key property and not yet in a provider. Guarded
 * by the element's object lock; zero-initialised means no key. */
typedef struct
{
  GstE2eePendingKeyKind kind;
  GBytes *material;             /* guarded memory, wiped when dropped */
} GstE2eeKeyProps;

/* Installs passphrase, key and key-file on @klass with the property ids
 * @first_id, @first_id + 1 and @first_id + 2. */
G_GNUC_INTERNAL
void gst_e2ee_key_props_install (GObjectClass * klass, guint first_id);

/* set_property for the key properties: reads the value into guarded
 * memory and stages it as the pending key. Returns TRUE when the pending
 * key changed (a NULL passphrase or key removes it); a key file that
 * cannot be read is logged and changes nothing. Call without the object
 * lock. */
G_GNUC_INTERNAL
gboolean gst_e2ee_key_props_set_property (GstE2eeKeyProps * props,
    GstElement * element, GParamSpec * pspec, const GValue * value);

/* Puts the pending key, if any, into *@provider at the slot the element's
 * *@participant_id and *@key_index name (slot 0 for key index -1) and
 * makes it current; without a provider the key stays pending. The three
 * are read under @element's object lock; call without it. */
G_GNUC_INTERNAL
void gst_e2ee_key_props_apply (GstE2eeKeyProps * props, GstElement * element,
    E2eeKeyProvider * const *provider, gchar * const *participant_id,
    const gint * key_index);

/* Wipes the pending key (finalize). */
G_GNUC_INTERNAL
void gst_e2ee_key_props_clear (GstE2eeKeyProps * props);

G_END_DECLS
