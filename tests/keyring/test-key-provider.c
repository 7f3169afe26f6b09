/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* E2eeKeyProvider: rings, current index, failure tolerance, ratchet,
 * export, signals, properties, ratchet window support and stream ids. */

#include <keyring/e2ee-key-provider-private.h>
#include <keyring/e2ee-enum-types.h>
#include <keyring/e2ee-secure-memory.h>

#include <string.h>

#include "hex.h"

#define PASSPHRASE "public-passphrase-32f0c07daeff"
/* LiveKit's vectors: the passphrase ratcheted 1, 2 and 3 times (PBKDF2). */
static const gchar *passphrase_ratchets[] = {
  "8437ee002fdba3572ac5b00458cf03f9cd48a7cd91eec2a2a76987f75e31915b",
  "4db097c293cbb39d4c59291b3f2cc5c4675155ed007ad7c6c9af66b2c1a85063",
  "794abb2694b86a168e4be3d6ff8fbc2f2c053c4115281b260fd05ff0e663f0e8",
};

#define RAW_HEX \
  "0d55b609648fcaa7a64ff4986d1ad514cd4105adeda1ca954686d1166c505736"
/* The raw key ratcheted once with HKDF (LiveKit's vector). */
#define RAW_HKDF_RATCHET \
  "af61441f19fddc81389cf770fe03e4e4553109346bc40f86d2dfa5b63aa926ba"
/* Forced derivations (computed with Python's hashlib/hmac): the
 * passphrase through HKDF, the raw key through PBKDF2, 32 bytes each. */
#define PASSPHRASE_HKDF_RATCHET \
  "f4d3df8c06fb5c3826fcc376aa0f2a645a95620fe399afdc0203619d8611aa60"
#define RAW_PBKDF2_RATCHET \
  "722644194a81fd5744e5d7ffd692d2027c5e97cb9ce6d9db679e64651a3469b7"

static void
assert_bytes_hex (GBytes * bytes, const gchar * hex)
{
  GBytes *expected = hex_to_bytes (hex);

  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
      g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  g_bytes_unref (expected);
}

static void
set_passphrase (E2eeKeyProvider * kp, const gchar * participant,
    const gchar * passphrase, guint index, gboolean make_current)
{
  GError *error = NULL;

  g_assert_true (e2ee_key_provider_set_passphrase (kp, participant,
          passphrase, index, make_current, &error));
  g_assert_no_error (error);
}

static void
set_raw (E2eeKeyProvider * kp, const gchar * participant, guint8 fill,
    guint index, gboolean make_current)
{
  GError *error = NULL;
  guint8 material[32];

  memset (material, fill, sizeof (material));
  g_assert_true (e2ee_key_provider_set_key (kp, participant, material,
          sizeof (material), index, make_current, &error));
  g_assert_no_error (error);
}

/* The first byte of the material at @index, or -1 when missing. */
static gint
exported_fill (E2eeKeyProvider * kp, const gchar * participant, guint index)
{
  GError *error = NULL;
  GBytes *material = e2ee_key_provider_export_key (kp, participant, index,
      &error);
  gint fill;

  if (material == NULL) {
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
    g_clear_error (&error);
    return -1;
  }
  fill = ((const guint8 *) g_bytes_get_data (material, NULL))[0];
  g_bytes_unref (material);
  return fill;
}

static E2eeKeyLookup
lookup (E2eeKeyProvider * kp, const gchar * participant, gint index,
    guint * used)
{
  E2eeKeyLookup result;
  E2eeKey *key = e2ee_key_provider_lookup_key (kp, participant, index, used,
      &result);

  g_assert_true ((key != NULL) == (result == E2EE_KEY_LOOKUP_OK));
  if (key != NULL)
    e2ee_key_unref (key);
  return result;
}

static void
test_property_defaults (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  GObjectClass *klass = G_OBJECT_GET_CLASS (kp);
  gboolean shared, discard;
  gchar *salt, *magic;
  guint window, ring_size, key_size;
  gint tolerance;
  E2eeEncryptionType encryption;
  E2eeKeyDerivation derivation;
  GParamSpec *pspec;

  g_object_get (kp, "shared-key", &shared, "ratchet-salt", &salt,
      "ratchet-window-size", &window, "failure-tolerance", &tolerance,
      "key-ring-size", &ring_size, "uncrypted-magic-bytes", &magic,
      "key-size", &key_size, "encryption-type", &encryption,
      "discard-frame-when-cryptor-not-ready", &discard,
      "key-derivation", &derivation, NULL);
  g_assert_true (shared);
  g_assert_cmpstr (salt, ==, "LKFrameEncryptionKey");
  g_assert_cmpuint (window, ==, 0);
  g_assert_cmpint (tolerance, ==, -1);
  g_assert_cmpuint (ring_size, ==, 16);
  g_assert_cmpstr (magic, ==, "LK-ROCKS");
  g_assert_cmpuint (key_size, ==, 128);
  g_assert_cmpint (encryption, ==, E2EE_ENCRYPTION_TYPE_GCM);
  g_assert_false (discard);
  g_assert_cmpint (derivation, ==, E2EE_KEY_DERIVATION_AUTO);
  g_free (salt);
  g_free (magic);

  pspec = g_object_class_find_property (klass, "key-ring-size");
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->minimum, ==, 1);
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->maximum, ==, 255);
  pspec = g_object_class_find_property (klass, "failure-tolerance");
  g_assert_cmpint (G_PARAM_SPEC_INT (pspec)->minimum, ==, -1);
  pspec = g_object_class_find_property (klass, "key-size");
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->minimum, ==, 128);
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->maximum, ==, 256);
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (g_object_class_find_property
          (klass, "encryption-type")) == E2EE_TYPE_ENCRYPTION_TYPE);
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (g_object_class_find_property
          (klass, "key-derivation")) == E2EE_TYPE_KEY_DERIVATION);

  /* Only 128 and 256 make sense in between. */
  g_test_expect_message ("e2ee", G_LOG_LEVEL_WARNING, "*key-size*192*");
  g_object_set (kp, "key-size", 192, NULL);
  g_test_assert_expected_messages ();
  g_object_get (kp, "key-size", &key_size, NULL);
  g_assert_cmpuint (key_size, ==, 128);
  g_object_set (kp, "key-size", 256, "key-ring-size", 4, NULL);
  g_object_get (kp, "key-size", &key_size, "key-ring-size", &ring_size, NULL);
  g_assert_cmpuint (key_size, ==, 256);
  g_assert_cmpuint (ring_size, ==, 4);

  g_object_unref (kp);
}

/* key-ring-size, ratchet-salt and key-size are refused once keys exist. */
static void
test_property_changes_refused_with_keys (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "key-ring-size", 8, "ratchet-salt", "my-salt", NULL);
  guint ring_size, key_size, serial;
  gchar *salt;

  set_raw (kp, NULL, 1, 0, TRUE);
  serial = e2ee_key_provider_get_serial (kp);

  g_test_expect_message ("e2ee", G_LOG_LEVEL_WARNING, "*key-ring-size*");
  g_test_expect_message ("e2ee", G_LOG_LEVEL_WARNING, "*ratchet-salt*");
  g_test_expect_message ("e2ee", G_LOG_LEVEL_WARNING, "*key-size*");
  g_object_set (kp, "key-ring-size", 4, "ratchet-salt", "other",
      "key-size", 256, NULL);
  g_test_assert_expected_messages ();

  g_object_get (kp, "key-ring-size", &ring_size, "ratchet-salt", &salt,
      "key-size", &key_size, NULL);
  g_assert_cmpuint (ring_size, ==, 8);
  g_assert_cmpstr (salt, ==, "my-salt");
  g_assert_cmpuint (key_size, ==, 128);
  g_assert_cmpint (exported_fill (kp, NULL, 0), ==, 1);
  g_free (salt);

  /* Options that don't describe stored keys still change. */
  g_object_set (kp, "failure-tolerance", 3, "shared-key", FALSE, NULL);
  g_assert_cmpuint (e2ee_key_provider_get_serial (kp), >, serial);
  g_object_unref (kp);
}

/* No property ever gives key material back. */
static void
test_material_not_readable (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  GParamSpec **pspecs;
  GBytes *raw = hex_to_bytes (RAW_HEX);
  GError *error = NULL;
  guint n, i;

  set_passphrase (kp, NULL, PASSPHRASE, 0, TRUE);
  g_assert_true (e2ee_key_provider_set_key (kp, NULL,
          g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), 1, FALSE,
          &error));

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (kp), &n);
  g_assert_cmpuint (n, ==, 12);
  for (i = 0; i < n; i++) {
    GValue value = G_VALUE_INIT;
    gchar *contents;

    g_assert_true (pspecs[i]->flags & G_PARAM_READABLE);
    /* Strings, numbers and enums only: nothing boxed could hide bytes,
     * but for the room's SIF trailer, which is public. */
    if (g_str_equal (pspecs[i]->name, "sif-trailer"))
      g_assert_true (pspecs[i]->value_type == G_TYPE_BYTES);
    else
      g_assert_false (G_TYPE_IS_BOXED (pspecs[i]->value_type));
    g_assert_false (G_TYPE_IS_OBJECT (pspecs[i]->value_type));
    g_value_init (&value, pspecs[i]->value_type);
    g_object_get_property (G_OBJECT (kp), pspecs[i]->name, &value);
    contents = g_strdup_value_contents (&value);
    g_assert_null (strstr (contents, PASSPHRASE));
    g_assert_null (strstr (contents, "0d55b6"));
    g_assert_null (strstr (contents, "8437ee"));
    g_free (contents);
    g_value_unset (&value);
  }
  g_free (pspecs);
  g_bytes_unref (raw);
  g_object_unref (kp);
}

static void
test_ring_wrap (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "key-ring-size", 4, NULL);
  guint used = 99;

  set_raw (kp, NULL, 0x11, 5, FALSE);
  /* 5 and 1 are the same slot of a 4-slot ring. */
  g_assert_true (e2ee_key_provider_has_key (kp, NULL, 5));
  g_assert_true (e2ee_key_provider_has_key (kp, NULL, 1));
  g_assert_false (e2ee_key_provider_has_key (kp, NULL, 0));
  g_assert_false (e2ee_key_provider_has_key (kp, NULL, 2));
  g_assert_cmpint (exported_fill (kp, NULL, 1), ==, 0x11);

  /* 9 replaces it. */
  set_raw (kp, NULL, 0x22, 9, FALSE);
  g_assert_cmpint (exported_fill (kp, NULL, 5), ==, 0x22);

  /* Key indices beyond the ring land in their slot too. */
  g_assert_cmpint (lookup (kp, NULL, 13, &used), ==, E2EE_KEY_LOOKUP_OK);
  g_assert_cmpuint (used, ==, 1);
  g_assert_cmpint (lookup (kp, NULL, 255, &used), ==,
      E2EE_KEY_LOOKUP_MISSING);
  g_assert_cmpuint (used, ==, 3);
  g_assert_cmpint (lookup (kp, NULL, 6, &used), ==, E2EE_KEY_LOOKUP_MISSING);
  g_assert_cmpuint (used, ==, 2);
  g_assert_cmpint (exported_fill (kp, NULL, 6), ==, -1);
  g_object_unref (kp);
}

static void
test_current_index (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "key-ring-size", 4, NULL);
  GError *error = NULL;
  guint serial, used = 99;

  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, NULL), ==,
      0);
  /* Nothing at the current index yet. */
  g_assert_cmpint (lookup (kp, NULL, -1, &used), ==, E2EE_KEY_LOOKUP_MISSING);
  g_assert_cmpuint (used, ==, 0);

  serial = e2ee_key_provider_get_serial (kp);
  set_raw (kp, NULL, 0x33, 6, TRUE);
  g_assert_cmpuint (e2ee_key_provider_get_serial (kp), >, serial);
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, NULL), ==,
      2);
  g_assert_cmpint (lookup (kp, NULL, -1, &used), ==, E2EE_KEY_LOOKUP_OK);
  g_assert_cmpuint (used, ==, 2);

  /* Not current: the index stays. */
  set_raw (kp, NULL, 0x44, 3, FALSE);
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, NULL), ==,
      2);

  serial = e2ee_key_provider_get_serial (kp);
  g_assert_true (e2ee_key_provider_set_current_key_index (kp, NULL, 7,
          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (e2ee_key_provider_get_serial (kp), >, serial);
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, NULL), ==,
      3);
  g_assert_cmpint (lookup (kp, NULL, -1, &used), ==, E2EE_KEY_LOOKUP_OK);
  g_assert_cmpuint (used, ==, 3);
  g_object_unref (kp);
}

static void
test_shared_and_participant_rings (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();

  /* Shared mode: every participant id means the shared ring. */
  set_raw (kp, "alice", 0x01, 0, TRUE);
  g_assert_true (e2ee_key_provider_has_key (kp, NULL, 0));
  g_assert_true (e2ee_key_provider_has_key (kp, "bob", 0));
  g_assert_cmpint (exported_fill (kp, "bob", 0), ==, 0x01);
  g_object_unref (kp);

  kp = g_object_new (E2EE_TYPE_KEY_PROVIDER, "shared-key", FALSE, NULL);
  set_raw (kp, "alice", 0x0a, 0, TRUE);
  g_assert_true (e2ee_key_provider_has_key (kp, "alice", 0));
  g_assert_false (e2ee_key_provider_has_key (kp, "bob", 0));
  g_assert_false (e2ee_key_provider_has_key (kp, NULL, 0));

  set_raw (kp, NULL, 0x5a, 0, TRUE);
  set_raw (kp, "bob", 0x0b, 2, TRUE);
  g_assert_cmpint (exported_fill (kp, "alice", 0), ==, 0x0a);
  g_assert_cmpint (exported_fill (kp, "bob", 2), ==, 0x0b);
  g_assert_cmpint (exported_fill (kp, NULL, 0), ==, 0x5a);
  g_assert_cmpint (exported_fill (kp, "bob", 0), ==, -1);
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, "bob"), ==,
      2);
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (kp, "alice"),
      ==, 0);
  g_assert_cmpint (lookup (kp, "carol", -1, NULL), ==,
      E2EE_KEY_LOOKUP_MISSING);
  g_object_unref (kp);
}

static void
report_failures (E2eeKeyProvider * kp, const gchar * participant,
    guint index, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    e2ee_key_provider_report_decryption (kp, participant, index, FALSE);
}

static void
test_failure_tolerance (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "failure-tolerance", 2, "key-ring-size", 4, NULL);
  GError *error = NULL;
  GBytes *material;
  guint serial;

  set_passphrase (kp, "alice", PASSPHRASE, 1, TRUE);
  set_raw (kp, "alice", 0x07, 2, FALSE);

  /* Two failures are tolerated, the third invalidates. */
  report_failures (kp, "alice", 1, 2);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==, E2EE_KEY_LOOKUP_OK);
  serial = e2ee_key_provider_get_serial (kp);
  report_failures (kp, "alice", 5, 1);  /* 5 is slot 1 too */
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==,
      E2EE_KEY_LOOKUP_INVALID);
  g_assert_cmpint (lookup (kp, "alice", -1, NULL), ==,
      E2EE_KEY_LOOKUP_INVALID);
  g_assert_cmpuint (e2ee_key_provider_get_serial (kp), >, serial);
  /* Other slots are unaffected. */
  g_assert_cmpint (lookup (kp, "alice", 2, NULL), ==, E2EE_KEY_LOOKUP_OK);
  /* The key is still there, just invalid. */
  g_assert_true (e2ee_key_provider_has_key (kp, "alice", 1));

  /* A success resets. */
  e2ee_key_provider_report_decryption (kp, "alice", 1, TRUE);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==, E2EE_KEY_LOOKUP_OK);
  /* ...the count too, not just the flag. */
  report_failures (kp, "alice", 1, 2);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==, E2EE_KEY_LOOKUP_OK);
  report_failures (kp, "alice", 1, 1);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==,
      E2EE_KEY_LOOKUP_INVALID);

  /* A new key resets. */
  set_passphrase (kp, "alice", PASSPHRASE, 1, FALSE);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==, E2EE_KEY_LOOKUP_OK);

  /* A ratchet resets. */
  report_failures (kp, "alice", 1, 3);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==,
      E2EE_KEY_LOOKUP_INVALID);
  material = e2ee_key_provider_ratchet_key (kp, "alice", 1, &error);
  g_assert_no_error (error);
  g_bytes_unref (material);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==, E2EE_KEY_LOOKUP_OK);

  /* Making the slot current resets. */
  report_failures (kp, "alice", 2, 3);
  g_assert_cmpint (lookup (kp, "alice", 2, NULL), ==,
      E2EE_KEY_LOOKUP_INVALID);
  g_assert_true (e2ee_key_provider_set_current_key_index (kp, "alice", 2,
          &error));
  g_assert_cmpint (lookup (kp, "alice", 2, NULL), ==, E2EE_KEY_LOOKUP_OK);

  /* Tolerance -1 never invalidates. */
  g_object_set (kp, "failure-tolerance", -1, NULL);
  report_failures (kp, "alice", 1, 1000);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==, E2EE_KEY_LOOKUP_OK);

  /* Tolerance 0: the first failure invalidates. */
  g_object_set (kp, "failure-tolerance", 0, NULL);
  report_failures (kp, "alice", 1, 1);
  g_assert_cmpint (lookup (kp, "alice", 1, NULL), ==,
      E2EE_KEY_LOOKUP_INVALID);
  g_object_unref (kp);
}

typedef struct
{
  guint count;
  gchar *participant;
  guint key_index;
} RatchetedRecord;

static void
on_key_ratcheted (E2eeKeyProvider * kp, const gchar * participant,
    guint key_index, RatchetedRecord * record)
{
  record->count++;
  g_free (record->participant);
  record->participant = g_strdup (participant);
  record->key_index = key_index;
}

static void
test_ratchet_and_export (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  RatchetedRecord record = { 0, };
  GError *error = NULL;
  GBytes *material, *exported;
  guint i;

  g_signal_connect (kp, "key-ratcheted", G_CALLBACK (on_key_ratcheted),
      &record);

  material = e2ee_key_provider_ratchet_key (kp, NULL, 0, &error);
  g_assert_null (material);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);
  g_assert_cmpuint (record.count, ==, 0);

  set_passphrase (kp, "alice", PASSPHRASE, 0, TRUE);
  exported = e2ee_key_provider_export_key (kp, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (exported, NULL),
      g_bytes_get_size (exported), PASSPHRASE, strlen (PASSPHRASE));
  g_bytes_unref (exported);

  for (i = 0; i < G_N_ELEMENTS (passphrase_ratchets); i++) {
    material = e2ee_key_provider_ratchet_key (kp, "alice", 0, &error);
    g_assert_no_error (error);
    assert_bytes_hex (material, passphrase_ratchets[i]);
    g_bytes_unref (material);
    exported = e2ee_key_provider_export_key (kp, NULL, 0, &error);
    assert_bytes_hex (exported, passphrase_ratchets[i]);
    g_bytes_unref (exported);

    /* Shared ring: the signal says NULL, whatever id the caller gave. */
    g_assert_cmpuint (record.count, ==, i + 1);
    g_assert_null (record.participant);
    g_assert_cmpuint (record.key_index, ==, 0);
  }
  g_object_unref (kp);

  kp = g_object_new (E2EE_TYPE_KEY_PROVIDER, "shared-key", FALSE, NULL);
  g_signal_connect (kp, "key-ratcheted", G_CALLBACK (on_key_ratcheted),
      &record);
  record.count = 0;
  set_passphrase (kp, "bob", PASSPHRASE, 3, FALSE);
  material = e2ee_key_provider_ratchet_key (kp, "bob", 3, &error);
  assert_bytes_hex (material, passphrase_ratchets[0]);
  g_bytes_unref (material);
  g_assert_cmpuint (record.count, ==, 1);
  g_assert_cmpstr (record.participant, ==, "bob");
  g_assert_cmpuint (record.key_index, ==, 3);

  exported = e2ee_key_provider_export_key (kp, "carol", 3, &error);
  g_assert_null (exported);
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  g_clear_error (&error);

  g_free (record.participant);
  g_object_unref (kp);
}

static GBytes *
ratchet_once (E2eeKeyProvider * kp, const gchar * participant)
{
  GError *error = NULL;
  GBytes *material = e2ee_key_provider_ratchet_key (kp, participant, 0,
      &error);

  g_assert_no_error (error);
  return material;
}

/* AUTO: passphrase -> PBKDF2, raw -> HKDF; PBKDF2 and HKDF force it. The
 * ratchet goes through the same function, so its output tells which. */
static void
test_key_derivation (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  GBytes *raw = hex_to_bytes (RAW_HEX);
  GError *error = NULL;
  GBytes *material;

  g_assert_true (e2ee_key_provider_set_key (kp, NULL,
          g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), 0, TRUE,
          &error));
  material = ratchet_once (kp, NULL);
  assert_bytes_hex (material, RAW_HKDF_RATCHET);
  g_bytes_unref (material);

  g_object_set (kp, "key-derivation", E2EE_KEY_DERIVATION_PBKDF2, NULL);
  g_assert_true (e2ee_key_provider_set_key (kp, NULL,
          g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), 0, TRUE,
          &error));
  material = ratchet_once (kp, NULL);
  assert_bytes_hex (material, RAW_PBKDF2_RATCHET);
  g_bytes_unref (material);

  g_object_set (kp, "key-derivation", E2EE_KEY_DERIVATION_HKDF, NULL);
  set_passphrase (kp, NULL, PASSPHRASE, 0, TRUE);
  material = ratchet_once (kp, NULL);
  assert_bytes_hex (material, PASSPHRASE_HKDF_RATCHET);
  g_bytes_unref (material);

  g_bytes_unref (raw);
  g_object_unref (kp);
}

static void
test_invalid_material (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  guint8 big[1025] = { 0, };
  GError *error = NULL;

  g_assert_false (e2ee_key_provider_set_passphrase (kp, NULL, "", 0, TRUE,
          &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (e2ee_key_provider_set_key (kp, NULL, big, sizeof (big), 0,
          TRUE, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (e2ee_key_provider_has_key (kp, NULL, 0));
  g_object_unref (kp);
}

static void
test_ratchet_candidate (gconstpointer data)
{
  guint window = GPOINTER_TO_UINT (data);
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "ratchet-window-size", window, NULL);
  GError *error = NULL;
  E2eeKey *base, *candidate;
  GBytes *material;
  guint i;

  set_passphrase (kp, NULL, PASSPHRASE, 0, TRUE);
  base = e2ee_key_provider_lookup_key (kp, NULL, 0, NULL, NULL);
  g_assert_nonnull (base);

  for (i = 0; i < 3; i++) {
    candidate = e2ee_key_provider_get_ratchet_candidate (kp, base, i + 1,
        &error);
    g_assert_no_error (error);
    material = e2ee_key_export_material (candidate);
    assert_bytes_hex (material, passphrase_ratchets[i]);
    g_bytes_unref (material);
    /* Asking again gives the very same (cached) key. */
    e2ee_key_unref (candidate);
    g_assert_true (candidate == e2ee_key_provider_get_ratchet_candidate (kp,
            base, i + 1, NULL));
    e2ee_key_unref (candidate);
  }
  /* Candidates don't touch the ring. */
  material = e2ee_key_provider_export_key (kp, NULL, 0, &error);
  g_assert_cmpmem (g_bytes_get_data (material, NULL),
      g_bytes_get_size (material), PASSPHRASE, strlen (PASSPHRASE));
  g_bytes_unref (material);

  e2ee_key_unref (base);
  g_object_unref (kp);
}

static void
test_adopt_ratcheted_key (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "failure-tolerance", 0, NULL);
  RatchetedRecord record = { 0, };
  E2eeKey *base, *candidate, *held;
  GBytes *material;
  guint serial;

  g_signal_connect (kp, "key-ratcheted", G_CALLBACK (on_key_ratcheted),
      &record);
  set_passphrase (kp, "alice", PASSPHRASE, 4, TRUE);
  base = e2ee_key_provider_lookup_key (kp, "alice", 4, NULL, NULL);
  candidate = e2ee_key_provider_get_ratchet_candidate (kp, base, 2, NULL);

  /* The slot changed meanwhile: refused, the new key stays. */
  set_raw (kp, "alice", 0x66, 4, FALSE);
  g_assert_false (e2ee_key_provider_adopt_ratcheted_key (kp, "alice", 4,
          base, candidate));
  g_assert_cmpint (exported_fill (kp, "alice", 4), ==, 0x66);
  g_assert_cmpuint (record.count, ==, 0);
  e2ee_key_unref (base);
  e2ee_key_unref (candidate);

  /* Unchanged: adopted, failures reset, signal, serial. */
  set_passphrase (kp, "alice", PASSPHRASE, 4, TRUE);
  base = e2ee_key_provider_lookup_key (kp, "alice", 4, NULL, NULL);
  candidate = e2ee_key_provider_get_ratchet_candidate (kp, base, 2, NULL);
  report_failures (kp, "alice", 4, 1);
  g_assert_cmpint (lookup (kp, "alice", 4, NULL), ==,
      E2EE_KEY_LOOKUP_INVALID);
  serial = e2ee_key_provider_get_serial (kp);
  g_assert_true (e2ee_key_provider_adopt_ratcheted_key (kp, "alice", 4, base,
          candidate));
  g_assert_cmpuint (e2ee_key_provider_get_serial (kp), >, serial);
  g_assert_cmpuint (record.count, ==, 1);
  g_assert_cmpstr (record.participant, ==, "alice");
  g_assert_cmpuint (record.key_index, ==, 4);
  held = e2ee_key_provider_lookup_key (kp, "alice", 4, NULL, NULL);
  g_assert_true (held == candidate);
  e2ee_key_unref (held);
  material = e2ee_key_provider_export_key (kp, "alice", 4, NULL);
  assert_bytes_hex (material, passphrase_ratchets[1]);
  g_bytes_unref (material);

  /* A second stream adopting the same step: TRUE, no second signal. */
  g_assert_true (e2ee_key_provider_adopt_ratcheted_key (kp, "alice", 4, base,
          candidate));
  g_assert_cmpuint (record.count, ==, 1);

  e2ee_key_unref (base);
  e2ee_key_unref (candidate);
  g_free (record.participant);
  g_object_unref (kp);
}

/* Keys set as not exportable never come out, ratcheted or not; other
 * keys do. Keys of element properties are not exportable by default. */
static void
test_not_exportable (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "ratchet-window-size", 2, NULL);
  GBytes *raw = hex_to_bytes (RAW_HEX);
  gboolean element_keys_exportable = TRUE;
  E2eeKey *base, *candidate;
  GError *error = NULL;
  GBytes *material;

  g_object_get (kp, "element-keys-exportable", &element_keys_exportable,
      NULL);
  g_assert_false (element_keys_exportable);

  g_assert_true (e2ee_key_provider_set_passphrase_full (kp, "alice",
          PASSPHRASE, 0, TRUE, E2EE_KEY_FLAG_NOT_EXPORTABLE, &error));
  g_assert_true (e2ee_key_provider_set_key_full (kp, "bob",
          g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), 1, TRUE,
          E2EE_KEY_FLAG_NOT_EXPORTABLE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (e2ee_key_provider_get_n_keys (kp), ==, 2);

  g_assert_null (e2ee_key_provider_export_key (kp, "alice", 0, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NOT_EXPORTABLE);
  g_assert_nonnull (strstr (error->message, "not exportable"));
  g_clear_error (&error);
  g_assert_null (e2ee_key_provider_export_key (kp, "bob", 1, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NOT_EXPORTABLE);
  g_clear_error (&error);

  /* ratchet_key would hand out the new material: refused, key unchanged. */
  base = e2ee_key_provider_lookup_key (kp, "alice", 0, NULL, NULL);
  g_assert_null (e2ee_key_provider_ratchet_key (kp, "alice", 0, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NOT_EXPORTABLE);
  g_clear_error (&error);
  candidate = e2ee_key_provider_lookup_key (kp, "alice", 0, NULL, NULL);
  g_assert_true (candidate == base);
  e2ee_key_unref (candidate);

  /* A decryptor following the sender's ratchet keeps the key private. */
  candidate = e2ee_key_provider_get_ratchet_candidate (kp, base, 1, NULL);
  g_assert_true (e2ee_key_provider_adopt_ratcheted_key (kp, "alice", 0,
          base, candidate));
  g_assert_null (e2ee_key_provider_export_key (kp, "alice", 0, &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_NOT_EXPORTABLE);
  g_clear_error (&error);
  e2ee_key_unref (candidate);
  e2ee_key_unref (base);

  /* A new key in the slot brings its own flags. */
  set_passphrase (kp, "alice", PASSPHRASE, 0, TRUE);
  material = e2ee_key_provider_export_key (kp, "alice", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (material, NULL),
      g_bytes_get_size (material), PASSPHRASE, strlen (PASSPHRASE));
  g_bytes_unref (material);
  material = e2ee_key_provider_ratchet_key (kp, "alice", 0, &error);
  assert_bytes_hex (material, passphrase_ratchets[0]);
  g_bytes_unref (material);

  g_bytes_unref (raw);
  g_object_unref (kp);
}

/* The sif-trailer property is what set_sif_trailer sets. */
static void
test_sif_trailer_property (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  GBytes *trailer = NULL, *set = g_bytes_new_static ("\x34\xd4\xc6", 3);
  E2eeFrameOptions options = { 0, };

  g_object_get (kp, "sif-trailer", &trailer, NULL);
  g_assert_null (trailer);
  e2ee_key_provider_set_sif_trailer (kp, (const guint8 *) "\x34\xd4\xc6",
      3);
  g_object_get (kp, "sif-trailer", &trailer, NULL);
  g_assert_true (g_bytes_equal (trailer, set));
  g_bytes_unref (trailer);

  g_object_set (kp, "sif-trailer", NULL, NULL);
  e2ee_key_provider_get_frame_options (kp, &options);
  g_assert_cmpmem (g_bytes_get_data (options.sif_trailer, NULL),
      g_bytes_get_size (options.sif_trailer), "LK-ROCKS", 8);
  g_object_set (kp, "sif-trailer", set, NULL);
  e2ee_key_provider_get_frame_options (kp, &options);
  g_assert_true (g_bytes_equal (options.sif_trailer, set));

  e2ee_frame_options_clear (&options);
  g_bytes_unref (set);
  g_object_unref (kp);
}

static void
test_stream_ids (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  GHashTable *seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint32 ids[2000];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ids); i++) {
    ids[i] = e2ee_key_provider_claim_stream_id (kp);
    g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (ids[i])));
    g_hash_table_add (seen, GUINT_TO_POINTER (ids[i]));
  }
  /* Random, not a counter. */
  g_assert_cmpuint (ids[1], !=, ids[0] + 1);
  for (i = 0; i < G_N_ELEMENTS (ids); i++)
    e2ee_key_provider_release_stream_id (kp, ids[i]);
  g_hash_table_unref (seen);
  g_object_unref (kp);
}

static void
test_frame_options (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "ratchet-window-size", 3, "encryption-type",
      E2EE_ENCRYPTION_TYPE_NONE, "discard-frame-when-cryptor-not-ready",
      TRUE, NULL);
  E2eeFrameOptions options = { 0, };
  static const guint8 trailer[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
  guint serial;

  e2ee_key_provider_get_frame_options (kp, &options);
  g_assert_cmpint (options.encryption_type, ==, E2EE_ENCRYPTION_TYPE_NONE);
  g_assert_cmpuint (options.ratchet_window_size, ==, 3);
  g_assert_true (options.discard_frame_when_cryptor_not_ready);
  g_assert_cmpmem (g_bytes_get_data (options.sif_trailer, NULL),
      g_bytes_get_size (options.sif_trailer), "LK-ROCKS", 8);

  serial = e2ee_key_provider_get_serial (kp);
  e2ee_key_provider_set_sif_trailer (kp, trailer, sizeof (trailer));
  g_assert_cmpuint (e2ee_key_provider_get_serial (kp), >, serial);
  /* Refreshing an already filled struct releases the old trailer. */
  e2ee_key_provider_get_frame_options (kp, &options);
  g_assert_cmpmem (g_bytes_get_data (options.sif_trailer, NULL),
      g_bytes_get_size (options.sif_trailer), trailer, sizeof (trailer));

  e2ee_key_provider_set_sif_trailer (kp, NULL, 0);
  g_object_set (kp, "uncrypted-magic-bytes", "MAGIC", NULL);
  e2ee_key_provider_get_frame_options (kp, &options);
  g_assert_cmpmem (g_bytes_get_data (options.sif_trailer, NULL),
      g_bytes_get_size (options.sif_trailer), "MAGIC", 5);

  e2ee_frame_options_clear (&options);
  g_assert_null (options.sif_trailer);
  g_object_unref (kp);
}

typedef struct
{
  guint count;
  gchar *participant, *track;
  E2eeState state;
  guint key_index;
} StateRecord;

static void
on_state_changed (E2eeKeyProvider * kp, const gchar * participant,
    const gchar * track, E2eeState state, guint key_index,
    StateRecord * record)
{
  record->count++;
  record->participant = g_strdup (participant);
  record->track = g_strdup (track);
  record->state = state;
  record->key_index = key_index;
}

static void
test_state_changed (void)
{
  E2eeKeyProvider *kp = e2ee_key_provider_new ();
  StateRecord record = { 0, };
  guint signal_id = g_signal_lookup ("state-changed", E2EE_TYPE_KEY_PROVIDER);
  GSignalQuery query;

  g_signal_query (signal_id, &query);
  g_assert_cmpuint (query.n_params, ==, 4);
  g_assert_true (query.param_types[2] == E2EE_TYPE_STATE);

  g_signal_connect (kp, "state-changed", G_CALLBACK (on_state_changed),
      &record);
  e2ee_key_provider_emit_state_changed (kp, "alice", "video0",
      E2EE_STATE_MISSING_KEY, 7);
  g_assert_cmpuint (record.count, ==, 1);
  g_assert_cmpstr (record.participant, ==, "alice");
  g_assert_cmpstr (record.track, ==, "video0");
  g_assert_cmpint (record.state, ==, E2EE_STATE_MISSING_KEY);
  g_assert_cmpuint (record.key_index, ==, 7);
  g_free (record.participant);
  g_free (record.track);
  g_object_unref (kp);
}

/* Keys stored while a ratchet window is set get their steps derived on
 * the worker; dropping the provider with work queued must be clean. */
static void
test_precompute_and_dispose (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "ratchet-window-size", 4, "shared-key", FALSE, NULL);
  E2eeKey *base, *candidate;
  GBytes *material;

  set_passphrase (kp, "a", PASSPHRASE, 0, TRUE);
  set_passphrase (kp, "b", PASSPHRASE, 0, TRUE);
  set_passphrase (kp, "c", PASSPHRASE, 0, TRUE);
  base = e2ee_key_provider_lookup_key (kp, "c", 0, NULL, NULL);
  candidate = e2ee_key_provider_get_ratchet_candidate (kp, base, 3, NULL);
  material = e2ee_key_export_material (candidate);
  assert_bytes_hex (material, passphrase_ratchets[2]);
  g_bytes_unref (material);
  e2ee_key_unref (candidate);
  e2ee_key_unref (base);
  g_object_unref (kp);
}

typedef struct
{
  E2eeKeyProvider *kp;
  E2eeKey *base;
  E2eeKey *candidate;
  guint lookups;
} CandidateThread;

static gpointer
candidate_thread (gpointer data)
{
  CandidateThread *t = data;
  guint i;

  t->candidate = e2ee_key_provider_get_ratchet_candidate (t->kp, t->base, 3,
      NULL);
  /* Meanwhile the ring is read and failures are reported. */
  for (i = 0; i < 200; i++) {
    if (lookup (t->kp, "alice", 0, NULL) == E2EE_KEY_LOOKUP_OK)
      t->lookups++;
    e2ee_key_provider_report_decryption (t->kp, "alice", 0, i % 2);
  }
  return NULL;
}

/* Threads asking for the same steps while the worker derives them all get
 * the very same keys: each step is derived once, whoever gets there. */
static void
test_concurrent_candidates (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "ratchet-window-size", 3, "shared-key", FALSE, NULL);
  CandidateThread threads[4] = { {0,}, };
  GThread *handles[G_N_ELEMENTS (threads)];
  GBytes *material;
  E2eeKey *base;
  guint i;

  set_passphrase (kp, "alice", PASSPHRASE, 0, TRUE);
  base = e2ee_key_provider_lookup_key (kp, "alice", 0, NULL, NULL);
  for (i = 0; i < G_N_ELEMENTS (threads); i++) {
    threads[i].kp = kp;
    threads[i].base = base;
    handles[i] = g_thread_new ("candidate", candidate_thread, &threads[i]);
  }
  for (i = 0; i < G_N_ELEMENTS (threads); i++) {
    g_thread_join (handles[i]);
    g_assert_nonnull (threads[i].candidate);
    g_assert_true (threads[i].candidate == threads[0].candidate);
    /* failure-tolerance is -1: the key never went invalid. */
    g_assert_cmpuint (threads[i].lookups, ==, 200);
  }
  material = e2ee_key_export_material (threads[0].candidate);
  assert_bytes_hex (material, passphrase_ratchets[2]);
  g_bytes_unref (material);

  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    e2ee_key_unref (threads[i].candidate);
  e2ee_key_unref (base);
  g_object_unref (kp);
}

/* Slots are allocated up to the highest index used: lookups, the current
 * index and failure reports on slots never allocated behave as on empty
 * ones. */
static void
test_sparse_ring (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, "failure-tolerance", 0, NULL);
  guint used = 99;
  gint i;

  set_raw (kp, "p", 5, 5, FALSE);
  for (i = 0; i < 16; i++)
    g_assert_cmpint (lookup (kp, "p", i, NULL), ==,
        i == 5 ? E2EE_KEY_LOOKUP_OK : E2EE_KEY_LOOKUP_MISSING);
  g_assert_cmpint (lookup (kp, "p", 21, &used), ==, E2EE_KEY_LOOKUP_OK);
  g_assert_cmpuint (used, ==, 5);

  g_assert_true (e2ee_key_provider_set_current_key_index (kp, "p", 12,
          NULL));
  g_assert_cmpint (lookup (kp, "p", -1, &used), ==, E2EE_KEY_LOOKUP_MISSING);
  g_assert_cmpuint (used, ==, 12);
  e2ee_key_provider_report_decryption (kp, "p", 9, TRUE);
  e2ee_key_provider_report_decryption (kp, "p", 12, FALSE);
  g_assert_cmpint (lookup (kp, "p", 12, NULL), ==, E2EE_KEY_LOOKUP_MISSING);

  /* A key in a slot that failed before it was set starts afresh. */
  set_raw (kp, "p", 12, 12, TRUE);
  g_assert_cmpint (lookup (kp, "p", -1, &used), ==, E2EE_KEY_LOOKUP_OK);
  g_assert_cmpuint (used, ==, 12);
  g_assert_cmpint (exported_fill (kp, "p", 12), ==, 12);
  g_assert_cmpint (exported_fill (kp, "p", 5), ==, 5);
  g_assert_cmpint (exported_fill (kp, "p", 15), ==, -1);
  e2ee_key_provider_report_decryption (kp, "p", 12, FALSE);
  g_assert_cmpint (lookup (kp, "p", 12, NULL), ==, E2EE_KEY_LOOKUP_INVALID);
  g_assert_cmpint (lookup (kp, "p", 5, NULL), ==, E2EE_KEY_LOOKUP_OK);
  g_object_unref (kp);
}

#define MANY_PARTICIPANTS 20000

static void
many_participants_material (guint i, guint8 material[32])
{
  guint j;

  for (j = 0; j < 32; j++)
    material[j] = (guint8) ((i >> (8 * (j % 4))) + j);
}

/* More participants than one sodium_malloc() per key allowed (a provider
 * ran out of memory mappings at participant 16,368): every key set, found
 * and exported with its own bytes, the secrets packed into shared slabs,
 * and all of them released with the provider. */
static void
test_many_participants (void)
{
  E2eeKeyProvider *kp = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  E2eeSecureMemoryStats before, now;
  guint8 material[32];
  GError *error = NULL;
  guint i, used;

  e2ee_secure_memory_trim ();
  e2ee_secure_memory_get_stats (&before);

  for (i = 0; i < MANY_PARTICIPANTS; i++) {
    g_autofree gchar *id = g_strdup_printf ("participant-%u", i);

    many_participants_material (i, material);
    g_assert_true (e2ee_key_provider_set_key (kp, id, material,
            sizeof (material), 0, TRUE, &error));
    g_assert_no_error (error);
  }

  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slots_in_use - before.slots_in_use, ==,
      MANY_PARTICIPANTS);
  g_assert_cmpuint (now.slabs - before.slabs, <=,
      MANY_PARTICIPANTS / 1000 + 1);
  g_assert_cmpuint (now.large_blocks, ==, before.large_blocks);

  for (i = 0; i < MANY_PARTICIPANTS; i++) {
    g_autofree gchar *id = g_strdup_printf ("participant-%u", i);

    g_assert_cmpint (lookup (kp, id, -1, &used), ==, E2EE_KEY_LOOKUP_OK);
    g_assert_cmpuint (used, ==, 0);
    if (i % 97 == 0) {
      GBytes *exported = e2ee_key_provider_export_key (kp, id, 0, &error);

      g_assert_no_error (error);
      many_participants_material (i, material);
      g_assert_cmpmem (g_bytes_get_data (exported, NULL),
          g_bytes_get_size (exported), material, sizeof (material));
      g_bytes_unref (exported);
    }
  }
  g_assert_cmpint (lookup (kp, "participant-20000", -1, NULL), ==,
      E2EE_KEY_LOOKUP_MISSING);

  g_object_unref (kp);
  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/key-provider/property-defaults", test_property_defaults);
  g_test_add_func ("/key-provider/property-changes-refused-with-keys",
      test_property_changes_refused_with_keys);
  g_test_add_func ("/key-provider/material-not-readable",
      test_material_not_readable);
  g_test_add_func ("/key-provider/ring-wrap", test_ring_wrap);
  g_test_add_func ("/key-provider/current-index", test_current_index);
  g_test_add_func ("/key-provider/shared-and-participant-rings",
      test_shared_and_participant_rings);
  g_test_add_func ("/key-provider/failure-tolerance", test_failure_tolerance);
  g_test_add_func ("/key-provider/ratchet-and-export",
      test_ratchet_and_export);
  g_test_add_func ("/key-provider/key-derivation", test_key_derivation);
  g_test_add_func ("/key-provider/invalid-material", test_invalid_material);
  g_test_add_data_func ("/key-provider/ratchet-candidate/no-window",
      GUINT_TO_POINTER (0), test_ratchet_candidate);
  g_test_add_data_func ("/key-provider/ratchet-candidate/window-3",
      GUINT_TO_POINTER (3), test_ratchet_candidate);
  g_test_add_func ("/key-provider/adopt-ratcheted-key",
      test_adopt_ratcheted_key);
  g_test_add_func ("/key-provider/not-exportable", test_not_exportable);
  g_test_add_func ("/key-provider/sif-trailer-property",
      test_sif_trailer_property);
  g_test_add_func ("/key-provider/stream-ids", test_stream_ids);
  g_test_add_func ("/key-provider/frame-options", test_frame_options);
  g_test_add_func ("/key-provider/state-changed", test_state_changed);
  g_test_add_func ("/key-provider/concurrent-candidates",
      test_concurrent_candidates);
  g_test_add_func ("/key-provider/precompute-and-dispose",
      test_precompute_and_dispose);
  g_test_add_func ("/key-provider/sparse-ring", test_sparse_ring);
  g_test_add_func ("/key-provider/many-participants",
      test_many_participants);

  return g_test_run ();
}
