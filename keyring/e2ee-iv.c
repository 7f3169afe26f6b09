/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Why our IVs never repeat under one key: frames and data packets.
 *
 * AES-GCM loses both confidentiality and authenticity if one key ever seals
 * two frames under one IV. LiveKit builds its IV from the RTP SSRC and
 * timestamp plus a send counter; we sit before the payloader and know
 * neither, so we choose the three words ourselves:
 *
 *   word 0 (SSRC)       = a stream id from e2ee_key_provider_claim_stream_id
 *   word 1 (timestamp)  = a per-stream 32-bit frame counter, random start,
 *                         +1 per frame
 *   word 2              = word 1 - (send_count mod 0xFFFF), send_count
 *                         random start, +1 per frame (LiveKit's formula)
 *
 * Word 2 is a function of word 1 and send_count, so uniqueness rests on the
 * pair (word 0, word 1) alone:
 *
 *  1. Within one stream, word 0 is fixed and word 1 takes 2^32 distinct
 *     values before it comes back to its start. frames_left counts down
 *     from 2^32; when it reaches 0 the generator claims a new stream id
 *     (and a new random counter start) before sealing again, so one stream
 *     id never carries the same counter value twice.
 *  2. Two streams (frame cryptors) of one key provider - and a key lives in
 *     exactly one provider - hold different stream ids at the same time:
 *     the provider hands out ids unique among its live cryptors. Their
 *     pairs differ in word 0 whatever their counters do.
 *  3. What remains is chance: a stream id reused after its holder was
 *     released, or a peer process that shares the key (another instance of
 *     this library, or a LiveKit client whose real SSRC is random too).
 *     Ids are drawn uniformly from 2^32, so a given pair of streams shares
 *     an id with probability 2^-32, and even then repeats an IV only if
 *     their counter ranges, which start at independent random points of a
 *     2^32 cycle, overlap: probability about (n1 + n2) / 2^32 for streams
 *     of n1 and n2 frames. Both together: about 2^-64 * (n1 + n2) per pair,
 *     far below GCM's own 2^-32 birthday margin for random 96-bit IVs.
 *  4. Data packets (e2ee-data-packet.c) are sealed with the same keys. Their
 *     IV is BE32 (data stream id) || BE64 (counter): the data stream id
 *     comes from the same registry (E2eeStreamIds), so it differs from
 *     every live frame stream of the provider and no data IV can equal a
 *     frame IV; within the data stream the 64-bit counter never repeats.
 *     It starts at a random 62-bit value, so that a later provider that
 *     happens to draw the same stream id (1 in 2^32) is still unlikely to
 *     replay counters of an earlier one.
 *
 * The key can change while a stream runs; the counters do not restart, so
 * nothing above depends on when keys change.
 *
 * Testing hook: e2ee_iv_generator_pin() freezes words 0 and 1 to replay
 * LiveKit's known-answer vectors; it repeats IVs by design and is only
 * reachable through e2ee_frame_cryptor_pin_iv_for_testing(), which is
 * neither exported nor in the GIR (e2ee-frame-cryptor-private.h). */

#include "keyring/e2ee-iv.h"
#include "keyring/e2ee-key-provider-private.h"

#include <sodium.h>
#include <string.h>

#define STREAM_COUNTER_PERIOD (G_GUINT64_CONSTANT (1) << 32)
#define SEND_COUNT_MODULUS 0xFFFF

static guint32
random_u32 (void)
{
  return randombytes_random ();
}

/* Stream ids (the registry of point 2) */

void
e2ee_stream_ids_init (E2eeStreamIds * ids)
{
  memset (ids, 0, sizeof (*ids));
  g_mutex_init (&ids->lock);
  ids->claimed = g_hash_table_new (g_direct_hash, g_direct_equal);
}

void
e2ee_stream_ids_clear (E2eeStreamIds * ids)
{
  g_clear_pointer (&ids->claimed, g_hash_table_unref);
  g_mutex_clear (&ids->lock);
}

static guint32
claim_locked (E2eeStreamIds * ids)
{
  guint32 id;

  do {
    id = random_u32 ();
  } while (g_hash_table_contains (ids->claimed, GUINT_TO_POINTER (id)));
  g_hash_table_add (ids->claimed, GUINT_TO_POINTER (id));
  return id;
}

guint32
e2ee_stream_ids_claim (E2eeStreamIds * ids)
{
  guint32 id;

  g_mutex_lock (&ids->lock);
  id = claim_locked (ids);
  g_mutex_unlock (&ids->lock);
  return id;
}

void
e2ee_stream_ids_release (E2eeStreamIds * ids, guint32 stream_id)
{
  g_mutex_lock (&ids->lock);
  g_hash_table_remove (ids->claimed, GUINT_TO_POINTER (stream_id));
  g_mutex_unlock (&ids->lock);
}

/* Data-packet IVs (point 4) */

void
e2ee_stream_ids_next_data_packet_iv (E2eeStreamIds * ids,
    guint8 iv[E2EE_IV_LENGTH])
{
  guint32 stream_id;
  guint64 counter;

  g_mutex_lock (&ids->lock);
  if (!ids->data_stream_claimed) {
    ids->data_stream_id = claim_locked (ids);
    randombytes_buf (&ids->data_packet_counter,
        sizeof (ids->data_packet_counter));
    ids->data_packet_counter >>= 2;
    ids->data_stream_claimed = TRUE;
  }
  stream_id = ids->data_stream_id;
  counter = ids->data_packet_counter++;
  g_mutex_unlock (&ids->lock);

  stream_id = GUINT32_TO_BE (stream_id);
  counter = GUINT64_TO_BE (counter);
  memcpy (iv, &stream_id, 4);
  memcpy (iv + 4, &counter, 8);
}

/* Frame IVs (points 1 to 3) */

static void
write_be32 (guint8 * out, guint32 value)
{
  out[0] = value >> 24;
  out[1] = value >> 16;
  out[2] = value >> 8;
  out[3] = value;
}

void
e2ee_iv_write (guint32 ssrc, guint32 rtp_timestamp, guint32 send_count,
    guint8 iv[E2EE_IV_LENGTH])
{
  /* Unsigned arithmetic gives LiveKit's "mod 2^32". */
  guint32 third = rtp_timestamp - (send_count % SEND_COUNT_MODULUS);

  write_be32 (iv, ssrc);
  write_be32 (iv + 4, rtp_timestamp);
  write_be32 (iv + 8, third);
}

void
e2ee_iv_generator_init (E2eeIvGenerator * generator,
    E2eeKeyProvider * provider)
{
  memset (generator, 0, sizeof (*generator));
  generator->provider = g_object_ref (provider);
}

void
e2ee_iv_generator_clear (E2eeIvGenerator * generator)
{
  if (generator->claimed)
    e2ee_key_provider_release_stream_id (generator->provider,
        generator->stream_id);
  generator->claimed = FALSE;
  g_clear_object (&generator->provider);
}

/* Claims the new id before releasing the old one, so the provider cannot
 * hand the old id straight back. */
static void
start_new_stream (E2eeIvGenerator * generator)
{
  guint32 new_id = e2ee_key_provider_claim_stream_id (generator->provider);

  if (generator->claimed)
    e2ee_key_provider_release_stream_id (generator->provider,
        generator->stream_id);

  generator->stream_id = new_id;
  generator->claimed = TRUE;
  generator->frame_counter = random_u32 ();
  generator->send_count = random_u32 ();
  generator->frames_left = STREAM_COUNTER_PERIOD;
}

void
e2ee_iv_generator_next (E2eeIvGenerator * generator,
    guint8 iv[E2EE_IV_LENGTH])
{
  if (generator->pinned) {
    e2ee_iv_write (generator->pinned_ssrc, generator->pinned_timestamp,
        generator->send_count, iv);
    generator->send_count++;
    return;
  }

  if (!generator->claimed || generator->frames_left == 0)
    start_new_stream (generator);

  e2ee_iv_write (generator->stream_id, generator->frame_counter,
      generator->send_count, iv);
  generator->frame_counter++;
  generator->send_count++;
  generator->frames_left--;
}

void
e2ee_iv_generator_pin (E2eeIvGenerator * generator, guint32 ssrc,
    guint32 rtp_timestamp, guint32 send_count)
{
  /* A claimed id (if any) stays claimed until clear, but is not used. */
  generator->pinned = TRUE;
  generator->pinned_ssrc = ssrc;
  generator->pinned_timestamp = rtp_timestamp;
  generator->send_count = send_count;
}

guint32
e2ee_iv_generator_get_stream_id (const E2eeIvGenerator * generator)
{
  return generator->stream_id;
}
