/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: one key ring of an E2eeKeyProvider (the
 * shared ring, or one participant's), as plain data. The provider's lock
 * guards every ring; these functions take no lock. */

#pragma once

#include <keyring/e2ee-key.h>

G_BEGIN_DECLS

/* One slot of a key ring. */
typedef struct
{
  E2eeKey *key;                 /* owned, or NULL */
  gint failures;                /* decryption failures since the last reset */
  E2eeKeyFlags flags;           /* of the key set here, kept by ratchets */
} E2eeKeySlot;

/* A ring of @size slots, of which only the first @n_slots are allocated:
 * slots up to the highest index that was used. Most participants only ever
 * use key index 0, so a provider with many participants does not hold
 * key-ring-size slots for each of them (16 by default: 256 bytes). */
typedef struct
{
  guint size;
  guint current_index;          /* already reduced modulo size */
  guint n_slots;
  E2eeKeySlot *slots;
} E2eeKeyRing;

/* An empty ring of @size (>= 1) slots. */
E2eeKeyRing *e2ee_key_ring_new (guint size);
/* Drops the ring's keys (which wipes them once unused) and the ring. */
void e2ee_key_ring_free (E2eeKeyRing * ring);

/* The slot for @key_index (modulo the size), or NULL when it was never
 * allocated: then it holds no key and no failures. */
E2eeKeySlot *e2ee_key_ring_peek_slot (E2eeKeyRing * ring, guint key_index);
/* The slot for @key_index (modulo the size), allocating the slots up to
 * it. */
E2eeKeySlot *e2ee_key_ring_ensure_slot (E2eeKeyRing * ring,
    guint key_index);

/* Adds a new reference to each key of @ring to @keys. */
void e2ee_key_ring_ref_keys (E2eeKeyRing * ring, GPtrArray * keys);

/* Moves every key of @ring into @keys (each with the ring's reference),
 * leaving the slots empty, and clears their failure counts. Returns how
 * many keys moved; *@n_failing receives how many slots had failures. */
guint e2ee_key_ring_take_keys (E2eeKeyRing * ring, GPtrArray * keys,
    guint * n_failing);

G_END_DECLS
