/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Key material in guarded memory and key files: what the elements'
 * passphrase, key and key-file properties hold until a provider takes the
 * key, and what e2ee_key_provider_set_key_from_file() reads. */

#include <keyring/e2ee.h>
#include <keyring/e2ee-secure-memory.h>

#include "key-file.h"

#include <string.h>
#include <sys/stat.h>

#define KEY_HEX "0d55b609648fcaa7a64ff4986d1ad514"

static const guint8 key_bytes[] = {
  0x0d, 0x55, 0xb6, 0x09, 0x64, 0x8f, 0xca, 0xa7,
  0xa6, 0x4f, 0xf4, 0x98, 0x6d, 0x1a, 0xd5, 0x14,
};

static void
assert_material (GBytes * material, const void *expected, gsize len)
{
  gsize size;
  const guint8 *data;

  g_assert_nonnull (material);
  data = g_bytes_get_data (material, &size);
  g_assert_cmpmem (data, size, expected, len);
  /* The zero byte after it, so a passphrase reads as a string. */
  g_assert_cmpuint (data[size], ==, 0);
}

static GBytes *
material_from_file (const gchar * contents, gsize len, int mode,
    guint * file_mode, GError ** error)
{
  gchar *path = write_key_file (contents, len, mode);
  GBytes *material = e2ee_key_material_new_from_file (path, file_mode, error);

  g_unlink (path);
  g_free (path);
  return material;
}

/* A copy in the secure-memory arena, given back when the GBytes goes. */
static void
test_copy_in_guarded_memory (void)
{
  const gchar *passphrase = "a passphrase";
  E2eeSecureMemoryStats before, during, after;
  GBytes *material, *empty;

  e2ee_secure_memory_get_stats (&before);
  material = e2ee_key_material_new ((const guint8 *) passphrase,
      strlen (passphrase));
  e2ee_secure_memory_get_stats (&during);
  assert_material (material, passphrase, strlen (passphrase));
  g_assert_cmpstr (g_bytes_get_data (material, NULL), ==, passphrase);
  g_assert_cmpuint (during.slots_in_use, ==, before.slots_in_use + 1);

  empty = e2ee_key_material_new (NULL, 0);
  assert_material (empty, "", 0);

  g_bytes_unref (empty);
  g_bytes_unref (material);
  e2ee_secure_memory_get_stats (&after);
  g_assert_cmpuint (after.slots_in_use, ==, before.slots_in_use);
}

/* Hex text (either case, trailing white space ignored) spells the key. */
static void
test_file_hex (void)
{
  const gchar *files[] = {
    KEY_HEX, KEY_HEX "\n", "0D55B609648FCAA7A64FF4986D1AD514 \r\n\t",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    GError *error = NULL;
    guint mode = 0;
    GBytes *material = material_from_file (files[i], strlen (files[i]),
        0600, &mode, &error);

    g_assert_no_error (error);
    assert_material (material, key_bytes, sizeof (key_bytes));
    g_assert_cmpuint (mode, ==, 0600);
    g_bytes_unref (material);
  }
}

/* Anything else is the key as it is, white space included. */
static void
test_file_raw (void)
{
  const gchar *files[] = {
    "some other key material", "abc", "abc\n", "0d55 b609", "0x0d55",
  };
  GError *error = NULL;
  GBytes *material;
  guint i;

  material = material_from_file ((const gchar *) key_bytes,
      sizeof (key_bytes), 0600, NULL, &error);
  g_assert_no_error (error);
  assert_material (material, key_bytes, sizeof (key_bytes));
  g_bytes_unref (material);

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    material = material_from_file (files[i], strlen (files[i]), 0600, NULL,
        &error);
    g_assert_no_error (error);
    assert_material (material, files[i], strlen (files[i]));
    g_bytes_unref (material);
  }
}

/* The mode is reported as it is; reading does not depend on it. */
static void
test_file_mode_reported (void)
{
  GError *error = NULL;
  guint mode = 0;
  GBytes *material = material_from_file (KEY_HEX, strlen (KEY_HEX), 0644,
      &mode, &error);

  g_assert_no_error (error);
  assert_material (material, key_bytes, sizeof (key_bytes));
  g_assert_cmpuint (mode, ==, 0644);
  g_bytes_unref (material);
}

static void
assert_refused (const gchar * path, GQuark domain, gint code)
{
  GError *error = NULL;
  guint mode = 12345;

  g_assert_null (e2ee_key_material_new_from_file (path, &mode, &error));
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpuint (mode, ==, 12345);
  g_clear_error (&error);
}

/* No file, a directory, an empty file, one byte too many. */
static void
test_file_refused (void)
{
  gchar *dir = g_dir_make_tmp ("e2ee-test-key-dir-XXXXXX", NULL);
  gchar *missing = g_build_filename (dir, "missing.key", NULL);
  gchar *empty = write_key_file ("", 0, 0600);
  gchar *big = g_malloc (E2EE_KEY_FILE_MAX_SIZE + 1);
  gchar *largest, *too_large;
  GError *error = NULL;
  GBytes *material;

  memset (big, 'k', E2EE_KEY_FILE_MAX_SIZE + 1);
  largest = write_key_file (big, E2EE_KEY_FILE_MAX_SIZE, 0600);
  too_large = write_key_file (big, E2EE_KEY_FILE_MAX_SIZE + 1, 0600);

  assert_refused (missing, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_refused (dir, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  assert_refused (empty, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  assert_refused (too_large, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);

  material = e2ee_key_material_new_from_file (largest, NULL, &error);
  g_assert_no_error (error);
  assert_material (material, big, E2EE_KEY_FILE_MAX_SIZE);
  g_bytes_unref (material);

  g_unlink (empty);
  g_unlink (largest);
  g_unlink (too_large);
  g_rmdir (dir);
  g_free (big);
  g_free (empty);
  g_free (largest);
  g_free (too_large);
  g_free (missing);
  g_free (dir);
}

/* A FIFO is refused at once, with no writer and with one: opening it
 * never blocks, and it is not a regular file. */
static void
test_file_fifo_refused (void)
{
  gchar *dir = g_dir_make_tmp ("e2ee-test-key-fifo-XXXXXX", NULL);
  gchar *fifo = g_build_filename (dir, "key.fifo", NULL);
  GError *error = NULL;
  gint64 start;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  start = g_get_monotonic_time ();
  assert_refused (fifo, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_assert_null (e2ee_key_material_new_from_passphrase_file (fifo, NULL,
          &error));
  g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  g_unlink (fifo);
  g_rmdir (dir);
  g_free (fifo);
  g_free (dir);
}

static GBytes *
passphrase_from_file (const gchar * contents, gsize len, GError ** error)
{
  gchar *path = write_key_file (contents, len, 0600);
  GBytes *material = e2ee_key_material_new_from_passphrase_file (path, NULL,
      error);

  g_unlink (path);
  g_free (path);
  return material;
}

/* A passphrase file is text: one trailing newline goes, hex stays text,
 * other white space is part of the passphrase. */
static void
test_passphrase_file (void)
{
  const gchar *files[][2] = {
    {"correct horse", "correct horse"},
    {"correct horse\n", "correct horse"},
    {"correct horse\r\n", "correct horse"},
    {"correct horse\n\n", "correct horse\n"},
    {" spaced \t\n", " spaced \t"},
    {KEY_HEX "\n", KEY_HEX},
  };
  const gchar *refused[][2] = {
    {"\n", "is empty"}, {"\r\n", "is empty"}, {"a\0b", "zero byte"},
  };
  GError *error = NULL;
  guint mode = 0;
  gchar *path;
  GBytes *material;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    material = passphrase_from_file (files[i][0], strlen (files[i][0]),
        &error);
    g_assert_no_error (error);
    assert_material (material, files[i][1], strlen (files[i][1]));
    g_bytes_unref (material);
  }
  for (i = 0; i < G_N_ELEMENTS (refused); i++) {
    gsize len = refused[i][0][0] == 'a' ? 3 : strlen (refused[i][0]);

    g_assert_null (passphrase_from_file (refused[i][0], len, &error));
    g_assert_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, refused[i][1]));
    g_assert_nonnull (strstr (error->message, "Passphrase file"));
    g_clear_error (&error);
  }

  path = write_key_file ("pass", 4, 0640);
  material = e2ee_key_material_new_from_passphrase_file (path, &mode,
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mode, ==, 0640);
  g_bytes_unref (material);
  g_unlink (path);
  g_free (path);
}

/* A frame sealed with @a's key for @participant opens with @b's. */
static void
assert_same_aes_key (E2eeKeyProvider * a, E2eeKeyProvider * b,
    const gchar * participant)
{
  E2eeFrameCryptor *enc = e2ee_frame_cryptor_new (a, participant,
      E2EE_CODEC_AUDIO);
  E2eeFrameCryptor *dec = e2ee_frame_cryptor_new (b, participant,
      E2EE_CODEC_AUDIO);
  GBytes *frame = g_bytes_new_static ("\xfc opus frame", 12);
  GError *error = NULL;
  GBytes *sealed, *opened;

  sealed = e2ee_frame_cryptor_encrypt_bytes (enc, frame,
      E2EE_FRAME_TYPE_AUTO, &error);
  g_assert_no_error (error);
  opened = e2ee_frame_cryptor_decrypt_bytes (dec, sealed,
      E2EE_FRAME_TYPE_AUTO, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, frame));

  g_bytes_unref (opened);
  g_bytes_unref (sealed);
  g_bytes_unref (frame);
  g_object_unref (dec);
  g_object_unref (enc);
}

/* The provider method sets the same key as e2ee_key_provider_set_key()
 * with the file's bytes, in the slot and ring it is given. */
static void
test_set_key_from_file (void)
{
  gchar *path = write_key_file (KEY_HEX "\n", strlen (KEY_HEX) + 1, 0600);
  E2eeKeyProvider *from_file = e2ee_key_provider_new ();
  E2eeKeyProvider *from_bytes = e2ee_key_provider_new ();
  GError *error = NULL;
  GBytes *a, *b;

  g_object_set (from_file, "shared-key", FALSE, NULL);
  g_object_set (from_bytes, "shared-key", FALSE, NULL);
  g_assert_true (e2ee_key_provider_set_key_from_file (from_file, "alice",
          path, 5, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (e2ee_key_provider_set_key (from_bytes, "alice", key_bytes,
          sizeof (key_bytes), 5, TRUE, &error));

  g_assert_true (e2ee_key_provider_has_key (from_file, "alice", 5));
  g_assert_false (e2ee_key_provider_has_key (from_file, NULL, 5));
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (from_file,
          "alice"), ==, 5);
  a = e2ee_key_provider_export_key (from_file, "alice", 5, &error);
  b = e2ee_key_provider_export_key (from_bytes, "alice", 5, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (a, b));

  assert_same_aes_key (from_file, from_bytes, "alice");

  g_bytes_unref (a);
  g_bytes_unref (b);
  g_object_unref (from_file);
  g_object_unref (from_bytes);
  g_unlink (path);
  g_free (path);
}

/* A key file others may read is used, with a warning; one that cannot be
 * read sets nothing. */
static void
test_set_key_from_file_checks (void)
{
  gchar *open_file = write_key_file (KEY_HEX, strlen (KEY_HEX), 0644);
  gchar *missing = g_build_filename (g_get_tmp_dir (),
      "e2ee-test-no-such-key-file", NULL);
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GError *error = NULL;

  g_test_expect_message ("e2ee", G_LOG_LEVEL_WARNING,
      "*readable by group or others*chmod 600*");
  g_assert_true (e2ee_key_provider_set_key_from_file (provider, NULL,
          open_file, 0, TRUE, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_true (e2ee_key_provider_has_key (provider, NULL, 0));

  g_assert_false (e2ee_key_provider_set_key_from_file (provider, NULL,
          missing, 1, TRUE, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_false (e2ee_key_provider_has_key (provider, NULL, 1));
  g_assert_cmpuint (e2ee_key_provider_get_current_key_index (provider,
          NULL), ==, 0);

  g_object_unref (provider);
  g_unlink (open_file);
  g_free (open_file);
  g_free (missing);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/key-material/copy-in-guarded-memory",
      test_copy_in_guarded_memory);
  g_test_add_func ("/key-material/file/hex", test_file_hex);
  g_test_add_func ("/key-material/file/raw", test_file_raw);
  g_test_add_func ("/key-material/file/mode-reported",
      test_file_mode_reported);
  g_test_add_func ("/key-material/file/refused", test_file_refused);
  g_test_add_func ("/key-material/file/fifo-refused", test_file_fifo_refused);
  g_test_add_func ("/key-material/passphrase-file", test_passphrase_file);
  g_test_add_func ("/key-provider/set-key-from-file",
      test_set_key_from_file);
  g_test_add_func ("/key-provider/set-key-from-file/checks",
      test_set_key_from_file_checks);
  return g_test_run ();
}
