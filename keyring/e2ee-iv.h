/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: every IV the library seals with, for frames
 * and for data packets, and the stream ids they start with.
 *
 * LiveKit's frame IV (livekit-client FrameCryptor.ts makeIV):
 *   IV = BE32 (ssrc) || BE32 (rtp_ts) || BE32 (rtp_ts - (send_count % 0xFFFF))
 * and a data packet's IV is 12 random bytes. Receivers read the IV from the
 * frame or packet and never recompute it, so the words are ours to choose
 * as long as no IV repeats under one key. Why none ever does is argued, for
 * both kinds, in e2ee-iv.c. */

#pragma once

#include <keyring/e2ee-key-provider.h>
#include <keyring/e2ee-key.h>

G_BEGIN_DECLS

/* The stream ids of one key provider's senders: word 0 of every IV sealed
 * under its keys. Each provider embeds one; safe from any thread. */
typedef struct
{
  GMutex lock;
  GHashTable *claimed;          /* the ids live senders hold (a set) */
  /* The data-packet stream: its id (claimed on first use) and counter. */
  gboolean data_stream_claimed;
  guint32 data_stream_id;
  guint64 data_packet_counter;
} E2eeStreamIds;

void e2ee_stream_ids_init (E2eeStreamIds * ids);
void e2ee_stream_ids_clear (E2eeStreamIds * ids);

/* A random id no live sender of @ids holds; give it back with release. */
guint32 e2ee_stream_ids_claim (E2eeStreamIds * ids);
void e2ee_stream_ids_release (E2eeStreamIds * ids, guint32 stream_id);

/* The next data-packet IV: BE32 (the data stream's id) || BE64 (packet
 * counter). */
void e2ee_stream_ids_next_data_packet_iv (E2eeStreamIds * ids,
    guint8 iv[E2EE_IV_LENGTH]);

/* One sending stream's IV sequence. Not thread-safe: a frame cryptor owns
 * one and uses it from one thread at a time. */
typedef struct
{
  E2eeKeyProvider *provider;    /* owned; hands out stream ids */
  gboolean claimed;             /* stream_id is held in provider */
  guint32 stream_id;            /* the IV's SSRC word */
  guint32 frame_counter;        /* the IV's RTP timestamp word */
  guint32 send_count;
  /* IVs left before frame_counter comes back to its first value; when it
   * reaches 0 the next IV claims a fresh stream id. Tests may lower it. */
  guint64 frames_left;
  gboolean pinned;              /* test-only: words pinned by the caller */
  guint32 pinned_ssrc;
  guint32 pinned_timestamp;
} E2eeIvGenerator;

/* Claims nothing yet: the stream id is claimed on the first IV, so a
 * cryptor that only decrypts never holds one. */
void e2ee_iv_generator_init (E2eeIvGenerator * generator,
    E2eeKeyProvider * provider);
/* Releases the stream id and the provider reference. */
void e2ee_iv_generator_clear (E2eeIvGenerator * generator);

/* Writes the next IV and advances the sequence. */
void e2ee_iv_generator_next (E2eeIvGenerator * generator,
    guint8 iv[E2EE_IV_LENGTH]);

/* Test-only: from now on the SSRC and timestamp words stay at @ssrc and
 * @rtp_timestamp and @send_count grows by one per IV, as LiveKit's sender
 * does for frames that share a timestamp. IVs then REPEAT across calls
 * with the same pins: never use it outside known-answer tests. */
void e2ee_iv_generator_pin (E2eeIvGenerator * generator, guint32 ssrc,
    guint32 rtp_timestamp, guint32 send_count);

/* The stream id the generator currently holds (0 before the first IV). */
guint32 e2ee_iv_generator_get_stream_id (const E2eeIvGenerator * generator);

/* LiveKit's IV from its three inputs (FrameCryptor.ts makeIV). */
void e2ee_iv_write (guint32 ssrc, guint32 rtp_timestamp, guint32 send_count,
    guint8 iv[E2EE_IV_LENGTH]);

G_END_DECLS
