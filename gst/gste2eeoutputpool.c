/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Output buffers of e2eeencrypt and e2eedecrypt.
 *
 * Every processed frame needs a new output buffer. Allocating it (two heap
 * blocks) and freeing it downstream cost about as much as the cipher on a
 * small frame, and a new 50 KiB block is cold in the cache. So output
 * buffers come from a GstBufferPool: in steady state a frame gets a buffer
 * downstream released moments ago, with no allocation and warm memory.
 *
 * Frame sizes vary, a pool's buffers don't: the pool's buffers are the
 * largest output seen so far rounded up to a power of two, and a frame that
 * does not fit replaces the pool with a bigger one. Buffers still out
 * return to the old, inactive pool, which frees them. A recycled buffer's
 * bytes past its size are this element's earlier output for the same
 * downstream (a failed frame's are wiped), never anything else. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeoutputpool.h"
#include "gste2eebase.h"

/* Part of the element base: logged in its category. */
#define GST_CAT_DEFAULT gst_e2ee_base_debug

#define MIN_OUTPUT_BUFFER_SIZE 256
/* Preallocated, so that the pool's queue never runs empty with one or two
 * buffers downstream: an empty queue costs a wake-up write and read on the
 * pool's control socket for every buffer. */
#define OUTPUT_POOL_MIN_BUFFERS 4

void
gst_e2ee_output_pool_clear (GstE2eeOutputPool * pool)
{
  if (pool->pool == NULL)
    return;
  gst_buffer_pool_set_active (pool->pool, FALSE);
  gst_clear_object (&pool->pool);
  pool->buffer_size = 0;
}

static GstBufferPool *
new_buffer_pool (GstElement * element, guint buffer_size)
{
  GstBufferPool *pool = gst_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  /* No caps: the pool only needs the size. Unlimited buffers: a pool that
   * runs dry must allocate, never block the streaming thread. */
  gst_buffer_pool_config_set_params (config, NULL, buffer_size,
      OUTPUT_POOL_MIN_BUFFERS, 0);
  if (!gst_buffer_pool_set_config (pool, config) ||
      !gst_buffer_pool_set_active (pool, TRUE)) {
    GST_WARNING_OBJECT (element, "cannot start a pool of %u-byte buffers",
        buffer_size);
    gst_object_unref (pool);
    return NULL;
  }
  GST_DEBUG_OBJECT (element, "output buffer pool of %u-byte buffers",
      buffer_size);
  return pool;
}

/* Makes sure the pool's buffers hold @size bytes. */
static void
ensure_buffer_size (GstE2eeOutputPool * pool, GstElement * element,
    gsize size)
{
  guint buffer_size;

  if (pool->pool != NULL && size <= pool->buffer_size)
    return;

  gst_e2ee_output_pool_clear (pool);
  if (size > G_MAXUINT / 2)
    return;
  buffer_size = MAX (MIN_OUTPUT_BUFFER_SIZE,
      1u << g_bit_storage (MAX (size, 1) - 1));
  pool->pool = new_buffer_pool (element, buffer_size);
  if (pool->pool != NULL)
    pool->buffer_size = buffer_size;
}

GstBuffer *
gst_e2ee_output_pool_acquire (GstE2eeOutputPool * pool, GstElement * element,
    gsize size)
{
  GstBuffer *buf = NULL;

  ensure_buffer_size (pool, element, size);
  if (pool->pool == NULL ||
      gst_buffer_pool_acquire_buffer (pool->pool, &buf, NULL) != GST_FLOW_OK)
    return gst_buffer_new_allocate (NULL, size, NULL);
  return buf;
}
