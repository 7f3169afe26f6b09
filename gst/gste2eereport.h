/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* What e2eeencrypt and e2eedecrypt tell their user about frames: the
 * "e2ee-state-changed" element message with its reason, one bus warning
 * when frames start failing, and per-frame log lines at most once a
 * second. */

#pragma once

#include <gst/gst.h>
#include <keyring/e2ee.h>

#include "gste2eeelements.h"

G_BEGIN_DECLS

#define GST_E2EE_STATE_MESSAGE_NAME "e2ee-state-changed"

/* Streaming thread only; zero-initialised. */
typedef struct
{
  gboolean failing;             /* warned, and no frame succeeded since */
  gint64 last_log;              /* monotonic time of the last log line */
  guint64 unlogged;             /* failed frames logged at LOG level since */
} GstE2eeReport;

/* The outcome of one frame the element handled. */
typedef struct
{
  gboolean state_changed;       /* the cryptor reported a new state */
  E2eeState state;              /* the cryptor's state after the frame */
  guint key_index;              /* of the state change */
  const GError *error;          /* NULL: the frame went through */
} GstE2eeFrameOutcome;

/* After each frame: posts the state message if the state changed, the
 * warning if this is the first failure since a success (or since the
 * start), and logs a failure (rate-limited). Takes the object lock to read
 * the participant id; call without it. */
G_GNUC_INTERNAL
void gst_e2ee_report_frame (GstE2eeReport * report, GstElement * element,
    GstE2eeDirection direction, const gchar * participant_id,
    const GstE2eeFrameOutcome * outcome);

/* Starts over (the element stopped): the next failure is warned about. */
G_GNUC_INTERNAL
void gst_e2ee_report_reset (GstE2eeReport * report);

G_END_DECLS
