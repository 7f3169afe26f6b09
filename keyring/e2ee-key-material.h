/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Key material on its way into a provider: held in guarded memory (the
 * library's secure-memory arena, never the ordinary heap) and wiped when
 * the last reference to its GBytes goes. Every result is followed by one
 * zero byte that its size does not count, so a passphrase can be read as a
 * string. */

#pragma once

#include <glib.h>
#include <keyring/e2ee-prelude.h>

G_BEGIN_DECLS

/**
 * E2EE_KEY_FILE_MAX_SIZE:
 *
 * The largest key file e2ee_key_material_new_from_file() reads, in bytes:
 * key files hold a passphrase-sized secret, not media.
 */
#define E2EE_KEY_FILE_MAX_SIZE 4096

/* A copy of @len bytes of @data in guarded memory; NULL only when the
 * system refuses more guarded memory. @data may be NULL when @len is 0. */
E2EE_API
GBytes *e2ee_key_material_new           (const guint8 * data,
                                         gsize len);

/* The key material in the regular file @path (1 to E2EE_KEY_FILE_MAX_SIZE
 * bytes), read straight into guarded memory, hex text decoded; @mode (if
 * not NULL) receives the file's permission bits. Never blocks (a FIFO is
 * refused). On failure: NULL, @error set (its message names the file),
 * @mode untouched. */
E2EE_API
GBytes *e2ee_key_material_new_from_file (const gchar * path,
                                         guint * mode,
                                         GError ** error);

/* The passphrase in the file @path, as e2ee_key_material_new_from_file()
 * reads a key file but as text: no hex decoding, one trailing newline
 * removed. */
E2EE_API
GBytes *e2ee_key_material_new_from_passphrase_file (const gchar * path,
                                                    guint * mode,
                                                    GError ** error);

G_END_DECLS
