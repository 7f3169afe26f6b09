/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Sharing one E2eeKeyProvider between elements (and with the application)
 * through a GstContext of type E2EE_KEY_PROVIDER_CONTEXT_TYPE whose
 * structure holds the provider in the field E2EE_KEY_PROVIDER_CONTEXT_FIELD.
 * The sequence follows GStreamer's context design document
 * (https://gstreamer.freedesktop.org/documentation/additional/design/context.html),
 * with its steps numbered in gst_e2ee_ensure_key_provider() as GStreamer's
 * VA helpers (gstvautils.c) number them. The element calls
 * gst_e2ee_ensure_key_provider() in NULL->READY,
 * gst_e2ee_handle_set_context() from its set_context vfunc and
 * gst_e2ee_handle_context_query() from its query vfunc. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eecontext.h"

GST_DEBUG_CATEGORY (gst_e2ee_context_debug);
#define GST_CAT_DEFAULT gst_e2ee_context_debug

void
gst_e2ee_context_init_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_GET (gst_e2ee_context_debug, "GST_CONTEXT");
    g_once_init_leave (&once, 1);
  }
}

/* ---- the context's payload ---- */

void
gst_context_set_e2ee_key_provider (GstContext * context,
    E2eeKeyProvider * provider)
{
  GstStructure *s;

  g_return_if_fail (GST_IS_CONTEXT (context));
  g_return_if_fail (gst_context_is_writable (context));
  g_return_if_fail (provider == NULL || E2EE_IS_KEY_PROVIDER (provider));

  s = gst_context_writable_structure (context);
  if (provider == NULL) {
    gst_structure_remove_field (s, E2EE_KEY_PROVIDER_CONTEXT_FIELD);
    return;
  }

  GST_CAT_LOG (gst_e2ee_context_debug, "setting key provider %p on context %"
      GST_PTR_FORMAT, provider, context);
  gst_structure_set (s, E2EE_KEY_PROVIDER_CONTEXT_FIELD,
      E2EE_TYPE_KEY_PROVIDER, provider, NULL);
}

gboolean
gst_context_get_e2ee_key_provider (GstContext * context,
    E2eeKeyProvider ** provider)
{
  const GstStructure *s;
  const GValue *value;

  g_return_val_if_fail (GST_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (provider != NULL, FALSE);

  *provider = NULL;
  if (!gst_context_has_context_type (context, E2EE_KEY_PROVIDER_CONTEXT_TYPE))
    return FALSE;

  s = gst_context_get_structure (context);
  value = gst_structure_get_value (s, E2EE_KEY_PROVIDER_CONTEXT_FIELD);
  if (value == NULL || !G_VALUE_HOLDS (value, E2EE_TYPE_KEY_PROVIDER))
    return FALSE;

  *provider = g_value_dup_object (value);
  return *provider != NULL;
}

/* ---- the element side ---- */

static gboolean
has_key_provider (GstElement * element, E2eeKeyProvider * const *provider)
{
  gboolean has;

  GST_OBJECT_LOCK (element);
  has = *provider != NULL;
  GST_OBJECT_UNLOCK (element);
  return has;
}

static gboolean
pad_query_fold (const GValue * item, GValue * value, gpointer user_data)
{
  GstPad *pad = g_value_get_object (item);
  GstQuery *query = user_data;

  if (gst_pad_peer_query (pad, query)) {
    g_value_set_boolean (value, TRUE);
    return FALSE;               /* stop: a peer answered */
  }
  return TRUE;
}

static gboolean
run_query_on_pads (GstIterator * pads, GstQuery * query)
{
  GValue answered = G_VALUE_INIT;
  GstIteratorResult res;

  g_value_init (&answered, G_TYPE_BOOLEAN);
  while ((res = gst_iterator_fold (pads, pad_query_fold, &answered,
              query)) == GST_ITERATOR_RESYNC)
    gst_iterator_resync (pads);
  gst_iterator_free (pads);

  return g_value_get_boolean (&answered);
}

/* Asks the peers of @element's src pads, then of its sink pads, for a
 * context; sets an answer on @element. */
static void
query_neighbours (GstElement * element)
{
  GstQuery *query;
  GstContext *context = NULL;
  gboolean answered;

  query = gst_query_new_context (E2EE_KEY_PROVIDER_CONTEXT_TYPE);
  answered = run_query_on_pads (gst_element_iterate_src_pads (element), query)
      || run_query_on_pads (gst_element_iterate_sink_pads (element), query);

  if (answered)
    gst_query_parse_context (query, &context);

  if (context != NULL) {
    GST_CAT_INFO_OBJECT (gst_e2ee_context_debug, element,
        "a neighbour answered the context query with %" GST_PTR_FORMAT,
        context);
    gst_element_set_context (element, context);
  } else {
    GST_CAT_DEBUG_OBJECT (gst_e2ee_context_debug, element,
        "no neighbour has an %s context", E2EE_KEY_PROVIDER_CONTEXT_TYPE);
  }
  gst_query_unref (query);
}

/* A persistent context holding @provider: it survives READY->NULL and is
 * not overridden by non-persistent contexts. */
static GstContext *
key_provider_context_new (E2eeKeyProvider * provider)
{
  GstContext *context = gst_context_new (E2EE_KEY_PROVIDER_CONTEXT_TYPE,
      TRUE);

  gst_context_set_e2ee_key_provider (context, provider);
  return context;
}

/* Sets a context holding a new provider on @element and posts it in a
 * have-context message, so that bins cache it and hand it to the next
 * element that posts need-context, and the application can pick it up. */
static void
propagate_new_key_provider (GstElement * element)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GstContext *context = key_provider_context_new (provider);

  GST_CAT_INFO_OBJECT (gst_e2ee_context_debug, element,
      "created key provider %p", provider);
  gst_element_set_context (element, context);

  GST_CAT_INFO_OBJECT (gst_e2ee_context_debug, element,
      "posting have-context with key provider %p", provider);
  gst_element_post_message (element,
      gst_message_new_have_context (GST_OBJECT_CAST (element), context));
  g_object_unref (provider);
}

/**
 * gst_e2ee_ensure_key_provider:
 * @element: an e2ee element, in NULL->READY
 * @provider: the element's provider pointer, guarded by its object lock and
 *   filled by its set_context vfunc (gst_e2ee_handle_set_context())
 *
 * Finds @element a key provider, stopping at the first step that gives
 * one. In NULL->READY rather than before the first buffer: then a missing
 * or conflicting provider shows up before any data flows, and an
 * application watching need-context can answer before streaming threads
 * exist. Never fails: with nothing else, the element makes its own
 * provider, which reports missing-key until a key is set.
 */
void
gst_e2ee_ensure_key_provider (GstElement * element,
    E2eeKeyProvider * const *provider)
{
  GstContext *context;

  g_return_if_fail (GST_IS_ELEMENT (element));
  g_return_if_fail (provider != NULL);

  gst_e2ee_context_init_debug ();

  /* 1) Does the element have a provider: from its key-provider property,
   *    or from a context set on it since it last went to NULL? */
  if (has_key_provider (element, provider)) {
    GST_CAT_DEBUG_OBJECT (gst_e2ee_context_debug, element, "already have a "
        "key provider");
    return;
  }

  /* 2) A context set on this element earlier (by the application, or a
   *    persistent one it made itself in 5) survives READY->NULL in the
   *    element's list of contexts: use it again. */
  context = gst_element_get_context (element, E2EE_KEY_PROVIDER_CONTEXT_TYPE);
  if (context != NULL) {
    gst_element_set_context (element, context);
    gst_context_unref (context);
    if (has_key_provider (element, provider))
      return;
  }

  /* 3) Query downstream (the peers of the src pads), then 3a) upstream
   *    (the peers of the sink pads): another e2ee element answers with its
   *    provider, and the answer is set on this element. */
  query_neighbours (element);
  if (has_key_provider (element, provider))
    return;

  /* 4) Post a GST_MESSAGE_NEED_CONTEXT message. It is synchronous: when it
   *    returns, a bin holding such a context (set on it, or cached from a
   *    have-context) or the application's sync handler may have set one
   *    on the element. */
  GST_CAT_INFO_OBJECT (gst_e2ee_context_debug, element,
      "posting need-context %s", E2EE_KEY_PROVIDER_CONTEXT_TYPE);
  gst_element_post_message (element,
      gst_message_new_need_context (GST_OBJECT_CAST (element),
          E2EE_KEY_PROVIDER_CONTEXT_TYPE));
  if (has_key_provider (element, provider))
    return;

  /* 5) Create a provider, set a persistent context holding it on the
   *    element and post a GST_MESSAGE_HAVE_CONTEXT message. */
  propagate_new_key_provider (element);
}

gboolean
gst_e2ee_handle_set_context (GstElement * element, GstContext * context,
    E2eeKeyProvider ** provider)
{
  E2eeKeyProvider *found = NULL;

  g_return_val_if_fail (provider != NULL, FALSE);

  if (!gst_context_get_e2ee_key_provider (context, &found))
    return FALSE;

  GST_CAT_INFO_OBJECT (gst_e2ee_context_debug, element,
      "got key provider %p from a context (had %p)", found, *provider);
  if (*provider != NULL)
    g_object_unref (*provider);
  *provider = found;
  return TRUE;
}

gboolean
gst_e2ee_handle_context_query (GstElement * element, GstQuery * query,
    E2eeKeyProvider * provider)
{
  const gchar *type = NULL;
  GstContext *old_context = NULL;
  GstContext *context;

  g_return_val_if_fail (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT, FALSE);

  if (!gst_query_parse_context_type (query, &type) ||
      g_strcmp0 (type, E2EE_KEY_PROVIDER_CONTEXT_TYPE) != 0)
    return FALSE;
  if (provider == NULL)
    return FALSE;

  gst_query_parse_context (query, &old_context);
  if (old_context != NULL)
    context = gst_context_copy (old_context);
  else
    context = gst_context_new (E2EE_KEY_PROVIDER_CONTEXT_TYPE, TRUE);

  gst_context_set_e2ee_key_provider (context, provider);
  gst_query_set_context (query, context);
  gst_context_unref (context);

  GST_CAT_DEBUG_OBJECT (gst_e2ee_context_debug, element,
      "answered a context query with key provider %p", provider);
  return TRUE;
}
