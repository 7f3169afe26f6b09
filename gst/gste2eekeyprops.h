/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The write-only key properties of e2eeencrypt and e2eedecrypt
 * (passphrase, passphrase-file, key, key-file): their values, the key read
 * from them, and putting that key into the element's key provider. */

#pragma once

#include <gst/gst.h>
#include <keyring/e2ee.h>

#include "gste2eeelements.h"

G_BEGIN_DECLS

/* The properties, in property order. */
typedef enum
{
  GST_E2EE_KEY_PROP_PASSPHRASE,
  GST_E2EE_KEY_PROP_PASSPHRASE_FILE,
  GST_E2EE_KEY_PROP_KEY,
  GST_E2EE_KEY_PROP_KEY_FILE,
  GST_E2EE_N_KEY_PROPS
} GstE2eeKeyProp;

typedef enum
{
  GST_E2EE_PENDING_KEY_NONE,
  GST_E2EE_PENDING_KEY_PASSPHRASE,      /* PBKDF2 with key-derivation auto */
  GST_E2EE_PENDING_KEY_RAW,     /* HKDF with key-derivation auto */
} GstE2eePendingKeyKind;

/* Guarded by the element's object lock; zero-initialised means nothing
 * set. Material lives in guarded memory and is wiped when dropped. */
typedef struct
{
  /* The properties: material for passphrase and key, paths for the
   * files. */
  GBytes *passphrase;
  GBytes *key;
  gchar *passphrase_file;
  gchar *key_file;

  /* The key read from them (gst_e2ee_key_props_load()), not yet in a
   * provider. */
  GstE2eePendingKeyKind kind;
  GBytes *pending;

  /* The key of the properties as they are went into a provider: a start
   * after a stop does not put it in again (it may have been ratcheted or
   * removed since). Setting a key property clears it. */
  gboolean applied;
} GstE2eeKeyProps;

/* Installs the key properties on @klass as @first_id to @first_id +
 * GST_E2EE_N_KEY_PROPS - 1, with @direction's blurbs. */
G_GNUC_INTERNAL
void gst_e2ee_key_props_install (GObjectClass * klass, guint first_id,
    GstE2eeDirection direction);

/* set_property for the key properties (a value is copied into guarded
 * memory at once; files are read later, by load). When @running (the
 * element is READY or above), the new value replaces the others, so that
 * one key property stays set. Call without the object lock. */
G_GNUC_INTERNAL
void gst_e2ee_key_props_set_property (GstE2eeKeyProps * props,
    GstElement * element, guint prop, const GValue * value,
    gboolean running);

/* Reads the key property that is set into the pending key, unless its key
 * was applied already: the passphrase or key as it is, a file's contents
 * (opened without blocking). In
 * NULL->READY (@running FALSE) a file that cannot be read, or more than
 * one key property set, posts an error and returns FALSE: fail the state
 * change. When a property is set on a running element (@running TRUE),
 * the same problems are warnings and the previous key stays. A file that
 * group or others may read is used, with a warning. Call without the
 * object lock. */
G_GNUC_INTERNAL
gboolean gst_e2ee_key_props_load (GstE2eeKeyProps * props,
    GstElement * element, gboolean running);

/* Puts the pending key, if any, into @provider at the slot @participant_id
 * and @key_index name (slot 0 for key index -1) and makes it current; not
 * exportable unless the provider's "element-keys-exportable" says so.
 * FALSE (an error or, when @running, a warning posted) if the provider
 * refused it. Call without the object lock. */
G_GNUC_INTERNAL
gboolean gst_e2ee_key_props_apply (GstE2eeKeyProps * props,
    GstElement * element, E2eeKeyProvider * provider,
    const gchar * participant_id, gint key_index, gboolean running);

/* Whether a key property is set whose key is not in a provider yet (read
 * or not): what removing keys must drop too. Call with the object lock. */
G_GNUC_INTERNAL
gboolean gst_e2ee_key_props_has_unapplied (GstE2eeKeyProps * props);

/* Wipes everything: the properties and the key read (finalize, and a
 * removal that covers the key). Call with the object lock, or in
 * finalize. */
G_GNUC_INTERNAL
void gst_e2ee_key_props_clear (GstE2eeKeyProps * props);

G_END_DECLS
