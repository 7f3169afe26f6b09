/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The counters of e2eeencrypt's and e2eedecrypt's "stats" property, kept
 * as identity keeps its own (application/x-e2ee-stats). */

#pragma once

#include <gst/gst.h>
#include <keyring/e2ee.h>

#include "gste2eeelements.h"

G_BEGIN_DECLS

#define GST_E2EE_STATS_STRUCTURE_NAME "application/x-e2ee-stats"
#define GST_E2EE_N_STATES (E2EE_STATE_INTERNAL_ERROR + 1)

/* Guarded by the element's object lock; zero-initialised. */
typedef struct
{
  guint64 frames;
  guint64 bytes;                /* input bytes */
  guint64 dropped;
  guint64 failed;
  guint64 passed_through;
  /* per state: the frames after which the cryptor was in it */
  guint64 per_state[GST_E2EE_N_STATES];
} GstE2eeStats;

/* Installs the read-only "stats" property on @klass as @prop_id, with
 * @direction's blurb. */
G_GNUC_INTERNAL
void gst_e2ee_stats_install (GObjectClass * klass, guint prop_id,
    GstE2eeDirection direction);

/* Counts one frame of @size input bytes; @state is the cryptor's state
 * after it, or -1 when the cryptor did not see the frame. */
G_GNUC_INTERNAL
void gst_e2ee_stats_count_frame (GstE2eeStats * stats, gsize size,
    gboolean passed_through, gboolean dropped, gboolean failed, gint state);

/* The counters as the "stats" property shows them: frames, bytes,
 * dropped, failed, passed-through and frames-<state nick>. */
G_GNUC_INTERNAL
GstStructure *gst_e2ee_stats_to_structure (const GstE2eeStats * stats);

G_END_DECLS
