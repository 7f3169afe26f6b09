/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * E2eeFrameCryptor:
 *
 * Encrypts and decrypts encoded frames in LiveKit's frame format.
 *
 * An #E2eeFrameCryptor turns one stream's encoded frames (one access unit
 * each) into LiveKit E2EE frames and back:
 *
 * |[
 *   frame = H || E (C || tag (16) || IV (12) || 0x0C || KID)
 * ]|
 *
 * H is the clear header of the codec (see #E2eeCodec), which is also the
 * AES-GCM additional data; KID is the key index. For H.264 and H.265 the
 * clear header's 3-byte start codes become 4-byte ones and E() escapes
 * everything after it against start-code emulation.
 *
 * Keys, options and failure bookkeeping come from the #E2eeKeyProvider the
 * cryptor was made with; many cryptors can share one provider.
 *
 * Encrypting: empty frames and frames of a provider whose encryption type
 * is %E2EE_ENCRYPTION_TYPE_NONE pass unchanged. Otherwise the key at the
 * cryptor's key index (by default the ring's current index) seals the frame;
 * with no key there, encryption fails with %E2EE_ERROR_MISSING_KEY and the
 * caller must drop the frame: plaintext is never produced.
 *
 * Decrypting, in LiveKit's order: empty frames pass; frames of an encryption
 * type NONE provider pass; a frame ending in the SIF trailer passes
 * without it only if it is one of the blank frames LiveKit's SFU injects,
 * and is refused otherwise; then the key named by KID opens the frame,
 * trying up to #E2eeKeyProvider:ratchet-window-size ratchet steps of it
 * when it fails (LiveKit's JavaScript SDK effectively tries one step; we
 * try every step of the window). A frame that fails authentication is
 * never released. An H.264/H.265 frame that fails and starts with
 * parameter sets (which rtph264depay and rtph265depay prepend when their
 * caps carry sprop-parameter-sets) is tried again from each start code
 * after them; if the rest authenticates, only the rest is released.
 *
 * #E2eeKeyProvider:discard-frame-when-cryptor-not-ready: while the ring of
 * the frame's participant holds no key at all, a decryptor with this option
 * refuses frames with %E2EE_ERROR_MISSING_KEY but neither reports the
 * missing-key state nor counts a failure (a peer that publishes before the
 * keys arrived is expected, not an error). Without it, the missing key is
 * reported. Either way the frame is dropped, never passed on undecrypted.
 *
 * States (#E2eeState) are reported only when the state or its key index
 * changes, through #E2eeFrameCryptor::state-changed and the provider's
 * #E2eeKeyProvider::state-changed, emitted with no lock held.
 *
 * A frame cryptor serves one stream: frames must come in one at a time
 * (one streaming thread). Its calls are serialised by an internal lock, so
 * the setters may be called from any thread. Steady-state frames allocate
 * nothing and take no provider lock: frames are sealed and opened in the
 * caller's buffers (a scratch buffer, for the rare H.26x frame that needs
 * escape bytes added or removed, grows to the largest H.26x frame seen),
 * the AES-GCM context of each key index stays bound, and
 * options and keys are looked up again only after the provider's serial
 * changed.
 *
 * A key removed from the provider is never used again: the removal moves
 * the serial, so the next frame looks its key up again and finds the slot
 * empty (%E2EE_ERROR_MISSING_KEY), and the contexts bound to the removed
 * key are freed (which wipes their AES key schedule) by the removal
 * itself, waiting for a frame in flight, rather than on the next frame.
 *
 * Since: 1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyring/e2ee-frame-cryptor.h"
#include "keyring/e2ee-frame-cryptor-private.h"
#include "keyring/e2ee-enum-types.h"
#include "keyring/e2ee-frame-format.h"
#include "keyring/e2ee-iv.h"
#include "keyring/e2ee-key-provider-private.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#define DEFAULT_CODEC E2EE_CODEC_DATA
#define DEFAULT_KEY_INDEX -1

/* Bytes after C: tag, IV, IV length, key index. */
#define SEALED_SUFFIX_LENGTH (E2EE_TAG_LENGTH + E2EE_IV_LENGTH + \
    E2EE_FRAME_TRAILER_LENGTH)
G_STATIC_ASSERT (SEALED_SUFFIX_LENGTH == E2EE_FRAME_OVERHEAD);
G_STATIC_ASSERT (E2EE_IV_LENGTH == E2EE_FRAME_IV_LENGTH);

/* Cache entries: one per key index a frame can name, plus the encryptor's. */
#define N_KEY_INDICES 256
#define ENCRYPT_KEY_ENTRY N_KEY_INDICES
#define N_KEY_ENTRIES (N_KEY_INDICES + 1)
#define BITS_PER_WORD (GLIB_SIZEOF_LONG * 8)
#define N_BOUND_WORDS ((N_KEY_ENTRIES + BITS_PER_WORD - 1) / BITS_PER_WORD)

#define SHA256_LENGTH 32

enum
{
  PROP_0,
  PROP_KEY_PROVIDER,
  PROP_PARTICIPANT_ID,
  PROP_TRACK_ID,
  PROP_CODEC,
  PROP_KEY_INDEX,
  PROP_STATE,
  N_PROPERTIES
};

enum
{
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPERTIES];
static guint signals[N_SIGNALS];

/* What the provider said about one key index, and the AES-GCM contexts
 * bound to that key, valid while the provider's serial stays @serial. */
typedef struct
{
  gboolean looked_up;
  guint serial;
  E2eeKeyLookup result;
  guint used_index;
  E2eeAead aead;
} KeyEntry;

/* What a frame changed under the lock, to announce after releasing it
 * (signal handlers may call back into the cryptor). */
typedef struct
{
  gboolean pending;
  E2eeState state;
  guint key_index;
  gchar *participant_id;
  gchar *track_id;
  /* A ratcheted key that opened a frame, for the provider to adopt. */
  E2eeKey *ratchet_base;
  E2eeKey *ratcheted;
  guint ratchet_index;
} StateChange;

struct _E2eeFrameCryptor
{
  GObject parent;

  /* Serialises frames and setters; never held while emitting signals. */
  GMutex lock;

  E2eeKeyProvider *provider;
  gchar *participant_id;
  gchar *track_id;
  E2eeCodec codec;
  gint key_index;

  /* Provider state copied at provider serial @synced_serial. */
  gboolean synced;
  guint synced_serial;
  E2eeFrameOptions options;
  gboolean ring_checked;        /* ring_has_key is valid for synced_serial */
  gboolean ring_has_key;

  KeyEntry keys[N_KEY_ENTRIES];
  gulong bound[N_BOUND_WORDS];  /* one bit per entry whose aead is bound */
  E2eeAead ratchet_aead;        /* bound only while trying the window */

  E2eeIvGenerator iv;

  guint8 *scratch;
  gsize scratch_size;

  E2eeState state;
  guint state_key_index;
};

G_DEFINE_FINAL_TYPE (E2eeFrameCryptor, e2ee_frame_cryptor, G_TYPE_OBJECT);

/* SHA-256 of the blank frames LiveKit's SFU injects (livekit-client
 * sifPayload.ts; payloads from livekit/pkg/sfu/downtrack.go): VP8 8x8 key
 * frame, H.264 2x2 SPS, PPS and IDR, Opus silence. */
static const guint8 known_sif_payload_hashes[][SHA256_LENGTH] = {
  {0xef, 0x01, 0x61, 0x65, 0x3d, 0x8b, 0x2b, 0x23, 0xaa, 0xd4, 0x66, 0x24,
      0xb4, 0x20, 0xaf, 0x1d, 0x03, 0xce, 0x48, 0x95, 0x0e, 0x9f, 0xc8, 0x57,
      0x18, 0x02, 0x8f, 0x91, 0xb5, 0x0f, 0x92, 0x19},
  {0xf0, 0xa0, 0xe0, 0x96, 0x47, 0xd8, 0x91, 0xd6, 0xd5, 0x0a, 0xa8, 0x98,
      0xbc, 0xe7, 0x10, 0x80, 0x90, 0x37, 0x5d, 0x0d, 0x55, 0xe5, 0x0a, 0x2b,
      0xb2, 0x11, 0x47, 0xaf, 0xee, 0x55, 0x8e, 0x44},
  {0x61, 0xd9, 0x66, 0x5e, 0xed, 0x71, 0xb6, 0xd4, 0x24, 0xae, 0x95, 0x39,
      0x33, 0x0a, 0x3b, 0xdd, 0x5c, 0xb3, 0x86, 0xd4, 0xd7, 0x81, 0xc8, 0x08,
      0x21, 0x9a, 0x6e, 0x36, 0x75, 0x04, 0x93, 0xa7},
  {0xfa, 0xff, 0xc2, 0x6b, 0x68, 0xa2, 0xfc, 0x09, 0x09, 0x6f, 0xa2, 0x0f,
      0x33, 0x51, 0xe7, 0x06, 0x39, 0x8b, 0x6f, 0x83, 0x8a, 0x75, 0x00, 0xc8,
      0x06, 0x34, 0x72, 0xc2, 0xe4, 0x76, 0xe9, 0x0d},
  {0xaa, 0xd8, 0xd3, 0x1f, 0xc5, 0x6b, 0x28, 0x02, 0xca, 0x50, 0x0e, 0x58,
      0xc2, 0xfb, 0x9d, 0x0b, 0x29, 0xad, 0x71, 0xbb, 0x7c, 0xb5, 0x2c, 0xd6,
      0x53, 0x02, 0x51, 0xea, 0xde, 0x18, 0x89, 0x88},
};

/* Key cache */

/* The bound[] bits: which entries hold contexts, so that a removal's
 * sweep (forget_removed_keys) looks at a few entries, not all 257. */
static void
mark_bound (E2eeFrameCryptor * self, const KeyEntry * entry, gboolean bound)
{
  guint i = entry - self->keys;
  gulong bit = 1UL << (i % BITS_PER_WORD);

  if (bound)
    self->bound[i / BITS_PER_WORD] |= bit;
  else
    self->bound[i / BITS_PER_WORD] &= ~bit;
}

static void
key_entry_forget (E2eeFrameCryptor * self, KeyEntry * entry)
{
  /* Clearing frees the contexts, which wipes the expanded key schedule,
   * and drops our reference on a key that may have been replaced. */
  if (entry->aead.seal_ctx != NULL || entry->aead.key != NULL)
    e2ee_aead_clear (&entry->aead);
  mark_bound (self, entry, FALSE);
  entry->looked_up = FALSE;
}

static void
forget_all_keys (E2eeFrameCryptor * self)
{
  guint i;

  for (i = 0; i < N_KEY_ENTRIES; i++)
    key_entry_forget (self, &self->keys[i]);
}

/* The provider's E2eeKeysRemovedFunc: keys were removed while some
 * E2eeAead was bound to them. Frees our contexts of revoked keys; the
 * entry is looked up again (and found missing) on the next frame. Runs on
 * the removing thread, after a frame in flight. */
static void
forget_removed_keys (gpointer data)
{
  E2eeFrameCryptor *self = data;
  guint word;

  g_mutex_lock (&self->lock);
  for (word = 0; word < N_BOUND_WORDS; word++) {
    gint bit = -1;

    /* key_entry_forget clears bits of this word as it goes; the scan
     * continues after the current one. */
    while ((bit = g_bit_nth_lsf (self->bound[word], bit)) >= 0) {
      KeyEntry *entry = &self->keys[word * BITS_PER_WORD + bit];

      if (entry->aead.key != NULL && e2ee_key_is_revoked (entry->aead.key))
        key_entry_forget (self, entry);
    }
  }
  g_mutex_unlock (&self->lock);
}

/* Entries from an older serial may hold keys the application replaced:
 * let them go now rather than whenever their index shows up again. */
static void
forget_stale_keys (E2eeFrameCryptor * self)
{
  guint i;

  for (i = 0; i < N_KEY_ENTRIES; i++) {
    if (self->keys[i].looked_up && self->keys[i].serial != self->synced_serial)
      key_entry_forget (self, &self->keys[i]);
  }
}

/* Copies options again only when something in the provider changed. */
static void
sync_with_provider (E2eeFrameCryptor * self)
{
  guint serial = e2ee_key_provider_get_serial (self->provider);

  if (self->synced && serial == self->synced_serial)
    return;

  e2ee_key_provider_get_frame_options (self->provider, &self->options);
  self->synced = TRUE;
  self->synced_serial = serial;
  self->ring_checked = FALSE;
  forget_stale_keys (self);
}

/* Binds @entry to @key. A key removed between the lookup and now counts
 * as missing, as it would had the frame come a moment later. */
static gboolean
bind_entry (E2eeFrameCryptor * self, KeyEntry * entry, E2eeKey * key,
    GError ** error)
{
  GError *bind_error = NULL;

  if (e2ee_aead_bind (&entry->aead, key, &bind_error)) {
    mark_bound (self, entry, TRUE);
    return TRUE;
  }
  key_entry_forget (self, entry);
  if (g_error_matches (bind_error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY)) {
    g_error_free (bind_error);
    entry->result = E2EE_KEY_LOOKUP_MISSING;
    return TRUE;
  }
  g_propagate_error (error, bind_error);
  return FALSE;
}

/* The cache entry for @key_index (-1: the ring's current index). Returns
 * NULL only if binding the cipher failed. */
static KeyEntry *
lookup_key (E2eeFrameCryptor * self, guint entry_index, gint key_index,
    gboolean check_validity, GError ** error)
{
  KeyEntry *entry = &self->keys[entry_index];
  E2eeKey *key;
  gboolean bound = TRUE;

  if (entry->looked_up && entry->serial == self->synced_serial)
    return entry;

  key = e2ee_key_provider_lookup_key_full (self->provider,
      self->participant_id, key_index, check_validity, &entry->used_index,
      &entry->result);
  if (key != NULL) {
    bound = bind_entry (self, entry, key, error);
    e2ee_key_unref (key);
  } else if (entry->aead.key != NULL) {
    e2ee_aead_clear (&entry->aead);
    mark_bound (self, entry, FALSE);
  }
  if (!bound)
    return NULL;
  entry->looked_up = TRUE;
  entry->serial = self->synced_serial;
  return entry;
}

/* Whether the participant's ring holds a key in any slot; asked only on
 * the missing-key path, and remembered until the serial changes. */
static gboolean
ring_has_any_key (E2eeFrameCryptor * self)
{
  guint ring_size = E2EE_DEFAULT_KEY_RING_SIZE;
  guint i;

  if (self->ring_checked)
    return self->ring_has_key;

  g_object_get (self->provider, "key-ring-size", &ring_size, NULL);
  self->ring_has_key = FALSE;
  for (i = 0; i < ring_size && !self->ring_has_key; i++)
    self->ring_has_key = e2ee_key_provider_has_key (self->provider,
        self->participant_id, i);
  self->ring_checked = TRUE;
  return self->ring_has_key;
}

/* States */

static void
set_state (E2eeFrameCryptor * self, E2eeState state, guint key_index,
    StateChange * change)
{
  if (self->state == state && self->state_key_index == key_index)
    return;

  self->state = state;
  self->state_key_index = key_index;
  change->pending = TRUE;
  change->state = state;
  change->key_index = key_index;
  g_free (change->participant_id);
  g_free (change->track_id);
  change->participant_id = g_strdup (self->participant_id);
  change->track_id = g_strdup (self->track_id);
}

static void
adopt_ratcheted_key (E2eeFrameCryptor * self, StateChange * change)
{
  if (change->ratcheted == NULL)
    return;

  /* Emits the provider's "key-ratcheted"; the slot keeps a newer key if
   * the application set one meanwhile. */
  e2ee_key_provider_adopt_ratcheted_key (self->provider,
      change->participant_id, change->ratchet_index, change->ratchet_base,
      change->ratcheted);
  e2ee_key_unref (change->ratchet_base);
  e2ee_key_unref (change->ratcheted);
}

/* Called with no lock held. */
static void
emit_state_change (E2eeFrameCryptor * self, StateChange * change)
{
  adopt_ratcheted_key (self, change);
  if (!change->pending) {
    g_free (change->participant_id);
    return;
  }

  g_debug ("Frame cryptor of participant %s, track %s: state %d, key "
      "index %u", change->participant_id ? change->participant_id : "-",
      change->track_id ? change->track_id : "-", change->state,
      change->key_index);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, change->state,
      change->key_index);
  e2ee_key_provider_emit_state_changed (self->provider,
      change->participant_id, change->track_id, change->state,
      change->key_index);
  e2ee_key_provider_report_stream_state (self->provider, self,
      change->participant_id, change->state);
  g_free (change->participant_id);
  g_free (change->track_id);
}

/* Buffers */

static void
ensure_scratch (E2eeFrameCryptor * self, gsize size)
{
  if (size <= self->scratch_size)
    return;
  g_free (self->scratch);
  self->scratch = g_malloc (size);
  self->scratch_size = size;
}

static gboolean
ranges_overlap (const guint8 * a, gsize a_len, const guint8 * b, gsize b_len)
{
  return a_len > 0 && b_len > 0 && a < b + b_len && b < a + a_len;
}

static gboolean
check_buffers (const guint8 * frame, gsize frame_len, guint8 * out,
    gsize out_size, gsize needed, GError ** error)
{
  if (out_size < needed) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_NO_SPACE,
        "Output buffer of %" G_GSIZE_FORMAT " bytes, %" G_GSIZE_FORMAT
        " needed", out_size, needed);
    return FALSE;
  }
  if (ranges_overlap (frame, frame_len, out, out_size)) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_INVALID_ARGUMENT,
        "Output buffer overlaps the frame");
    return FALSE;
  }
  return TRUE;
}

static void
pass_through (const guint8 * frame, gsize frame_len, guint8 * out,
    gsize * out_len)
{
  memcpy (out, frame, frame_len);
  *out_len = frame_len;
}

/* Server-injected frames */

static gboolean
ends_with_sif_trailer (E2eeFrameCryptor * self, const guint8 * frame,
    gsize frame_len)
{
  gsize trailer_len;
  const guint8 *trailer;

  if (self->options.sif_trailer == NULL)
    return FALSE;
  trailer = g_bytes_get_data (self->options.sif_trailer, &trailer_len);
  return trailer_len > 0 && frame_len >= trailer_len
      && memcmp (frame + frame_len - trailer_len, trailer, trailer_len) == 0;
}

static gboolean
is_known_sif_payload (const guint8 * payload, gsize len)
{
  guint8 digest[SHA256_LENGTH];
  unsigned int digest_len = 0;
  gboolean known = FALSE;
  gsize i;

  if (EVP_Digest (payload, len, digest, &digest_len, EVP_sha256 (),
          NULL) != 1 || digest_len != SHA256_LENGTH)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (known_sif_payload_hashes); i++)
    known |= CRYPTO_memcmp (digest, known_sif_payload_hashes[i],
        SHA256_LENGTH) == 0;
  return known;
}

static gboolean
pass_server_injected (E2eeFrameCryptor * self, const guint8 * frame,
    gsize frame_len, guint8 * out, gsize * out_len, GError ** error)
{
  gsize payload_len = frame_len -
      g_bytes_get_size (self->options.sif_trailer);

  if (!is_known_sif_payload (frame, payload_len)) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME,
        "Frame of %" G_GSIZE_FORMAT " bytes carries the SIF trailer but is "
        "not a known server-injected frame; dropped", frame_len);
    return FALSE;
  }
  pass_through (frame, payload_len, out, out_len);
  return TRUE;
}

/* Encryption */

/* Sized for the whole sealed part even when unused, so that the frame
 * that finally needs the scratch buffer does not allocate mid-stream. */
static gsize
escape_in_place (E2eeFrameCryptor * self, guint8 * data, gsize len)
{
  ensure_scratch (self, len);
  return e2ee_frame_format_escape_in_place (data, len, self->scratch);
}

/* H.26x: the normalised header is the AAD and goes out as is; the sealed
 * part is sealed straight into @out after it and escaped there. */
static gboolean
seal_nal_frame (E2eeFrameCryptor * self, E2eeAead * aead,
    const guint8 * frame, gsize frame_len, gsize header_len, guint8 kid,
    const guint8 iv[E2EE_IV_LENGTH], guint8 * out, gsize * out_len,
    GError ** error)
{
  gsize payload_len = frame_len - header_len;
  gsize sealed_len = payload_len + SEALED_SUFFIX_LENGTH;
  gsize out_header_len;
  guint8 *sealed;

  out_header_len = e2ee_frame_format_normalize_header (frame, header_len,
      out);
  sealed = out + out_header_len;
  if (!e2ee_aead_seal (aead, iv, out, out_header_len, frame + header_len,
          payload_len, sealed, error))
    return FALSE;
  e2ee_frame_format_write_trailer (sealed + payload_len + E2EE_TAG_LENGTH,
      iv, kid);

  *out_len = out_header_len + escape_in_place (self, sealed, sealed_len);
  return TRUE;
}

static gboolean
seal_frame (E2eeAead * aead, const guint8 * frame, gsize frame_len,
    gsize header_len, guint8 kid, const guint8 iv[E2EE_IV_LENGTH],
    guint8 * out, gsize * out_len, GError ** error)
{
  gsize payload_len = frame_len - header_len;

  memcpy (out, frame, header_len);
  if (!e2ee_aead_seal (aead, iv, frame, header_len, frame + header_len,
          payload_len, out + header_len, error))
    return FALSE;
  e2ee_frame_format_write_trailer (out + header_len + payload_len +
      E2EE_TAG_LENGTH, iv, kid);
  *out_len = frame_len + E2EE_FRAME_OVERHEAD;
  return TRUE;
}

static gboolean
encrypt_locked (E2eeFrameCryptor * self, const guint8 * frame,
    gsize frame_len, E2eeFrameType frame_type, guint8 * out, gsize * out_len,
    StateChange * change, GError ** error)
{
  E2eeFrameSplit split;
  KeyEntry *entry;
  guint8 iv[E2EE_IV_LENGTH];
  guint8 kid;
  gboolean sealed;

  if (self->options.encryption_type == E2EE_ENCRYPTION_TYPE_NONE) {
    pass_through (frame, frame_len, out, out_len);
    return TRUE;
  }

  /* Like LiveKit's encryptor, keep using a key that decryptors gave up on:
   * the failure tolerance is about what we receive. */
  entry = lookup_key (self, ENCRYPT_KEY_ENTRY, self->key_index, FALSE, error);
  if (entry == NULL) {
    set_state (self, E2EE_STATE_INTERNAL_ERROR, self->state_key_index,
        change);
    return FALSE;
  }
  if (entry->result != E2EE_KEY_LOOKUP_OK) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY,
        "No key at index %u to encrypt with; frame dropped",
        entry->used_index);
    set_state (self, E2EE_STATE_MISSING_KEY, entry->used_index, change);
    return FALSE;
  }

  kid = entry->used_index;
  if (!e2ee_frame_format_split_as_receiver_will (self->codec, frame_type,
          frame, frame_len, &split)) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME,
        "Frame of %" G_GSIZE_FORMAT " bytes ends in a slice NAL unit header "
        "byte; LiveKit receivers cannot split it, dropped", frame_len);
    set_state (self, E2EE_STATE_ENCRYPTION_FAILED, entry->used_index,
        change);
    return FALSE;
  }
  e2ee_iv_generator_next (&self->iv, iv);

  if (split.nal_processing)
    sealed = seal_nal_frame (self, &entry->aead, frame, frame_len,
        split.header_len, kid, iv, out, out_len, error);
  else
    sealed = seal_frame (&entry->aead, frame, frame_len, split.header_len,
        kid, iv, out, out_len, error);

  set_state (self, sealed ? E2EE_STATE_OK : E2EE_STATE_ENCRYPTION_FAILED,
      entry->used_index, change);
  return sealed;
}

/* Decryption */

/* Splits a received frame (see e2ee_frame_format_parse_received ()). */
static gboolean
parse_received_frame (E2eeFrameCryptor * self, const guint8 * frame,
    gsize frame_len, E2eeFrameType frame_type, E2eeReceivedFrame * parsed,
    GError ** error)
{
  const gchar *malformed = NULL;

  /* Sized even when unused: see escape_in_place (). */
  ensure_scratch (self, frame_len);
  if (e2ee_frame_format_parse_received (self->codec, frame_type, frame,
          frame_len, self->scratch, parsed, &malformed))
    return TRUE;
  g_set_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME,
      "Malformed frame of %" G_GSIZE_FORMAT " bytes: %s", frame_len,
      malformed);
  return FALSE;
}

/* Tries each place the sender's frame may begin (usually just 0); the
 * plaintext goes where the header from that place ends, and *@start says
 * which place authenticated. */
static gboolean
open_with (E2eeAead * aead, const guint8 * frame,
    const E2eeReceivedFrame * parsed, guint8 * out, gsize * start)
{
  guint i;

  for (i = 0; i < parsed->n_starts; i++) {
    gsize header_len = parsed->header_len - parsed->starts[i];

    if (e2ee_aead_open (aead, parsed->iv, frame + parsed->starts[i],
            header_len, parsed->sealed, parsed->sealed_len, out + header_len,
            NULL)) {
      *start = parsed->starts[i];
      return TRUE;
    }
  }
  return FALSE;
}

/* Tries the ratchet window on @base; on success @change carries the
 * ratcheted key to the provider once the lock is released. */
static gboolean
open_with_ratchet_window (E2eeFrameCryptor * self, E2eeKey * base,
    guint used_index, const guint8 * frame, const E2eeReceivedFrame * parsed,
    guint8 * out, gsize * start, StateChange * change)
{
  guint window = self->options.ratchet_window_size;
  gboolean opened = FALSE;
  guint steps;

  for (steps = 1; steps <= window && !opened; steps++) {
    E2eeKey *candidate = e2ee_key_provider_get_ratchet_candidate (
        self->provider, base, steps, NULL);

    if (candidate == NULL)
      break;
    opened = e2ee_aead_bind (&self->ratchet_aead, candidate, NULL)
        && open_with (&self->ratchet_aead, frame, parsed, out, start);
    if (opened) {
      g_debug ("Frame for key index %u opened %u ratchet steps ahead",
          used_index, steps);
      change->ratchet_base = e2ee_key_ref (base);
      change->ratcheted = e2ee_key_ref (candidate);
      change->ratchet_index = used_index;
      g_free (change->participant_id);
      change->participant_id = g_strdup (self->participant_id);
    }
    e2ee_key_unref (candidate);
  }
  e2ee_aead_clear (&self->ratchet_aead);
  return opened;
}

static gboolean
refuse_missing_key (E2eeFrameCryptor * self, guint used_index,
    StateChange * change, GError ** error)
{
  if (self->options.discard_frame_when_cryptor_not_ready
      && !ring_has_any_key (self)) {
    g_set_error_literal (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY,
        "No key yet (cryptor not ready); frame dropped");
    return FALSE;
  }
  g_set_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY,
      "No key at index %u; frame dropped", used_index);
  set_state (self, E2EE_STATE_MISSING_KEY, used_index, change);
  return FALSE;
}

static gboolean
decrypt_with_key (E2eeFrameCryptor * self, KeyEntry * entry,
    const guint8 * frame, const E2eeReceivedFrame * parsed, guint8 * out,
    gsize * out_len, StateChange * change, GError ** error)
{
  E2eeState success_state = E2EE_STATE_OK;
  gsize header_len, start = 0;
  gboolean opened;

  opened = open_with (&entry->aead, frame, parsed, out, &start);
  if (!opened && self->options.ratchet_window_size > 0) {
    opened = open_with_ratchet_window (self, entry->aead.key,
        entry->used_index, frame, parsed, out, &start, change);
    success_state = E2EE_STATE_KEY_RATCHETED;
  }

  e2ee_key_provider_report_decryption (self->provider, self->participant_id,
      entry->used_index, opened);
  if (!opened) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_DECRYPTION_FAILED,
        "Frame failed authentication with the key at index %u; dropped",
        entry->used_index);
    set_state (self, E2EE_STATE_DECRYPTION_FAILED, entry->used_index, change);
    return FALSE;
  }

  if (start > 0)
    g_debug ("Frame for key index %u opened without the %" G_GSIZE_FORMAT
        " bytes of parameter sets in front of it", entry->used_index, start);
  header_len = parsed->header_len - start;
  memcpy (out, frame + start, header_len);
  *out_len = header_len + parsed->sealed_len - E2EE_TAG_LENGTH;
  set_state (self, success_state, entry->used_index, change);
  return TRUE;
}

static gboolean
decrypt_locked (E2eeFrameCryptor * self, const guint8 * frame,
    gsize frame_len, E2eeFrameType frame_type, guint8 * out, gsize * out_len,
    StateChange * change, GError ** error)
{
  E2eeReceivedFrame parsed;
  KeyEntry *entry;

  if (self->options.encryption_type == E2EE_ENCRYPTION_TYPE_NONE) {
    pass_through (frame, frame_len, out, out_len);
    return TRUE;
  }
  if (ends_with_sif_trailer (self, frame, frame_len))
    return pass_server_injected (self, frame, frame_len, out, out_len, error);

  if (!parse_received_frame (self, frame, frame_len, frame_type, &parsed,
          error)) {
    set_state (self, E2EE_STATE_INTERNAL_ERROR, self->state_key_index,
        change);
    return FALSE;
  }

  entry = lookup_key (self, parsed.key_index, parsed.key_index, TRUE, error);
  if (entry == NULL) {
    set_state (self, E2EE_STATE_INTERNAL_ERROR, parsed.key_index, change);
    return FALSE;
  }

  switch (entry->result) {
    case E2EE_KEY_LOOKUP_MISSING:
      return refuse_missing_key (self, entry->used_index, change, error);
    case E2EE_KEY_LOOKUP_INVALID:
      g_set_error (error, E2EE_ERROR, E2EE_ERROR_INVALID_KEY,
          "The key at index %u failed too often and is marked invalid; "
          "frame dropped", entry->used_index);
      set_state (self, E2EE_STATE_DECRYPTION_FAILED, entry->used_index,
          change);
      return FALSE;
    case E2EE_KEY_LOOKUP_OK:
    default:
      return decrypt_with_key (self, entry, frame, &parsed, out, out_len,
          change, error);
  }
}

/* GObject */

static void
e2ee_frame_cryptor_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  E2eeFrameCryptor *self = E2EE_FRAME_CRYPTOR (object);

  switch (prop_id) {
    case PROP_KEY_PROVIDER:
      /* construct-only */
      self->provider = g_value_dup_object (value);
      break;
    case PROP_PARTICIPANT_ID:
      e2ee_frame_cryptor_set_participant_id (self, g_value_get_string (value));
      break;
    case PROP_TRACK_ID:
      e2ee_frame_cryptor_set_track_id (self, g_value_get_string (value));
      break;
    case PROP_CODEC:
      e2ee_frame_cryptor_set_codec (self, g_value_get_enum (value));
      break;
    case PROP_KEY_INDEX:
      e2ee_frame_cryptor_set_key_index (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
e2ee_frame_cryptor_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  E2eeFrameCryptor *self = E2EE_FRAME_CRYPTOR (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_KEY_PROVIDER:
      g_value_set_object (value, self->provider);
      break;
    case PROP_PARTICIPANT_ID:
      g_value_set_string (value, self->participant_id);
      break;
    case PROP_TRACK_ID:
      g_value_set_string (value, self->track_id);
      break;
    case PROP_CODEC:
      g_value_set_enum (value, self->codec);
      break;
    case PROP_KEY_INDEX:
      g_value_set_int (value, self->key_index);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
e2ee_frame_cryptor_constructed (GObject * object)
{
  E2eeFrameCryptor *self = E2EE_FRAME_CRYPTOR (object);

  G_OBJECT_CLASS (e2ee_frame_cryptor_parent_class)->constructed (object);

  /* Without a provider nothing can work; the property is mandatory. */
  if (self->provider == NULL) {
    g_critical ("E2eeFrameCryptor needs a key provider");
    self->provider = e2ee_key_provider_new ();
  }
  e2ee_iv_generator_init (&self->iv, self->provider);
  e2ee_key_provider_watch_removals (self->provider, forget_removed_keys, self);
}

static void
e2ee_frame_cryptor_finalize (GObject * object)
{
  E2eeFrameCryptor *self = E2EE_FRAME_CRYPTOR (object);
  guint i;

  /* First: a removal sweeping its watchers may be using us right now. */
  e2ee_key_provider_unwatch_removals (self->provider, self);
  /* The participant has one stream fewer (its status may change). */
  e2ee_key_provider_forget_stream (self->provider, self);
  for (i = 0; i < N_KEY_ENTRIES; i++)
    e2ee_aead_clear (&self->keys[i].aead);
  e2ee_aead_clear (&self->ratchet_aead);
  e2ee_iv_generator_clear (&self->iv);
  e2ee_frame_options_clear (&self->options);
  g_free (self->scratch);
  g_free (self->participant_id);
  g_free (self->track_id);
  g_clear_object (&self->provider);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (e2ee_frame_cryptor_parent_class)->finalize (object);
}

static void
e2ee_frame_cryptor_class_init (E2eeFrameCryptorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = e2ee_frame_cryptor_set_property;
  gobject_class->get_property = e2ee_frame_cryptor_get_property;
  gobject_class->constructed = e2ee_frame_cryptor_constructed;
  gobject_class->finalize = e2ee_frame_cryptor_finalize;

  /**
   * E2eeFrameCryptor:key-provider:
   *
   * The #E2eeKeyProvider holding the keys and options (construct-only).
   *
   * Since: 1.0
   */
  properties[PROP_KEY_PROVIDER] = g_param_spec_object ("key-provider",
      "Key provider", "The key provider holding keys and options",
      E2EE_TYPE_KEY_PROVIDER,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * E2eeFrameCryptor:participant-id:
   *
   * The participant whose key ring is used (%NULL: the shared ring).
   *
   * Since: 1.0
   */
  properties[PROP_PARTICIPANT_ID] = g_param_spec_string ("participant-id",
      "Participant ID", "Participant whose key ring is used (NULL: shared)",
      NULL, rw);

  /**
   * E2eeFrameCryptor:track-id:
   *
   * A name for the stream in state reports (a track id or element name).
   *
   * Since: 1.0
   */
  properties[PROP_TRACK_ID] = g_param_spec_string ("track-id", "Track ID",
      "Name of the stream in state reports", NULL, rw);

  /**
   * E2eeFrameCryptor:codec:
   *
   * Which clear-header rule applies to the stream's frames.
   *
   * Since: 1.0
   */
  properties[PROP_CODEC] = g_param_spec_enum ("codec", "Codec",
      "Clear-header rule of the stream", E2EE_TYPE_CODEC, DEFAULT_CODEC, rw);

  /**
   * E2eeFrameCryptor:key-index:
   *
   * The key index an encryptor uses; -1 follows the ring's current index.
   *
   * Since: 1.0
   */
  properties[PROP_KEY_INDEX] = g_param_spec_int ("key-index", "Key index",
      "Key index to encrypt with (-1: the ring's current index)", -1,
      N_KEY_INDICES - 1, DEFAULT_KEY_INDEX, rw);

  /**
   * E2eeFrameCryptor:state:
   *
   * The last reported #E2eeState.
   *
   * Since: 1.0
   */
  properties[PROP_STATE] = g_param_spec_enum ("state", "State",
      "Last reported state", E2EE_TYPE_STATE, E2EE_STATE_NEW,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);

  /**
   * E2eeFrameCryptor::state-changed:
   * @cryptor: the #E2eeFrameCryptor
   * @state: the new #E2eeState
   * @key_index: the key index involved
   *
   * The cryptor's state or its key index changed. Emitted from the thread
   * that handled the frame, with no lock held; the provider emits its own
   * #E2eeKeyProvider::state-changed right after.
   *
   * Since: 1.0
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, E2EE_TYPE_STATE, G_TYPE_UINT);
}

static void
e2ee_frame_cryptor_init (E2eeFrameCryptor * self)
{
  g_mutex_init (&self->lock);
  self->codec = DEFAULT_CODEC;
  self->key_index = DEFAULT_KEY_INDEX;
  self->state = E2EE_STATE_NEW;
}

/* Public API */

/**
 * e2ee_frame_cryptor_new:
 * @provider: the #E2eeKeyProvider with the keys
 * @participant_id: (nullable): the participant whose key ring is used:
 *   the sender's own identity to encrypt, the remote sender's to decrypt;
 *   %NULL for the shared ring
 * @codec: the stream's #E2eeCodec
 *
 * Creates a frame cryptor for one stream.
 *
 * Returns: (transfer full): a new #E2eeFrameCryptor
 *
 * Since: 1.0
 */
E2eeFrameCryptor *
e2ee_frame_cryptor_new (E2eeKeyProvider * provider,
    const gchar * participant_id, E2eeCodec codec)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), NULL);

  return g_object_new (E2EE_TYPE_FRAME_CRYPTOR, "key-provider", provider,
      "participant-id", participant_id, "codec", codec, NULL);
}

/**
 * e2ee_frame_cryptor_get_key_provider:
 * @cryptor: an #E2eeFrameCryptor
 *
 * The provider whose keys and options the cryptor uses, as given to
 * e2ee_frame_cryptor_new().
 *
 * Returns: (transfer none): the cryptor's #E2eeKeyProvider
 *
 * Since: 1.0
 */
E2eeKeyProvider *
e2ee_frame_cryptor_get_key_provider (E2eeFrameCryptor * cryptor)
{
  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), NULL);

  return cryptor->provider;
}

/**
 * e2ee_frame_cryptor_set_codec:
 * @cryptor: an #E2eeFrameCryptor
 * @codec: the stream's #E2eeCodec
 *
 * Sets the clear-header rule for the following frames.
 *
 * Since: 1.0
 */
void
e2ee_frame_cryptor_set_codec (E2eeFrameCryptor * cryptor, E2eeCodec codec)
{
  g_return_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor));

  g_mutex_lock (&cryptor->lock);
  cryptor->codec = codec;
  g_mutex_unlock (&cryptor->lock);
}

/**
 * e2ee_frame_cryptor_set_participant_id:
 * @cryptor: an #E2eeFrameCryptor
 * @participant_id: (nullable): the participant whose key ring is used, or
 *   %NULL for the shared ring
 *
 * Switches the cryptor to another participant's key ring (LiveKit reuses a
 * cryptor when a transceiver is reused).
 *
 * Since: 1.0
 */
void
e2ee_frame_cryptor_set_participant_id (E2eeFrameCryptor * cryptor,
    const gchar * participant_id)
{
  gboolean changed;

  g_return_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor));

  g_mutex_lock (&cryptor->lock);
  changed = g_strcmp0 (cryptor->participant_id, participant_id) != 0;
  if (changed) {
    g_free (cryptor->participant_id);
    cryptor->participant_id = g_strdup (participant_id);
    forget_all_keys (cryptor);
    cryptor->ring_checked = FALSE;
    /* The stream starts over under the new participant: its next frame
     * reports its state, for that participant's status. */
    cryptor->state = E2EE_STATE_NEW;
  }
  g_mutex_unlock (&cryptor->lock);
  if (changed)
    e2ee_key_provider_forget_stream (cryptor->provider, cryptor);
}

/**
 * e2ee_frame_cryptor_set_track_id:
 * @cryptor: an #E2eeFrameCryptor
 * @track_id: (nullable): a name for the stream in state reports
 *
 * Sets the track id passed along with state changes.
 *
 * Since: 1.0
 */
void
e2ee_frame_cryptor_set_track_id (E2eeFrameCryptor * cryptor,
    const gchar * track_id)
{
  g_return_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor));

  g_mutex_lock (&cryptor->lock);
  g_free (cryptor->track_id);
  cryptor->track_id = g_strdup (track_id);
  g_mutex_unlock (&cryptor->lock);
}

/**
 * e2ee_frame_cryptor_set_key_index:
 * @cryptor: an #E2eeFrameCryptor
 * @key_index: the key index to encrypt with (0 to 255, used modulo the
 *   ring size), or -1 (the default) for the ring's current index
 *
 * Pins the encryptor to one key index. Decryption always uses the key
 * index each frame carries.
 *
 * Since: 1.0
 */
void
e2ee_frame_cryptor_set_key_index (E2eeFrameCryptor * cryptor, gint key_index)
{
  g_return_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor));
  g_return_if_fail (key_index >= -1 && key_index < N_KEY_INDICES);

  g_mutex_lock (&cryptor->lock);
  if (cryptor->key_index != key_index) {
    cryptor->key_index = key_index;
    key_entry_forget (cryptor, &cryptor->keys[ENCRYPT_KEY_ENTRY]);
  }
  g_mutex_unlock (&cryptor->lock);
}

/**
 * e2ee_frame_cryptor_get_state:
 * @cryptor: an #E2eeFrameCryptor
 *
 * The state the cryptor last reported through
 * #E2eeFrameCryptor::state-changed (also its #E2eeFrameCryptor:state).
 *
 * Returns: the last state reported (%E2EE_STATE_NEW before any frame)
 *
 * Since: 1.0
 */
E2eeState
e2ee_frame_cryptor_get_state (E2eeFrameCryptor * cryptor)
{
  E2eeState state;

  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), E2EE_STATE_NEW);

  g_mutex_lock (&cryptor->lock);
  state = cryptor->state;
  g_mutex_unlock (&cryptor->lock);
  return state;
}

/**
 * e2ee_frame_cryptor_get_max_encrypted_size:
 * @cryptor: an #E2eeFrameCryptor
 * @frame_len: length of a plaintext frame
 *
 * The output size e2ee_frame_cryptor_encrypt() needs for a frame of
 * @frame_len bytes: @frame_len + %E2EE_FRAME_OVERHEAD, and for H.264 and
 * H.265 enough for start-code normalisation and worst-case escaping
 * (at most @frame_len * 3 / 2 + 46).
 *
 * Returns: the size of the output buffer to pass to encrypt
 *
 * Since: 1.0
 */
gsize
e2ee_frame_cryptor_get_max_encrypted_size (E2eeFrameCryptor * cryptor,
    gsize frame_len)
{
  E2eeCodec codec;

  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), 0);

  g_mutex_lock (&cryptor->lock);
  codec = cryptor->codec;
  g_mutex_unlock (&cryptor->lock);
  return e2ee_frame_format_max_encrypted_size (codec, frame_len);
}

/**
 * e2ee_frame_cryptor_encrypt: (skip)
 * @cryptor: an #E2eeFrameCryptor
 * @frame: (array length=frame_len) (nullable): one encoded frame
 * @frame_len: length of @frame
 * @frame_type: whether @frame is a key frame (%E2EE_FRAME_TYPE_AUTO: tell
 *   from its bytes)
 * @out: (out caller-allocates) (array length=out_size): where the encrypted
 *   frame goes; must not overlap @frame
 * @out_size: size of @out, at least
 *   e2ee_frame_cryptor_get_max_encrypted_size() of @frame_len
 * @out_len: (out): bytes written to @out
 * @error: return location for a #GError, or %NULL
 *
 * Encrypts one frame with the key at the cryptor's key index, into a
 * buffer the caller provides (no allocation: the per-frame call for C
 * hosts such as GStreamer elements; bindings use
 * e2ee_frame_cryptor_encrypt_bytes()). A frame
 * shorter than its codec's clear header (a truncated VP8 frame, say) stays
 * entirely in clear and gets a tag over it, so it still authenticates.
 *
 * Returns: %TRUE with the frame in @out; %FALSE with @error set
 *   (%E2EE_ERROR_MISSING_KEY: no key, drop the frame; %E2EE_ERROR_NO_SPACE,
 *   %E2EE_ERROR_ENCRYPTION_FAILED, %E2EE_ERROR_INTERNAL,
 *   %E2EE_ERROR_MALFORMED_FRAME for an H.264/H.265 frame of a few bytes
 *   that ends in its slice NAL unit's header byte, which no LiveKit
 *   receiver could split). Nothing usable is in @out on failure.
 *
 * Since: 1.0
 */
gboolean
e2ee_frame_cryptor_encrypt (E2eeFrameCryptor * cryptor, const guint8 * frame,
    gsize frame_len, E2eeFrameType frame_type, guint8 * out, gsize out_size,
    gsize * out_len, GError ** error)
{
  StateChange change = { FALSE, };
  gboolean ok;

  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), FALSE);
  g_return_val_if_fail (frame != NULL || frame_len == 0, FALSE);
  g_return_val_if_fail (out != NULL || out_size == 0, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_len = 0;
  if (frame_len == 0)
    return TRUE;

  g_mutex_lock (&cryptor->lock);
  ok = check_buffers (frame, frame_len, out, out_size,
      e2ee_frame_format_max_encrypted_size (cryptor->codec, frame_len),
      error);
  if (ok) {
    sync_with_provider (cryptor);
    ok = encrypt_locked (cryptor, frame, frame_len, frame_type, out, out_len,
        &change, error);
  }
  g_mutex_unlock (&cryptor->lock);

  emit_state_change (cryptor, &change);
  return ok;
}

/**
 * e2ee_frame_cryptor_decrypt: (skip)
 * @cryptor: an #E2eeFrameCryptor
 * @frame: (array length=frame_len) (nullable): one received frame
 * @frame_len: length of @frame
 * @frame_type: whether @frame is a key frame (%E2EE_FRAME_TYPE_AUTO: tell
 *   from its bytes)
 * @out: (out caller-allocates) (array length=out_size): where the plaintext
 *   frame goes; must not overlap @frame
 * @out_size: size of @out, at least @frame_len
 * @out_len: (out): bytes written to @out
 * @error: return location for a #GError, or %NULL
 *
 * Decrypts one frame with the key its key index names, trying the ratchet
 * window if that fails, into a buffer the caller provides (bindings use
 * e2ee_frame_cryptor_decrypt_bytes()). Reports state changes (see
 * #E2eeState).
 *
 * Returns: %TRUE with the plaintext (or a passed-through frame) in @out;
 *   %FALSE with @error set, and the frame must be dropped:
 *   %E2EE_ERROR_MISSING_KEY, %E2EE_ERROR_INVALID_KEY (failure tolerance
 *   exceeded), %E2EE_ERROR_DECRYPTION_FAILED (authentication failed),
 *   %E2EE_ERROR_MALFORMED_FRAME (too short, IV length not 12, or a
 *   server-injected frame with an unknown payload), %E2EE_ERROR_NO_SPACE.
 *   No unauthenticated byte is left in @out.
 *
 * Since: 1.0
 */
gboolean
e2ee_frame_cryptor_decrypt (E2eeFrameCryptor * cryptor, const guint8 * frame,
    gsize frame_len, E2eeFrameType frame_type, guint8 * out, gsize out_size,
    gsize * out_len, GError ** error)
{
  StateChange change = { FALSE, };
  gboolean ok;

  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), FALSE);
  g_return_val_if_fail (frame != NULL || frame_len == 0, FALSE);
  g_return_val_if_fail (out != NULL || out_size == 0, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_len = 0;
  if (frame_len == 0)
    return TRUE;

  if (!check_buffers (frame, frame_len, out, out_size, frame_len, error))
    return FALSE;

  g_mutex_lock (&cryptor->lock);
  sync_with_provider (cryptor);
  ok = decrypt_locked (cryptor, frame, frame_len, frame_type, out, out_len,
      &change, error);
  g_mutex_unlock (&cryptor->lock);

  emit_state_change (cryptor, &change);
  return ok;
}

/**
 * e2ee_frame_cryptor_encrypt_bytes: (rename-to e2ee_frame_cryptor_encrypt)
 * @cryptor: an #E2eeFrameCryptor
 * @frame: one encoded frame
 * @frame_type: whether @frame is a key frame (%E2EE_FRAME_TYPE_AUTO: tell
 *   from its bytes)
 * @error: return location for a #GError, or %NULL
 *
 * e2ee_frame_cryptor_encrypt() for bindings and convenience: allocates
 * the encrypted frame.
 *
 * Returns: (transfer full) (nullable): the encrypted frame, or %NULL with
 *   @error set (see e2ee_frame_cryptor_encrypt())
 *
 * Since: 1.0
 */
GBytes *
e2ee_frame_cryptor_encrypt_bytes (E2eeFrameCryptor * cryptor, GBytes * frame,
    E2eeFrameType frame_type, GError ** error)
{
  gsize frame_len, size, out_len = 0;
  const guint8 *data;
  guint8 *out;

  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), NULL);
  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (frame, &frame_len);
  size = e2ee_frame_cryptor_get_max_encrypted_size (cryptor, frame_len);
  out = g_malloc (MAX (size, 1));
  if (!e2ee_frame_cryptor_encrypt (cryptor, data, frame_len, frame_type, out,
          size, &out_len, error)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (g_realloc (out, MAX (out_len, 1)), out_len);
}

/**
 * e2ee_frame_cryptor_decrypt_bytes: (rename-to e2ee_frame_cryptor_decrypt)
 * @cryptor: an #E2eeFrameCryptor
 * @frame: one received frame
 * @frame_type: whether @frame is a key frame (%E2EE_FRAME_TYPE_AUTO: tell
 *   from its bytes)
 * @error: return location for a #GError, or %NULL
 *
 * e2ee_frame_cryptor_decrypt() for bindings and convenience: allocates
 * the plaintext frame.
 *
 * Returns: (transfer full) (nullable): the plaintext frame, or %NULL with
 *   @error set (see e2ee_frame_cryptor_decrypt()): drop the frame
 *
 * Since: 1.0
 */
GBytes *
e2ee_frame_cryptor_decrypt_bytes (E2eeFrameCryptor * cryptor, GBytes * frame,
    E2eeFrameType frame_type, GError ** error)
{
  gsize frame_len, out_len = 0;
  const guint8 *data;
  guint8 *out;

  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), NULL);
  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (frame, &frame_len);
  out = g_malloc (MAX (frame_len, 1));
  if (!e2ee_frame_cryptor_decrypt (cryptor, data, frame_len, frame_type, out,
          frame_len, &out_len, error)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (g_realloc (out, MAX (out_len, 1)), out_len);
}

/* Private API (e2ee-frame-cryptor-private.h): for known-answer tests only. */

void
e2ee_frame_cryptor_pin_iv_for_testing (E2eeFrameCryptor * cryptor,
    guint32 ssrc, guint32 rtp_timestamp, guint32 send_count)
{
  g_return_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor));

  g_mutex_lock (&cryptor->lock);
  e2ee_iv_generator_pin (&cryptor->iv, ssrc, rtp_timestamp, send_count);
  g_mutex_unlock (&cryptor->lock);
}

guint
e2ee_frame_cryptor_count_bound_keys_for_testing (E2eeFrameCryptor * cryptor)
{
  guint i, n = 0;

  g_return_val_if_fail (E2EE_IS_FRAME_CRYPTOR (cryptor), 0);

  /* The entries themselves, not the bound[] bits: a bit missing would
   * leave an entry the sweep never sees, and this count would show it. */
  g_mutex_lock (&cryptor->lock);
  for (i = 0; i < N_KEY_ENTRIES; i++)
    n += cryptor->keys[i].aead.key != NULL;
  g_mutex_unlock (&cryptor->lock);
  return n;
}
