/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Key rings: slots of keys and their failure counts, allocated up to the
 * highest index used. What a ring means (shared or per participant, the
 * current index, failure tolerance) is the provider's business:
 * e2ee-key-provider.c. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyring/e2ee-key-ring.h"

#include <string.h>

E2eeKeyRing *
e2ee_key_ring_new (guint size)
{
  E2eeKeyRing *ring = g_new0 (E2eeKeyRing, 1);

  g_return_val_if_fail (size > 0, ring);

  ring->size = size;
  return ring;
}

void
e2ee_key_ring_free (E2eeKeyRing * ring)
{
  guint i;

  for (i = 0; i < ring->n_slots; i++)
    g_clear_pointer (&ring->slots[i].key, e2ee_key_unref);
  g_free (ring->slots);
  g_free (ring);
}

E2eeKeySlot *
e2ee_key_ring_peek_slot (E2eeKeyRing * ring, guint key_index)
{
  guint slot_index = key_index % ring->size;

  return slot_index < ring->n_slots ? &ring->slots[slot_index] : NULL;
}

E2eeKeySlot *
e2ee_key_ring_ensure_slot (E2eeKeyRing * ring, guint key_index)
{
  guint slot_index = key_index % ring->size;

  if (slot_index >= ring->n_slots) {
    ring->slots = g_renew (E2eeKeySlot, ring->slots, slot_index + 1);
    memset (ring->slots + ring->n_slots, 0,
        (slot_index + 1 - ring->n_slots) * sizeof (E2eeKeySlot));
    ring->n_slots = slot_index + 1;
  }
  return &ring->slots[slot_index];
}

void
e2ee_key_ring_ref_keys (E2eeKeyRing * ring, GPtrArray * keys)
{
  guint i;

  for (i = 0; i < ring->n_slots; i++)
    if (ring->slots[i].key != NULL)
      g_ptr_array_add (keys, e2ee_key_ref (ring->slots[i].key));
}

guint
e2ee_key_ring_take_keys (E2eeKeyRing * ring, GPtrArray * keys,
    guint * n_failing)
{
  guint i, n_keys = 0;

  *n_failing = 0;
  for (i = 0; i < ring->n_slots; i++) {
    E2eeKeySlot *slot = &ring->slots[i];

    if (slot->key != NULL) {
      g_ptr_array_add (keys, g_steal_pointer (&slot->key));
      n_keys++;
    }
    if (slot->failures > 0)
      (*n_failing)++;
    slot->failures = 0;
  }
  return n_keys;
}
