/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The key provider's options on the elements, for gst-launch-1.0 users,
 * who cannot reach the provider: the same names, types and defaults as the
 * E2eeKeyProvider properties, with blurbs for each element.
 *
 * The rule, which the SECTION blocks document for users:
 *  - an option the user set on an element is put on the element's provider
 *    in NULL->READY, after the provider was found or created; one left
 *    alone is the provider's business;
 *  - the keys of key properties go in only at READY->PAUSED (see
 *    gste2eebase.c), by when every element of a pipeline has set its
 *    options; so no property order and no element order changes the
 *    result;
 *  - elements sharing a provider must agree: an option another element
 *    set, or that the application set (its value is not the default), may
 *    only be "set" again to the same value, and the options that shape
 *    keys (ratchet-salt, key-size, key-ring-size, key-derivation) cannot
 *    change once the provider holds keys. Anything else is an error that
 *    names both values and fails NULL->READY: never a silent winner.
 *
 * Which element set which option of a provider is recorded on the provider
 * itself (object data), as the elements that share it may be anywhere. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeprovideroptions.h"
#include "gste2eebase.h"

#include <string.h>

/* Part of the element base: logged in its category. */
#define GST_CAT_DEFAULT gst_e2ee_base_debug

#define DEFAULT_SHARED_KEY TRUE
#define DEFAULT_RATCHET_SALT E2EE_DEFAULT_RATCHET_SALT
#define DEFAULT_RATCHET_WINDOW_SIZE 0
#define DEFAULT_FAILURE_TOLERANCE -1
#define DEFAULT_KEY_RING_SIZE E2EE_DEFAULT_KEY_RING_SIZE
#define DEFAULT_KEY_SIZE 128
#define DEFAULT_ENCRYPTION_TYPE E2EE_ENCRYPTION_TYPE_GCM
#define DEFAULT_UNCRYPTED_MAGIC_BYTES E2EE_DEFAULT_UNCRYPTED_MAGIC_BYTES
#define DEFAULT_KEY_DERIVATION E2EE_KEY_DERIVATION_AUTO
#define DEFAULT_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY FALSE
#define DEFAULT_SIF_TRAILER NULL

/* The provider's own limit: each step is one key derivation. */
#define MAX_RATCHET_WINDOW_SIZE 255

/* Whether an option describes how keys are made, so that it cannot change
 * once the provider holds keys. */
static const gboolean shapes_keys[GST_E2EE_N_OPTIONS] = {
  [GST_E2EE_OPTION_RATCHET_SALT] = TRUE,
  [GST_E2EE_OPTION_KEY_RING_SIZE] = TRUE,
  [GST_E2EE_OPTION_KEY_SIZE] = TRUE,
  [GST_E2EE_OPTION_KEY_DERIVATION] = TRUE,
};

static GParamSpec *option_pspecs[GST_E2EE_N_OPTIONS];

/* ---- the properties ---- */

static GParamSpec *
make_pspec (GstE2eeOption option, GstE2eeDirection dir)
{
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  switch (option) {
    case GST_E2EE_OPTION_SHARED_KEY:
      return g_param_spec_boolean ("shared-key", "Shared key",
          GST_E2EE_FOR (dir,
              "One key ring for all participants (LiveKit's sharedKey); "
              "FALSE: the key properties fill the ring of participant-id, "
              "the local participant",
              "One key ring for all participants (LiveKit's sharedKey); "
              "FALSE: frames open with the ring of participant-id, the "
              "sender, which the key properties fill"),
          DEFAULT_SHARED_KEY, flags);
    case GST_E2EE_OPTION_RATCHET_SALT:
      return g_param_spec_string ("ratchet-salt", "Ratchet salt",
          GST_E2EE_FOR (dir,
              "Salt of the key derivation and of each ratchet step "
              "(LiveKit's ratchetSalt); receivers must use the same",
              "Salt of the key derivation and of each ratchet step "
              "(LiveKit's ratchetSalt); must be the sender's"),
          DEFAULT_RATCHET_SALT, flags);
    case GST_E2EE_OPTION_RATCHET_WINDOW_SIZE:
      return g_param_spec_uint ("ratchet-window-size", "Ratchet window size",
          GST_E2EE_FOR (dir,
              "Ratchet steps that decryptors sharing the key provider try "
              "(LiveKit's ratchetWindowSize; 0 = none); no effect on "
              "encrypting",
              "Ratchet steps tried when a frame fails to decrypt, to follow "
              "a sender that ratchets its key (LiveKit's ratchetWindowSize; "
              "0 = none)"),
          0, MAX_RATCHET_WINDOW_SIZE, DEFAULT_RATCHET_WINDOW_SIZE, flags);
    case GST_E2EE_OPTION_FAILURE_TOLERANCE:
      return g_param_spec_int ("failure-tolerance", "Failure tolerance",
          GST_E2EE_FOR (dir,
              "Decryption failures before decryptors sharing the key "
              "provider mark a key invalid (LiveKit's failureTolerance; "
              "-1 = never); encrypting keeps using it",
              "Decryption failures before a key is marked invalid and its "
              "frames are dropped untried until a new key or ratchet "
              "(LiveKit's failureTolerance; -1 = never)"),
          -1, G_MAXINT, DEFAULT_FAILURE_TOLERANCE, flags);
    case GST_E2EE_OPTION_KEY_RING_SIZE:
      return g_param_spec_uint ("key-ring-size", "Key ring size",
          GST_E2EE_FOR (dir,
              "Key slots per ring (LiveKit's keyringSize); key-index is "
              "taken modulo it",
              "Key slots per ring (LiveKit's keyringSize); a frame's key "
              "index is taken modulo it"),
          1, E2EE_MAX_KEY_RING_SIZE, DEFAULT_KEY_RING_SIZE, flags);
    case GST_E2EE_OPTION_KEY_SIZE:
      return g_param_spec_uint ("key-size", "Key size",
          GST_E2EE_FOR (dir,
              "AES key size in bits to encrypt with: 128 (LiveKit's) or 256",
              "AES key size in bits to decrypt with: 128 (LiveKit's) or "
              "256, as the sender's"),
          128, 256, DEFAULT_KEY_SIZE, flags);
    case GST_E2EE_OPTION_ENCRYPTION_TYPE:
      return g_param_spec_enum ("encryption-type", "Encryption type",
          GST_E2EE_FOR (dir,
              "gcm: encrypt frames (AES-GCM); none: send them unencrypted",
              "gcm: decrypt frames (AES-GCM); none: pass them on as they "
              "come"),
          E2EE_TYPE_ENCRYPTION_TYPE, DEFAULT_ENCRYPTION_TYPE, flags);
    case GST_E2EE_OPTION_UNCRYPTED_MAGIC_BYTES:
      return g_param_spec_string ("uncrypted-magic-bytes",
          "Uncrypted magic bytes",
          GST_E2EE_FOR (dir,
              "Trailer that marks server-injected frames, for decryptors "
              "sharing the key provider, until sif-trailer is set",
              "Trailer that marks server-injected frames (known blank "
              "frames pass undecrypted) until sif-trailer is set"),
          DEFAULT_UNCRYPTED_MAGIC_BYTES, flags);
    case GST_E2EE_OPTION_KEY_DERIVATION:
      return g_param_spec_enum ("key-derivation", "Key derivation",
          GST_E2EE_FOR (dir,
              "How keys are derived from the key properties: auto "
              "(passphrase PBKDF2, raw key HKDF, as LiveKit's JavaScript "
              "SDK), pbkdf2 (the native SDKs' default) or hkdf; receivers "
              "must do the same",
              "How keys are derived from the key properties: auto "
              "(passphrase PBKDF2, raw key HKDF, as LiveKit's JavaScript "
              "SDK), pbkdf2 (the native SDKs' default) or hkdf; must be "
              "the sender's"),
          E2EE_TYPE_KEY_DERIVATION, DEFAULT_KEY_DERIVATION, flags);
    case GST_E2EE_OPTION_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY:
      return g_param_spec_boolean ("discard-frame-when-cryptor-not-ready",
          "Discard frame when cryptor not ready",
          GST_E2EE_FOR (dir,
              "For decryptors sharing the key provider: drop frames quietly "
              "(no missing-key state) while a ring has no key at all; "
              "encryptors always drop frames without a key",
              "Drop frames quietly (no missing-key state, no warning) while "
              "the ring has no key at all; frames are never passed on "
              "undecrypted either way"),
          DEFAULT_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY, flags);
    case GST_E2EE_OPTION_SIF_TRAILER:
      return g_param_spec_boxed ("sif-trailer", "SIF trailer",
          GST_E2EE_FOR (dir,
              "The room's server-injected-frame trailer (LiveKit's "
              "sifTrailer; hex on the command line), for decryptors sharing "
              "the key provider",
              "The room's server-injected-frame trailer (LiveKit's "
              "sifTrailer; hex on the command line): known blank frames "
              "ending in it pass without it"),
          GST_TYPE_BUFFER, flags);
    case GST_E2EE_N_OPTIONS:
    default:
      break;
  }
  g_return_val_if_reached (NULL);
}

void
gst_e2ee_provider_options_install (GObjectClass * klass, guint first_id,
    GstE2eeDirection direction)
{
  guint i;

  for (i = 0; i < GST_E2EE_N_OPTIONS; i++) {
    GParamSpec *pspec = make_pspec (i, direction);

    /* Both elements' pspecs have the same names and types: the first one
     * serves to find an option's type and default. */
    if (option_pspecs[i] == NULL)
      option_pspecs[i] = g_param_spec_ref (pspec);
    g_object_class_install_property (klass, first_id + i, pspec);
  }
}

void
gst_e2ee_provider_options_init (GstE2eeProviderOptions * options)
{
  guint i;

  for (i = 0; i < GST_E2EE_N_OPTIONS; i++) {
    g_value_init (&options->values[i], option_pspecs[i]->value_type);
    g_param_value_set_default (option_pspecs[i], &options->values[i]);
  }
  options->set = 0;
}

void
gst_e2ee_provider_options_clear (GstE2eeProviderOptions * options)
{
  guint i;

  for (i = 0; i < GST_E2EE_N_OPTIONS; i++)
    if (G_IS_VALUE (&options->values[i]))
      g_value_unset (&options->values[i]);
  options->set = 0;
}

void
gst_e2ee_provider_options_set (GstE2eeProviderOptions * options,
    GstE2eeOption option, const GValue * value)
{
  g_return_if_fail (option < GST_E2EE_N_OPTIONS);

  g_value_copy (value, g_value_reset (&options->values[option]));
  options->set |= 1u << option;
}

void
gst_e2ee_provider_options_get (GstE2eeProviderOptions * options,
    GstE2eeOption option, GValue * value)
{
  g_return_if_fail (option < GST_E2EE_N_OPTIONS);

  g_value_copy (&options->values[option], value);
}

/* ---- values as the provider has them, and as messages show them ---- */

/* @value (the element's) in the type of @pspec (the provider's): the same
 * type, but for sif-trailer, a GstBuffer on the element (gst-launch-1.0
 * reads hex into one) and GBytes on the provider. */
static void
to_provider_value (const GValue * value, GParamSpec * pspec, GValue * out)
{
  g_value_init (out, pspec->value_type);
  if (G_VALUE_HOLDS (value, GST_TYPE_BUFFER)) {
    GstBuffer *buffer = g_value_get_boxed (value);
    GstMapInfo map;

    if (buffer != NULL && gst_buffer_map (buffer, &map, GST_MAP_READ)) {
      if (map.size > 0)
        g_value_take_boxed (out, g_bytes_new (map.data, map.size));
      gst_buffer_unmap (buffer, &map);
    }
  } else {
    g_value_copy (value, out);
  }
}

static gboolean
provider_values_equal (GParamSpec * pspec, const GValue * a,
    const GValue * b)
{
  if (G_VALUE_HOLDS (a, G_TYPE_BYTES)) {
    GBytes *x = g_value_get_boxed (a), *y = g_value_get_boxed (b);

    return x == y || (x != NULL && y != NULL && g_bytes_equal (x, y));
  }
  return g_param_values_cmp (pspec, a, b) == 0;
}

/* How gst-launch-1.0 would write @value (none of these is a secret). */
static gchar *
value_to_string (const GValue * value)
{
  if (G_VALUE_HOLDS_BOOLEAN (value))
    return g_strdup (g_value_get_boolean (value) ? "true" : "false");
  if (G_VALUE_HOLDS_STRING (value))
    return g_strdup_printf ("\"%s\"", GST_STR_NULL (g_value_get_string
            (value)));
  if (G_VALUE_HOLDS_ENUM (value)) {
    GEnumClass *klass = g_type_class_peek (G_VALUE_TYPE (value));
    GEnumValue *v = g_enum_get_value (klass, g_value_get_enum (value));

    return g_strdup (v != NULL ? v->value_nick : "?");
  }
  if (G_VALUE_HOLDS (value, G_TYPE_BYTES)) {
    GBytes *bytes = g_value_get_boxed (value);
    const guint8 *data;
    GString *hex;
    gsize len, i;

    if (bytes == NULL)
      return g_strdup ("(none)");
    data = g_bytes_get_data (bytes, &len);
    hex = g_string_new (NULL);
    for (i = 0; i < len; i++)
      g_string_append_printf (hex, "%02x", data[i]);
    return g_string_free (hex, FALSE);
  }
  return g_strdup_value_contents (value);
}

/* ---- who set what on a provider ---- */

/* A GstStructure on each provider, field = option name, value = the name
 * of the element that set it. All of them under one lock, which also makes
 * each element's check-then-set atomic. */
static GMutex records_lock;

static GQuark
records_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark)) {
    gsize q = g_quark_from_static_string ("gst-e2ee-provider-options-set-by");

    g_once_init_leave (&quark, q);
  }
  return (GQuark) quark;
}

/* Call with records_lock held. */
static GstStructure *
records_of (E2eeKeyProvider * provider)
{
  GstStructure *records = g_object_get_qdata (G_OBJECT (provider),
      records_quark ());

  if (records == NULL) {
    records = gst_structure_new_empty ("set-by");
    g_object_set_qdata_full (G_OBJECT (provider), records_quark (), records,
        (GDestroyNotify) gst_structure_free);
  }
  return records;
}

/* ---- applying them ---- */

/* What to tell the user when @element's @option (@wanted) may not replace
 * the provider's @current value; NULL when it may. Call with records_lock
 * held. */
static gchar *
refusal_of (GstElement * element, GstStructure * records,
    E2eeKeyProvider * provider, GParamSpec * pspec, const GValue * wanted,
    const GValue * current, gboolean option_shapes_keys)
{
  const gchar *name = pspec->name;
  const gchar *owner = gst_structure_get_string (records, name);
  gboolean untouched = owner == NULL && g_param_value_defaults (pspec,
      (GValue *) current);
  gchar *want = value_to_string (wanted);
  gchar *have = value_to_string (current);
  gchar *refusal = NULL;

  if (owner != NULL && g_strcmp0 (owner, GST_OBJECT_NAME (element)) != 0)
    refusal = g_strdup_printf ("%s=%s conflicts with %s=%s, which %s set "
        "on the key provider both elements share", name, want, name, have,
        owner);
  else if (owner == NULL && !untouched)
    refusal = g_strdup_printf ("%s=%s conflicts with %s=%s, which the "
        "application set on the key provider", name, want, name, have);
  else if (option_shapes_keys && e2ee_key_provider_get_n_keys (provider) > 0)
    refusal = g_strdup_printf ("%s=%s cannot be applied: the key provider "
        "already holds keys made with %s=%s", name, want, name, have);

  g_free (want);
  g_free (have);
  return refusal;
}

/* Puts @option's @value on @provider unless that would override another's
 * choice; returns the refusal otherwise. Call with records_lock held. */
static gchar *
apply_option (GstElement * element, E2eeKeyProvider * provider,
    GstE2eeOption option, const GValue * value)
{
  const gchar *name = option_pspecs[option]->name;
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
      (provider), name);
  GstStructure *records = records_of (provider);
  GValue wanted = G_VALUE_INIT, current = G_VALUE_INIT;
  gchar *refusal = NULL;

  g_return_val_if_fail (pspec != NULL, NULL);

  to_provider_value (value, pspec, &wanted);
  g_value_init (&current, pspec->value_type);
  g_object_get_property (G_OBJECT (provider), name, &current);

  if (provider_values_equal (pspec, &wanted, &current)) {
    /* Agreeing with an untouched default still claims it. */
    if (!gst_structure_has_field (records, name)
        && g_param_value_defaults (pspec, &current))
      gst_structure_set (records, name, G_TYPE_STRING,
          GST_OBJECT_NAME (element), NULL);
  } else {
    refusal = refusal_of (element, records, provider, pspec, &wanted,
        &current, shapes_keys[option]);
    if (refusal == NULL) {
      GST_DEBUG_OBJECT (element, "setting %s on key provider %p", name,
          provider);
      g_object_set_property (G_OBJECT (provider), name, &wanted);
      gst_structure_set (records, name, G_TYPE_STRING,
          GST_OBJECT_NAME (element), NULL);
    }
  }

  g_value_unset (&wanted);
  g_value_unset (&current);
  return refusal;
}

/* Values the provider would refuse outright; NULL when @options are fine. */
static gchar *
invalid_option (GstE2eeProviderOptions * options)
{
  guint key_size = g_value_get_uint (&options->values
      [GST_E2EE_OPTION_KEY_SIZE]);

  if ((options->set & (1u << GST_E2EE_OPTION_KEY_SIZE)) && key_size != 128
      && key_size != 256)
    return g_strdup_printf ("key-size must be 128 or 256, not %u", key_size);
  return NULL;
}

gboolean
gst_e2ee_provider_options_configure (GstE2eeProviderOptions * options,
    GstElement * element, E2eeKeyProvider * provider)
{
  GstE2eeProviderOptions copy;
  gchar *refusal;
  guint i;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);

  memset (&copy, 0, sizeof (copy));
  gst_e2ee_provider_options_init (&copy);
  GST_OBJECT_LOCK (element);
  for (i = 0; i < GST_E2EE_N_OPTIONS; i++)
    g_value_copy (&options->values[i], g_value_reset (&copy.values[i]));
  copy.set = options->set;
  GST_OBJECT_UNLOCK (element);

  refusal = invalid_option (&copy);
  if (refusal != NULL) {
    GST_ELEMENT_ERROR (element, LIBRARY, SETTINGS, ("%s.", refusal),
        ("AES keys are 128 or 256 bits long (key-size=128 is LiveKit's)"));
    goto out;
  }

  g_mutex_lock (&records_lock);
  for (i = 0; i < GST_E2EE_N_OPTIONS && refusal == NULL; i++)
    if (copy.set & (1u << i))
      refusal = apply_option (element, provider, i, &copy.values[i]);
  g_mutex_unlock (&records_lock);

  if (refusal != NULL)
    GST_ELEMENT_ERROR (element, LIBRARY, SETTINGS, ("%s.", refusal),
        ("Elements that share a key provider must agree on its options: "
            "give them the same value, or set the option on one element "
            "only. ratchet-salt, key-size, key-ring-size and key-derivation "
            "cannot change once the provider holds keys."));

out:
  gst_e2ee_provider_options_clear (&copy);
  if (refusal != NULL) {
    g_free (refusal);
    return FALSE;
  }
  return TRUE;
}
