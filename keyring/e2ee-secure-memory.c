/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The secure-memory arena: key secrets in slots of sodium_malloc()ed slabs.
 *
 * Why not one sodium_malloc() per key, as this library first did: each
 * call maps its own block with a read-only header page, a guard page before
 * and after and at least one page of data, which is 4 memory mappings and
 * 8 KiB resident for a 48-byte secret. Measured with a key provider holding
 * 10,000 participants with one key each (tests/bench, part d): +93.9 MiB
 * RSS and +40,001 mappings. A process may have at most 65,530 mappings
 * (vm.max_map_count), so a provider failed with "Out of secure memory" at
 * participant 16,368; and an unprivileged process may lock 8 MiB
 * (RLIMIT_MEMLOCK), so locking stopped after about 2,000 keys and later
 * keys could be swapped out.
 *
 * Here a slab of 64 KiB (one sodium_malloc(): guard pages around it, locked
 * as a whole, excluded from core dumps) holds 1023 secrets of up to 64
 * bytes (the usual 32-byte material with a 16- or 32-byte AES key) or 511
 * of up to 128 bytes. 10,000 keys then take 10 slabs (640 KiB, locked);
 * measured, the whole provider of 10,000 participants costs +2.7 MiB RSS
 * and +37 mappings, and one of 100,000 participants +28 MiB RSS, 98 slabs
 * (6.1 MiB, all locked within the 8 MiB limit) and +395 mappings.
 * Bigger secrets (long passphrases) still get their own sodium_malloc().
 *
 * What a slab gives up against one block per secret: an overrun of one
 * slot reaches its neighbour rather than a guard page. The code that writes
 * secrets writes fixed, checked lengths. What it keeps: secrets never in the
 * ordinary heap, locked when the limit allows (when it does not, that is
 * logged once at debug level and the arena carries on), zeroed when handed
 * out and wiped (sodium_memzero) as soon as they are freed.
 *
 * Bookkeeping (which slots are free) lives in the ordinary heap, apart from
 * the secrets, so a free slot holds only zeros. One mutex guards the arena:
 * keys are created and dropped when keys change, never per frame. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2ee-secure-memory.h"

#include <sodium.h>

#define SLAB_BYTES (64 * 1024)
/* Left free at the end of a slab for libsodium's canary (16 bytes in
 * 1.0.18), so that slab and canary fill SLAB_BYTES exactly. */
#define SLAB_CANARY_ROOM 64
#define BITS_PER_WORD (GLIB_SIZEOF_LONG * 8)

typedef struct _SizeClass SizeClass;

typedef struct
{
  GList link;                   /* in its class's slabs_with_free_slots */
  SizeClass *size_class;
  guint8 *data;                 /* n_slots slots, from sodium_malloc() */
  guint n_slots;
  guint n_used;
  gulong used[];                /* one bit per slot; bits past n_slots set */
} Slab;

struct _SizeClass
{
  gsize slot_size;
  GQueue slabs_with_free_slots; /* of Slab, through their links */
};

static struct
{
  GMutex lock;
  SizeClass classes[2];
  GPtrArray *slabs;             /* every Slab, sorted by data address */
  guint slots_in_use;
  guint large_blocks;
  gboolean lock_failed;
  guint64 slots_handed_out;
  guint dirty_slots;
} arena = {
  .classes = {{64, G_QUEUE_INIT}, {128, G_QUEUE_INIT}},
};

G_STATIC_ASSERT (E2EE_SECURE_MEMORY_MAX_SLOT_SIZE == 128);

static SizeClass *
class_for_size (gsize size)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (arena.classes); i++)
    if (size <= arena.classes[i].slot_size)
      return &arena.classes[i];
  return NULL;
}

gsize
e2ee_secure_memory_slot_size (gsize size)
{
  SizeClass *size_class = class_for_size (size);

  return size_class ? size_class->slot_size : 0;
}

static gsize
slab_data_bytes (const Slab * slab)
{
  return (gsize) slab->n_slots * slab->size_class->slot_size;
}

/* Index of the first slab whose data starts above @addr. */
static guint
slab_upper_bound_locked (gconstpointer addr)
{
  guint low = 0, high = arena.slabs ? arena.slabs->len : 0;

  while (low < high) {
    guint mid = low + (high - low) / 2;
    const Slab *slab = g_ptr_array_index (arena.slabs, mid);

    if ((guintptr) slab->data <= (guintptr) addr)
      low = mid + 1;
    else
      high = mid;
  }
  return low;
}

/* The slab holding @mem, or NULL (a block of its own). O(log slabs). */
static Slab *
find_slab_locked (gconstpointer mem)
{
  guint index = slab_upper_bound_locked (mem);
  Slab *slab;

  if (index == 0)
    return NULL;
  slab = g_ptr_array_index (arena.slabs, index - 1);
  if ((guintptr) mem >= (guintptr) slab->data + slab_data_bytes (slab))
    return NULL;
  return slab;
}

static void
note_lock_failure_locked (void)
{
  if (arena.lock_failed)
    return;
  arena.lock_failed = TRUE;
  g_debug ("Secure memory: a key slab could not be locked in RAM "
      "(RLIMIT_MEMLOCK); keys stay guarded but may be swapped out");
}

static Slab *
slab_new_locked (SizeClass * size_class)
{
  guint n_slots = (SLAB_BYTES - SLAB_CANARY_ROOM) / size_class->slot_size;
  guint n_words = (n_slots + BITS_PER_WORD - 1) / BITS_PER_WORD;
  guint8 *data;
  Slab *slab;
  guint i;

  if (sodium_init () < 0)
    return NULL;
  data = sodium_malloc ((gsize) n_slots * size_class->slot_size);
  if (data == NULL)
    return NULL;
  /* sodium_malloc() fills with garbage; slots are handed out zeroed. It
   * also tried to lock the pages, silently: ask again to know. */
  sodium_memzero (data, (gsize) n_slots * size_class->slot_size);
  if (sodium_mlock (data, (gsize) n_slots * size_class->slot_size) != 0)
    note_lock_failure_locked ();

  slab = g_malloc0 (sizeof (Slab) + n_words * sizeof (gulong));
  slab->link.data = slab;
  slab->size_class = size_class;
  slab->data = data;
  slab->n_slots = n_slots;
  for (i = n_slots; i < n_words * BITS_PER_WORD; i++)
    slab->used[i / BITS_PER_WORD] |= 1UL << (i % BITS_PER_WORD);

  if (arena.slabs == NULL)
    arena.slabs = g_ptr_array_new ();
  g_ptr_array_insert (arena.slabs, slab_upper_bound_locked (data), slab);
  g_queue_push_head_link (&size_class->slabs_with_free_slots, &slab->link);
  return slab;
}

/* Only for a slab with free slots (so it is in its class's queue). */
static void
slab_free_locked (Slab * slab)
{
  guint index = slab_upper_bound_locked (slab->data) - 1;

  g_assert (g_ptr_array_index (arena.slabs, index) == slab);
  g_ptr_array_remove_index (arena.slabs, index);
  g_queue_unlink (&slab->size_class->slabs_with_free_slots, &slab->link);
  /* Wipes, unlocks and unmaps. */
  sodium_free (slab->data);
  g_free (slab);
}

static guint
slab_take_free_slot (Slab * slab)
{
  guint word = 0;
  gint bit;

  while (slab->used[word] == G_MAXULONG)
    word++;
  bit = g_bit_nth_lsf (~slab->used[word], -1);
  slab->used[word] |= 1UL << bit;
  slab->n_used++;
  return word * BITS_PER_WORD + bit;
}

static gboolean
is_all_zero (const guint8 * bytes, gsize len)
{
  guint8 any = 0;
  gsize i;

  for (i = 0; i < len; i++)
    any |= bytes[i];
  return any == 0;
}

/* A free slot holds only zeros: it was wiped when freed (or when its slab
 * was mapped). Checked on every hand-out, as cheap as one more wipe: a
 * slot that is not zero was written after it was freed, so the key that
 * had it was still in use. Counted (the soak in tests/bench reads the
 * count), reported, and wiped before anyone gets it. */
static void
check_free_slot_locked (guint8 * slot, gsize slot_size)
{
  arena.slots_handed_out++;
  if (G_LIKELY (is_all_zero (slot, slot_size)))
    return;
  arena.dirty_slots++;
  sodium_memzero (slot, slot_size);
  g_critical ("Secure memory: a free slot at %p was written after it was "
      "freed", (gpointer) slot);
}

static gpointer
slot_alloc_locked (SizeClass * size_class)
{
  GList *link = size_class->slabs_with_free_slots.head;
  Slab *slab = link ? link->data : slab_new_locked (size_class);
  guint8 *slot;
  guint index;

  if (slab == NULL)
    return NULL;
  index = slab_take_free_slot (slab);
  if (slab->n_used == slab->n_slots)
    g_queue_unlink (&size_class->slabs_with_free_slots, &slab->link);
  arena.slots_in_use++;
  slot = slab->data + (gsize) index * size_class->slot_size;
  check_free_slot_locked (slot, size_class->slot_size);
  return slot;
}

static void
slot_free_locked (Slab * slab, gpointer mem)
{
  SizeClass *size_class = slab->size_class;
  gsize offset = (guint8 *) mem - slab->data;
  guint index = offset / size_class->slot_size;
  gulong bit = 1UL << (index % BITS_PER_WORD);

  if (offset % size_class->slot_size != 0
      || !(slab->used[index / BITS_PER_WORD] & bit)) {
    g_critical ("e2ee_secure_memory_free: %p is not an allocated block", mem);
    return;
  }

  sodium_memzero (mem, size_class->slot_size);
  slab->used[index / BITS_PER_WORD] &= ~bit;
  if (slab->n_used-- == slab->n_slots)
    g_queue_push_tail_link (&size_class->slabs_with_free_slots, &slab->link);
  arena.slots_in_use--;

  /* An empty slab is unmapped unless it is its class's only one with free
   * slots: a key set and dropped over and over does not map and unmap a
   * slab each time. */
  if (slab->n_used == 0 && size_class->slabs_with_free_slots.length > 1)
    slab_free_locked (slab);
}

static gpointer
large_block_alloc (gsize size)
{
  gpointer mem;

  if (sodium_init () < 0)
    return NULL;
  mem = sodium_malloc (size);
  if (mem == NULL)
    return NULL;
  sodium_memzero (mem, size);

  g_mutex_lock (&arena.lock);
  arena.large_blocks++;
  g_mutex_unlock (&arena.lock);
  return mem;
}

gpointer
e2ee_secure_memory_alloc (gsize size)
{
  SizeClass *size_class = class_for_size (size);
  gpointer mem;

  if (size_class == NULL)
    return large_block_alloc (size);

  g_mutex_lock (&arena.lock);
  mem = slot_alloc_locked (size_class);
  g_mutex_unlock (&arena.lock);
  return mem;
}

void
e2ee_secure_memory_free (gpointer mem)
{
  Slab *slab;

  if (mem == NULL)
    return;

  g_mutex_lock (&arena.lock);
  slab = find_slab_locked (mem);
  if (slab != NULL)
    slot_free_locked (slab, mem);
  else
    arena.large_blocks--;
  g_mutex_unlock (&arena.lock);

  /* Checks the canary, wipes, unlocks and unmaps. */
  if (slab == NULL)
    sodium_free (mem);
}

void
e2ee_secure_memory_trim (void)
{
  guint i;

  g_mutex_lock (&arena.lock);
  for (i = arena.slabs ? arena.slabs->len : 0; i > 0; i--) {
    Slab *slab = g_ptr_array_index (arena.slabs, i - 1);

    if (slab->n_used == 0)
      slab_free_locked (slab);
  }
  if (arena.slabs != NULL && arena.slabs->len == 0)
    g_clear_pointer (&arena.slabs, g_ptr_array_unref);
  g_mutex_unlock (&arena.lock);
}

void
e2ee_secure_memory_get_stats (E2eeSecureMemoryStats * stats)
{
  guint i;

  g_return_if_fail (stats != NULL);

  g_mutex_lock (&arena.lock);
  stats->slabs = arena.slabs ? arena.slabs->len : 0;
  stats->slots_in_use = arena.slots_in_use;
  stats->large_blocks = arena.large_blocks;
  stats->slab_bytes = 0;
  for (i = 0; i < stats->slabs; i++)
    stats->slab_bytes += slab_data_bytes (g_ptr_array_index (arena.slabs, i));
  stats->lock_failed = arena.lock_failed;
  stats->slots_handed_out = arena.slots_handed_out;
  stats->dirty_slots = arena.dirty_slots;
  g_mutex_unlock (&arena.lock);
}

E2eeSecureMemorySlotState
e2ee_secure_memory_inspect_slot (gconstpointer mem)
{
  E2eeSecureMemorySlotState state = E2EE_SECURE_MEMORY_NOT_A_SLOT;
  Slab *slab;

  g_mutex_lock (&arena.lock);
  slab = mem ? find_slab_locked (mem) : NULL;
  if (slab != NULL) {
    gsize slot_size = slab->size_class->slot_size;
    guint index = ((const guint8 *) mem - slab->data) / slot_size;
    const guint8 *slot = slab->data + (gsize) index * slot_size;

    if (slab->used[index / BITS_PER_WORD] & (1UL << (index % BITS_PER_WORD)))
      state = E2EE_SECURE_MEMORY_SLOT_IN_USE;
    else if (is_all_zero (slot, slot_size))
      state = E2EE_SECURE_MEMORY_SLOT_FREE;
    else
      state = E2EE_SECURE_MEMORY_SLOT_FREE_DIRTY;
  }
  g_mutex_unlock (&arena.lock);
  return state;
}
