/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The key properties: a key for gst-launch-1.0 users, who cannot call the
 * key provider's API. A passphrase or key is copied into guarded memory at
 * once (e2ee_key_material_new(), never kept in the heap); a file is read,
 * without blocking, in NULL->READY, so that a file that cannot be read
 * fails the state change with an error naming it, as filesrc's does. The
 * key goes into the provider at READY->PAUSED (see gste2eebase.c for why
 * so late), or at once when set while the element runs.
 *
 * Exactly one key property may be set: with two, which one wins would
 * depend on their order on the command line. A key is never readable back
 * or logged, and by default never exportable from the provider either
 * (E2eeKeyProvider:element-keys-exportable). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eekeyprops.h"
#include "gste2eebase.h"

#include <string.h>
#include <sys/stat.h>

/* Part of the element base: logged in its category. */
#define GST_CAT_DEFAULT gst_e2ee_base_debug

#define DEFAULT_PASSPHRASE NULL
#define DEFAULT_PASSPHRASE_FILE NULL
#define DEFAULT_KEY NULL
#define DEFAULT_KEY_FILE NULL

static const gchar *const prop_names[GST_E2EE_N_KEY_PROPS] = {
  "passphrase", "passphrase-file", "key", "key-file",
};

static GParamSpec *
make_pspec (GstE2eeKeyProp prop, GstE2eeDirection dir)
{
  const GParamFlags flags = G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  switch (prop) {
    case GST_E2EE_KEY_PROP_PASSPHRASE:
      return g_param_spec_string ("passphrase", "Passphrase",
          GST_E2EE_FOR (dir,
              "Passphrase to encrypt with (PBKDF2, as LiveKit's passphrase "
              "keys); visible to ps, prefer passphrase-file; write-only",
              "Passphrase to decrypt with (PBKDF2, as LiveKit's passphrase "
              "keys); visible to ps, prefer passphrase-file; write-only"),
          DEFAULT_PASSPHRASE, flags);
    case GST_E2EE_KEY_PROP_PASSPHRASE_FILE:
      return g_param_spec_string ("passphrase-file", "Passphrase file",
          GST_E2EE_FOR (dir,
              "Path of a file holding the passphrase to encrypt with (one "
              "trailing newline ignored); keep it mode 0600; write-only",
              "Path of a file holding the passphrase to decrypt with (one "
              "trailing newline ignored); keep it mode 0600; write-only"),
          DEFAULT_PASSPHRASE_FILE, flags);
    case GST_E2EE_KEY_PROP_KEY:
      return g_param_spec_boxed ("key", "Key",
          GST_E2EE_FOR (dir,
              "Raw key material to encrypt with (HKDF, as LiveKit's raw "
              "keys), hex on the command line; write-only",
              "Raw key material to decrypt with (HKDF, as LiveKit's raw "
              "keys), hex on the command line; write-only"),
          GST_TYPE_BUFFER, flags);
    case GST_E2EE_KEY_PROP_KEY_FILE:
      return g_param_spec_string ("key-file", "Key file",
          GST_E2EE_FOR (dir,
              "Path of a file with raw key material to encrypt with (bytes, "
              "or hex text); keep it mode 0600; write-only",
              "Path of a file with raw key material to decrypt with (bytes, "
              "or hex text); keep it mode 0600; write-only"),
          DEFAULT_KEY_FILE, flags);
    case GST_E2EE_N_KEY_PROPS:
    default:
      break;
  }
  g_return_val_if_reached (NULL);
}

void
gst_e2ee_key_props_install (GObjectClass * klass, guint first_id,
    GstE2eeDirection direction)
{
  guint i;

  for (i = 0; i < GST_E2EE_N_KEY_PROPS; i++)
    g_object_class_install_property (klass, first_id + i,
        make_pspec (i, direction));
}

/* ---- the properties ---- */

static GBytes *
material_of_string (const gchar * text)
{
  if (text == NULL)
    return NULL;
  return e2ee_key_material_new ((const guint8 *) text, strlen (text));
}

static GBytes *
material_of_buffer (GstBuffer * buffer)
{
  GstMapInfo map;
  GBytes *material;

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return NULL;
  material = e2ee_key_material_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return material;
}

/* Call with the object lock held. */
static void
clear_values (GstE2eeKeyProps * props)
{
  g_clear_pointer (&props->passphrase, g_bytes_unref);
  g_clear_pointer (&props->key, g_bytes_unref);
  g_clear_pointer (&props->passphrase_file, g_free);
  g_clear_pointer (&props->key_file, g_free);
}

void
gst_e2ee_key_props_set_property (GstE2eeKeyProps * props,
    GstElement * element, guint prop, const GValue * value, gboolean running)
{
  GBytes *material = NULL;

  /* Copied into guarded memory before taking the lock. */
  if (prop == GST_E2EE_KEY_PROP_PASSPHRASE)
    material = material_of_string (g_value_get_string (value));
  else if (prop == GST_E2EE_KEY_PROP_KEY)
    material = material_of_buffer (g_value_get_boxed (value));

  GST_OBJECT_LOCK (element);
  if (running)
    clear_values (props);
  props->applied = FALSE;
  switch (prop) {
    case GST_E2EE_KEY_PROP_PASSPHRASE:
      g_clear_pointer (&props->passphrase, g_bytes_unref);
      props->passphrase = material;
      break;
    case GST_E2EE_KEY_PROP_KEY:
      g_clear_pointer (&props->key, g_bytes_unref);
      props->key = material;
      break;
    case GST_E2EE_KEY_PROP_PASSPHRASE_FILE:
      g_free (props->passphrase_file);
      props->passphrase_file = g_value_dup_string (value);
      break;
    case GST_E2EE_KEY_PROP_KEY_FILE:
      g_free (props->key_file);
      props->key_file = g_value_dup_string (value);
      break;
    default:
      g_warn_if_reached ();
      break;
  }
  GST_OBJECT_UNLOCK (element);
}

/* ---- reading the key ---- */

/* The key property that is set, or GST_E2EE_N_KEY_PROPS; *@second gets
 * another one that is set too, if any. Call with the object lock held. */
static GstE2eeKeyProp
key_prop_set (GstE2eeKeyProps * props, GstE2eeKeyProp * second)
{
  gboolean set[GST_E2EE_N_KEY_PROPS] = {
    props->passphrase != NULL, props->passphrase_file != NULL,
    props->key != NULL, props->key_file != NULL,
  };
  GstE2eeKeyProp first = GST_E2EE_N_KEY_PROPS;
  guint i;

  *second = GST_E2EE_N_KEY_PROPS;
  for (i = 0; i < GST_E2EE_N_KEY_PROPS; i++) {
    if (!set[i])
      continue;
    if (first == GST_E2EE_N_KEY_PROPS)
      first = i;
    else if (*second == GST_E2EE_N_KEY_PROPS)
      *second = i;
  }
  return first;
}

static GstResourceError
resource_error_of (const GError * error)
{
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return GST_RESOURCE_ERROR_NOT_FOUND;
  if (error->domain == G_FILE_ERROR)
    return GST_RESOURCE_ERROR_OPEN_READ;
  if (g_error_matches (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT))
    return GST_RESOURCE_ERROR_READ;
  return GST_RESOURCE_ERROR_FAILED;
}

/* A file that cannot be read: an error in NULL->READY (the state change
 * fails), a warning while running (the previous key stays). */
static void
post_file_error (GstElement * element, const GError * error,
    GstE2eeKeyProp prop, gboolean running)
{
  const gchar *hint = prop == GST_E2EE_KEY_PROP_KEY_FILE ?
      "key-file: a file of raw key material, as bytes or hex text, 1 to "
      "4096 bytes (make one with: openssl rand -hex 32 > FILE; chmod 600 "
      "FILE)" :
      "passphrase-file: a file holding the passphrase as text, 1 to 4096 "
      "bytes, one trailing newline ignored (chmod 600 FILE)";
  gchar *debug = g_strdup_printf ("%s%s", hint, running ?
      ". The previous key stays in use." : "");

  if (running)
    gst_element_message_full (element, GST_MESSAGE_WARNING,
        GST_RESOURCE_ERROR, resource_error_of (error),
        g_strdup_printf ("%s.", error->message), debug, __FILE__,
        GST_FUNCTION, __LINE__);
  else
    gst_element_message_full (element, GST_MESSAGE_ERROR,
        GST_RESOURCE_ERROR, resource_error_of (error),
        g_strdup_printf ("%s.", error->message), debug, __FILE__,
        GST_FUNCTION, __LINE__);
}

static GBytes *
read_file (GstElement * element, GstE2eeKeyProp prop, const gchar * path,
    gboolean running)
{
  const gchar *what = prop == GST_E2EE_KEY_PROP_KEY_FILE ? "Key file" :
      "Passphrase file";
  GError *error = NULL;
  GBytes *material;
  guint mode = 0;

  if (prop == GST_E2EE_KEY_PROP_KEY_FILE)
    material = e2ee_key_material_new_from_file (path, &mode, &error);
  else
    material = e2ee_key_material_new_from_passphrase_file (path, &mode,
        &error);
  if (material == NULL) {
    post_file_error (element, error, prop, running);
    g_clear_error (&error);
    return NULL;
  }

  if (mode & (S_IRGRP | S_IROTH))
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("%s \"%s\" is readable by group or others (mode %04o).", what,
            path, mode),
        ("Restrict it with: chmod 600 %s", path));
  return material;
}

gboolean
gst_e2ee_key_props_load (GstE2eeKeyProps * props, GstElement * element,
    gboolean running)
{
  GstE2eePendingKeyKind kind = GST_E2EE_PENDING_KEY_NONE;
  GstE2eeKeyProp prop, second;
  GBytes *material = NULL;
  gchar *path = NULL;

  GST_OBJECT_LOCK (element);
  if (props->applied) {
    GST_OBJECT_UNLOCK (element);
    return TRUE;
  }
  prop = key_prop_set (props, &second);
  if (prop == GST_E2EE_KEY_PROP_PASSPHRASE)
    material = g_bytes_ref (props->passphrase);
  else if (prop == GST_E2EE_KEY_PROP_KEY)
    material = g_bytes_ref (props->key);
  else if (prop == GST_E2EE_KEY_PROP_PASSPHRASE_FILE)
    path = g_strdup (props->passphrase_file);
  else if (prop == GST_E2EE_KEY_PROP_KEY_FILE)
    path = g_strdup (props->key_file);
  GST_OBJECT_UNLOCK (element);

  if (second != GST_E2EE_N_KEY_PROPS) {
    GST_ELEMENT_ERROR (element, LIBRARY, SETTINGS,
        ("Both %s and %s are set: set one key property only.",
            prop_names[prop], prop_names[second]),
        ("passphrase, passphrase-file, key and key-file each set the key; "
            "with two, the result would depend on their order"));
    g_clear_pointer (&material, g_bytes_unref);
    g_free (path);
    return FALSE;
  }

  if (path != NULL) {
    material = read_file (element, prop, path, running);
    g_free (path);
    if (material == NULL)
      return FALSE;
  }
  if (material != NULL)
    kind = prop == GST_E2EE_KEY_PROP_PASSPHRASE ||
        prop == GST_E2EE_KEY_PROP_PASSPHRASE_FILE ?
        GST_E2EE_PENDING_KEY_PASSPHRASE : GST_E2EE_PENDING_KEY_RAW;

  GST_OBJECT_LOCK (element);
  g_clear_pointer (&props->pending, g_bytes_unref);
  props->pending = material;
  props->kind = kind;
  GST_OBJECT_UNLOCK (element);
  return TRUE;
}

/* ---- into the provider ---- */

gboolean
gst_e2ee_key_props_apply (GstE2eeKeyProps * props, GstElement * element,
    E2eeKeyProvider * provider, const gchar * participant_id,
    gint key_index, gboolean running)
{
  GstE2eePendingKeyKind kind;
  E2eeKeyFlags flags = E2EE_KEY_FLAG_NOT_EXPORTABLE;
  gboolean exportable = FALSE, shared = TRUE;
  guint index = key_index < 0 ? 0 : key_index;
  GError *error = NULL;
  GBytes *material;
  gboolean ok;

  GST_OBJECT_LOCK (element);
  kind = props->kind;
  material = g_steal_pointer (&props->pending);
  props->kind = GST_E2EE_PENDING_KEY_NONE;
  GST_OBJECT_UNLOCK (element);

  if (material == NULL)
    return TRUE;
  if (provider == NULL) {
    /* No provider yet: the key waits for one. */
    GST_OBJECT_LOCK (element);
    props->pending = material;
    props->kind = kind;
    GST_OBJECT_UNLOCK (element);
    return TRUE;
  }

  g_object_get (provider, "element-keys-exportable", &exportable,
      "shared-key", &shared, NULL);
  if (exportable)
    flags = E2EE_KEY_FLAG_NONE;

  /* Key material is followed by a zero byte: a passphrase is a string. */
  if (kind == GST_E2EE_PENDING_KEY_PASSPHRASE)
    ok = e2ee_key_provider_set_passphrase_full (provider, participant_id,
        g_bytes_get_data (material, NULL), index, TRUE, flags, &error);
  else
    ok = e2ee_key_provider_set_key_full (provider, participant_id,
        g_bytes_get_data (material, NULL), g_bytes_get_size (material),
        index, TRUE, flags, &error);
  g_bytes_unref (material);

  if (ok) {
    GST_OBJECT_LOCK (element);
    props->applied = TRUE;
    GST_OBJECT_UNLOCK (element);
    GST_INFO_OBJECT (element, "%s set in %s%s%s at index %u%s",
        kind == GST_E2EE_PENDING_KEY_PASSPHRASE ? "passphrase key" : "key",
        shared || participant_id == NULL ? "the shared ring" :
        "the ring of participant ", shared || participant_id == NULL ? "" :
        participant_id, shared && participant_id != NULL ?
        " (shared-key is true)" : "", index, exportable ? "" :
        ", not exportable");
    return TRUE;
  }

  if (running)
    GST_ELEMENT_WARNING (element, LIBRARY, SETTINGS,
        ("Could not set the key: %s.", error->message),
        ("The previous key stays in use."));
  else
    GST_ELEMENT_ERROR (element, LIBRARY, SETTINGS,
        ("Could not set the key: %s.", error->message), (NULL));
  g_clear_error (&error);
  return FALSE;
}

gboolean
gst_e2ee_key_props_has_unapplied (GstE2eeKeyProps * props)
{
  GstE2eeKeyProp second;

  return props->pending != NULL || (!props->applied &&
      key_prop_set (props, &second) != GST_E2EE_N_KEY_PROPS);
}

void
gst_e2ee_key_props_clear (GstE2eeKeyProps * props)
{
  clear_values (props);
  g_clear_pointer (&props->pending, g_bytes_unref);
  props->kind = GST_E2EE_PENDING_KEY_NONE;
  props->applied = FALSE;
}
