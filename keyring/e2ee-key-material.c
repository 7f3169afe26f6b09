/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:e2ee-key-material
 * @title: Key material
 * @short_description: key material in guarded memory, and key files
 *
 * Key material an application holds before it goes into an
 * #E2eeKeyProvider: a passphrase typed in, a key received from a key
 * server, a key file. These functions keep it in the library's guarded
 * memory (libsodium's: guard pages, locked in RAM where the limits allow,
 * left out of core dumps) rather than the ordinary heap, as a #GBytes that
 * wipes it when its last reference goes.
 *
 * A key file holds raw key material: the file's bytes, or, when the file
 * is all hex digits (an even number of them, trailing white space
 * ignored), the bytes they spell, so that `openssl rand -hex 32 > room.key`
 * makes one. It should be readable by its owner only (mode 0600).
 * e2ee_key_provider_set_key_from_file() reads one into a provider.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyring/e2ee-key-material.h"
#include "keyring/e2ee-key.h"
#include "keyring/e2ee-secure-memory.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>

/* @len bytes plus the trailing zero byte, zero-filled. */
static guint8 *
material_alloc (gsize len)
{
  if (len >= G_MAXSIZE)
    return NULL;
  e2ee_ensure_sodium ();
  return e2ee_secure_memory_alloc (len + 1);
}

static GBytes *
material_to_bytes (guint8 * data, gsize len)
{
  return g_bytes_new_with_free_func (data, len, e2ee_secure_memory_free,
      data);
}

/**
 * e2ee_key_material_new:
 * @data: (array length=len) (nullable): the key material
 * @len: length of @data
 *
 * Copies @data into guarded memory. The copy is followed by a zero byte
 * that its size does not count.
 *
 * Returns: (transfer full) (nullable): the copy, wiped when freed; %NULL
 *   when the system refuses more guarded memory
 */
GBytes *
e2ee_key_material_new (const guint8 * data, gsize len)
{
  guint8 *copy;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  copy = material_alloc (len);
  if (copy == NULL)
    return NULL;
  if (len > 0)
    memcpy (copy, data, len);
  return material_to_bytes (copy, len);
}

static gboolean
is_all_hex (const guint8 * data, gsize len)
{
  gsize i;

  if (len == 0 || len % 2 != 0)
    return FALSE;
  for (i = 0; i < len; i++)
    if (!g_ascii_isxdigit (data[i]))
      return FALSE;
  return TRUE;
}

/* Replaces @data (guarded memory, *@len bytes) by the bytes its hex spells
 * when it is all hex digits once trailing white space is cut; otherwise
 * (or if guarded memory runs out) @data stays as it is. */
static guint8 *
decode_if_hex (guint8 * data, gsize * len)
{
  gsize text_len = *len;
  gsize bin_len = 0;
  guint8 *bin;

  while (text_len > 0 && g_ascii_isspace (data[text_len - 1]))
    text_len--;
  if (!is_all_hex (data, text_len))
    return data;

  /* libsodium's decoder runs in constant time: the digits are a secret. */
  bin = material_alloc (text_len / 2);
  if (bin == NULL || sodium_hex2bin (bin, text_len / 2, (const char *) data,
          text_len, NULL, &bin_len, NULL) != 0) {
    e2ee_secure_memory_free (bin);
    return data;
  }

  e2ee_secure_memory_free (data);
  *len = bin_len;
  return bin;
}

/* 0, or the errno of the failed read (EIO for a file that got shorter). */
static int
read_fully (int fd, guint8 * buf, gsize len)
{
  gsize done = 0;

  while (done < len) {
    gssize n = read (fd, buf + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    if (n == 0)
      return EIO;
    done += n;
  }
  return 0;
}

static void
set_file_error (GError ** error, int errsv, const gchar * what,
    const gchar * path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
      "Cannot %s key file %s: %s", what, path, g_strerror (errsv));
}

/**
 * e2ee_key_material_new_from_file:
 * @path: (type filename): a key file
 * @mode: (out) (optional): the file's permission bits (`st_mode & 07777`),
 *   so that the caller can warn when group or others may read it
 * @error: return location for a #GError, or %NULL
 *
 * Reads the key material in @path straight into guarded memory (no copy
 * of it ever lands in the ordinary heap): the file's bytes, or, when they
 * are all hex digits once trailing white space is cut, the bytes the
 * digits spell. The material is followed by a zero byte that its size does
 * not count.
 *
 * Returns: (transfer full) (nullable): the key material, wiped when freed;
 *   or %NULL with @error set: a #G_FILE_ERROR when @path cannot be opened
 *   or read, %E2EE_ERROR_INVALID_ARGUMENT when it is not a regular file of
 *   1 to %E2EE_KEY_FILE_MAX_SIZE bytes, %E2EE_ERROR_INTERNAL when guarded
 *   memory runs out. @mode is only set on success.
 */
GBytes *
e2ee_key_material_new_from_file (const gchar * path, guint * mode,
    GError ** error)
{
  struct stat st;
  guint8 *data = NULL;
  gsize len;
  int fd, errsv;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    set_file_error (error, errno, "open", path);
    return NULL;
  }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size <= 0 ||
      st.st_size > E2EE_KEY_FILE_MAX_SIZE) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "Key file %s is not a regular file of 1 to %d bytes", path,
        E2EE_KEY_FILE_MAX_SIZE);
    goto out;
  }

  len = st.st_size;
  data = material_alloc (len);
  if (data == NULL) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of guarded memory for the %" G_GSIZE_FORMAT " bytes of key "
        "file %s", len, path);
    goto out;
  }
  errsv = read_fully (fd, data, len);
  if (errsv != 0) {
    set_file_error (error, errsv, "read", path);
    g_clear_pointer (&data, e2ee_secure_memory_free);
    goto out;
  }
  data = decode_if_hex (data, &len);
  if (mode != NULL)
    *mode = st.st_mode & 07777;

out:
  close (fd);
  return data != NULL ? material_to_bytes (data, len) : NULL;
}
