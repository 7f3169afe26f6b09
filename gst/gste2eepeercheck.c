/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Stock payloaders after an encryptor (docs/design.md, "The plugin ships
 * RTP payloaders"): GStreamer 1.22's rtpvp8pay and rtpvp9pay parse the
 * frame past LiveKit's clear header and stop the pipeline, and rtph264pay
 * and rtph265pay trim the trailing zero bytes of byte-stream NAL units, so
 * every frame encrypted with key index 0 (which ends in 0x00) arrives
 * broken. The pipeline would run and nothing would decrypt; a warning
 * that names the payloader to use saves the user the search. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eepeercheck.h"

/* Elements that pass buffers on untouched: the payloader may follow one. */
static const gchar *const transparent[] = {
  "queue", "queue2", "capsfilter", "identity", "valve",
};

typedef struct
{
  const gchar *stock;
  const gchar *ours;
  const gchar *why;
} StockPayloader;

static const StockPayloader stock_payloaders[] = {
  {"rtpvp8pay", "e2eertpvp8pay", "it parses VP8 frames beyond LiveKit's "
        "clear header and fails on encrypted ones (\"Failed to parse VP8 "
        "frame\")"},
  {"rtpvp9pay", "e2eertpvp9pay", "it parses VP9 frames, which LiveKit "
        "encrypts whole, and fails on them"},
  {"rtph264pay", "e2eertph264pay", "it trims trailing zero bytes of NAL "
        "units, which destroys every frame encrypted with key index 0 (its "
        "last byte)"},
  {"rtph265pay", "e2eertph265pay", "it trims trailing zero bytes of NAL "
        "units, which destroys every frame encrypted with key index 0 (its "
        "last byte)"},
};

#define MAX_HOPS 16

static const gchar *
factory_name (GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory ? GST_OBJECT_NAME (factory) : NULL;
}

static gboolean
is_transparent (GstElement * element)
{
  const gchar *name = factory_name (element);
  guint i;

  for (i = 0; name != NULL && i < G_N_ELEMENTS (transparent); i++)
    if (g_str_equal (name, transparent[i]))
      return TRUE;
  return FALSE;
}

/* The element that receives what @src pushes, through ghost pads (new
 * reference), or NULL. */
static GstElement *
element_after (GstPad * src)
{
  GstPad *pad = gst_pad_get_peer (src);
  guint hops;

  for (hops = 0; pad != NULL && GST_IS_GHOST_PAD (pad) && hops < MAX_HOPS;
      hops++) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));

    gst_object_unref (pad);
    pad = target;
  }
  if (pad == NULL)
    return NULL;

  {
    GstElement *element = gst_pad_get_parent_element (pad);

    gst_object_unref (pad);
    return element;
  }
}

/* The first element after @encryptor that does more than pass buffers on
 * (new reference), or NULL. */
static GstElement *
downstream_element (GstElement * encryptor)
{
  GstPad *src = gst_element_get_static_pad (encryptor, "src");
  GstElement *element = NULL;
  guint hops;

  for (hops = 0; src != NULL && hops < MAX_HOPS; hops++) {
    element = element_after (src);
    gst_object_unref (src);
    src = NULL;
    if (element == NULL || !is_transparent (element))
      break;
    src = gst_element_get_static_pad (element, "src");
    gst_object_unref (element);
    element = NULL;
  }
  if (src != NULL)
    gst_object_unref (src);
  return element;
}

void
gst_e2ee_check_downstream_payloader (GstElement * encryptor)
{
  GstElement *next = downstream_element (encryptor);
  const gchar *name = next ? factory_name (next) : NULL;
  guint i;

  for (i = 0; name != NULL && i < G_N_ELEMENTS (stock_payloaders); i++) {
    const StockPayloader *p = &stock_payloaders[i];

    if (g_str_equal (name, p->stock)) {
      GST_ELEMENT_WARNING (encryptor, STREAM, WRONG_TYPE,
          ("%s cannot carry encrypted frames: use %s instead.", p->stock,
              p->ours),
          ("%s follows this encryptor; %s. %s packetizes encrypted frames "
              "as libwebrtc does.", GST_OBJECT_NAME (next), p->why,
              p->ours));
      break;
    }
  }
  if (next != NULL)
    gst_object_unref (next);
}
