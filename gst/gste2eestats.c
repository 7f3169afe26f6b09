/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Frame, byte, drop and failure counters of the elements, and the
 * structure their "stats" property returns. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eestats.h"

void
gst_e2ee_stats_install (GObjectClass * klass, guint prop_id,
    GstE2eeDirection direction)
{
  /**
   * GstE2eeBase:stats:
   *
   * Counters since the element started, in an "application/x-e2ee-stats"
   * structure of #guint64 fields: `frames` and `bytes` (input), `dropped`
   * (frames not pushed), `failed` (frames the cryptor rejected for a reason
   * other than a missing key), `passed-through` (frames passed unchanged
   * because the element was disabled), and per cryptor state the frames
   * after which the cryptor was in it: `frames-ok`, `frames-missing-key`,
   * `frames-decryption-failed`, `frames-encryption-failed`,
   * `frames-key-ratcheted`, `frames-internal-error`.
   */
  g_object_class_install_property (klass, prop_id,
      g_param_spec_boxed ("stats", "Statistics",
          GST_E2EE_FOR (direction,
              "Counters of frames encrypted, dropped (no key, ...) and "
              "passed through, and of bytes in",
              "Counters of frames decrypted, dropped (wrong or missing key, "
              "...) and passed through, and of bytes in"),
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

void
gst_e2ee_stats_count_frame (GstE2eeStats * stats, gsize size,
    gboolean passed_through, gboolean dropped, gboolean failed, gint state)
{
  stats->frames++;
  stats->bytes += size;
  if (passed_through)
    stats->passed_through++;
  if (dropped)
    stats->dropped++;
  if (failed)
    stats->failed++;
  if (state >= 0 && state < GST_E2EE_N_STATES)
    stats->per_state[state]++;
}

GstStructure *
gst_e2ee_stats_to_structure (const GstE2eeStats * stats)
{
  GEnumClass *states = g_type_class_ref (E2EE_TYPE_STATE);
  GstStructure *s;
  guint i;

  s = gst_structure_new (GST_E2EE_STATS_STRUCTURE_NAME,
      "frames", G_TYPE_UINT64, stats->frames,
      "bytes", G_TYPE_UINT64, stats->bytes,
      "dropped", G_TYPE_UINT64, stats->dropped,
      "failed", G_TYPE_UINT64, stats->failed,
      "passed-through", G_TYPE_UINT64, stats->passed_through, NULL);
  for (i = E2EE_STATE_OK; i < GST_E2EE_N_STATES; i++) {
    GEnumValue *v = g_enum_get_value (states, i);
    gchar *field = g_strconcat ("frames-", v->value_nick, NULL);

    gst_structure_set (s, field, G_TYPE_UINT64, stats->per_state[i], NULL);
    g_free (field);
  }

  g_type_class_unref (states);
  return s;
}
