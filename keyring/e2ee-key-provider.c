/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:e2ee-key-provider
 * @title: E2eeKeyProvider
 * @short_description: LiveKit-compatible key rings shared by frame cryptors
 *
 * An #E2eeKeyProvider holds the keys of one room, as LiveKit's key provider
 * does: one shared key ring (participant id %NULL, or any participant while
 * #E2eeKeyProvider:shared-key is %TRUE) and otherwise one ring per
 * participant. A ring has #E2eeKeyProvider:key-ring-size slots; key index
 * @i lives in slot @i modulo the ring size, and each ring has a current
 * index that encryptors use.
 *
 * Keys come from a passphrase (e2ee_key_provider_set_passphrase()) or from
 * raw key material (e2ee_key_provider_set_key()). The AES key is derived
 * with PBKDF2 or HKDF as set by #E2eeKeyProvider:key-derivation, with
 * #E2eeKeyProvider:ratchet-salt as salt. Ratcheting derives new material
 * from the old with the same function.
 *
 * Every frame cryptor and element that uses one provider sees the same keys,
 * and the provider relays their state changes as
 * #E2eeKeyProvider::state-changed, because some hosts (webrtcsink) run them
 * in inner pipelines whose bus messages never reach the application.
 *
 * The provider is safe to use from any thread. Key material lives in
 * libsodium's guarded memory, is wiped when replaced, and is never logged
 * nor readable through a property. e2ee_key_provider_export_key() copies
 * a key's material out, except for keys set with
 * %E2EE_KEY_FLAG_NOT_EXPORTABLE: the GStreamer elements set their key
 * properties' keys so unless #E2eeKeyProvider:element-keys-exportable is
 * %TRUE; keys an application sets are exportable unless it says otherwise.
 *
 * Keys leave as they came: e2ee_key_provider_remove_key() empties one slot,
 * e2ee_key_provider_remove_participant() drops a participant's whole ring
 * when it leaves the room, and e2ee_key_provider_clear_keys() drops every
 * ring when the call ends (LiveKit's guide: "clear keys from memory when no
 * longer needed"). A removed key is wiped at once, with the ratchet steps
 * precomputed from it, even while a frame cryptor or a ratchet job still
 * holds it; from the next frame on, a frame that needs it gets
 * %E2EE_ERROR_MISSING_KEY (state %E2EE_STATE_MISSING_KEY), never the old
 * key, and nothing puts it back.
 *
 * #E2eeKeyProvider:key-ring-size, #E2eeKeyProvider:ratchet-salt and
 * #E2eeKeyProvider:key-size describe how the keys already stored were made,
 * so they can only change while the provider holds no key: a change after
 * a key was set is refused with a warning and the property keeps its value.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2ee-key-provider-private.h"
#include "e2ee-enum-types.h"
#include "e2ee-iv.h"
#include "e2ee-key-material.h"
#include "e2ee-key-ring.h"

#include <string.h>
#include <sys/stat.h>

#define DEFAULT_SHARED_KEY TRUE
#define DEFAULT_RATCHET_SALT E2EE_DEFAULT_RATCHET_SALT
#define DEFAULT_RATCHET_WINDOW_SIZE 0
#define DEFAULT_FAILURE_TOLERANCE -1
#define DEFAULT_KEY_RING_SIZE E2EE_DEFAULT_KEY_RING_SIZE
#define DEFAULT_UNCRYPTED_MAGIC_BYTES E2EE_DEFAULT_UNCRYPTED_MAGIC_BYTES
#define DEFAULT_KEY_SIZE 128
#define DEFAULT_ENCRYPTION_TYPE E2EE_ENCRYPTION_TYPE_GCM
#define DEFAULT_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY FALSE
#define DEFAULT_KEY_DERIVATION E2EE_KEY_DERIVATION_AUTO
#define DEFAULT_ELEMENT_KEYS_EXPORTABLE FALSE

/* More than any sensible window: each step is one key derivation. */
#define MAX_RATCHET_WINDOW_SIZE 255

enum
{
  PROP_0,
  PROP_SHARED_KEY,
  PROP_RATCHET_SALT,
  PROP_RATCHET_WINDOW_SIZE,
  PROP_FAILURE_TOLERANCE,
  PROP_KEY_RING_SIZE,
  PROP_UNCRYPTED_MAGIC_BYTES,
  PROP_KEY_SIZE,
  PROP_ENCRYPTION_TYPE,
  PROP_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY,
  PROP_KEY_DERIVATION,
  PROP_SIF_TRAILER,
  PROP_ELEMENT_KEYS_EXPORTABLE,
  N_PROPERTIES
};

enum
{
  SIGNAL_KEY_RATCHETED,
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPERTIES];
static guint signals[N_SIGNALS];

/* A job for the ratchet worker: derive @steps ratchet steps of @key. */
typedef struct
{
  E2eeKey *key;
  guint steps;
} RatchetJob;

struct _E2eeKeyProvider
{
  GObject parent;

  /* Guards everything below except the atomics. */
  GMutex lock;

  gboolean shared_key;
  gchar *ratchet_salt;
  guint ratchet_window_size;
  gint failure_tolerance;       /* atomic reads on the success path */
  guint key_ring_size;
  gchar *uncrypted_magic_bytes;
  guint key_size;
  E2eeEncryptionType encryption_type;
  gboolean discard_frame_when_cryptor_not_ready;
  E2eeKeyDerivation key_derivation;
  GBytes *sif_trailer;
  gboolean element_keys_exportable;

  E2eeKeyRing *shared_ring;     /* created on first use */
  GHashTable *participant_rings;        /* gchar* -> E2eeKeyRing* */
  guint n_keys;                 /* occupied slots over all rings */
  gint n_failing_slots;         /* atomic reads: slots with failures > 0 */

  gint serial;                  /* atomic */

  E2eeStreamIds stream_ids;     /* every IV's word 0 (e2ee-iv.c) */

  GThreadPool *ratchet_pool;    /* 1 thread, created on first need */

  gint finalizing;             /* atomic: queued precomputations stop */

  /* Told when removed keys were bound to AES-GCM contexts (frame
   * cryptors: their cached contexts). Guarded by watchers_lock, which is
   * taken before a watcher's own lock and never under self->lock. */
  GMutex watchers_lock;
  GHashTable *removal_watchers; /* user_data -> E2eeKeysRemovedFunc */
};

G_DEFINE_FINAL_TYPE (E2eeKeyProvider, e2ee_key_provider, G_TYPE_OBJECT);

/* Rings and slots (the rings themselves are e2ee-key-ring.c) */

static gboolean
uses_shared_ring (E2eeKeyProvider * self, const gchar * participant_id)
{
  return participant_id == NULL || self->shared_key;
}

/* The participant id reported in signals: NULL for the shared ring. Call
 * with no lock held: shared-key may be set from another thread. */
static const gchar *
ring_owner (E2eeKeyProvider * self, const gchar * participant_id)
{
  gboolean shared;

  g_mutex_lock (&self->lock);
  shared = uses_shared_ring (self, participant_id);
  g_mutex_unlock (&self->lock);
  return shared ? NULL : participant_id;
}

static E2eeKeyRing *
find_ring_locked (E2eeKeyProvider * self, const gchar * participant_id)
{
  if (uses_shared_ring (self, participant_id))
    return self->shared_ring;
  return g_hash_table_lookup (self->participant_rings, participant_id);
}

static E2eeKeyRing *
ensure_ring_locked (E2eeKeyProvider * self, const gchar * participant_id)
{
  E2eeKeyRing *ring = find_ring_locked (self, participant_id);

  if (ring != NULL)
    return ring;

  ring = e2ee_key_ring_new (self->key_ring_size);
  if (uses_shared_ring (self, participant_id))
    self->shared_ring = ring;
  else
    g_hash_table_insert (self->participant_rings, g_strdup (participant_id),
        ring);
  return ring;
}

static void
bump_serial (E2eeKeyProvider * self)
{
  g_atomic_int_inc (&self->serial);
}

static void
slot_reset_failures_locked (E2eeKeyProvider * self, E2eeKeySlot * slot)
{
  if (slot->failures > 0) {
    slot->failures = 0;
    g_atomic_int_dec_and_test (&self->n_failing_slots);
  }
}

/* Puts @key (reference taken over) into @slot; returns the old key for the
 * caller to drop once the lock is released. */
static E2eeKey *
slot_replace_locked (E2eeKeyProvider * self, E2eeKeySlot * slot,
    E2eeKey * key)
{
  E2eeKey *old = slot->key;

  slot->key = key;
  if (old == NULL)
    self->n_keys++;
  slot_reset_failures_locked (self, slot);
  bump_serial (self);
  return old;
}

static gboolean
slot_is_invalid_locked (E2eeKeyProvider * self, const E2eeKeySlot * slot)
{
  return self->failure_tolerance >= 0
      && slot->failures > self->failure_tolerance;
}

/* Ratchet precomputation */

static void
ratchet_job_free (gpointer data)
{
  RatchetJob *job = data;

  e2ee_key_unref (job->key);
  g_free (job);
}

static void
ratchet_job_run (gpointer data, gpointer user_data)
{
  E2eeKeyProvider *self = user_data;
  RatchetJob *job = data;
  E2eeKey *key = e2ee_key_ref (job->key);
  guint i;

  /* Each step lands in the previous key's cache, where a streaming thread
   * trying the ratchet window finds it (or waits for it). A provider being
   * finalized lets its queued jobs run down without deriving anything. */
  for (i = 0; i < job->steps && key != NULL
      && !g_atomic_int_get (&self->finalizing); i++) {
    E2eeKey *next = e2ee_key_ratchet_cached (key, NULL);

    e2ee_key_unref (key);
    key = next;
  }
  if (key != NULL)
    e2ee_key_unref (key);
  ratchet_job_free (job);
}

/* Queues the derivation of @key's next ratchet-window-size steps. */
static void
schedule_ratchet_precompute (E2eeKeyProvider * self, E2eeKey * key)
{
  RatchetJob *job;
  guint window;

  g_mutex_lock (&self->lock);
  window = self->ratchet_window_size;
  if (window > 0 && self->ratchet_pool == NULL)
    self->ratchet_pool = g_thread_pool_new_full (ratchet_job_run, self,
        ratchet_job_free, 1, FALSE, NULL);
  if (window > 0 && self->ratchet_pool != NULL) {
    job = g_new0 (RatchetJob, 1);
    job->key = e2ee_key_ref (key);
    job->steps = window;
    g_thread_pool_push (self->ratchet_pool, job, NULL);
  }
  g_mutex_unlock (&self->lock);
}

/* Signals */

static void
emit_key_ratcheted (E2eeKeyProvider * self, const gchar * participant_id,
    guint key_index)
{
  g_signal_emit (self, signals[SIGNAL_KEY_RATCHETED], 0, participant_id,
      key_index);
}

/* GObject */

/* Whether a property that shapes keys must stay as it is; @refused then
 * names it, for a warning given once the lock is released (a log handler
 * may call back into the provider). */
static gboolean
provider_refuses_change_locked (E2eeKeyProvider * self, GParamSpec * pspec,
    const gchar ** refused)
{
  if (self->n_keys == 0)
    return FALSE;
  *refused = pspec->name;
  return TRUE;
}

static void
set_key_ring_size_locked (E2eeKeyProvider * self, guint size)
{
  if (size == self->key_ring_size)
    return;
  /* No key is stored (checked by the caller): drop the empty rings, they
   * are created again with the new size on first use. */
  self->key_ring_size = size;
  g_clear_pointer (&self->shared_ring, e2ee_key_ring_free);
  g_hash_table_remove_all (self->participant_rings);
}

/* References to every stored key, to precompute their ratchet steps once
 * a ratchet window is switched on. */
static GPtrArray *
ref_all_keys_locked (E2eeKeyProvider * self)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify)
      e2ee_key_unref);
  GHashTableIter iter;
  gpointer ring;

  if (self->shared_ring != NULL)
    e2ee_key_ring_ref_keys (self->shared_ring, keys);
  g_hash_table_iter_init (&iter, self->participant_rings);
  while (g_hash_table_iter_next (&iter, NULL, &ring))
    e2ee_key_ring_ref_keys (ring, keys);
  return keys;
}

static void
e2ee_key_provider_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  E2eeKeyProvider *self = E2EE_KEY_PROVIDER (object);
  GPtrArray *precompute = NULL;
  const gchar *refused = NULL;
  guint bad_key_size = 0;
  guint i;

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_SHARED_KEY:
      self->shared_key = g_value_get_boolean (value);
      break;
    case PROP_RATCHET_SALT:
      if (!provider_refuses_change_locked (self, pspec, &refused)) {
        g_free (self->ratchet_salt);
        self->ratchet_salt = g_value_dup_string (value);
        if (self->ratchet_salt == NULL)
          self->ratchet_salt = g_strdup (DEFAULT_RATCHET_SALT);
      }
      break;
    case PROP_RATCHET_WINDOW_SIZE:
      if (g_value_get_uint (value) > self->ratchet_window_size)
        precompute = ref_all_keys_locked (self);
      self->ratchet_window_size = g_value_get_uint (value);
      break;
    case PROP_FAILURE_TOLERANCE:
      g_atomic_int_set (&self->failure_tolerance, g_value_get_int (value));
      break;
    case PROP_KEY_RING_SIZE:
      if (!provider_refuses_change_locked (self, pspec, &refused))
        set_key_ring_size_locked (self, g_value_get_uint (value));
      break;
    case PROP_UNCRYPTED_MAGIC_BYTES:
      g_free (self->uncrypted_magic_bytes);
      self->uncrypted_magic_bytes = g_value_dup_string (value);
      if (self->uncrypted_magic_bytes == NULL)
        self->uncrypted_magic_bytes = g_strdup ("");
      break;
    case PROP_KEY_SIZE:{
      guint bits = g_value_get_uint (value);

      if (bits != 128 && bits != 256)
        bad_key_size = bits;
      else if (!provider_refuses_change_locked (self, pspec, &refused))
        self->key_size = bits;
      break;
    }
    case PROP_ENCRYPTION_TYPE:
      self->encryption_type = g_value_get_enum (value);
      break;
    case PROP_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY:
      self->discard_frame_when_cryptor_not_ready =
          g_value_get_boolean (value);
      break;
    case PROP_KEY_DERIVATION:
      self->key_derivation = g_value_get_enum (value);
      break;
    case PROP_SIF_TRAILER:
      g_clear_pointer (&self->sif_trailer, g_bytes_unref);
      self->sif_trailer = g_value_dup_boxed (value);
      if (self->sif_trailer != NULL && g_bytes_get_size (self->sif_trailer)
          == 0)
        g_clear_pointer (&self->sif_trailer, g_bytes_unref);
      break;
    case PROP_ELEMENT_KEYS_EXPORTABLE:
      self->element_keys_exportable = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  bump_serial (self);
  g_mutex_unlock (&self->lock);

  if (refused != NULL)
    g_warning ("E2eeKeyProvider: \"%s\" cannot change while the provider "
        "holds keys; the change is ignored", refused);
  if (bad_key_size != 0)
    g_warning ("E2eeKeyProvider: key-size must be 128 or 256, not %u",
        bad_key_size);
  for (i = 0; precompute != NULL && i < precompute->len; i++)
    schedule_ratchet_precompute (self, g_ptr_array_index (precompute, i));
  if (precompute != NULL)
    g_ptr_array_unref (precompute);
}

static void
e2ee_key_provider_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  E2eeKeyProvider *self = E2EE_KEY_PROVIDER (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_SHARED_KEY:
      g_value_set_boolean (value, self->shared_key);
      break;
    case PROP_RATCHET_SALT:
      g_value_set_string (value, self->ratchet_salt);
      break;
    case PROP_RATCHET_WINDOW_SIZE:
      g_value_set_uint (value, self->ratchet_window_size);
      break;
    case PROP_FAILURE_TOLERANCE:
      g_value_set_int (value, self->failure_tolerance);
      break;
    case PROP_KEY_RING_SIZE:
      g_value_set_uint (value, self->key_ring_size);
      break;
    case PROP_UNCRYPTED_MAGIC_BYTES:
      g_value_set_string (value, self->uncrypted_magic_bytes);
      break;
    case PROP_KEY_SIZE:
      g_value_set_uint (value, self->key_size);
      break;
    case PROP_ENCRYPTION_TYPE:
      g_value_set_enum (value, self->encryption_type);
      break;
    case PROP_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY:
      g_value_set_boolean (value, self->discard_frame_when_cryptor_not_ready);
      break;
    case PROP_KEY_DERIVATION:
      g_value_set_enum (value, self->key_derivation);
      break;
    case PROP_SIF_TRAILER:
      g_value_set_boxed (value, self->sif_trailer);
      break;
    case PROP_ELEMENT_KEYS_EXPORTABLE:
      g_value_set_boolean (value, self->element_keys_exportable);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
e2ee_key_provider_finalize (GObject * object)
{
  E2eeKeyProvider *self = E2EE_KEY_PROVIDER (object);

  /* Queued precomputations run down without deriving (see ratchet_job_run);
   * a running one finishes its current step. Not immediate=TRUE: GLib 2.74
   * then drops a job a worker already dequeued without freeing it. */
  if (self->ratchet_pool != NULL) {
    g_atomic_int_set (&self->finalizing, 1);
    g_thread_pool_free (self->ratchet_pool, FALSE, TRUE);
  }

  g_clear_pointer (&self->shared_ring, e2ee_key_ring_free);
  g_hash_table_unref (self->participant_rings);
  g_hash_table_unref (self->removal_watchers);
  g_mutex_clear (&self->watchers_lock);
  e2ee_stream_ids_clear (&self->stream_ids);
  g_clear_pointer (&self->sif_trailer, g_bytes_unref);
  g_free (self->ratchet_salt);
  g_free (self->uncrypted_magic_bytes);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (e2ee_key_provider_parent_class)->finalize (object);
}

static void
e2ee_key_provider_class_init (E2eeKeyProviderClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = e2ee_key_provider_set_property;
  gobject_class->get_property = e2ee_key_provider_get_property;
  gobject_class->finalize = e2ee_key_provider_finalize;

  /**
   * E2eeKeyProvider:shared-key:
   *
   * Whether every participant uses the shared key ring (LiveKit's
   * `sharedKey`). When %FALSE, each participant id has its own ring and
   * only a %NULL participant id means the shared ring.
   */
  properties[PROP_SHARED_KEY] = g_param_spec_boolean ("shared-key",
      "Shared key", "Use one key ring for all participants",
      DEFAULT_SHARED_KEY, rw);

  /**
   * E2eeKeyProvider:ratchet-salt:
   *
   * The salt of both key derivations and of every ratchet step (LiveKit's
   * `ratchetSalt`). Can only change while the provider holds no key.
   */
  properties[PROP_RATCHET_SALT] = g_param_spec_string ("ratchet-salt",
      "Ratchet salt",
      "Salt of the key derivation and of each ratchet step (only changeable "
      "while no key is set)", DEFAULT_RATCHET_SALT, rw);

  /**
   * E2eeKeyProvider:ratchet-window-size:
   *
   * How many ratchet steps ahead a decryptor tries when a frame fails to
   * authenticate (LiveKit's `ratchetWindowSize`); 0 disables it. A frame
   * that authenticates with a ratcheted key makes the ratcheted key the
   * slot's key. The steps are derived ahead of time on a worker thread.
   */
  properties[PROP_RATCHET_WINDOW_SIZE] =
      g_param_spec_uint ("ratchet-window-size", "Ratchet window size",
      "Ratchet steps tried when a frame fails to decrypt (0 = none)",
      0, MAX_RATCHET_WINDOW_SIZE, DEFAULT_RATCHET_WINDOW_SIZE, rw);

  /**
   * E2eeKeyProvider:failure-tolerance:
   *
   * How many decryption failures a key may have before it is marked
   * invalid (LiveKit's `failureTolerance`); -1 never marks a key invalid.
   * A success, a new key or a ratchet resets the count.
   */
  properties[PROP_FAILURE_TOLERANCE] =
      g_param_spec_int ("failure-tolerance", "Failure tolerance",
      "Decryption failures before a key is marked invalid (-1 = never)",
      -1, G_MAXINT, DEFAULT_FAILURE_TOLERANCE, rw);

  /**
   * E2eeKeyProvider:key-ring-size:
   *
   * Number of key slots per ring (LiveKit's `keyringSize`). Can only change
   * while the provider holds no key.
   */
  properties[PROP_KEY_RING_SIZE] = g_param_spec_uint ("key-ring-size",
      "Key ring size",
      "Key slots per ring (only changeable while no key is set)",
      1, E2EE_MAX_KEY_RING_SIZE, DEFAULT_KEY_RING_SIZE, rw);

  /**
   * E2eeKeyProvider:uncrypted-magic-bytes:
   *
   * The trailer of server-injected frames, used until the room sets its own
   * with e2ee_key_provider_set_sif_trailer().
   */
  properties[PROP_UNCRYPTED_MAGIC_BYTES] =
      g_param_spec_string ("uncrypted-magic-bytes", "Uncrypted magic bytes",
      "Trailer of frames that pass through unencrypted, until the room sets "
      "its SIF trailer", DEFAULT_UNCRYPTED_MAGIC_BYTES, rw);

  /**
   * E2eeKeyProvider:key-size:
   *
   * AES key size in bits: 128 (LiveKit's) or 256. Can only change while
   * the provider holds no key.
   */
  properties[PROP_KEY_SIZE] = g_param_spec_uint ("key-size", "Key size",
      "AES key size in bits, 128 or 256 (only changeable while no key is "
      "set)", 128, 256, DEFAULT_KEY_SIZE, rw);

  /**
   * E2eeKeyProvider:encryption-type:
   *
   * Whether frames are encrypted at all.
   */
  properties[PROP_ENCRYPTION_TYPE] = g_param_spec_enum ("encryption-type",
      "Encryption type", "Frame encryption (none passes frames through)",
      E2EE_TYPE_ENCRYPTION_TYPE, DEFAULT_ENCRYPTION_TYPE, rw);

  /**
   * E2eeKeyProvider:discard-frame-when-cryptor-not-ready:
   *
   * Whether a decryptor drops frames while it has no usable key, rather
   * than passing them on as they are (LiveKit's
   * `discardFrameWhenCryptorNotReady`). Encryptors always drop.
   */
  properties[PROP_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY] =
      g_param_spec_boolean ("discard-frame-when-cryptor-not-ready",
      "Discard frame when cryptor not ready",
      "Drop frames that arrive before a decryption key",
      DEFAULT_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY, rw);

  /**
   * E2eeKeyProvider:key-derivation:
   *
   * Which function turns key material into an AES key (and ratchets it).
   * Keys already set keep the function they were made with.
   */
  properties[PROP_KEY_DERIVATION] = g_param_spec_enum ("key-derivation",
      "Key derivation",
      "How the AES key is derived from a passphrase or raw material",
      E2EE_TYPE_KEY_DERIVATION, DEFAULT_KEY_DERIVATION, rw);

  /**
   * E2eeKeyProvider:sif-trailer:
   *
   * The room's server-injected-frame trailer, as
   * e2ee_key_provider_set_sif_trailer() sets it; %NULL (or empty): frames
   * ending in #E2eeKeyProvider:uncrypted-magic-bytes count as injected.
   */
  properties[PROP_SIF_TRAILER] = g_param_spec_boxed ("sif-trailer",
      "SIF trailer",
      "Trailer of server-injected frames that the room announced (NULL: "
      "uncrypted-magic-bytes)", G_TYPE_BYTES, rw);

  /**
   * E2eeKeyProvider:element-keys-exportable:
   *
   * Whether keys that GStreamer elements put into the provider from their
   * key properties (`passphrase`, `passphrase-file`, `key`, `key-file` of
   * e2eeencrypt and e2eedecrypt) can be exported. %FALSE by default: the
   * elements then set them with %E2EE_KEY_FLAG_NOT_EXPORTABLE, so a key
   * given on a command line never comes out of the provider, whoever holds
   * it. Keys an application sets with e2ee_key_provider_set_key() and
   * e2ee_key_provider_set_passphrase() stay exportable (unless set with
   * %E2EE_KEY_FLAG_NOT_EXPORTABLE through the `_full` variants).
   */
  properties[PROP_ELEMENT_KEYS_EXPORTABLE] =
      g_param_spec_boolean ("element-keys-exportable",
      "Element keys exportable",
      "Whether keys set through element properties can be exported",
      DEFAULT_ELEMENT_KEYS_EXPORTABLE, rw);

  g_object_class_install_properties (gobject_class, N_PROPERTIES,
      properties);

  /**
   * E2eeKeyProvider::key-ratcheted:
   * @provider: the #E2eeKeyProvider
   * @participant_id: (nullable): the participant whose ring holds the key,
   *   or %NULL for the shared ring
   * @key_index: the key index
   *
   * A key was ratcheted, by e2ee_key_provider_ratchet_key() or by a
   * decryptor that recovered a frame inside the ratchet window. The new
   * material is not in the signal: read it with
   * e2ee_key_provider_export_key() if it must travel.
   */
  signals[SIGNAL_KEY_RATCHETED] = g_signal_new ("key-ratcheted",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);

  /**
   * E2eeKeyProvider::state-changed:
   * @provider: the #E2eeKeyProvider
   * @participant_id: (nullable): the participant of the frame cryptor
   * @track_id: (nullable): the track, or the element's name
   * @state: the new #E2eeState
   * @key_index: the key index involved
   *
   * A frame cryptor using this provider changed state. Emitted from the
   * streaming thread that saw the change.
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, E2EE_TYPE_STATE,
      G_TYPE_UINT);
}

static void
e2ee_key_provider_init (E2eeKeyProvider * self)
{
  e2ee_ensure_sodium ();

  g_mutex_init (&self->lock);
  self->shared_key = DEFAULT_SHARED_KEY;
  self->ratchet_salt = g_strdup (DEFAULT_RATCHET_SALT);
  self->ratchet_window_size = DEFAULT_RATCHET_WINDOW_SIZE;
  self->failure_tolerance = DEFAULT_FAILURE_TOLERANCE;
  self->key_ring_size = DEFAULT_KEY_RING_SIZE;
  self->uncrypted_magic_bytes = g_strdup (DEFAULT_UNCRYPTED_MAGIC_BYTES);
  self->key_size = DEFAULT_KEY_SIZE;
  self->encryption_type = DEFAULT_ENCRYPTION_TYPE;
  self->discard_frame_when_cryptor_not_ready =
      DEFAULT_DISCARD_FRAME_WHEN_CRYPTOR_NOT_READY;
  self->key_derivation = DEFAULT_KEY_DERIVATION;
  self->element_keys_exportable = DEFAULT_ELEMENT_KEYS_EXPORTABLE;
  self->participant_rings = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, (GDestroyNotify) e2ee_key_ring_free);
  g_mutex_init (&self->watchers_lock);
  self->removal_watchers = g_hash_table_new (NULL, NULL);
  e2ee_stream_ids_init (&self->stream_ids);
}

/* Public API */

/**
 * e2ee_key_provider_new:
 *
 * Creates a key provider with LiveKit's default options.
 *
 * Returns: (transfer full): a new #E2eeKeyProvider
 */
E2eeKeyProvider *
e2ee_key_provider_new (void)
{
  return g_object_new (E2EE_TYPE_KEY_PROVIDER, NULL);
}

/* Stores @key at @key_index, as set_key and set_passphrase share it. */
static void
store_key (E2eeKeyProvider * self, const gchar * participant_id,
    E2eeKey * key, guint key_index, gboolean make_current,
    E2eeKeyFlags flags)
{
  E2eeKeyRing *ring;
  E2eeKeySlot *slot;
  guint slot_index;
  E2eeKey *old;

  g_mutex_lock (&self->lock);
  ring = ensure_ring_locked (self, participant_id);
  slot_index = key_index % ring->size;
  slot = e2ee_key_ring_ensure_slot (ring, slot_index);
  old = slot_replace_locked (self, slot, key);
  slot->flags = flags;
  if (make_current)
    ring->current_index = slot_index;
  g_mutex_unlock (&self->lock);

  g_debug ("Key set for participant %s at index %u%s",
      participant_id ? participant_id : "(shared)", key_index,
      make_current ? " (current)" : "");

  if (old != NULL)
    e2ee_key_unref (old);
  schedule_ratchet_precompute (self, key);
}

static gboolean
set_material (E2eeKeyProvider * self, const gchar * participant_id,
    const guint8 * material, gsize material_len, gboolean is_passphrase,
    guint key_index, gboolean make_current, E2eeKeyFlags flags,
    GError ** error)
{
  E2eeKeyDerivation derivation;
  E2eeKdf kdf;
  gchar *salt;
  guint key_bits;
  E2eeKey *key;

  g_mutex_lock (&self->lock);
  derivation = self->key_derivation;
  salt = g_strdup (self->ratchet_salt);
  key_bits = self->key_size;
  g_mutex_unlock (&self->lock);

  if (derivation == E2EE_KEY_DERIVATION_AUTO)
    kdf = is_passphrase ? E2EE_KDF_PBKDF2 : E2EE_KDF_HKDF;
  else
    kdf = derivation == E2EE_KEY_DERIVATION_PBKDF2 ?
        E2EE_KDF_PBKDF2 : E2EE_KDF_HKDF;

  /* The derivation runs with no lock held: PBKDF2 takes tens of ms. */
  key = e2ee_key_new (material, material_len, kdf, salt, key_bits, error);
  g_free (salt);
  if (key == NULL)
    return FALSE;

  store_key (self, participant_id, key, key_index, make_current, flags);
  return TRUE;
}

/**
 * e2ee_key_provider_set_key:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @material: (array length=material_len): raw key material
 * @material_len: length of @material, 1 to 1024 bytes
 * @key_index: the key index; the key goes to slot @key_index modulo
 *   #E2eeKeyProvider:key-ring-size
 * @make_current: whether encryptors start using this key now
 * @error: return location for a #GError, or %NULL
 *
 * Sets a key from raw material (LiveKit's `setKey` with an imported raw
 * key). With #E2eeKeyProvider:key-derivation AUTO, the AES key is derived
 * with HKDF. Replaces (and wipes) the key in that slot and resets its
 * failure count.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
e2ee_key_provider_set_key (E2eeKeyProvider * provider,
    const gchar * participant_id, const guint8 * material, gsize material_len,
    guint key_index, gboolean make_current, GError ** error)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (material != NULL || material_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return set_material (provider, participant_id, material, material_len,
      FALSE, key_index, make_current, E2EE_KEY_FLAG_NONE, error);
}

/**
 * e2ee_key_provider_set_key_full:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @material: (array length=material_len): raw key material
 * @material_len: length of @material, 1 to 1024 bytes
 * @key_index: the key index; the key goes to slot @key_index modulo
 *   #E2eeKeyProvider:key-ring-size
 * @make_current: whether encryptors start using this key now
 * @flags: #E2eeKeyFlags, such as %E2EE_KEY_FLAG_NOT_EXPORTABLE
 * @error: return location for a #GError, or %NULL
 *
 * e2ee_key_provider_set_key() with @flags for the key.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
e2ee_key_provider_set_key_full (E2eeKeyProvider * provider,
    const gchar * participant_id, const guint8 * material, gsize material_len,
    guint key_index, gboolean make_current, E2eeKeyFlags flags,
    GError ** error)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (material != NULL || material_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return set_material (provider, participant_id, material, material_len,
      FALSE, key_index, make_current, flags, error);
}

/**
 * e2ee_key_provider_set_passphrase:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @passphrase: the passphrase (its UTF-8 bytes are the key material)
 * @key_index: the key index; the key goes to slot @key_index modulo
 *   #E2eeKeyProvider:key-ring-size
 * @make_current: whether encryptors start using this key now
 * @error: return location for a #GError, or %NULL
 *
 * Sets a key from a passphrase (LiveKit's `createKeyFromString`). With
 * #E2eeKeyProvider:key-derivation AUTO, the AES key is derived with
 * PBKDF2-HMAC-SHA256.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
e2ee_key_provider_set_passphrase (E2eeKeyProvider * provider,
    const gchar * participant_id, const gchar * passphrase, guint key_index,
    gboolean make_current, GError ** error)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (passphrase != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return set_material (provider, participant_id, (const guint8 *) passphrase,
      strlen (passphrase), TRUE, key_index, make_current, E2EE_KEY_FLAG_NONE,
      error);
}

/**
 * e2ee_key_provider_set_passphrase_full:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @passphrase: the passphrase (its UTF-8 bytes are the key material)
 * @key_index: the key index; the key goes to slot @key_index modulo
 *   #E2eeKeyProvider:key-ring-size
 * @make_current: whether encryptors start using this key now
 * @flags: #E2eeKeyFlags, such as %E2EE_KEY_FLAG_NOT_EXPORTABLE
 * @error: return location for a #GError, or %NULL
 *
 * e2ee_key_provider_set_passphrase() with @flags for the key.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
e2ee_key_provider_set_passphrase_full (E2eeKeyProvider * provider,
    const gchar * participant_id, const gchar * passphrase, guint key_index,
    gboolean make_current, E2eeKeyFlags flags, GError ** error)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (passphrase != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return set_material (provider, participant_id, (const guint8 *) passphrase,
      strlen (passphrase), TRUE, key_index, make_current, flags, error);
}

/**
 * e2ee_key_provider_set_key_from_file:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @path: (type filename): a key file: raw key material, as bytes or as hex
 *   digits (see e2ee_key_material_new_from_file())
 * @key_index: the key index; the key goes to slot @key_index modulo
 *   #E2eeKeyProvider:key-ring-size
 * @make_current: whether encryptors start using this key now
 * @error: return location for a #GError, or %NULL
 *
 * e2ee_key_provider_set_key() with the material of a key file, which is
 * read straight into guarded memory. A file that group or others may read
 * is used, with a warning: keep key files mode 0600.
 *
 * Returns: %TRUE on success, %FALSE with @error set (the errors of
 *   e2ee_key_material_new_from_file() and e2ee_key_provider_set_key())
 */
gboolean
e2ee_key_provider_set_key_from_file (E2eeKeyProvider * provider,
    const gchar * participant_id, const gchar * path, guint key_index,
    gboolean make_current, GError ** error)
{
  GBytes *material;
  guint mode = 0;
  gboolean ok;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  material = e2ee_key_material_new_from_file (path, &mode, error);
  if (material == NULL)
    return FALSE;
  if (mode & (S_IRGRP | S_IROTH))
    g_warning ("E2eeKeyProvider: key file %s is readable by group or others "
        "(mode %04o); restrict it with chmod 600", path, mode);

  ok = set_material (provider, participant_id, g_bytes_get_data (material,
          NULL), g_bytes_get_size (material), FALSE, key_index, make_current,
      E2EE_KEY_FLAG_NONE, error);
  g_bytes_unref (material);
  return ok;
}

/* A new reference to the key in the slot of @key_index, or NULL; *@flags
 * (if not NULL) gets the slot's flags. */
static E2eeKey *
ref_slot_key_full (E2eeKeyProvider * self, const gchar * participant_id,
    guint key_index, E2eeKeyFlags * flags)
{
  E2eeKeyRing *ring;
  E2eeKeySlot *slot;
  E2eeKey *key = NULL;

  g_mutex_lock (&self->lock);
  ring = find_ring_locked (self, participant_id);
  slot = ring ? e2ee_key_ring_peek_slot (ring, key_index) : NULL;
  if (slot != NULL && slot->key != NULL) {
    key = e2ee_key_ref (slot->key);
    if (flags != NULL)
      *flags = slot->flags;
  }
  g_mutex_unlock (&self->lock);
  return key;
}

static E2eeKey *
ref_slot_key (E2eeKeyProvider * self, const gchar * participant_id,
    guint key_index)
{
  return ref_slot_key_full (self, participant_id, key_index, NULL);
}

static void
set_not_exportable_error (GError ** error, const gchar * participant_id,
    guint key_index)
{
  g_set_error (error, E2EE_ERROR, E2EE_ERROR_NOT_EXPORTABLE,
      "The key for participant %s at index %u is not exportable (set with "
      "E2EE_KEY_FLAG_NOT_EXPORTABLE, as element key properties are unless "
      "element-keys-exportable is TRUE)",
      participant_id ? participant_id : "(shared)", key_index);
}

static void
set_missing_key_error (GError ** error, const gchar * participant_id,
    guint key_index)
{
  g_set_error (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY,
      "No key for participant %s at index %u",
      participant_id ? participant_id : "(shared)", key_index);
}

/* Replaces @base with @ratcheted if the slot still holds @base. */
static gboolean
replace_if_unchanged (E2eeKeyProvider * self, const gchar * participant_id,
    guint key_index, E2eeKey * base, E2eeKey * ratcheted)
{
  E2eeKeyRing *ring;
  E2eeKeySlot *slot;
  E2eeKey *old = NULL;
  gboolean replaced = FALSE;

  g_mutex_lock (&self->lock);
  ring = find_ring_locked (self, participant_id);
  slot = ring ? e2ee_key_ring_peek_slot (ring, key_index) : NULL;
  /* Why a ratchet (a decryptor adopting a step, or ratchet_key) cannot put
   * back a key that was removed while it derived: the slot must still hold
   * @base, which the caller holds a reference on, so its address cannot
   * have been reused (the identity is a generation that cannot wrap); a
   * removal empties the slot, and a key set there since is another key.
   * A revoked step is refused besides. */
  if (slot != NULL && slot->key == base && !e2ee_key_is_revoked (ratcheted)) {
    old = slot_replace_locked (self, slot, e2ee_key_ref (ratcheted));
    replaced = TRUE;
  }
  g_mutex_unlock (&self->lock);

  if (old != NULL)
    e2ee_key_unref (old);
  return replaced;
}

static gboolean
ref_slot_key_is (E2eeKeyProvider * self, const gchar * participant_id,
    guint key_index, E2eeKey * key)
{
  E2eeKey *held = ref_slot_key (self, participant_id, key_index);
  gboolean same = held == key;

  if (held != NULL)
    e2ee_key_unref (held);
  return same;
}

/**
 * e2ee_key_provider_ratchet_key:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @key_index: the key index
 * @error: return location for a #GError, or %NULL
 *
 * Ratchets the key at @key_index one step in place (LiveKit's
 * `ratchetKey`): the new material is derived from the old with the key's
 * derivation function and the ratchet salt, the slot's failure count is
 * reset, and #E2eeKeyProvider::key-ratcheted is emitted. A key that is
 * not exportable (%E2EE_KEY_FLAG_NOT_EXPORTABLE) is refused and left as it
 * is, since the new material is what this returns; decryptors still
 * follow a sender's ratchets through #E2eeKeyProvider:ratchet-window-size.
 *
 * Returns: (transfer full) (nullable): the new key material (32 bytes), or
 *   %NULL with @error set (%E2EE_ERROR_MISSING_KEY when the slot is empty,
 *   %E2EE_ERROR_NOT_EXPORTABLE for a key that is not exportable)
 */
GBytes *
e2ee_key_provider_ratchet_key (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, GError ** error)
{
  E2eeKey *base, *ratcheted;
  E2eeKeyFlags flags = E2EE_KEY_FLAG_NONE;
  GBytes *material;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Another thread may change the slot while the step is derived (with no
   * lock held); then ratchet whatever the slot holds now. */
  for (;;) {
    base = ref_slot_key_full (provider, participant_id, key_index, &flags);
    if (base == NULL) {
      set_missing_key_error (error, participant_id, key_index);
      return NULL;
    }
    /* The new material is the result: refused as export_key refuses. */
    if (flags & E2EE_KEY_FLAG_NOT_EXPORTABLE) {
      e2ee_key_unref (base);
      set_not_exportable_error (error, participant_id, key_index);
      return NULL;
    }
    ratcheted = e2ee_key_ratchet_cached (base, error);
    if (ratcheted == NULL) {
      e2ee_key_unref (base);
      return NULL;
    }
    if (replace_if_unchanged (provider, participant_id, key_index, base,
            ratcheted))
      break;
    e2ee_key_unref (base);
    e2ee_key_unref (ratcheted);
  }
  e2ee_key_unref (base);

  g_debug ("Key ratcheted for participant %s at index %u",
      participant_id ? participant_id : "(shared)", key_index);
  material = e2ee_key_export_material (ratcheted);
  if (material == NULL) {
    /* Removed right after it landed. */
    e2ee_key_unref (ratcheted);
    set_missing_key_error (error, participant_id, key_index);
    return NULL;
  }
  schedule_ratchet_precompute (provider, ratcheted);
  e2ee_key_unref (ratcheted);

  emit_key_ratcheted (provider, ring_owner (provider, participant_id),
      key_index);
  return material;
}

/**
 * e2ee_key_provider_export_key:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @key_index: the key index
 * @error: return location for a #GError, or %NULL
 *
 * Copies out the key material at @key_index (LiveKit's `exportKey`), for
 * example to hand a ratcheted key to a new participant. The copy lives in
 * guarded memory and is wiped when the #GBytes is freed. Keys set with
 * %E2EE_KEY_FLAG_NOT_EXPORTABLE (by default, those from element key
 * properties: #E2eeKeyProvider:element-keys-exportable) are refused.
 *
 * Returns: (transfer full) (nullable): the key material, or %NULL with
 *   @error set (%E2EE_ERROR_MISSING_KEY when the slot is empty,
 *   %E2EE_ERROR_NOT_EXPORTABLE for a key that is not exportable)
 */
GBytes *
e2ee_key_provider_export_key (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, GError ** error)
{
  E2eeKeyFlags flags = E2EE_KEY_FLAG_NONE;
  E2eeKey *key;
  GBytes *material;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  key = ref_slot_key_full (provider, participant_id, key_index, &flags);
  if (key == NULL) {
    set_missing_key_error (error, participant_id, key_index);
    return NULL;
  }
  if (flags & E2EE_KEY_FLAG_NOT_EXPORTABLE) {
    e2ee_key_unref (key);
    set_not_exportable_error (error, participant_id, key_index);
    return NULL;
  }
  material = e2ee_key_export_material (key);
  e2ee_key_unref (key);
  if (material == NULL)         /* removed meanwhile */
    set_missing_key_error (error, participant_id, key_index);
  return material;
}

/**
 * e2ee_key_provider_has_key:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @key_index: the key index
 *
 * Whether the slot of @key_index holds a key (valid or not).
 *
 * Returns: %TRUE if there is a key at @key_index
 */
gboolean
e2ee_key_provider_has_key (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index)
{
  E2eeKey *key;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);

  key = ref_slot_key (provider, participant_id, key_index);
  if (key == NULL)
    return FALSE;
  e2ee_key_unref (key);
  return TRUE;
}

/**
 * e2ee_key_provider_get_n_keys:
 * @provider: an #E2eeKeyProvider
 *
 * How many keys the provider holds, over all its rings. While it holds
 * any, #E2eeKeyProvider:key-ring-size, #E2eeKeyProvider:ratchet-salt and
 * #E2eeKeyProvider:key-size cannot change.
 *
 * Returns: the number of occupied key slots
 */
guint
e2ee_key_provider_get_n_keys (E2eeKeyProvider * provider)
{
  guint n;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), 0);

  g_mutex_lock (&provider->lock);
  n = provider->n_keys;
  g_mutex_unlock (&provider->lock);
  return n;
}

/**
 * e2ee_key_provider_get_current_key_index:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 *
 * The key index encryptors of that ring use. 0 until set.
 *
 * Returns: the current key index (already reduced modulo the ring size)
 */
guint
e2ee_key_provider_get_current_key_index (E2eeKeyProvider * provider,
    const gchar * participant_id)
{
  E2eeKeyRing *ring;
  guint index = 0;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), 0);

  g_mutex_lock (&provider->lock);
  ring = find_ring_locked (provider, participant_id);
  if (ring != NULL)
    index = ring->current_index;
  g_mutex_unlock (&provider->lock);
  return index;
}

/**
 * e2ee_key_provider_set_current_key_index:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 * @key_index: the new current key index; @key_index modulo
 *   #E2eeKeyProvider:key-ring-size is stored
 * @error: return location for a #GError, or %NULL
 *
 * Makes encryptors of that ring use the key at @key_index from their next
 * frame on (LiveKit's `setCurrentKeyIndex`), and resets that slot's failure
 * count. The slot need not hold a key yet.
 *
 * Returns: %TRUE on success
 */
gboolean
e2ee_key_provider_set_current_key_index (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, GError ** error)
{
  E2eeKeyRing *ring;
  E2eeKeySlot *slot;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&provider->lock);
  ring = ensure_ring_locked (provider, participant_id);
  ring->current_index = key_index % ring->size;
  slot = e2ee_key_ring_peek_slot (ring, ring->current_index);
  if (slot != NULL)
    slot_reset_failures_locked (provider, slot);
  bump_serial (provider);
  g_mutex_unlock (&provider->lock);
  return TRUE;
}

/**
 * e2ee_key_provider_set_sif_trailer:
 * @provider: an #E2eeKeyProvider
 * @trailer: (array length=trailer_len) (nullable): the room's SIF trailer
 * @trailer_len: length of @trailer
 *
 * Sets the trailer that marks server-injected frames (the `sifTrailer` the
 * LiveKit server sends on joining a room). Frames that end with it pass
 * through decryptors untouched. %NULL or an empty trailer falls back to
 * #E2eeKeyProvider:uncrypted-magic-bytes.
 */
void
e2ee_key_provider_set_sif_trailer (E2eeKeyProvider * provider,
    const guint8 * trailer, gsize trailer_len)
{
  GBytes *bytes = NULL;

  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));
  g_return_if_fail (trailer != NULL || trailer_len == 0);

  if (trailer_len > 0)
    bytes = g_bytes_new (trailer, trailer_len);

  g_mutex_lock (&provider->lock);
  g_clear_pointer (&provider->sif_trailer, g_bytes_unref);
  provider->sif_trailer = bytes;
  bump_serial (provider);
  g_mutex_unlock (&provider->lock);
  g_object_notify_by_pspec (G_OBJECT (provider),
      properties[PROP_SIF_TRAILER]);
}

/* Removing keys */

/* Moves the keys of @ring into @keys, keeping the counts right. */
static void
take_ring_keys_locked (E2eeKeyProvider * self, E2eeKeyRing * ring,
    GPtrArray * keys)
{
  guint n_failing;

  self->n_keys -= e2ee_key_ring_take_keys (ring, keys, &n_failing);
  g_atomic_int_add (&self->n_failing_slots, -(gint) n_failing);
}

static void
notify_removal_watchers (E2eeKeyProvider * self)
{
  GHashTableIter iter;
  gpointer data, func;

  g_mutex_lock (&self->watchers_lock);
  g_hash_table_iter_init (&iter, self->removal_watchers);
  while (g_hash_table_iter_next (&iter, &data, &func))
    ((E2eeKeysRemovedFunc) func) (data);
  g_mutex_unlock (&self->watchers_lock);
}

/* Wipes the @keys that were just taken out of their slots (under the lock,
 * with the serial bumped, so no lookup finds them any more) and drops
 * them. Called with no lock held: revoking waits for a reader of a
 * secret, and a watcher takes its frame cryptor's lock, which a frame
 * holds while it looks keys up. */
static void
wipe_removed_keys (E2eeKeyProvider * self, GPtrArray * keys)
{
  gboolean bound = FALSE;
  guint i;

  for (i = 0; i < keys->len; i++)
    bound |= e2ee_key_revoke (g_ptr_array_index (keys, i));
  /* Contexts bound to them hold the AES key schedule: have them let go
   * now rather than on their next frame (which would not use them: the
   * serial moved). */
  if (bound)
    notify_removal_watchers (self);
  g_ptr_array_unref (keys);
}

static GPtrArray *
new_key_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) e2ee_key_unref);
}

/**
 * e2ee_key_provider_remove_key:
 * @provider: an #E2eeKeyProvider
 * @participant_id: (nullable): the participant, or %NULL for the shared ring
 *   (as for e2ee_key_provider_set_key(): any participant while
 *   #E2eeKeyProvider:shared-key is %TRUE)
 * @key_index: the key index; slot @key_index modulo
 *   #E2eeKeyProvider:key-ring-size is emptied
 *
 * Removes the key at @key_index and wipes its material at once, with every
 * ratchet step precomputed from it, even while frame cryptors or a ratchet
 * job still hold it. From the next frame on, encryptors and decryptors that
 * need that slot get %E2EE_ERROR_MISSING_KEY (state
 * %E2EE_STATE_MISSING_KEY) and drop the frame, until a key is set there
 * again; a ratchet in flight for the removed key cannot put it back. The
 * slot's failure count is reset; the ring's current index stays as it is.
 *
 * Returns: %TRUE if the slot held a key
 */
gboolean
e2ee_key_provider_remove_key (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index)
{
  GPtrArray *keys;
  E2eeKeyRing *ring;
  E2eeKeySlot *slot;
  gboolean removed;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);

  keys = new_key_array ();
  g_mutex_lock (&provider->lock);
  ring = find_ring_locked (provider, participant_id);
  slot = ring ? e2ee_key_ring_peek_slot (ring, key_index) : NULL;
  if (slot != NULL && slot->key != NULL) {
    g_ptr_array_add (keys, g_steal_pointer (&slot->key));
    provider->n_keys--;
    slot_reset_failures_locked (provider, slot);
    bump_serial (provider);
  }
  g_mutex_unlock (&provider->lock);

  removed = keys->len > 0;
  if (removed)
    g_debug ("Key removed for participant %s at index %u",
        participant_id ? participant_id : "(shared)", key_index);
  wipe_removed_keys (provider, keys);
  return removed;
}

/**
 * e2ee_key_provider_remove_participant:
 * @provider: an #E2eeKeyProvider
 * @participant_id: the participant that left
 *
 * Drops @participant_id's own key ring: every key in it is wiped at once
 * (as by e2ee_key_provider_remove_key()), and its current index and
 * failure counts are forgotten. Frames of that participant then get
 * %E2EE_ERROR_MISSING_KEY until it gets a key again, in a new ring. Call it
 * when a participant leaves, so that a server hosting rooms for days does
 * not keep every ring it ever made.
 *
 * The shared ring is never touched, also while #E2eeKeyProvider:shared-key
 * is %TRUE (then participants have no ring of their own, and this removes
 * only a ring left from before shared-key was set): remove shared keys
 * with e2ee_key_provider_remove_key() and a %NULL participant, or
 * e2ee_key_provider_clear_keys().
 *
 * Returns: %TRUE if @participant_id had a ring
 */
gboolean
e2ee_key_provider_remove_participant (E2eeKeyProvider * provider,
    const gchar * participant_id)
{
  E2eeKeyRing *ring = NULL;
  gpointer id = NULL, value = NULL;
  GPtrArray *keys;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (participant_id != NULL, FALSE);

  keys = new_key_array ();
  g_mutex_lock (&provider->lock);
  if (g_hash_table_steal_extended (provider->participant_rings,
          participant_id, &id, &value)) {
    ring = value;
    take_ring_keys_locked (provider, ring, keys);
    bump_serial (provider);
  }
  g_mutex_unlock (&provider->lock);

  if (ring == NULL) {
    g_ptr_array_unref (keys);
    return FALSE;
  }
  g_debug ("Key ring of participant %s removed (%u keys)", participant_id,
      keys->len);
  wipe_removed_keys (provider, keys);
  e2ee_key_ring_free (ring);
  g_free (id);
  return TRUE;
}

/**
 * e2ee_key_provider_clear_keys:
 * @provider: an #E2eeKeyProvider
 *
 * Removes every key of every ring, the shared one and each participant's,
 * wiping them at once (as e2ee_key_provider_remove_key() does), and drops
 * the rings with their current indices and failure counts: the provider
 * is back to holding no key, so #E2eeKeyProvider:key-ring-size,
 * #E2eeKeyProvider:ratchet-salt and #E2eeKeyProvider:key-size can change
 * again. Options and the SIF trailer stay. Call it when a call ends.
 *
 * Returns: the number of keys removed
 */
guint
e2ee_key_provider_clear_keys (E2eeKeyProvider * provider)
{
  GHashTable *rings;
  E2eeKeyRing *shared;
  GHashTableIter iter;
  gpointer ring;
  GPtrArray *keys;
  guint n, n_failing;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), 0);

  /* The rings leave the provider under the lock; their keys are collected
   * after it, where no other thread can reach them any more. */
  g_mutex_lock (&provider->lock);
  shared = g_steal_pointer (&provider->shared_ring);
  rings = provider->participant_rings;
  provider->participant_rings = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, (GDestroyNotify) e2ee_key_ring_free);
  provider->n_keys = 0;
  g_atomic_int_set (&provider->n_failing_slots, 0);
  bump_serial (provider);
  g_mutex_unlock (&provider->lock);

  keys = new_key_array ();
  if (shared != NULL)
    e2ee_key_ring_take_keys (shared, keys, &n_failing);
  g_hash_table_iter_init (&iter, rings);
  while (g_hash_table_iter_next (&iter, NULL, &ring))
    e2ee_key_ring_take_keys (ring, keys, &n_failing);
  n = keys->len;

  g_debug ("All keys removed (%u)", n);
  wipe_removed_keys (provider, keys);
  g_clear_pointer (&shared, e2ee_key_ring_free);
  g_hash_table_unref (rings);
  return n;
}

/* Private API (e2ee-key-provider-private.h) */

void
e2ee_frame_options_clear (E2eeFrameOptions * options)
{
  g_return_if_fail (options != NULL);

  g_clear_pointer (&options->sif_trailer, g_bytes_unref);
}

void
e2ee_key_provider_get_frame_options (E2eeKeyProvider * provider,
    E2eeFrameOptions * options)
{
  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));
  g_return_if_fail (options != NULL);

  g_mutex_lock (&provider->lock);
  options->encryption_type = provider->encryption_type;
  options->ratchet_window_size = provider->ratchet_window_size;
  options->discard_frame_when_cryptor_not_ready =
      provider->discard_frame_when_cryptor_not_ready;
  if (options->sif_trailer != NULL)
    g_bytes_unref (options->sif_trailer);
  if (provider->sif_trailer != NULL)
    options->sif_trailer = g_bytes_ref (provider->sif_trailer);
  else
    options->sif_trailer = g_bytes_new (provider->uncrypted_magic_bytes,
        strlen (provider->uncrypted_magic_bytes));
  g_mutex_unlock (&provider->lock);
}

guint
e2ee_key_provider_get_serial (E2eeKeyProvider * provider)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), 0);

  return (guint) g_atomic_int_get (&provider->serial);
}

/* Shared by lookup_key and the data-packet encryptor, which (as LiveKit's
 * encryptors) uses the current key even when decryptors gave up on it. */
E2eeKey *
e2ee_key_provider_lookup_key_full (E2eeKeyProvider * provider,
    const gchar * participant_id, gint key_index, gboolean check_validity,
    guint * used_index, E2eeKeyLookup * result)
{
  E2eeKeyRing *ring;
  E2eeKeySlot *slot = NULL;
  E2eeKey *key = NULL;
  E2eeKeyLookup lookup = E2EE_KEY_LOOKUP_MISSING;
  guint index;

  g_mutex_lock (&provider->lock);
  ring = find_ring_locked (provider, participant_id);
  if (key_index < 0)
    index = ring ? ring->current_index : 0;
  else
    index = (guint) key_index % (ring ? ring->size : provider->key_ring_size);
  if (ring != NULL)
    slot = e2ee_key_ring_peek_slot (ring, index);

  if (slot == NULL || slot->key == NULL)
    lookup = E2EE_KEY_LOOKUP_MISSING;
  else if (check_validity && slot_is_invalid_locked (provider, slot))
    lookup = E2EE_KEY_LOOKUP_INVALID;
  else {
    lookup = E2EE_KEY_LOOKUP_OK;
    key = e2ee_key_ref (slot->key);
  }
  g_mutex_unlock (&provider->lock);

  if (used_index != NULL)
    *used_index = index;
  if (result != NULL)
    *result = lookup;
  return key;
}

E2eeKey *
e2ee_key_provider_lookup_key (E2eeKeyProvider * provider,
    const gchar * participant_id, gint key_index, guint * used_index,
    E2eeKeyLookup * result)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), NULL);

  return e2ee_key_provider_lookup_key_full (provider, participant_id,
      key_index, TRUE, used_index, result);
}

void
e2ee_key_provider_report_decryption (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, gboolean success)
{
  E2eeKeyRing *ring;
  E2eeKeySlot *slot;
  gint tolerance;

  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));

  /* The per-frame path: no lock unless some slot has failures to reset. */
  if (success && g_atomic_int_get (&provider->n_failing_slots) == 0)
    return;
  tolerance = g_atomic_int_get (&provider->failure_tolerance);
  if (!success && tolerance < 0)
    return;

  g_mutex_lock (&provider->lock);
  ring = find_ring_locked (provider, participant_id);
  /* A slot never allocated has no failures to reset. */
  if (ring == NULL)
    slot = NULL;
  else if (success)
    slot = e2ee_key_ring_peek_slot (ring, key_index);
  else
    slot = e2ee_key_ring_ensure_slot (ring, key_index);
  if (slot == NULL) {
    g_mutex_unlock (&provider->lock);
    return;
  }
  if (success) {
    if (slot_is_invalid_locked (provider, slot))
      bump_serial (provider);
    slot_reset_failures_locked (provider, slot);
  } else if (slot->failures <= tolerance && slot->failures < G_MAXINT) {
    /* Counting stops once the key is invalid: no overflow. */
    if (slot->failures++ == 0)
      g_atomic_int_inc (&provider->n_failing_slots);
    if (slot->failures > tolerance) {
      bump_serial (provider);
      g_debug ("Key for participant %s at index %u marked invalid",
          participant_id ? participant_id : "(shared)", key_index);
    }
  }
  g_mutex_unlock (&provider->lock);
}

E2eeKey *
e2ee_key_provider_get_ratchet_candidate (E2eeKeyProvider * provider,
    E2eeKey * base, guint steps, GError ** error)
{
  E2eeKey *key;
  guint i;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), NULL);
  g_return_val_if_fail (base != NULL, NULL);

  /* Every step is cached in the key before it, so only steps the worker has
   * not reached yet cost a derivation here. */
  key = e2ee_key_ref (base);
  for (i = 0; i < steps; i++) {
    E2eeKey *next = e2ee_key_ratchet_cached (key, error);

    e2ee_key_unref (key);
    key = next;
    if (key == NULL)
      return NULL;
  }
  return key;
}

gboolean
e2ee_key_provider_adopt_ratcheted_key (E2eeKeyProvider * provider,
    const gchar * participant_id, guint key_index, E2eeKey * base,
    E2eeKey * ratcheted)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), FALSE);
  g_return_val_if_fail (base != NULL && ratcheted != NULL, FALSE);

  if (!replace_if_unchanged (provider, participant_id, key_index, base,
          ratcheted)) {
    /* Another stream may have adopted the same step already. */
    return ref_slot_key_is (provider, participant_id, key_index, ratcheted);
  }

  g_debug ("Ratcheted key adopted for participant %s at index %u",
      participant_id ? participant_id : "(shared)", key_index);
  schedule_ratchet_precompute (provider, ratcheted);
  emit_key_ratcheted (provider, ring_owner (provider, participant_id),
      key_index);
  return TRUE;
}

void
e2ee_key_provider_emit_state_changed (E2eeKeyProvider * provider,
    const gchar * participant_id, const gchar * track_id, E2eeState state,
    guint key_index)
{
  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));

  g_signal_emit (provider, signals[SIGNAL_STATE_CHANGED], 0, participant_id,
      track_id, state, key_index);
}

/* Stream ids and data-packet IVs live in e2ee-iv.c, beside the frame IVs
 * and the argument that none of them repeats. */

guint32
e2ee_key_provider_claim_stream_id (E2eeKeyProvider * provider)
{
  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), 0);

  return e2ee_stream_ids_claim (&provider->stream_ids);
}

void
e2ee_key_provider_release_stream_id (E2eeKeyProvider * provider,
    guint32 stream_id)
{
  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));

  e2ee_stream_ids_release (&provider->stream_ids, stream_id);
}

void
e2ee_key_provider_next_data_packet_iv (E2eeKeyProvider * provider,
    guint8 iv[E2EE_IV_LENGTH])
{
  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));

  e2ee_stream_ids_next_data_packet_iv (&provider->stream_ids, iv);
}

void
e2ee_key_provider_watch_removals (E2eeKeyProvider * provider,
    E2eeKeysRemovedFunc func, gpointer user_data)
{
  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));
  g_return_if_fail (func != NULL && user_data != NULL);

  g_mutex_lock (&provider->watchers_lock);
  g_hash_table_insert (provider->removal_watchers, user_data, func);
  g_mutex_unlock (&provider->watchers_lock);
}

void
e2ee_key_provider_unwatch_removals (E2eeKeyProvider * provider,
    gpointer user_data)
{
  g_return_if_fail (E2EE_IS_KEY_PROVIDER (provider));

  /* Waits for a notification in progress, which may be using @user_data. */
  g_mutex_lock (&provider->watchers_lock);
  g_hash_table_remove (provider->removal_watchers, user_data);
  g_mutex_unlock (&provider->watchers_lock);
}
