/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* GstHarness plumbing for the element tests (tests/gst/): elements, an
 * encryptor-decryptor pair in one harness, captured output, and what the
 * tests read back from e2eeencrypt and e2eedecrypt. */

#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <keyring/e2ee.h>

static inline GstElement *
make_element (const gchar * factory, const gchar * name)
{
  GstElement *element = gst_element_factory_make (factory, name);

  fail_unless (element != NULL, "no %s", factory);
  return element;
}

/* enc ! dec in a bin with ghost pads, for a single harness. */
static inline GstElement *
make_pair_bin (GstElement * enc, GstElement * dec)
{
  GstElement *bin = gst_bin_new (NULL);
  GstPad *pad;

  gst_bin_add_many (GST_BIN (bin), enc, dec, NULL);
  fail_unless (gst_element_link (enc, dec));
  pad = gst_element_get_static_pad (enc, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (dec, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  return bin;
}

static inline GstHarness *
harness_with (GstElement * element)
{
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");

  gst_object_unref (element);
  return h;
}

static inline GstPadProbeReturn
capture_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_ptr_array_add (user_data,
      gst_buffer_copy_deep (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

/* Records every buffer leaving @element's src pad into a new array. */
static inline GPtrArray *
capture_output (GstElement * element)
{
  GPtrArray *captured = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_buffer_unref);
  GstPad *pad = gst_element_get_static_pad (element, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, capture_buffer,
      captured, NULL);
  gst_object_unref (pad);
  return captured;
}

static inline E2eeKeyProvider *
get_provider (GstElement * element)
{
  E2eeKeyProvider *provider = NULL;

  g_object_get (element, "key-provider", &provider, NULL);
  return provider;
}

/* The uint64 field @field of the element's "stats" structure. */
static inline guint64
get_stat (GstElement * element, const gchar * field)
{
  GstStructure *stats = NULL;
  guint64 value = G_MAXUINT64;

  g_object_get (element, "stats", &stats, NULL);
  fail_unless (stats != NULL);
  fail_unless (gst_structure_has_name (stats, "application/x-e2ee-stats"));
  fail_unless (gst_structure_get_uint64 (stats, field, &value),
      "no stats field %s", field);
  gst_structure_free (stats);
  return value;
}

/* Pulls every event the harness's sink got; returns how many were GAP
 * events (a dropped frame leaves one). */
static inline guint
count_gap_events (GstHarness * h)
{
  GstEvent *event;
  guint gaps = 0;

  while ((event = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_GAP)
      gaps++;
    gst_event_unref (event);
  }
  return gaps;
}
