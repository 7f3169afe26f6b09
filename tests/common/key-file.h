/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Key files for tests of e2ee_key_material_new_from_file() and the
 * elements' key-file property. GLib only; failures abort with g_assert,
 * which fails a gst-check test as well. */

#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

/* A new temporary file holding @len bytes of @contents with permission
 * bits @mode; returns its path (free it, and g_unlink the file). */
static inline gchar *
write_key_file (const gchar * contents, gsize len, int mode)
{
  GError *error = NULL;
  gchar *path = NULL;
  int fd = g_file_open_tmp ("e2ee-test-key-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, contents, len, &error));
  g_assert_no_error (error);
  g_assert_true (g_chmod (path, mode) == 0);
  return path;
}
