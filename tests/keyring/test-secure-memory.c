/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The secure-memory arena: size classes, zeroed blocks, wipe on free, slot
 * reuse, many slabs, the large-block fallback, threads, and carrying on
 * when the memory-lock limit is reached. */

#include <keyring/e2ee-secure-memory.h>

#include <string.h>

#ifdef __linux__
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Slots of a 64-byte slab: (64 KiB - canary room) / 64. */
#define SLOTS_PER_SLAB_64 1023

static gboolean
is_zero (gconstpointer mem, gsize len)
{
  const guint8 *bytes = mem;
  gsize i;

  for (i = 0; i < len; i++)
    if (bytes[i] != 0)
      return FALSE;
  return TRUE;
}

static E2eeSecureMemoryStats
stats_after_trim (void)
{
  E2eeSecureMemoryStats stats;

  e2ee_secure_memory_trim ();
  e2ee_secure_memory_get_stats (&stats);
  return stats;
}

static void
test_size_classes (void)
{
  g_assert_cmpuint (e2ee_secure_memory_slot_size (0), ==, 64);
  g_assert_cmpuint (e2ee_secure_memory_slot_size (1), ==, 64);
  g_assert_cmpuint (e2ee_secure_memory_slot_size (48), ==, 64);
  g_assert_cmpuint (e2ee_secure_memory_slot_size (64), ==, 64);
  g_assert_cmpuint (e2ee_secure_memory_slot_size (65), ==, 128);
  g_assert_cmpuint (e2ee_secure_memory_slot_size (128), ==, 128);
  g_assert_cmpuint (e2ee_secure_memory_slot_size (129), ==, 0);
  g_assert_cmpuint (e2ee_secure_memory_slot_size (1056), ==, 0);
}

/* A freed slot holds zeros (read while a neighbour keeps its slab mapped),
 * and the next block of its class is that same slot, zeroed. */
static void
test_wipe_and_reuse (void)
{
  E2eeSecureMemoryStats before = stats_after_trim (), now;
  guint8 *keep, *block, *again;

  keep = e2ee_secure_memory_alloc (48);
  block = e2ee_secure_memory_alloc (48);
  g_assert_nonnull (keep);
  g_assert_nonnull (block);
  g_assert_true (block != keep);
  g_assert_true (is_zero (block, 64));
  memset (block, 0xa5, 48);

  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use + 2);
  g_assert_cmpuint (now.slabs, ==, before.slabs + 1);

  e2ee_secure_memory_free (block);
  g_assert_true (is_zero (block, 64));
  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use + 1);

  again = e2ee_secure_memory_alloc (30);
  g_assert_true (again == block);
  g_assert_true (is_zero (again, 64));

  /* A 128-byte block comes from another slab. */
  block = e2ee_secure_memory_alloc (100);
  g_assert_true (is_zero (block, 128));
  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slabs, ==, before.slabs + 2);

  e2ee_secure_memory_free (block);
  e2ee_secure_memory_free (again);
  e2ee_secure_memory_free (keep);
  e2ee_secure_memory_free (NULL);
  now = stats_after_trim ();
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);
  g_assert_cmpuint (now.slabs, ==, before.slabs);
}

/* Thousands of blocks fill whole slabs, none overlaps another, and the
 * slabs go once their blocks are freed (in another order). */
static void
test_many_slabs (void)
{
  const guint n = 5 * SLOTS_PER_SLAB_64 + 7;
  E2eeSecureMemoryStats before = stats_after_trim (), now;
  guint8 **blocks = g_new (guint8 *, n);
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  guint i;

  for (i = 0; i < n; i++) {
    blocks[i] = e2ee_secure_memory_alloc (64);
    g_assert_nonnull (blocks[i]);
    g_assert_true (is_zero (blocks[i], 64));
    g_assert_true (g_hash_table_add (seen, blocks[i]));
    memset (blocks[i], (guint8) (i * 7 + 1), 64);
  }
  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use + n);
  g_assert_cmpuint (now.slabs, ==, before.slabs + 6);
  g_assert_cmpuint (now.slab_bytes - before.slab_bytes, ==,
      6 * SLOTS_PER_SLAB_64 * 64);

  /* Every block kept its own bytes: no two overlap. */
  for (i = 0; i < n; i++) {
    guint8 expected[64];

    memset (expected, (guint8) (i * 7 + 1), 64);
    g_assert_cmpmem (blocks[i], 64, expected, 64);
  }

  /* Odd ones first, then even ones, from the end. */
  for (i = 1; i < n; i += 2)
    e2ee_secure_memory_free (blocks[i]);
  for (i = n; i-- > 0;)
    if (i % 2 == 0)
      e2ee_secure_memory_free (blocks[i]);

  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);
  /* At most one empty slab is kept for reuse. */
  g_assert_cmpuint (now.slabs, <=, before.slabs + 1);
  now = stats_after_trim ();
  g_assert_cmpuint (now.slabs, ==, before.slabs);

  g_hash_table_unref (seen);
  g_free (blocks);
}

/* A full slab gets a block back and hands out that slot next. */
static void
test_full_slab_reuse (void)
{
  E2eeSecureMemoryStats before = stats_after_trim (), now;
  guint8 *blocks[SLOTS_PER_SLAB_64], *again;
  guint i;

  for (i = 0; i < SLOTS_PER_SLAB_64; i++)
    blocks[i] = e2ee_secure_memory_alloc (64);
  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slabs, ==, before.slabs + 1);

  memset (blocks[500], 0xff, 64);
  e2ee_secure_memory_free (blocks[500]);
  again = e2ee_secure_memory_alloc (64);
  g_assert_true (again == blocks[500]);
  g_assert_true (is_zero (again, 64));
  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.slabs, ==, before.slabs + 1);

  for (i = 0; i < SLOTS_PER_SLAB_64; i++)
    e2ee_secure_memory_free (blocks[i]);
  now = stats_after_trim ();
  g_assert_cmpuint (now.slabs, ==, before.slabs);
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);
}

/* Blocks bigger than the largest slot get their own sodium_malloc(),
 * zeroed, and leave the slabs alone. */
static void
test_large_fallback (void)
{
  E2eeSecureMemoryStats before = stats_after_trim (), now;
  guint8 *small = e2ee_secure_memory_alloc (129);
  guint8 *big = e2ee_secure_memory_alloc (1056);

  g_assert_nonnull (small);
  g_assert_nonnull (big);
  g_assert_true (is_zero (small, 129));
  g_assert_true (is_zero (big, 1056));
  memset (small, 0x11, 129);
  memset (big, 0x22, 1056);

  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.large_blocks, ==, before.large_blocks + 2);
  g_assert_cmpuint (now.slabs, ==, before.slabs);
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);

  e2ee_secure_memory_free (big);
  e2ee_secure_memory_free (small);
  e2ee_secure_memory_get_stats (&now);
  g_assert_cmpuint (now.large_blocks, ==, before.large_blocks);
}

#define N_THREADS 4
#define THREAD_ROUNDS 3000
#define THREAD_HELD 200

/* Each thread keeps THREAD_HELD blocks of mixed sizes filled with its own
 * byte, replacing one per round, and checks each before freeing it: a
 * block handed to two threads at once would show the other's byte. */
static gpointer
churn_thread (gpointer data)
{
  guint8 fill = GPOINTER_TO_UINT (data);
  static const gsize sizes[] = { 16, 48, 64, 100, 128, 200 };
  guint8 *held[THREAD_HELD] = { NULL };
  gsize held_size[THREAD_HELD] = { 0 };
  GRand *rand = g_rand_new_with_seed (fill);
  guint round, i;

  for (round = 0; round < THREAD_ROUNDS; round++) {
    guint slot = g_rand_int_range (rand, 0, THREAD_HELD);
    gsize size = sizes[g_rand_int_range (rand, 0, G_N_ELEMENTS (sizes))];

    if (held[slot] != NULL) {
      for (i = 0; i < held_size[slot]; i++)
        g_assert_cmpuint (held[slot][i], ==, fill);
      e2ee_secure_memory_free (held[slot]);
    }
    held[slot] = e2ee_secure_memory_alloc (size);
    g_assert_nonnull (held[slot]);
    g_assert_true (is_zero (held[slot], size));
    memset (held[slot], fill, size);
    held_size[slot] = size;
  }
  for (i = 0; i < THREAD_HELD; i++)
    e2ee_secure_memory_free (held[i]);
  g_rand_free (rand);
  return NULL;
}

static void
test_threads (void)
{
  E2eeSecureMemoryStats before = stats_after_trim (), now;
  GThread *threads[N_THREADS];
  guint i;

  for (i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("churn", churn_thread,
        GUINT_TO_POINTER (i + 1));
  for (i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  now = stats_after_trim ();
  g_assert_cmpuint (now.slots_in_use, ==, before.slots_in_use);
  g_assert_cmpuint (now.large_blocks, ==, before.large_blocks);
  g_assert_cmpuint (now.slabs, ==, before.slabs);
}

#ifdef __linux__
/* Drops CAP_IPC_LOCK (held by root), so RLIMIT_MEMLOCK applies. */
static void
drop_ipc_lock_capability (void)
{
  struct __user_cap_header_struct header = {
    _LINUX_CAPABILITY_VERSION_3, 0
  };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  guint32 bit = 1u << (CAP_IPC_LOCK % 32);

  if (syscall (SYS_capget, &header, data) != 0)
    return;
  data[CAP_IPC_LOCK / 32].effective &= ~bit;
  data[CAP_IPC_LOCK / 32].permitted &= ~bit;
  data[CAP_IPC_LOCK / 32].inheritable &= ~bit;
  syscall (SYS_capset, &header, data);
}

static void
count_debug_message (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  if (strstr (message, "could not be locked") != NULL)
    (*(guint *) data)++;
}

/* With no memory-lock budget left, slabs are still handed out (unlocked)
 * and the failure is logged once, at debug level. */
static void
test_lock_limit_child (void)
{
  struct rlimit limit = { 0, 0 };
  E2eeSecureMemoryStats stats;
  guint8 *blocks[3 * SLOTS_PER_SLAB_64];
  guint8 probe[4096];
  guint messages = 0, i;

  drop_ipc_lock_capability ();
  if (setrlimit (RLIMIT_MEMLOCK, &limit) != 0
      || mlock (probe, sizeof (probe)) == 0) {
    g_test_skip ("cannot take the memory-lock budget away");
    return;
  }
  g_log_set_handler (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, count_debug_message,
      &messages);

  for (i = 0; i < G_N_ELEMENTS (blocks); i++) {
    blocks[i] = e2ee_secure_memory_alloc (48);
    g_assert_nonnull (blocks[i]);
    memset (blocks[i], 0x5a, 48);
  }
  e2ee_secure_memory_get_stats (&stats);
  g_assert_true (stats.lock_failed);
  g_assert_cmpuint (stats.slabs, ==, 3);
  g_assert_cmpuint (messages, ==, 1);

  for (i = 0; i < G_N_ELEMENTS (blocks); i++)
    e2ee_secure_memory_free (blocks[i]);
}

static void
test_lock_limit (void)
{
  if (g_test_subprocess ()) {
    test_lock_limit_child ();
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secure-memory/size-classes", test_size_classes);
  g_test_add_func ("/secure-memory/wipe-and-reuse", test_wipe_and_reuse);
  g_test_add_func ("/secure-memory/many-slabs", test_many_slabs);
  g_test_add_func ("/secure-memory/full-slab-reuse", test_full_slab_reuse);
  g_test_add_func ("/secure-memory/large-fallback", test_large_fallback);
  g_test_add_func ("/secure-memory/threads", test_threads);
#ifdef __linux__
  g_test_add_func ("/secure-memory/lock-limit", test_lock_limit);
#endif

  return g_test_run ();
}
