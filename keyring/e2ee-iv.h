/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring: the IVs a frame cryptor seals with.
 *
 * LiveKit's layout (format doc section 4):
 *   IV = BE32 (ssrc) || BE32 (rtp_ts) || BE32 (rtp_ts - (send_count % 0xFFFF))
 * Receivers read the IV from the frame and never recompute it, so the
 * words are ours to choose as long as no IV repeats under one key. Why
 * this generator never repeats one is argued in e2ee-iv.c. */

#pragma once

#include <keyring/e2ee-key-provider.h>
#include <keyring/e2ee-key.h>

G_BEGIN_DECLS

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
