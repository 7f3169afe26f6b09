/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* GstE2eeBase: what e2eeencrypt and e2eedecrypt share. A subclass only says
 * how big an output frame can get and which direction of the frame cryptor
 * to call; this file is the transform and its state:
 *
 *  - the key provider and where it came from (the sequence that finds one
 *    is gst_e2ee_ensure_key_provider(), gste2eecontext.c);
 *  - the element's configuration, and the streaming thread's copy of it;
 *  - one E2eeFrameCryptor per stream, made lazily in the streaming thread;
 *  - the codec from the caps (avc/hvc1 <-> Annex B is gste2eenal.c);
 *  - output buffers, pass-through when disabled, drops with GAP events,
 *    statistics and the "e2ee-state-changed" element message;
 *  - the action signals that remove keys (remove-key, remove-participant,
 *    clear-keys), as srtpdec has them.
 *
 * The write-only key properties and their pending key are
 * gste2eekeyprops.c. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eebase.h"
#include "gste2eecontext.h"
#include "gste2eekeyprops.h"
#include "gste2eenal.h"
#include "gste2eeoutputpool.h"
#include "gste2eestats.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_e2ee_base_debug);
#define GST_CAT_DEFAULT gst_e2ee_base_debug

/* Any stream: the codec rule comes from the caps' media type (see
 * codec_from_caps), and H.264/H.265 are held to whole access units by
 * transform_caps. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS_ANY);

enum
{
  PROP_0,
  PROP_KEY_PROVIDER,
  PROP_PARTICIPANT_ID,
  PROP_ENABLED,
  PROP_KEY_INDEX,
  PROP_PASSPHRASE,              /* these three: gste2eekeyprops.c */
  PROP_KEY,
  PROP_KEY_FILE,
  PROP_STATS,
};
G_STATIC_ASSERT (PROP_KEY == PROP_PASSPHRASE + 1
    && PROP_KEY_FILE == PROP_PASSPHRASE + 2);

#define DEFAULT_KEY_PROVIDER NULL
#define DEFAULT_PARTICIPANT_ID NULL
#define DEFAULT_ENABLED TRUE
#define DEFAULT_KEY_INDEX -1
#define MAX_KEY_INDEX (E2EE_MAX_KEY_RING_SIZE - 1)

#define STATE_MESSAGE_NAME "e2ee-state-changed"

/* What prepare_output_buffer decided for the buffer in flight; transform
 * acts on the same decision, so toggling "enabled" between the two calls
 * can never push an unfilled buffer or encrypt in place. */
typedef enum
{
  FRAME_ACTION_PASS,
  FRAME_ACTION_PROCESS,
  FRAME_ACTION_DROP,
} FrameAction;

/* The streaming thread's copy of the configuration (see refresh_config). */
typedef struct
{
  gboolean loaded;
  gint serial;                  /* the config_serial it was copied at */
  gboolean enabled;
  E2eeKeyProvider *provider;
  gchar *participant_id;
  gint key_index;
  gboolean renewed;             /* not yet handed to the cryptor */
} StreamConfig;

typedef struct
{
  /* Under GST_OBJECT_LOCK: shared with application threads. */
  E2eeKeyProvider *provider;
  gboolean provider_from_property;
  gchar *participant_id;
  gint key_index;
  gboolean enabled;
  gint config_serial;           /* see config_changed */
  GstE2eeKeyProps key_props;    /* the key property not yet applied */
  GstE2eeStats stats;

  /* Streaming thread only. */
  StreamConfig config;
  E2eeFrameCryptor *cryptor;
  E2eeKeyProvider *cryptor_provider;    /* the provider the cryptor uses */
  E2eeCodec codec;
  gboolean codec_changed;
  guint nal_length_size;        /* 0: Annex B or not H.26x; else 1, 2 or 4 */
  FrameAction action;
  GByteArray *annexb_in;        /* scratch, reused: avc input as Annex B */
  GByteArray *annexb_out;       /* scratch, reused: cryptor output */
  GstE2eeOutputPool output_pool;        /* output buffers */
} GstE2eeBasePrivate;

#define gst_e2ee_base_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstE2eeBase, gst_e2ee_base,
    GST_TYPE_BASE_TRANSFORM, G_ADD_PRIVATE (GstE2eeBase)
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_base_debug, "e2eebase", 0,
        "e2ee element base"));

#define GET_PRIV(self) \
  ((GstE2eeBasePrivate *) gst_e2ee_base_get_instance_private (self))

static void gst_e2ee_base_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_e2ee_base_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_e2ee_base_finalize (GObject * object);
static GstStateChangeReturn gst_e2ee_base_change_state (GstElement * element,
    GstStateChange transition);
static void gst_e2ee_base_set_context (GstElement * element,
    GstContext * context);
static GstCaps *gst_e2ee_base_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static gboolean gst_e2ee_base_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps);
static gboolean gst_e2ee_base_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);
static gboolean gst_e2ee_base_stop (GstBaseTransform * trans);
static GstFlowReturn gst_e2ee_base_prepare_output_buffer (GstBaseTransform *
    trans, GstBuffer * inbuf, GstBuffer ** outbuf);
static GstFlowReturn gst_e2ee_base_transform (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer * outbuf);
static void install_key_removal_signals (GObjectClass * gobject_class);

static void
gst_e2ee_base_class_init (GstE2eeBaseClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gst_e2ee_context_init_debug ();

  gobject_class->set_property = gst_e2ee_base_set_property;
  gobject_class->get_property = gst_e2ee_base_get_property;
  gobject_class->finalize = gst_e2ee_base_finalize;

  /**
   * GstE2eeBase:key-provider:
   *
   * The #E2eeKeyProvider holding the keys. When it is not set, the element
   * looks for one in NULL->READY: a context query to its neighbours, then a
   * need-context message, then it creates its own and posts it in a
   * have-context message. Reading it returns the provider in use.
   */
  g_object_class_install_property (gobject_class, PROP_KEY_PROVIDER,
      g_param_spec_object ("key-provider", "Key provider",
          "The E2eeKeyProvider holding the keys (default: shared with the "
          "rest of the pipeline through a GstContext, or created)",
          E2EE_TYPE_KEY_PROVIDER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeBase:participant-id:
   *
   * The identity whose key ring to use in a per-participant provider: the
   * local participant when encrypting, the sending participant when
   * decrypting. %NULL means the shared key ring.
   */
  g_object_class_install_property (gobject_class, PROP_PARTICIPANT_ID,
      g_param_spec_string ("participant-id", "Participant id",
          "Identity whose key ring to use (NULL: the shared key ring)",
          DEFAULT_PARTICIPANT_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeBase:enabled:
   *
   * Whether frames are encrypted or decrypted. When %FALSE, frames pass
   * through unchanged. Can be changed while PLAYING.
   */
  g_object_class_install_property (gobject_class, PROP_ENABLED,
      g_param_spec_boolean ("enabled", "Enabled",
          "Encrypt/decrypt frames; FALSE passes them through unchanged",
          DEFAULT_ENABLED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeBase:key-index:
   *
   * The key slot: when encrypting, the index written into every frame (-1:
   * the provider's current index); the slot that the passphrase, key and
   * key-file properties fill (-1: slot 0).
   */
  g_object_class_install_property (gobject_class, PROP_KEY_INDEX,
      g_param_spec_int ("key-index", "Key index",
          "Key slot to encrypt with and to put the key properties in "
          "(-1: the provider's current index; slot 0 for key properties)",
          -1, MAX_KEY_INDEX, DEFAULT_KEY_INDEX,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_e2ee_key_props_install (gobject_class, PROP_PASSPHRASE);

  gst_e2ee_stats_install (gobject_class, PROP_STATS);

  install_key_removal_signals (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_e2ee_base_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_e2ee_base_set_context);

  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_e2ee_base_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_base_set_caps);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_e2ee_base_query);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_e2ee_base_stop);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_e2ee_base_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_e2ee_base_transform);

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_BASE, 0);
  gst_type_mark_as_plugin_api (E2EE_TYPE_KEY_PROVIDER, 0);
  gst_type_mark_as_plugin_api (E2EE_TYPE_STATE, 0);
  gst_type_mark_as_plugin_api (E2EE_TYPE_ENCRYPTION_TYPE, 0);
  gst_type_mark_as_plugin_api (E2EE_TYPE_KEY_DERIVATION, 0);
}

static void
gst_e2ee_base_init (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  priv->key_index = DEFAULT_KEY_INDEX;
  priv->enabled = DEFAULT_ENABLED;
  priv->codec = E2EE_CODEC_DATA;
  priv->annexb_in = g_byte_array_new ();
  priv->annexb_out = g_byte_array_new ();
}

/* ---- the key properties (gste2eekeyprops.c) ---- */

/* Puts a pending key property into the provider, if there is one yet;
 * otherwise the key waits (in guarded memory) until the provider is known. */
static void
apply_pending_key (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  gst_e2ee_key_props_apply (&priv->key_props, GST_ELEMENT (self),
      &priv->provider, &priv->participant_id, &priv->key_index);
}

/* ---- the configuration, as the streaming thread sees it ----
 *
 * The provider, participant-id, key-index and enabled change rarely but are
 * needed for every frame. Rather than taking the object lock, a provider
 * reference and a copy of the participant id per frame, the streaming
 * thread keeps a copy and renews it only when config_serial moved. */

/* Call with the object lock held, after changing any of the above. */
static void
config_changed (GstE2eeBase * self)
{
  g_atomic_int_inc (&GET_PRIV (self)->config_serial);
}

static void
clear_stream_config (StreamConfig * config)
{
  g_clear_object (&config->provider);
  g_clear_pointer (&config->participant_id, g_free);
  config->loaded = FALSE;
}

/* Streaming thread: renews priv->config when the configuration changed
 * since it was copied. A frame in flight while a property is being set may
 * still see the old value, as it would had it come a moment earlier. */
static void
refresh_config (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  StreamConfig *config = &priv->config;
  E2eeKeyProvider *old_provider = config->provider;

  if (config->loaded &&
      g_atomic_int_get (&priv->config_serial) == config->serial)
    return;

  GST_OBJECT_LOCK (self);
  config->serial = priv->config_serial;
  config->enabled = priv->enabled;
  config->provider = priv->provider ? g_object_ref (priv->provider) : NULL;
  g_free (config->participant_id);
  config->participant_id = g_strdup (priv->participant_id);
  config->key_index = priv->key_index;
  GST_OBJECT_UNLOCK (self);

  config->loaded = TRUE;
  config->renewed = TRUE;
  g_clear_object (&old_provider);
}

/* ---- the key provider and its sharing ---- */

static E2eeKeyProvider *
dup_provider (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  E2eeKeyProvider *provider;

  GST_OBJECT_LOCK (self);
  provider = priv->provider ? g_object_ref (priv->provider) : NULL;
  GST_OBJECT_UNLOCK (self);
  return provider;
}

static void
gst_e2ee_base_set_context (GstElement * element, GstContext * context)
{
  GstE2eeBase *self = GST_E2EE_BASE (element);
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  E2eeKeyProvider *old;

  GST_OBJECT_LOCK (self);
  /* Our own reference keeps a replaced provider from being finalized (which
   * waits for its ratchet worker) under the object lock. */
  old = priv->provider ? g_object_ref (priv->provider) : NULL;
  if (priv->provider_from_property)
    GST_CAT_DEBUG_OBJECT (gst_e2ee_context_debug, self,
        "ignoring context: the key-provider property was set");
  else
    gst_e2ee_handle_set_context (element, context, &priv->provider);
  config_changed (self);
  GST_OBJECT_UNLOCK (self);
  g_clear_object (&old);

  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

static gboolean
gst_e2ee_base_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT) {
    E2eeKeyProvider *provider = dup_provider (GST_E2EE_BASE (trans));
    gboolean answered;

    answered = gst_e2ee_handle_context_query (GST_ELEMENT (trans), query,
        provider);
    g_clear_object (&provider);
    if (answered)
      return TRUE;
  }

  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
}

static void
release_key_provider (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  E2eeKeyProvider *old = NULL;

  GST_OBJECT_LOCK (self);
  if (!priv->provider_from_property)
    old = g_steal_pointer (&priv->provider);
  config_changed (self);
  GST_OBJECT_UNLOCK (self);
  g_clear_object (&old);        /* not under the lock: see set_context */
}

static GstStateChangeReturn
gst_e2ee_base_change_state (GstElement * element, GstStateChange transition)
{
  GstE2eeBase *self = GST_E2EE_BASE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    gst_e2ee_ensure_key_provider (element, &GET_PRIV (self)->provider);
    apply_pending_key (self);
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    release_key_provider (self);

  return ret;
}

/* ---- removing keys: the action signals ---- */

/* A reference to the element's provider (NULL if none yet) and a copy of
 * its participant id; drops the pending key property when @drop_pending
 * says the removal covers the slot it was meant for. */
static E2eeKeyProvider *
provider_for_removal (GstE2eeBase * self, gchar ** participant_id,
    gboolean (*drop_pending) (GstE2eeBase * self, gconstpointer data),
    gconstpointer data)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  E2eeKeyProvider *provider;
  gboolean dropped = FALSE;

  GST_OBJECT_LOCK (self);
  provider = priv->provider ? g_object_ref (priv->provider) : NULL;
  if (participant_id != NULL)
    *participant_id = g_strdup (priv->participant_id);
  if (priv->key_props.kind != GST_E2EE_PENDING_KEY_NONE
      && drop_pending (self, data)) {
    gst_e2ee_key_props_clear (&priv->key_props);
    dropped = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  if (dropped)
    GST_INFO_OBJECT (self, "key property not yet applied: dropped");
  return provider;
}

static gboolean
pending_key_always (GstE2eeBase * self, gconstpointer data)
{
  return TRUE;
}

/* Call with the object lock held: the slot the pending key would go to
 * (gst_e2ee_key_props_apply: key-index, slot 0 for -1) is @data's. */
static gboolean
pending_key_at_index (GstE2eeBase * self, gconstpointer data)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  guint ring_size = E2EE_DEFAULT_KEY_RING_SIZE;
  guint pending = MAX (priv->key_index, 0);

  if (priv->provider != NULL)
    g_object_get (priv->provider, "key-ring-size", &ring_size, NULL);
  return pending % ring_size == *(const guint *) data % ring_size;
}

/* Call with the object lock held. */
static gboolean
pending_key_of_participant (GstE2eeBase * self, gconstpointer data)
{
  return g_strcmp0 (GET_PRIV (self)->participant_id, data) == 0;
}

static void
gst_e2ee_base_clear_keys (GstE2eeBase * self)
{
  E2eeKeyProvider *provider = provider_for_removal (self, NULL,
      pending_key_always, NULL);
  guint removed = 0;

  if (provider != NULL)
    removed = e2ee_key_provider_clear_keys (provider);
  GST_INFO_OBJECT (self, "clear-keys: %u keys removed", removed);
  g_clear_object (&provider);   /* not under the lock: see set_context */
}

static gboolean
gst_e2ee_base_remove_key (GstE2eeBase * self, guint key_index)
{
  gchar *participant_id = NULL;
  E2eeKeyProvider *provider = provider_for_removal (self, &participant_id,
      pending_key_at_index, &key_index);
  gboolean removed = FALSE;

  if (provider != NULL)
    removed = e2ee_key_provider_remove_key (provider, participant_id,
        key_index);
  GST_INFO_OBJECT (self, "remove-key %u of participant %s: %s", key_index,
      GST_STR_NULL (participant_id), removed ? "removed" : "no key there");
  g_free (participant_id);
  g_clear_object (&provider);
  return removed;
}

static gboolean
gst_e2ee_base_remove_participant (GstE2eeBase * self,
    const gchar * participant_id)
{
  E2eeKeyProvider *provider;
  gboolean removed = FALSE;

  if (participant_id == NULL) {
    GST_WARNING_OBJECT (self, "remove-participant needs a participant id; "
        "remove shared keys with remove-key or clear-keys");
    return FALSE;
  }
  provider = provider_for_removal (self, NULL, pending_key_of_participant,
      participant_id);
  if (provider != NULL)
    removed = e2ee_key_provider_remove_participant (provider,
        participant_id);
  GST_INFO_OBJECT (self, "remove-participant %s: %s", participant_id,
      removed ? "key ring removed" : "no key ring");
  g_clear_object (&provider);
  return removed;
}

static void
install_key_removal_signals (GObjectClass * gobject_class)
{
  GType type = G_TYPE_FROM_CLASS (gobject_class);

  /**
   * GstE2eeBase::remove-key:
   * @element: the element
   * @key_index: the key index (its slot: @key_index modulo the provider's
   *   key-ring-size)
   *
   * Removes the key at @key_index from the ring the element uses (its
   * #GstE2eeBase:participant-id's, or the shared ring) in its
   * #E2eeKeyProvider, as e2ee_key_provider_remove_key() does: wiped at
   * once; from the next frame on, every element of that provider drops
   * frames that need it (state `missing-key`). A key property not yet
   * applied to that slot is dropped too.
   *
   * Returns: %TRUE if the provider held a key there
   */
  g_signal_new_class_handler ("remove-key", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_base_remove_key), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_UINT);

  /**
   * GstE2eeBase::remove-participant:
   * @element: the element
   * @participant_id: the participant that left
   *
   * Drops @participant_id's whole key ring from the element's
   * #E2eeKeyProvider, as e2ee_key_provider_remove_participant() does: its
   * keys are wiped at once and its frames dropped (state `missing-key`)
   * until it gets a key again. Any participant, not only the element's
   * own; never the shared ring.
   *
   * Returns: %TRUE if the participant had a key ring
   */
  g_signal_new_class_handler ("remove-participant", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_base_remove_participant), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  /**
   * GstE2eeBase::clear-keys:
   * @element: the element
   *
   * Removes every key of every ring from the element's #E2eeKeyProvider
   * (e2ee_key_provider_clear_keys()), and a key property not yet applied:
   * all wiped at once, and every element of that provider drops frames
   * (state `missing-key`) until a key is set again.
   */
  g_signal_new_class_handler ("clear-keys", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_base_clear_keys), NULL, NULL, NULL,
      G_TYPE_NONE, 0);
}

/* ---- state messages ---- */

/* Posted on every change of the cryptor's state, never per frame:
 *
 * "e2ee-state-changed":
 *  - E2eeState `state`: the new state
 *  - gchararray `participant-id`: the element's participant-id (or NULL)
 *  - guint `key-index`: the key index of the frame that changed the state
 */
static void
on_cryptor_state_changed (E2eeFrameCryptor * cryptor, E2eeState state,
    guint key_index, gpointer user_data)
{
  GstE2eeBase *self = GST_E2EE_BASE (user_data);
  GstStructure *s;
  gchar *participant_id;

  GST_OBJECT_LOCK (self);
  participant_id = g_strdup (GET_PRIV (self)->participant_id);
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (self, "cryptor state of participant %s is now %d "
      "(key index %u)", GST_STR_NULL (participant_id), state, key_index);

  s = gst_structure_new (STATE_MESSAGE_NAME,
      "state", E2EE_TYPE_STATE, state,
      "participant-id", G_TYPE_STRING, participant_id,
      "key-index", G_TYPE_UINT, key_index, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  g_free (participant_id);
}

/* ---- the frame cryptor ---- */

static void
release_cryptor (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  if (priv->cryptor != NULL) {
    g_signal_handlers_disconnect_by_data (priv->cryptor, self);
    g_clear_object (&priv->cryptor);
  }
  g_clear_object (&priv->cryptor_provider);
}

/* Streaming thread: makes the cryptor on the first frame or when the
 * provider was replaced, and hands it any change of participant-id,
 * key-index or codec. Returns FALSE when there is no provider at all. */
static gboolean
ensure_cryptor (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  StreamConfig *config = &priv->config;
  gboolean config_renewed = config->renewed;

  if (config->provider == NULL) {
    release_cryptor (self);
    return FALSE;
  }

  if (config->provider != priv->cryptor_provider) {
    release_cryptor (self);
    GST_DEBUG_OBJECT (self, "new frame cryptor for participant %s",
        GST_STR_NULL (config->participant_id));
    priv->cryptor = e2ee_frame_cryptor_new (config->provider,
        config->participant_id, priv->codec);
    priv->cryptor_provider = g_object_ref (config->provider);
    priv->codec_changed = FALSE;
    e2ee_frame_cryptor_set_track_id (priv->cryptor, GST_OBJECT_NAME (self));
    g_signal_connect (priv->cryptor, "state-changed",
        G_CALLBACK (on_cryptor_state_changed), self);
    config_renewed = TRUE;
  } else if (config_renewed) {
    e2ee_frame_cryptor_set_participant_id (priv->cryptor,
        config->participant_id);
  }

  if (config_renewed)
    e2ee_frame_cryptor_set_key_index (priv->cryptor, config->key_index);
  config->renewed = FALSE;
  if (priv->codec_changed) {
    e2ee_frame_cryptor_set_codec (priv->cryptor, priv->codec);
    priv->codec_changed = FALSE;
  }
  return TRUE;
}

static gboolean
gst_e2ee_base_stop (GstBaseTransform * trans)
{
  GstE2eeBase *self = GST_E2EE_BASE (trans);

  release_cryptor (self);
  gst_e2ee_output_pool_clear (&GET_PRIV (self)->output_pool);
  clear_stream_config (&GET_PRIV (self)->config);
  return TRUE;
}

/* ---- caps ---- */

static gboolean
is_h26x (const GstStructure * s)
{
  return gst_structure_has_name (s, "video/x-h264") ||
      gst_structure_has_name (s, "video/x-h265");
}

/* H.264 and H.265 must come as whole access units: the clear header runs
 * up to the first slice, which a single NAL unit may not contain. */
static GstCaps *
restrict_to_access_units (GstCaps * caps)
{
  GstCaps *res;
  guint i, n;

  if (gst_caps_is_any (caps))
    return gst_caps_ref (caps);

  res = gst_caps_new_empty ();
  n = gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    GstCapsFeatures *f = gst_caps_get_features (caps, i);
    GstStructure *r;

    if (is_h26x (s)) {
      GstStructure *au = gst_structure_new (gst_structure_get_name (s),
          "alignment", G_TYPE_STRING, "au", NULL);

      r = gst_structure_intersect (s, au);
      gst_structure_free (au);
      if (r == NULL)
        continue;
    } else {
      r = gst_structure_copy (s);
    }
    res = gst_caps_merge_structure_full (res, r,
        f ? gst_caps_features_copy (f) : NULL);
  }
  return res;
}

static GstCaps *
gst_e2ee_base_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstCaps *res = restrict_to_access_units (caps);

  if (filter != NULL) {
    GstCaps *tmp = gst_caps_intersect_full (filter, res,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (res);
    res = tmp;
  }
  return res;
}

static E2eeCodec
codec_from_caps (const GstStructure * s)
{
  const gchar *name = gst_structure_get_name (s);

  if (g_str_equal (name, "video/x-vp8"))
    return E2EE_CODEC_VP8;
  if (g_str_equal (name, "video/x-vp9"))
    return E2EE_CODEC_VP9;
  if (g_str_equal (name, "video/x-av1"))
    return E2EE_CODEC_AV1;
  if (g_str_equal (name, "video/x-h264"))
    return E2EE_CODEC_H264;
  if (g_str_equal (name, "video/x-h265"))
    return E2EE_CODEC_H265;
  if (g_str_has_prefix (name, "audio/"))
    return E2EE_CODEC_AUDIO;
  return E2EE_CODEC_DATA;
}

static gboolean
gst_e2ee_base_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstE2eeBase *self = GST_E2EE_BASE (trans);
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  const GstStructure *s = gst_caps_get_structure (incaps, 0);
  const gchar *alignment = gst_structure_get_string (s, "alignment");
  E2eeCodec codec = codec_from_caps (s);

  if (is_h26x (s) && alignment != NULL && !g_str_equal (alignment, "au")) {
    GST_WARNING_OBJECT (self, "H.264/H.265 must be alignment=au, not %s",
        alignment);
    return FALSE;
  }

  priv->nal_length_size = gst_e2ee_nal_length_size_from_caps (s);
  if (priv->nal_length_size == 3) {
    GST_WARNING_OBJECT (self, "unsupported NAL length size 3");
    return FALSE;
  }

  if (codec != priv->codec) {
    priv->codec = codec;
    priv->codec_changed = TRUE;
  }

  GST_DEBUG_OBJECT (self, "codec rule %d, NAL length size %u for %"
      GST_PTR_FORMAT, codec, priv->nal_length_size, incaps);
  return TRUE;
}

/* ---- buffers ---- */

static void
count_frame (GstE2eeBase * self, gsize size, FrameAction action,
    gboolean failed, E2eeState state, gboolean counted_state)
{
  GST_OBJECT_LOCK (self);
  gst_e2ee_stats_count_frame (&GET_PRIV (self)->stats, size,
      action == FRAME_ACTION_PASS, action == FRAME_ACTION_DROP, failed,
      counted_state ? (gint) state : -1);
  GST_OBJECT_UNLOCK (self);
}

static GstFlowReturn
gst_e2ee_base_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer ** outbuf)
{
  GstE2eeBase *self = GST_E2EE_BASE (trans);
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  GstE2eeBaseClass *klass = GST_E2EE_BASE_GET_CLASS (self);
  gsize in_len = gst_buffer_get_size (inbuf);
  gboolean enabled;
  gsize size;

  refresh_config (self);
  enabled = priv->config.enabled;
  if (!enabled || !ensure_cryptor (self)) {
    /* Disabled: pass the buffer on as it is. No provider at all: hand the
     * input to transform, which drops it. Either way no output is made. */
    priv->action = enabled ? FRAME_ACTION_DROP : FRAME_ACTION_PASS;
    *outbuf = inbuf;
    return GST_FLOW_OK;
  }

  priv->action = FRAME_ACTION_PROCESS;
  if (priv->nal_length_size > 0)
    in_len = gst_e2ee_nal_annex_b_max_size (in_len, priv->nal_length_size);
  size = klass->get_max_output_size (self, priv->cryptor, in_len);

  *outbuf = gst_e2ee_output_pool_acquire (&priv->output_pool,
      GST_ELEMENT (self), size);
  if (*outbuf == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT, (NULL),
        ("cannot allocate a %" G_GSIZE_FORMAT "-byte output buffer", size));
    return GST_FLOW_ERROR;
  }
  if (!GST_BASE_TRANSFORM_GET_CLASS (trans)->copy_metadata (trans, inbuf,
          *outbuf))
    GST_DEBUG_OBJECT (self, "could not copy all metadata");
  return GST_FLOW_OK;
}

/* Whether @buf is a key frame, for the clear-header rules that depend on
 * it. VP8 answers from its frame tag, which stays in clear, so both ends
 * agree whatever upstream's flags say. For the others the buffer flag is
 * what LiveKit's own endpoints use (the encoder's or depacketizer's frame
 * type); it matters only in H.264/H.265's fallback to the VP8 rule, for a
 * frame too short to show its slice NAL unit. */
static E2eeFrameType
frame_type_of (GstE2eeBase * self, GstBuffer * buf)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  if (priv->codec == E2EE_CODEC_VP8)
    return E2EE_FRAME_TYPE_AUTO;
  return GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT) ?
      E2EE_FRAME_TYPE_DELTA : E2EE_FRAME_TYPE_KEY;
}

/* Runs the cryptor on one mapped frame, through Annex B scratch buffers when
 * the stream is length-prefixed (see gste2eenal.c for why the conversion
 * is exact). */
static gboolean
process_frame (GstE2eeBase * self, const guint8 * in, gsize in_len,
    E2eeFrameType frame_type, guint8 * out, gsize out_size, gsize * out_len,
    GError ** error)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  GstE2eeBaseClass *klass = GST_E2EE_BASE_GET_CLASS (self);
  GByteArray *annexb_in = priv->annexb_in;
  GByteArray *annexb_out = priv->annexb_out;
  gsize annexb_len = 0;

  if (priv->nal_length_size == 0)
    return klass->process (self, priv->cryptor, in, in_len, frame_type, out,
        out_size, out_len, error);

  if (!gst_e2ee_nal_length_prefixed_to_annex_b (in, in_len,
          priv->nal_length_size, annexb_in)) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME,
        "NAL unit lengths overrun the %" G_GSIZE_FORMAT "-byte access unit",
        in_len);
    return FALSE;
  }

  g_byte_array_set_size (annexb_out, out_size);
  if (!klass->process (self, priv->cryptor, annexb_in->data, annexb_in->len,
          frame_type, annexb_out->data, annexb_out->len, &annexb_len, error))
    return FALSE;

  if (!gst_e2ee_nal_annex_b_to_length_prefixed (annexb_out->data,
          annexb_len, priv->nal_length_size, out, out_size, out_len)) {
    g_set_error (error, E2EE_ERROR, E2EE_ERROR_MALFORMED_FRAME,
        "cannot split the %" G_GSIZE_FORMAT "-byte result into NAL units",
        annexb_len);
    return FALSE;
  }
  return TRUE;
}

/* A dropped frame leaves a hole downstream; the GAP event says the time it
 * covered is known to be empty, so sinks and muxers don't wait for it. */
static void
push_gap (GstE2eeBase * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf);

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    pts = GST_BUFFER_DTS (buf);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return;

  gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
      gst_event_new_gap (pts, GST_BUFFER_DURATION (buf)));
}

/* Nearly every frame is one memory: map that directly, which spares
 * gst_buffer_map's extra memory reference and buffer-level checks (a
 * tenth of the element's own cost per small frame). Other buffers go
 * through gst_buffer_map, which merges their memories. */
static gboolean
map_frame (GstBuffer * buf, GstMapInfo * map, GstMapFlags flags)
{
  if (gst_buffer_n_memory (buf) == 1)
    return gst_memory_map (gst_buffer_peek_memory (buf, 0), map, flags);
  return gst_buffer_map (buf, map, flags);
}

static void
unmap_frame (GstBuffer * buf, GstMapInfo * map)
{
  if (gst_buffer_n_memory (buf) == 1)
    gst_memory_unmap (map->memory, map);
  else
    gst_buffer_unmap (buf, map);
}

/* Output buffers are one memory (gste2eeoutputpool.c): resizing it alone is
 * gst_buffer_set_size without its generic walk over memories. */
static void
set_frame_size (GstBuffer * buf, gsize size)
{
  if (gst_buffer_n_memory (buf) == 1)
    gst_memory_resize (gst_buffer_peek_memory (buf, 0), 0, size);
  else
    gst_buffer_set_size (buf, size);
}

static void
log_failure (GstE2eeBase * self, const GError * error)
{
  /* A missing key is reported once by the state message and lasts until a
   * key is set: don't flood the log with it. */
  if (g_error_matches (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY))
    GST_INFO_OBJECT (self, "frame dropped: %s", error->message);
  else
    GST_WARNING_OBJECT (self, "frame dropped: %s", error->message);
}

static GstFlowReturn
gst_e2ee_base_transform (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  GstE2eeBase *self = GST_E2EE_BASE (trans);
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  GstMapInfo in_map, out_map;
  GError *error = NULL;
  gsize in_size = gst_buffer_get_size (inbuf);
  gsize out_len = 0;
  gboolean ok, failed;
  E2eeState state;

  if (priv->action == FRAME_ACTION_PASS) {
    count_frame (self, in_size, FRAME_ACTION_PASS, FALSE, 0, FALSE);
    return GST_FLOW_OK;
  }
  if (priv->action == FRAME_ACTION_DROP) {
    GST_WARNING_OBJECT (self, "frame dropped: no key provider");
    count_frame (self, in_size, FRAME_ACTION_DROP, FALSE, 0, FALSE);
    push_gap (self, inbuf);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  if (!map_frame (inbuf, &in_map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("cannot map the input buffer"));
    return GST_FLOW_ERROR;
  }
  if (!map_frame (outbuf, &out_map, GST_MAP_WRITE)) {
    unmap_frame (inbuf, &in_map);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("cannot map the output buffer"));
    return GST_FLOW_ERROR;
  }

  ok = process_frame (self, in_map.data, in_map.size,
      frame_type_of (self, inbuf), out_map.data, out_map.size, &out_len,
      &error);
  /* Nothing of a failed frame leaks through the pool's recycled buffers.
   * A plain memset is not optimised away: the memory outlives this call. */
  if (!ok)
    memset (out_map.data, 0, out_map.size);

  unmap_frame (outbuf, &out_map);
  unmap_frame (inbuf, &in_map);

  state = e2ee_frame_cryptor_get_state (priv->cryptor);
  if (ok) {
    set_frame_size (outbuf, out_len);
    count_frame (self, in_size, FRAME_ACTION_PROCESS, FALSE, state, TRUE);
    return GST_FLOW_OK;
  }

  failed = !g_error_matches (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
  log_failure (self, error);
  g_clear_error (&error);
  count_frame (self, in_size, FRAME_ACTION_DROP, failed, state, TRUE);
  push_gap (self, inbuf);
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

/* ---- properties ---- */

static GstStructure *
stats_to_structure (GstE2eeBase * self)
{
  GstE2eeStats stats;

  GST_OBJECT_LOCK (self);
  stats = GET_PRIV (self)->stats;
  GST_OBJECT_UNLOCK (self);
  return gst_e2ee_stats_to_structure (&stats);
}

static void
set_key_provider (GstE2eeBase * self, E2eeKeyProvider * provider)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  E2eeKeyProvider *old;

  GST_OBJECT_LOCK (self);
  old = g_steal_pointer (&priv->provider);
  priv->provider = provider ? g_object_ref (provider) : NULL;
  priv->provider_from_property = provider != NULL;
  config_changed (self);
  GST_OBJECT_UNLOCK (self);
  g_clear_object (&old);        /* not under the lock: see set_context */

  GST_CAT_INFO_OBJECT (gst_e2ee_context_debug, self, "key provider %p set by "
      "property", provider);
  apply_pending_key (self);
}

static void
gst_e2ee_base_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstE2eeBase *self = GST_E2EE_BASE (object);
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  switch (prop_id) {
    case PROP_KEY_PROVIDER:
      set_key_provider (self, g_value_get_object (value));
      break;
    case PROP_PARTICIPANT_ID:
      GST_OBJECT_LOCK (self);
      g_free (priv->participant_id);
      priv->participant_id = g_value_dup_string (value);
      config_changed (self);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ENABLED:
      GST_OBJECT_LOCK (self);
      priv->enabled = g_value_get_boolean (value);
      config_changed (self);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEY_INDEX:
      GST_OBJECT_LOCK (self);
      priv->key_index = g_value_get_int (value);
      config_changed (self);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PASSPHRASE:
    case PROP_KEY:
    case PROP_KEY_FILE:
      if (gst_e2ee_key_props_set_property (&priv->key_props,
              GST_ELEMENT (self), pspec, value))
        apply_pending_key (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_base_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeBase *self = GST_E2EE_BASE (object);
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  switch (prop_id) {
    case PROP_KEY_PROVIDER:
      GST_OBJECT_LOCK (self);
      g_value_set_object (value, priv->provider);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PARTICIPANT_ID:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, priv->participant_id);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ENABLED:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, priv->enabled);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEY_INDEX:
      GST_OBJECT_LOCK (self);
      g_value_set_int (value, priv->key_index);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, stats_to_structure (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_base_finalize (GObject * object)
{
  GstE2eeBase *self = GST_E2EE_BASE (object);
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  release_cryptor (self);
  gst_e2ee_output_pool_clear (&priv->output_pool);
  clear_stream_config (&priv->config);
  g_clear_object (&priv->provider);
  g_free (priv->participant_id);
  gst_e2ee_key_props_clear (&priv->key_props);
  g_byte_array_unref (priv->annexb_in);
  g_byte_array_unref (priv->annexb_out);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}
