/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:e2ee-secret-service
 * @title: Secret Service
 * @short_description: key material from the Secret Service
 *
 * LiveKit's guide says to keep keys "using iOS Keychain or similar". On a
 * Linux desktop that is the Secret Service (gnome-keyring, KeePassXC,
 * KWallet's bridge), reached through libsecret. A secret is named by its
 * attributes, written as `name=value` pairs separated by commas, such as
 * `room=standup,app=gst-e2ee` (white space around names and values is
 * ignored; a value cannot hold a comma). It holds what a key file holds
 * (e2ee_key_material_new_from_secret()) or what a passphrase file holds
 * (e2ee_key_material_new_from_passphrase_secret()), with the same rules.
 *
 * The secret is copied into the library's guarded memory, and libsecret's
 * copy (its own non-pageable memory) is wiped at once. The D-Bus message
 * that carried it is the Secret Service's, not ours to wipe: the Secret
 * Service protocol can encrypt the transfer, which libsecret negotiates.
 *
 * `e2ee-key store FILE room=standup` stores a key file's contents, and
 * the elements' `key-secret` and `passphrase-secret` properties read one.
 * A build without libsecret has the same functions; they fail with
 * %E2EE_ERROR_INTERNAL saying so (e2ee_secret_service_is_supported()).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyring/e2ee-secret-service.h"
#include "keyring/e2ee-key-material-private.h"
#include "keyring/e2ee-secure-memory.h"
#include "keyring/e2ee-types.h"

#include <string.h>

#ifdef E2EE_HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif

/**
 * e2ee_secret_service_is_supported:
 *
 * Whether this build of the library can reach the Secret Service (it was
 * built with libsecret).
 *
 * Returns: %TRUE if the secret functions can work
 *
 * Since: 1.0
 */
gboolean
e2ee_secret_service_is_supported (void)
{
#ifdef E2EE_HAVE_LIBSECRET
  return TRUE;
#else
  return FALSE;
#endif
}

/* "a=b, c = d" as a table; NULL with @error set unless every item is a
 * non-empty name, '=', and a value. */
static GHashTable *
parse_attributes (const gchar * text, const gchar * what, GError ** error)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  gchar **items = g_strsplit (text, ",", -1);
  gboolean ok = items[0] != NULL;
  guint i;

  for (i = 0; ok && items[i] != NULL; i++) {
    gchar *eq = strchr (items[i], '=');
    gchar *name, *value;

    if (eq == NULL) {
      ok = FALSE;
      break;
    }
    *eq = 0;
    name = g_strstrip (g_strdup (items[i]));
    value = g_strstrip (g_strdup (eq + 1));
    ok = name[0] != 0 && value[0] != 0;
    g_hash_table_replace (attributes, name, value);
  }
  g_strfreev (items);
  if (!ok) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" is not a list of name=value attributes separated by "
        "commas (such as room=standup,app=gst-e2ee)", what, text);
    g_hash_table_unref (attributes);
    return NULL;
  }
  return attributes;
}

#ifdef E2EE_HAVE_LIBSECRET
/* The secret's bytes in guarded memory (*@len of them), checked as a key
 * file's are; libsecret's copy is wiped as the SecretValue goes. */
static guint8 *
lookup (const gchar * text, const gchar * what, gsize * len,
    GError ** error)
{
  GHashTable *attributes = parse_attributes (text, what, error);
  GError *lookup_error = NULL;
  SecretValue *value;
  const gchar *secret;
  gsize secret_len = 0;
  guint8 *data = NULL;

  if (attributes == NULL)
    return NULL;
  value = secret_password_lookupv_binary_sync (NULL, attributes, NULL,
      &lookup_error);
  g_hash_table_unref (attributes);

  if (lookup_error != NULL) {
    gchar *lower = g_ascii_strdown (what, -1);

    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "Cannot read %s \"%s\" from the Secret Service: %s", lower, text,
        lookup_error->message);
    g_free (lower);
    g_error_free (lookup_error);
    return NULL;
  }
  if (value == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "%s \"%s\" does not exist in the Secret Service", what, text);
    return NULL;
  }

  secret = secret_value_get (value, &secret_len);
  if (secret_len == 0)
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" is empty", what, text);
  else if (secret_len > E2EE_KEY_FILE_MAX_SIZE)
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" is larger than %d bytes", what, text,
        E2EE_KEY_FILE_MAX_SIZE);
  else if ((data = e2ee_key_material_alloc (secret_len)) == NULL)
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of guarded memory for %s \"%s\"", what, text);
  else {
    memcpy (data, secret, secret_len);
    *len = secret_len;
  }
  /* libsecret keeps secrets in its own secure memory and wipes them on
   * the last unref. */
  secret_value_unref (value);
  return data;
}
#else
static guint8 *
lookup (const gchar * text, const gchar * what, gsize * len,
    GError ** error)
{
  g_set_error (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
      "Cannot read %s \"%s\": this build of gst-e2ee has no Secret Service "
      "support (it was built without libsecret)", what, text);
  return NULL;
}
#endif

/**
 * e2ee_key_material_new_from_secret:
 * @attributes: the secret's attributes, `name=value` pairs separated by
 *   commas
 * @error: return location for a #GError, or %NULL
 *
 * Reads the key material in the Secret Service item whose attributes
 * include @attributes, as e2ee_key_material_new_from_file() reads a key
 * file: its bytes, or the bytes its hex text spells, 1 to
 * %E2EE_KEY_FILE_MAX_SIZE of them, into guarded memory. A locked
 * collection is unlocked first, which may show the desktop's prompt.
 *
 * Returns: (transfer full) (nullable): the key material, wiped when freed;
 *   or %NULL with @error set, its message a sentence naming the secret
 *   (`Key secret "room=standup"`): %G_FILE_ERROR_NOENT when no item has
 *   those attributes, %G_FILE_ERROR_FAILED when the Secret Service cannot be
 *   reached or refuses, %E2EE_ERROR_INVALID_ARGUMENT for attributes that
 *   are not `name=value` pairs and for a secret that is empty or larger
 *   than %E2EE_KEY_FILE_MAX_SIZE, %E2EE_ERROR_INTERNAL without libsecret.
 *
 * Since: 1.0
 */
GBytes *
e2ee_key_material_new_from_secret (const gchar * attributes, GError ** error)
{
  guint8 *data;
  gsize len = 0;

  g_return_val_if_fail (attributes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = lookup (attributes, "Key secret", &len, error);
  if (data == NULL)
    return NULL;
  return e2ee_key_material_take_key (data, len);
}

/**
 * e2ee_key_material_new_from_passphrase_secret:
 * @attributes: the secret's attributes, `name=value` pairs separated by
 *   commas
 * @error: return location for a #GError, or %NULL
 *
 * Reads the passphrase in the Secret Service item whose attributes
 * include @attributes, as e2ee_key_material_new_from_passphrase_file()
 * reads a passphrase file (one trailing newline removed, no hex decoding).
 *
 * Returns: (transfer full) (nullable): the passphrase, followed by a zero
 *   byte, wiped when freed; or %NULL with @error set as by
 *   e2ee_key_material_new_from_secret() (naming `Passphrase secret
 *   "..."`), and %E2EE_ERROR_INVALID_ARGUMENT for a secret holding a zero
 *   byte or nothing but a newline.
 *
 * Since: 1.0
 */
GBytes *
e2ee_key_material_new_from_passphrase_secret (const gchar * attributes,
    GError ** error)
{
  const gchar *what = "Passphrase secret";
  guint8 *data;
  gsize len = 0;

  g_return_val_if_fail (attributes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = lookup (attributes, what, &len, error);
  if (data == NULL)
    return NULL;
  return e2ee_key_material_take_passphrase (data, len, what, attributes,
      error);
}

/**
 * e2ee_key_material_store_secret:
 * @attributes: the secret's attributes, `name=value` pairs separated by
 *   commas
 * @label: (nullable): a label for people browsing their keyring (default:
 *   "gst-e2ee key" and the attributes)
 * @material: the key material (or passphrase) to store
 * @error: return location for a #GError, or %NULL
 *
 * Stores @material in the Secret Service's default collection under
 * @attributes, replacing the item that has exactly those attributes, if
 * any; e2ee_key_material_new_from_secret() (or
 * e2ee_key_material_new_from_passphrase_secret()) with the same
 * attributes reads it back. The value is marked
 * `application/octet-stream`.
 *
 * Returns: %TRUE if stored; %FALSE with @error set (as for
 *   e2ee_key_material_new_from_secret())
 *
 * Since: 1.0
 */
gboolean
e2ee_key_material_store_secret (const gchar * attributes,
    const gchar * label, GBytes * material, GError ** error)
{
  const gchar *what = "Secret";
  GHashTable *table;
  gboolean ok = FALSE;

  g_return_val_if_fail (attributes != NULL, FALSE);
  g_return_val_if_fail (material != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  table = parse_attributes (attributes, what, error);
  if (table == NULL)
    return FALSE;
#ifdef E2EE_HAVE_LIBSECRET
  {
    gchar *default_label = g_strdup_printf ("gst-e2ee key (%s)", attributes);
    gsize len = 0;
    const gchar *data = g_bytes_get_data (material, &len);
    SecretValue *value = secret_value_new (data, len,
        "application/octet-stream");
    GError *store_error = NULL;

    ok = secret_password_storev_binary_sync (NULL, table,
        SECRET_COLLECTION_DEFAULT, label ? label : default_label, value,
        NULL, &store_error);
    if (!ok) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
          "Cannot store secret \"%s\" in the Secret Service: %s", attributes,
          store_error ? store_error->message : "refused");
      g_clear_error (&store_error);
    }
    secret_value_unref (value);
    g_free (default_label);
  }
#else
  g_set_error (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
      "Cannot store secret \"%s\": this build of gst-e2ee has no Secret "
      "Service support (it was built without libsecret)", attributes);
#endif
  g_hash_table_unref (table);
  return ok;
}
