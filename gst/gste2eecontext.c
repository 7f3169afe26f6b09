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
 * The helpers follow the shape of GStreamer's VA and GL context helpers;
 * the element side of the dance is in gste2eebase.c. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eecontext.h"

GST_DEBUG_CATEGORY (e2ee_context_debug);
#define GST_CAT_DEFAULT e2ee_context_debug

/**
 * e2ee_context_init_debug:
 *
 * Looks up GStreamer's own "GST_CONTEXT" debug category once.
 */
void
e2ee_context_init_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_GET (e2ee_context_debug, "GST_CONTEXT");
    g_once_init_leave (&once, 1);
  }
}

/**
 * e2ee_context_set_key_provider:
 * @context: a writable #GstContext
 * @provider: (nullable): the #E2eeKeyProvider to store, or %NULL to remove it
 *
 * Stores @provider in @context's structure field "key-provider".
 */
void
e2ee_context_set_key_provider (GstContext * context,
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

  GST_CAT_LOG (e2ee_context_debug, "setting key provider %p on context %"
      GST_PTR_FORMAT, provider, context);
  gst_structure_set (s, E2EE_KEY_PROVIDER_CONTEXT_FIELD,
      E2EE_TYPE_KEY_PROVIDER, provider, NULL);
}

/**
 * e2ee_context_get_key_provider:
 * @context: a #GstContext of type "e2ee.key-provider"
 * @provider: (out) (transfer full): the provider held by @context
 *
 * Returns: %TRUE if @context has the right type and holds a provider.
 */
gboolean
e2ee_context_get_key_provider (GstContext * context,
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

/**
 * e2ee_key_provider_context_new:
 * @provider: an #E2eeKeyProvider
 *
 * Makes a persistent context holding @provider: it survives READY->NULL and
 * is not overridden by non-persistent contexts.
 *
 * Returns: (transfer full): a new #GstContext
 */
GstContext *
e2ee_key_provider_context_new (E2eeKeyProvider * provider)
{
  GstContext *context;

  g_return_val_if_fail (E2EE_IS_KEY_PROVIDER (provider), NULL);

  context = gst_context_new (E2EE_KEY_PROVIDER_CONTEXT_TYPE, TRUE);
  e2ee_context_set_key_provider (context, provider);
  return context;
}

/**
 * e2ee_is_key_provider_need_context_message:
 * @msg: a #GstMessage
 *
 * Returns: %TRUE if @msg is a need-context message asking for an
 * "e2ee.key-provider" context.
 */
gboolean
e2ee_is_key_provider_need_context_message (GstMessage * msg)
{
  const gchar *type = NULL;

  g_return_val_if_fail (GST_IS_MESSAGE (msg), FALSE);

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_NEED_CONTEXT)
    return FALSE;
  if (!gst_message_parse_context_type (msg, &type))
    return FALSE;
  return g_strcmp0 (type, E2EE_KEY_PROVIDER_CONTEXT_TYPE) == 0;
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

/**
 * e2ee_context_query:
 * @element: the element that wants a key provider
 *
 * Asks the peers of @element's source pads (downstream) and then of its sink
 * pads (upstream) for an "e2ee.key-provider" context. An answer is set on
 * @element with gst_element_set_context().
 *
 * Returns: %TRUE if a neighbour answered
 */
gboolean
e2ee_context_query (GstElement * element)
{
  GstQuery *query;
  GstContext *context = NULL;
  gboolean answered;

  g_return_val_if_fail (GST_IS_ELEMENT (element), FALSE);

  query = gst_query_new_context (E2EE_KEY_PROVIDER_CONTEXT_TYPE);
  answered = run_query_on_pads (gst_element_iterate_src_pads (element), query)
      || run_query_on_pads (gst_element_iterate_sink_pads (element), query);

  if (answered)
    gst_query_parse_context (query, &context);

  if (context != NULL) {
    GST_CAT_INFO_OBJECT (e2ee_context_debug, element,
        "a neighbour answered the context query with %" GST_PTR_FORMAT,
        context);
    gst_element_set_context (element, context);
  } else {
    GST_CAT_DEBUG_OBJECT (e2ee_context_debug, element,
        "no neighbour has an %s context", E2EE_KEY_PROVIDER_CONTEXT_TYPE);
  }

  gst_query_unref (query);
  return context != NULL;
}

/**
 * e2ee_handle_set_context:
 * @element: the element whose set_context vfunc runs
 * @context: the #GstContext handed to it
 * @provider: (inout): the element's provider slot; replaced if @context
 *   holds a provider
 *
 * Call with the element's object lock held, then chain up.
 *
 * Returns: %TRUE if @provider was replaced
 */
gboolean
e2ee_handle_set_context (GstElement * element, GstContext * context,
    E2eeKeyProvider ** provider)
{
  E2eeKeyProvider *found = NULL;

  g_return_val_if_fail (provider != NULL, FALSE);

  if (!e2ee_context_get_key_provider (context, &found))
    return FALSE;

  GST_CAT_INFO_OBJECT (e2ee_context_debug, element,
      "got key provider %p from a context (had %p)", found, *provider);
  if (*provider != NULL)
    g_object_unref (*provider);
  *provider = found;
  return TRUE;
}

/**
 * e2ee_handle_context_query:
 * @element: the element answering
 * @query: a #GST_QUERY_CONTEXT query
 * @provider: (nullable): the element's provider
 *
 * Answers an "e2ee.key-provider" context query with @provider, keeping any
 * other fields of a context already in @query.
 *
 * Returns: %TRUE if the query was answered
 */
gboolean
e2ee_handle_context_query (GstElement * element, GstQuery * query,
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

  e2ee_context_set_key_provider (context, provider);
  gst_query_set_context (query, context);
  gst_context_unref (context);

  GST_CAT_DEBUG_OBJECT (e2ee_context_debug, element,
      "answered a context query with key provider %p", provider);
  return TRUE;
}

/**
 * e2ee_context_propagate:
 * @element: the element that created @provider
 * @provider: the new #E2eeKeyProvider
 *
 * Sets a persistent context holding @provider on @element and posts it in a
 * have-context message, so that bins cache it and hand it to the next
 * element that posts need-context, and the application can pick it up.
 */
void
e2ee_context_propagate (GstElement * element, E2eeKeyProvider * provider)
{
  GstContext *context;
  GstMessage *msg;

  context = e2ee_key_provider_context_new (provider);
  gst_element_set_context (element, context);

  GST_CAT_INFO_OBJECT (e2ee_context_debug, element,
      "posting have-context with key provider %p", provider);
  msg = gst_message_new_have_context (GST_OBJECT_CAST (element), context);
  gst_element_post_message (element, msg);
}
