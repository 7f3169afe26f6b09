/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The key properties: a key for gst-launch-1.0 users, who cannot call the
 * key provider's API. A value is copied into guarded memory at once
 * (e2ee_key_material_new(), never kept in the heap), staged as the pending
 * key, and put into the provider as soon as the element has one: right
 * away while it runs, else in NULL->READY once the provider is found. The
 * last key property set wins; a key is never readable back or logged. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eekeyprops.h"
#include "gste2eebase.h"

#include <string.h>
#include <sys/stat.h>

/* Part of the element base: logged in its category. */
#define GST_CAT_DEFAULT gst_e2ee_base_debug

static GParamSpec *passphrase_pspec;
static GParamSpec *key_pspec;
static GParamSpec *key_file_pspec;

void
gst_e2ee_key_props_install (GObjectClass * klass, guint first_id)
{
  /**
   * GstE2eeBase:passphrase:
   *
   * Key material derived with PBKDF2 (LiveKit's passphrase keys). Set into
   * the provider at key-index for participant-id and made current.
   * Write-only: it can never be read back, and is never logged.
   */
  passphrase_pspec = g_param_spec_string ("passphrase", "Passphrase",
      "Passphrase key material (PBKDF2); write-only", NULL,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  /**
   * GstE2eeBase:key:
   *
   * Raw key material derived with HKDF (LiveKit's raw keys), as a
   * #GstBuffer; gst-launch-1.0 parses a hex string into one. Set into the
   * provider at key-index for participant-id and made current. Write-only.
   */
  key_pspec = g_param_spec_boxed ("key", "Key",
      "Raw key material (HKDF), hex on the command line; write-only",
      GST_TYPE_BUFFER,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  /**
   * GstE2eeBase:key-file:
   *
   * A file holding raw key material (HKDF): the file's bytes, or, when the
   * file is all hex digits (trailing white space ignored), the bytes they
   * spell. A file readable by group or others is used but warned about.
   * Write-only.
   */
  key_file_pspec = g_param_spec_string ("key-file", "Key file",
      "Path of a file with raw key material (bytes, or hex text); "
      "should be mode 0600; write-only", NULL,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  g_object_class_install_property (klass, first_id, passphrase_pspec);
  g_object_class_install_property (klass, first_id + 1, key_pspec);
  g_object_class_install_property (klass, first_id + 2, key_file_pspec);
}

/* Call with the object lock held. Takes @material (NULL: no key). */
static void
replace_pending_key (GstE2eeKeyProps * props, GstE2eePendingKeyKind kind,
    GBytes * material)
{
  g_clear_pointer (&props->material, g_bytes_unref);
  props->kind = material != NULL ? kind : GST_E2EE_PENDING_KEY_NONE;
  props->material = material;
}

static GBytes *
read_passphrase (const gchar * passphrase)
{
  if (passphrase == NULL)
    return NULL;
  return e2ee_key_material_new ((const guint8 *) passphrase,
      strlen (passphrase));
}

static GBytes *
read_key_buffer (GstBuffer * buffer)
{
  GstMapInfo map;
  GBytes *material;

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return NULL;
  material = e2ee_key_material_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return material;
}

/* NULL when there is nothing to stage: no path, or a file that cannot be
 * read (logged). */
static GBytes *
read_key_file (GstElement * element, const gchar * path)
{
  GError *error = NULL;
  GBytes *material;
  guint mode = 0;

  if (path == NULL)
    return NULL;
  material = e2ee_key_material_new_from_file (path, &mode, &error);
  if (material == NULL) {
    GST_WARNING_OBJECT (element, "%s", error->message);
    g_clear_error (&error);
    return NULL;
  }
  if (mode & (S_IRGRP | S_IROTH))
    GST_WARNING_OBJECT (element, "key file %s is readable by group or "
        "others (mode %04o); restrict it with chmod 600", path, mode);
  return material;
}

gboolean
gst_e2ee_key_props_set_property (GstE2eeKeyProps * props,
    GstElement * element, GParamSpec * pspec, const GValue * value)
{
  GstE2eePendingKeyKind kind = GST_E2EE_PENDING_KEY_RAW;
  GBytes *material;

  if (pspec == passphrase_pspec) {
    kind = GST_E2EE_PENDING_KEY_PASSPHRASE;
    material = read_passphrase (g_value_get_string (value));
  } else if (pspec == key_pspec) {
    material = read_key_buffer (g_value_get_boxed (value));
  } else if (pspec == key_file_pspec) {
    material = read_key_file (element, g_value_get_string (value));
    if (material == NULL)
      return FALSE;             /* the pending key, if any, stays */
  } else {
    g_return_val_if_reached (FALSE);
  }

  GST_OBJECT_LOCK (element);
  replace_pending_key (props, kind, material);
  GST_OBJECT_UNLOCK (element);
  return TRUE;
}

void
gst_e2ee_key_props_apply (GstE2eeKeyProps * props, GstElement * element,
    E2eeKeyProvider * const *provider_slot, gchar * const *participant_slot,
    const gint * key_index_slot)
{
  E2eeKeyProvider *provider;
  GstE2eePendingKeyKind kind;
  GBytes *material;
  gchar *participant_id;
  guint index;
  GError *error = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (element);
  if (*provider_slot == NULL || props->kind == GST_E2EE_PENDING_KEY_NONE) {
    GST_OBJECT_UNLOCK (element);
    return;
  }
  provider = g_object_ref (*provider_slot);
  kind = props->kind;
  material = g_steal_pointer (&props->material);
  props->kind = GST_E2EE_PENDING_KEY_NONE;
  participant_id = g_strdup (*participant_slot);
  index = *key_index_slot < 0 ? 0 : *key_index_slot;
  GST_OBJECT_UNLOCK (element);

  /* Key material is followed by a zero byte: a passphrase is a string. */
  if (kind == GST_E2EE_PENDING_KEY_PASSPHRASE)
    ok = e2ee_key_provider_set_passphrase (provider, participant_id,
        g_bytes_get_data (material, NULL), index, TRUE, &error);
  else
    ok = e2ee_key_provider_set_key (provider, participant_id,
        g_bytes_get_data (material, NULL), g_bytes_get_size (material),
        index, TRUE, &error);

  if (ok) {
    GST_INFO_OBJECT (element, "%s set for participant %s index %u",
        kind == GST_E2EE_PENDING_KEY_PASSPHRASE ? "passphrase" : "key",
        GST_STR_NULL (participant_id), index);
  } else {
    GST_WARNING_OBJECT (element, "could not set the key for participant %s "
        "index %u: %s", GST_STR_NULL (participant_id), index,
        error->message);
    g_clear_error (&error);
  }

  g_bytes_unref (material);
  g_free (participant_id);
  g_object_unref (provider);
}

void
gst_e2ee_key_props_clear (GstE2eeKeyProps * props)
{
  replace_pending_key (props, GST_E2EE_PENDING_KEY_NONE, NULL);
}
