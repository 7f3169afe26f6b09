/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: where key secrets live.
 *
 * A process-wide arena of small secure blocks: fixed-size slots cut from
 * slabs that libsodium allocates (guard pages around each slab, locked in
 * RAM where RLIMIT_MEMLOCK allows, excluded from core dumps). Blocks larger
 * than the largest slot get their own sodium_malloc(). Every block is
 * wiped when freed, and checked to be zero when handed out again. Why slabs rather than
 * one sodium_malloc() per key is argued in e2ee-secure-memory.c.
 *
 * Safe to use from any thread. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Blocks up to this size come from slabs. */
#define E2EE_SECURE_MEMORY_MAX_SLOT_SIZE 128

/* @size zero-filled bytes of secure memory (a slot is reserved even for
 * @size 0), or NULL when the system refuses more secure memory. */
gpointer e2ee_secure_memory_alloc (gsize size);

/* Wipes and releases a block from e2ee_secure_memory_alloc(); NULL is
 * ignored. */
void e2ee_secure_memory_free (gpointer mem);

/* Releases the empty slabs the arena keeps for reuse. */
void e2ee_secure_memory_trim (void);

/* What the arena holds now, for tests and benchmarks. */
typedef struct
{
  guint slabs;                  /* slabs mapped, empty ones included */
  guint slots_in_use;           /* blocks handed out from slabs */
  guint large_blocks;           /* blocks with their own sodium_malloc() */
  gsize slab_bytes;             /* usable bytes of all mapped slabs */
  gboolean lock_failed;         /* some slab could not be locked in RAM */
  guint64 slots_handed_out;     /* since the process started */
  guint dirty_slots;            /* free slots found not zero when handed out */
} E2eeSecureMemoryStats;

void e2ee_secure_memory_get_stats (E2eeSecureMemoryStats * stats);

/* What the slot at @mem holds now, read under the arena's lock (so a slab
 * cannot be unmapped meanwhile). For tests and benchmarks: a removed key's
 * slot must read FREE. */
typedef enum
{
  E2EE_SECURE_MEMORY_NOT_A_SLOT,        /* in no mapped slab: a slab since
                                         * unmapped (wiped by sodium_free),
                                         * or a block of its own */
  E2EE_SECURE_MEMORY_SLOT_IN_USE,       /* handed out (maybe to a new key) */
  E2EE_SECURE_MEMORY_SLOT_FREE,         /* free, every byte zero */
  E2EE_SECURE_MEMORY_SLOT_FREE_DIRTY,   /* free but not zero: a bug */
} E2eeSecureMemorySlotState;

E2eeSecureMemorySlotState e2ee_secure_memory_inspect_slot (gconstpointer mem);

/* The size of the slot that holds a block of @size bytes (a size class),
 * or 0 when such a block gets its own sodium_malloc(). */
gsize e2ee_secure_memory_slot_size (gsize size);

G_END_DECLS
