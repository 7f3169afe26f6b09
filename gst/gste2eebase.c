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
 *    statistics;
 *  - the order in which the properties reach the provider: the provider
 *    options in NULL->READY, the key at READY->PAUSED (so that every
 *    element of a pipeline has set its options before any key is derived:
 *    no order of properties or elements changes the result);
 *  - the action signals that remove keys (remove-key, remove-participant,
 *    clear-keys), as srtpdec has them.
 *
 * The write-only key properties and the key read from them are
 * gste2eekeyprops.c, the provider options gste2eeprovideroptions.c, the
 * state messages and warnings gste2eereport.c. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eebase.h"
#include "gste2eecontext.h"
#include "gste2eekeyprops.h"
#include "gste2eenal.h"
#include "gste2eeoutputpool.h"
#include "gste2eeprovideroptions.h"
#include "gste2eereport.h"
#include "gste2eestats.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_e2ee_base_debug);
#define GST_CAT_DEFAULT gst_e2ee_base_debug

/* What LiveKit's frame format has a rule for (codec_from_caps): encoded
 * audio, VP8, VP9, AV1, H.264 and H.265 in whole access units, and
 * application/x-e2ee-data for anything else (no clear header). Raw video
 * and raw audio are refused at negotiation: encrypting them is a mistake
 * (the encryptor belongs after the encoder). The decryptor's byte-stream
 * preference is transform_caps'. */
#define GST_E2EE_DATA_CAPS "application/x-e2ee-data"
#define E2EE_CAPS \
    "audio/x-opus; audio/x-alaw; audio/x-mulaw; audio/G722; " \
    "audio/mpeg; " \
    "video/x-vp8; video/x-vp9; video/x-av1; " \
    "video/x-h264, stream-format = (string) { byte-stream, avc, avc3 }, " \
    "alignment = (string) au; " \
    "video/x-h265, stream-format = (string) { byte-stream, hvc1, hev1 }, " \
    "alignment = (string) au; " \
    GST_E2EE_DATA_CAPS

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (E2EE_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (E2EE_CAPS));

enum
{
  PROP_0,
  PROP_KEY_PROVIDER,
  PROP_PARTICIPANT_ID,
  PROP_ENABLED,
  PROP_KEY_INDEX,
  PROP_STATS,
  PROP_KEY_FIRST,               /* the key properties: gste2eekeyprops.c */
  PROP_OPTION_FIRST = PROP_KEY_FIRST + GST_E2EE_N_KEY_PROPS,
  PROP_LAST = PROP_OPTION_FIRST + GST_E2EE_N_OPTIONS,   /* the options */
};

#define DEFAULT_KEY_PROVIDER NULL
#define DEFAULT_PARTICIPANT_ID NULL
#define DEFAULT_ENABLED TRUE
#define DEFAULT_KEY_INDEX -1
#define MAX_KEY_INDEX (E2EE_MAX_KEY_RING_SIZE - 1)

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
  GstE2eeKeyProps key_props;    /* the key properties and the key read */
  GstE2eeProviderOptions options;       /* the provider options */
  GstE2eeStats stats;

  /* Streaming thread only. */
  StreamConfig config;
  E2eeFrameCryptor *cryptor;
  E2eeKeyProvider *cryptor_provider;    /* the provider the cryptor uses */
  E2eeCodec codec;
  gboolean codec_changed;
  guint nal_length_size;        /* 0: Annex B or not H.26x; else 1, 2 or 4 */
  FrameAction action;
  GstE2eeReport report;         /* what the user was told */
  gboolean state_changed;       /* by the frame in flight (state_* below) */
  E2eeState state;
  guint state_key_index;
  GBytes *parameter_sets;       /* avc/hvc1: codec_data's, as Annex B */
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

/**
 * gst_e2ee_base_class_install_properties:
 * @klass: the class of e2eeencrypt or e2eedecrypt
 * @direction: which of the two
 *
 * Installs every property on the subclass, with blurbs for @direction: the
 * two elements share the code, not the wording (a decryptor's key-index is
 * not the slot it encrypts with). The base's set_property and get_property
 * serve them.
 */
void
gst_e2ee_base_class_install_properties (GstE2eeBaseClass * klass,
    GstE2eeDirection direction)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstE2eeDirection dir = direction;

  klass->direction = direction;
  /* GObject does not inherit these: a subclass's properties are handled
   * by its own class's set_property and get_property. */
  gobject_class->set_property = gst_e2ee_base_set_property;
  gobject_class->get_property = gst_e2ee_base_get_property;

  g_object_class_install_property (gobject_class, PROP_KEY_PROVIDER,
      g_param_spec_object ("key-provider", "Key provider",
          GST_E2EE_FOR (dir,
              "The E2eeKeyProvider holding the keys to encrypt with "
              "(default: shared with the pipeline through a GstContext, or "
              "created); readable, but keys set through element properties "
              "cannot be exported from it",
              "The E2eeKeyProvider holding the keys to decrypt with "
              "(default: shared with the pipeline through a GstContext, or "
              "created); readable, but keys set through element properties "
              "cannot be exported from it"),
          E2EE_TYPE_KEY_PROVIDER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_PARTICIPANT_ID,
      g_param_spec_string ("participant-id", "Participant id",
          GST_E2EE_FOR (dir,
              "The local participant, whose key ring to encrypt with when "
              "shared-key is false (NULL: the shared key ring)",
              "The sending participant, whose key ring to decrypt with when "
              "shared-key is false (NULL: the shared key ring)"),
          DEFAULT_PARTICIPANT_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_ENABLED,
      g_param_spec_boolean ("enabled", "Enabled",
          GST_E2EE_FOR (dir,
              "Encrypt frames; FALSE passes them through unencrypted",
              "Decrypt frames; FALSE passes them through still encrypted"),
          DEFAULT_ENABLED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_KEY_INDEX,
      g_param_spec_int ("key-index", "Key index",
          GST_E2EE_FOR (dir,
              "Key slot to encrypt with, written into every frame, and the "
              "slot the key properties fill (-1: the provider's current "
              "index; slot 0 for the key properties)",
              "Key slot the key properties fill (-1: slot 0); frames name "
              "the slot they were encrypted with themselves"),
          -1, MAX_KEY_INDEX, DEFAULT_KEY_INDEX,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_e2ee_key_props_install (gobject_class, PROP_KEY_FIRST, direction);
  gst_e2ee_provider_options_install (gobject_class, PROP_OPTION_FIRST,
      direction);
  gst_e2ee_stats_install (gobject_class, PROP_STATS, direction);
}

static void
gst_e2ee_base_init (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);

  priv->key_index = DEFAULT_KEY_INDEX;
  priv->enabled = DEFAULT_ENABLED;
  priv->codec = E2EE_CODEC_DATA;
  gst_e2ee_provider_options_init (&priv->options);
  priv->annexb_in = g_byte_array_new ();
  priv->annexb_out = g_byte_array_new ();
}

/* ---- the key properties (gste2eekeyprops.c) ---- */

/* Puts the key read from a key property into the provider, if there is
 * one yet; otherwise the key waits (in guarded memory) until the provider
 * is known. @running: the element streams, so a refused key is a warning
 * rather than a failed state change. */
static gboolean
apply_pending_key (GstE2eeBase * self, gboolean running)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  E2eeKeyProvider *provider;
  gchar *participant_id;
  gint key_index;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  provider = priv->provider ? g_object_ref (priv->provider) : NULL;
  participant_id = g_strdup (priv->participant_id);
  key_index = priv->key_index;
  GST_OBJECT_UNLOCK (self);

  ok = gst_e2ee_key_props_apply (&priv->key_props, GST_ELEMENT (self),
      provider, participant_id, key_index, running);

  g_free (participant_id);
  g_clear_object (&provider);
  return ok;
}

/* A key property set on a running element is read at once, and goes into
 * the provider at once if the element is past READY (else at
 * READY->PAUSED, as in a normal start). */
static void
set_key_property (GstE2eeBase * self, guint prop, const GValue * value)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  GstState state;

  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  GST_OBJECT_UNLOCK (self);

  gst_e2ee_key_props_set_property (&priv->key_props, GST_ELEMENT (self),
      prop, value, state >= GST_STATE_READY);
  if (state >= GST_STATE_READY
      && gst_e2ee_key_props_load (&priv->key_props, GST_ELEMENT (self), TRUE)
      && state >= GST_STATE_PAUSED)
    apply_pending_key (self, TRUE);
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

/* NULL->READY: find or make the provider, put the element's options on
 * it, read the key property. FALSE (an error posted): fail the change. */
static gboolean
start_configuration (GstE2eeBase * self)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  E2eeKeyProvider *provider;
  gboolean ok;

  gst_e2ee_ensure_key_provider (GST_ELEMENT (self), &priv->provider);
  provider = dup_provider (self);
  ok = provider != NULL && gst_e2ee_provider_options_configure
      (&priv->options, GST_ELEMENT (self), provider)
      && gst_e2ee_key_props_load (&priv->key_props, GST_ELEMENT (self),
      FALSE);
  g_clear_object (&provider);
  return ok;
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

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!start_configuration (self)) {
        release_key_provider (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      /* Every element of the pipeline has set its options by now. */
      if (!apply_pending_key (self, FALSE))
        return GST_STATE_CHANGE_FAILURE;
      break;
    default:
      break;
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
  if (gst_e2ee_key_props_has_unapplied (&priv->key_props)
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

/* ---- state messages (gste2eereport.c) ---- */

/* The cryptor reports a change of state from inside the frame call, in
 * the streaming thread; the element posts it once the call returned, when
 * the frame's error can tell why (see report_frame). */
static void
on_cryptor_state_changed (E2eeFrameCryptor * cryptor, E2eeState state,
    guint key_index, gpointer user_data)
{
  GstE2eeBasePrivate *priv = GET_PRIV (GST_E2EE_BASE (user_data));

  priv->state_changed = TRUE;
  priv->state = state;
  priv->state_key_index = key_index;
}

/* After each frame the cryptor (or the element's own checks) handled:
 * the state message, the first-failure warning, the log line. */
static void
report_frame (GstE2eeBase * self, const GError * error)
{
  GstE2eeBasePrivate *priv = GET_PRIV (self);
  GstE2eeFrameOutcome outcome = {
    priv->state_changed,
    priv->cryptor ? e2ee_frame_cryptor_get_state (priv->cryptor) :
        priv->state,
    priv->state_key_index,
    error,
  };

  priv->state_changed = FALSE;
  gst_e2ee_report_frame (&priv->report, GST_ELEMENT (self),
      GST_E2EE_BASE_GET_CLASS (self)->direction, priv->config.participant_id,
      &outcome);
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
  gst_e2ee_report_reset (&GET_PRIV (self)->report);
  return TRUE;
}

/* ---- caps ---- */

static gboolean
is_h26x (const GstStructure * s)
{
  return gst_structure_has_name (s, "video/x-h264") ||
      gst_structure_has_name (s, "video/x-h265");
}

/* @caps with each H.264/H.265 structure narrowed to @field = @value
 * (dropped if it does not allow it) and, when @keep_others, the other
 * structures as they are. */
static GstCaps *
narrow_h26x (GstCaps * caps, const gchar * field, const gchar * value,
    gboolean keep_others)
{
  GstCaps *res = gst_caps_new_empty ();
  guint i, n = gst_caps_get_size (caps);

  for (i = 0; i < n; i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    GstCapsFeatures *f = gst_caps_get_features (caps, i);
    GstStructure *r = NULL;

    if (is_h26x (s)) {
      GstStructure *only = gst_structure_new (gst_structure_get_name (s),
          field, G_TYPE_STRING, value, NULL);

      r = gst_structure_intersect (s, only);
      gst_structure_free (only);
    } else if (keep_others) {
      r = gst_structure_copy (s);
    }
    if (r != NULL)
      res = gst_caps_merge_structure_full (res, r,
          f ? gst_caps_features_copy (f) : NULL);
  }
  return res;
}

/* H.264 and H.265 must come as whole access units: the clear header runs
 * up to the first slice, which a single NAL unit may not contain. */
static GstCaps *
restrict_to_access_units (GstCaps * caps)
{
  if (gst_caps_is_any (caps))
    return gst_caps_ref (caps);
  return narrow_h26x (caps, "alignment", "au", TRUE);
}

/* @caps with, in front of everything, the byte-stream part of each of its
 * H.264/H.265 structures. */
static GstCaps *
prefer_byte_stream (GstCaps * caps)
{
  if (gst_caps_is_any (caps))
    return gst_caps_ref (caps);
  return gst_caps_merge (narrow_h26x (caps, "stream-format", "byte-stream",
          FALSE), gst_caps_ref (caps));
}

/* Caps pass through unchanged, held to whole access units. The decryptor
 * puts byte-stream first in what it offers upstream: a depayloader picks
 * the first structure of its peer's caps (rtph264depay_negotiate, 1.22),
 * and in avc/hvc1 it takes the parameter sets out of key frames. Hence
 * also our order before the filter's. */
static GstCaps *
gst_e2ee_base_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstCaps *res = restrict_to_access_units (caps);

  if (direction == GST_PAD_SRC && GST_E2EE_BASE_GET_CLASS (trans)->direction
      == GST_E2EE_DIRECTION_DECRYPT) {
    GstCaps *preferred = prefer_byte_stream (res);

    gst_caps_unref (res);
    res = preferred;
  }

  if (filter != NULL) {
    GstCaps *tmp = gst_caps_intersect_full (res, filter,
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

  g_clear_pointer (&priv->parameter_sets, g_bytes_unref);
  if (GST_E2EE_BASE_GET_CLASS (self)->direction == GST_E2EE_DIRECTION_DECRYPT)
    priv->parameter_sets = gst_e2ee_nal_parameter_sets_from_caps (s);

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
  if (priv->parameter_sets != NULL)
    in_len += g_bytes_get_size (priv->parameter_sets);
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
 * is exact). A key frame that reaches the decryptor without its parameter
 * sets, which the depayloader moved into codec_data, gets them back in
 * front of its first NAL unit that is not an AUD, where encoders put them:
 * they are part of its clear header, the AAD. Should the sender not have
 * sent them in this frame, the cryptor's retry from the start codes after
 * leading parameter sets finds the frame as it was sent. */
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

  /* The element's own checks: GST_STREAM_ERROR, not the cryptor's. */
  if (!gst_e2ee_nal_length_prefixed_to_annex_b (in, in_len,
          priv->nal_length_size, annexb_in)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "NAL unit lengths overrun the %" G_GSIZE_FORMAT "-byte access unit",
        in_len);
    return FALSE;
  }
  if (priv->parameter_sets != NULL && frame_type == E2EE_FRAME_TYPE_KEY
      && !gst_e2ee_nal_has_parameter_sets (annexb_in->data, annexb_in->len,
          priv->codec == E2EE_CODEC_H265))
    gst_e2ee_nal_insert_parameter_sets (annexb_in, priv->parameter_sets,
        priv->codec == E2EE_CODEC_H265);

  g_byte_array_set_size (annexb_out, out_size);
  if (!klass->process (self, priv->cryptor, annexb_in->data, annexb_in->len,
          frame_type, annexb_out->data, annexb_out->len, &annexb_len, error))
    return FALSE;

  if (!gst_e2ee_nal_annex_b_to_length_prefixed (annexb_out->data,
          annexb_len, priv->nal_length_size, out, out_size, out_len)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
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
    g_set_error_literal (&error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY,
        "No key provider; frame dropped");
    report_frame (self, error);
    g_clear_error (&error);
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
  report_frame (self, error);
  if (ok) {
    set_frame_size (outbuf, out_len);
    count_frame (self, in_size, FRAME_ACTION_PROCESS, FALSE, state, TRUE);
    return GST_FLOW_OK;
  }

  failed = !g_error_matches (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY);
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
  gboolean started;

  GST_OBJECT_LOCK (self);
  old = g_steal_pointer (&priv->provider);
  priv->provider = provider ? g_object_ref (provider) : NULL;
  priv->provider_from_property = provider != NULL;
  config_changed (self);
  started = GST_STATE (self) >= GST_STATE_PAUSED;
  GST_OBJECT_UNLOCK (self);
  g_clear_object (&old);        /* not under the lock: see set_context */

  GST_CAT_INFO_OBJECT (gst_e2ee_context_debug, self, "key provider %p set by "
      "property", provider);
  /* A key still waiting for a provider goes into this one. */
  if (started)
    apply_pending_key (self, TRUE);
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
    default:
      if (prop_id >= PROP_KEY_FIRST && prop_id < PROP_OPTION_FIRST) {
        set_key_property (self, prop_id - PROP_KEY_FIRST, value);
      } else if (prop_id >= PROP_OPTION_FIRST && prop_id < PROP_LAST) {
        GST_OBJECT_LOCK (self);
        gst_e2ee_provider_options_set (&priv->options,
            prop_id - PROP_OPTION_FIRST, value);
        GST_OBJECT_UNLOCK (self);
      } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      }
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
      if (prop_id >= PROP_OPTION_FIRST && prop_id < PROP_LAST) {
        GST_OBJECT_LOCK (self);
        gst_e2ee_provider_options_get (&priv->options,
            prop_id - PROP_OPTION_FIRST, value);
        GST_OBJECT_UNLOCK (self);
      } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      }
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
  gst_e2ee_provider_options_clear (&priv->options);
  g_clear_pointer (&priv->parameter_sets, g_bytes_unref);
  g_byte_array_unref (priv->annexb_in);
  g_byte_array_unref (priv->annexb_out);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}
