/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Output buffers of e2eeencrypt and e2eedecrypt, from a pool sized to the
 * largest output so far (why: gste2eeoutputpool.c). */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Streaming thread only; zero-initialised means no pool yet. */
typedef struct
{
  GstBufferPool *pool;
  gsize buffer_size;            /* the size of its buffers */
} GstE2eeOutputPool;

/* A writable buffer of one memory and at least @size bytes (the caller
 * sets its final size), from the pool when it can be. NULL only if even a
 * plain allocation fails; @element is for logging. */
G_GNUC_INTERNAL
GstBuffer *gst_e2ee_output_pool_acquire (GstE2eeOutputPool * pool,
    GstElement * element, gsize size);

/* Deactivates and drops the pool; buffers still out are freed when they
 * come back. */
G_GNUC_INTERNAL
void gst_e2ee_output_pool_clear (GstE2eeOutputPool * pool);

G_END_DECLS
