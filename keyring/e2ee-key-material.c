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
 *
 * A passphrase file holds a passphrase as text, with at most one trailing
 * newline, which is not part of it (e2ee_key_material_new_from_passphrase_file()).
 * Both kinds are opened without blocking and refused unless they are
 * regular files of 1 to %E2EE_KEY_FILE_MAX_SIZE bytes, with an error that
 * names the file.
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

/* Errors name the file as "Key file" or "Passphrase file" (@what), in
 * sentences an element can show its user as they are. */
static void
set_open_error (GError ** error, int errsv, const gchar * what,
    const gchar * path)
{
  if (errsv == ENOENT)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "%s \"%s\" does not exist", what, path);
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
        "Cannot open %s \"%s\": %s", what, path, g_strerror (errsv));
}

/* Refuses anything but a regular file of 1 to E2EE_KEY_FILE_MAX_SIZE
 * bytes. */
static gboolean
check_secret_file (const struct stat *st, const gchar * what,
    const gchar * path, GError ** error)
{
  if (S_ISDIR (st->st_mode)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
        "%s \"%s\" is a directory", what, path);
    return FALSE;
  }
  if (!S_ISREG (st->st_mode)) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" is not a regular file", what, path);
    return FALSE;
  }
  if (st->st_size <= 0) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" is empty", what, path);
    return FALSE;
  }
  if (st->st_size > E2EE_KEY_FILE_MAX_SIZE) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" is larger than %d bytes", what, path,
        E2EE_KEY_FILE_MAX_SIZE);
    return FALSE;
  }
  return TRUE;
}

/* The bytes of the secret file @path in guarded memory (*@len of them),
 * or NULL with @error set. Never blocks on a FIFO or a device: the file is
 * opened with O_NONBLOCK and refused by fstat() unless it is a regular
 * file (for which O_NONBLOCK changes nothing). */
static guint8 *
read_secret_file (const gchar * path, const gchar * what, gsize * len,
    guint * mode, GError ** error)
{
  struct stat st;
  guint8 *data = NULL;
  int fd, errsv;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
  if (fd < 0) {
    set_open_error (error, errno, what, path);
    return NULL;
  }

  if (fstat (fd, &st) != 0) {
    errsv = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
        "Cannot read %s \"%s\": %s", what, path, g_strerror (errsv));
    goto out;
  }
  if (!check_secret_file (&st, what, path, error))
    goto out;

  *len = st.st_size;
  data = material_alloc (*len);
  if (data == NULL) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INTERNAL,
        "Out of guarded memory for the %" G_GSIZE_FORMAT " bytes of %s "
        "\"%s\"", *len, what, path);
    goto out;
  }
  errsv = read_fully (fd, data, *len);
  if (errsv != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
        "Cannot read %s \"%s\": %s", what, path, g_strerror (errsv));
    g_clear_pointer (&data, e2ee_secure_memory_free);
    goto out;
  }
  if (mode != NULL)
    *mode = st.st_mode & 07777;

out:
  close (fd);
  return data;
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
 * not count. The file is opened without blocking, so a FIFO or a device
 * is refused at once rather than waited on.
 *
 * Returns: (transfer full) (nullable): the key material, wiped when freed;
 *   or %NULL with @error set, its message a sentence naming @path: a
 *   #G_FILE_ERROR when @path cannot be opened or read (%G_FILE_ERROR_NOENT:
 *   it does not exist, %G_FILE_ERROR_ISDIR: it is a directory),
 *   %E2EE_ERROR_INVALID_ARGUMENT when it is not a regular file of 1 to
 *   %E2EE_KEY_FILE_MAX_SIZE bytes, %E2EE_ERROR_INTERNAL when guarded
 *   memory runs out. @mode is only set on success.
 */
GBytes *
e2ee_key_material_new_from_file (const gchar * path, guint * mode,
    GError ** error)
{
  guint8 *data;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = read_secret_file (path, "Key file", &len, mode, error);
  if (data == NULL)
    return NULL;
  data = decode_if_hex (data, &len);
  return material_to_bytes (data, len);
}

/**
 * e2ee_key_material_new_from_passphrase_file:
 * @path: (type filename): a file holding a passphrase
 * @mode: (out) (optional): the file's permission bits, as for
 *   e2ee_key_material_new_from_file()
 * @error: return location for a #GError, or %NULL
 *
 * Reads the passphrase in @path straight into guarded memory, with one
 * trailing newline (`\n` or `\r\n`) removed, as `echo` or an editor
 * leaves it; the rest, white space included, is the passphrase. Unlike a
 * key file, hex digits are not decoded: a passphrase is text. The file is
 * checked and opened as by e2ee_key_material_new_from_file().
 *
 * Returns: (transfer full) (nullable): the passphrase (followed by a zero
 *   byte, so it reads as a string), wiped when freed; or %NULL with @error
 *   set as by e2ee_key_material_new_from_file(), and
 *   %E2EE_ERROR_INVALID_ARGUMENT for a file that holds nothing but a
 *   newline or holds a zero byte.
 */
GBytes *
e2ee_key_material_new_from_passphrase_file (const gchar * path,
    guint * mode, GError ** error)
{
  const gchar *what = "Passphrase file";
  guint8 *data;
  gsize len = 0;
  guint file_mode = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = read_secret_file (path, what, &len, &file_mode, error);
  if (data == NULL)
    return NULL;

  if (data[len - 1] == '\n') {
    data[--len] = 0;
    if (len > 0 && data[len - 1] == '\r')
      data[--len] = 0;
  }
  if (len == 0) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" is empty", what, path);
    e2ee_secure_memory_free (data);
    return NULL;
  }
  if (memchr (data, 0, len) != NULL) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "%s \"%s\" holds a zero byte: a passphrase is text", what, path);
    e2ee_secure_memory_free (data);
    return NULL;
  }
  if (mode != NULL)
    *mode = file_mode;
  return material_to_bytes (data, len);
}
