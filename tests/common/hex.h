/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Hex strings in tests: keys, frames and vectors. GLib only; a malformed
 * string fails the test (g_assert, which fails a gst-check test too). */

#pragma once

#include <glib.h>

/* Appends the bytes @hex spells to @out; spaces between bytes are
 * ignored. */
static inline void
append_hex (GByteArray * out, const gchar * hex)
{
  gsize i;

  for (i = 0; hex[i] != '\0'; i++) {
    gint hi, lo;
    guint8 b;

    if (hex[i] == ' ')
      continue;
    hi = g_ascii_xdigit_value (hex[i]);
    lo = g_ascii_xdigit_value (hex[i + 1]);
    g_assert_true (hi >= 0 && lo >= 0);
    b = (guint8) (hi << 4 | lo);
    g_byte_array_append (out, &b, 1);
    i++;
  }
}

/* The bytes @hex spells (spaces ignored). */
static inline GBytes *
hex_to_bytes (const gchar * hex)
{
  GByteArray *out = g_byte_array_new ();

  append_hex (out, hex);
  return g_byte_array_free_to_bytes (out);
}
