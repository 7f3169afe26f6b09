/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: what the other sources of key material (the
 * Secret Service, e2ee-secret-service.c) share with key files, so that a
 * secret means what a file with the same bytes means. */

#pragma once

#include <keyring/e2ee-key-material.h>

G_BEGIN_DECLS

/* @len bytes of guarded memory plus a zero byte, zero-filled; NULL when
 * guarded memory runs out. Free with e2ee_secure_memory_free(). */
guint8 *e2ee_key_material_alloc (gsize len);

/* Takes @data (from e2ee_key_material_alloc (@len)) as a key file's bytes:
 * hex text decoded. */
GBytes *e2ee_key_material_take_key (guint8 * data, gsize len);

/* Takes @data as a passphrase file's bytes: one trailing newline removed;
 * empty or holding a zero byte is an E2EE_ERROR_INVALID_ARGUMENT naming
 * "@what \"@name\"" (and @data is freed). */
GBytes *e2ee_key_material_take_passphrase (guint8 * data, gsize len,
    const gchar * what, const gchar * name, GError ** error);

G_END_DECLS
