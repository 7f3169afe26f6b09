/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* What the elements say about frames, graded as srtpdec grades it: a
 * failing frame is counted (gste2eestats.c), logged and dropped, never a
 * bus error. What a user must act on reaches the bus, once:
 *
 *  - "e2ee-state-changed" on every change of the frame cryptor's state,
 *    with a `reason` for the failure states, where the state alone does
 *    not tell (decryption-failed: wrong key or an invalid one;
 *    internal-error: a frame that was never encrypted, say);
 *  - one GST_ELEMENT_WARNING at the first failure after a success, or
 *    after the start: an encryptor without a key, a decryptor with the
 *    wrong key, ... gst-launch-1.0 prints it as a WARNING: line;
 *  - per-frame log lines at most once a second, with a count of those in
 *    between (LiveKit's worker throttles its errors the same way).
 *
 * None of them ever holds key material: indexes, participant ids and
 * reasons only. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eereport.h"
#include "gste2eebase.h"

/* Part of the element base: logged in its category. */
#define GST_CAT_DEFAULT gst_e2ee_base_debug

#define LOG_INTERVAL G_USEC_PER_SEC

/* ---- reasons ---- */

/* The `reason` of a state message and warning: why the frame failed, as a
 * short token (documented in the SECTION blocks). */
static const gchar *
reason_of (const GError * error, GstE2eeDirection direction)
{
  if (error == NULL)
    return NULL;
  if (error->domain != E2EE_ERROR)
    return "malformed-frame";   /* the element's own checks (NAL units) */
  switch (error->code) {
    case E2EE_ERROR_MISSING_KEY:
      return "missing-key";
    case E2EE_ERROR_INVALID_KEY:
      return "key-invalid";
    case E2EE_ERROR_DECRYPTION_FAILED:
      return "authentication-failed";
    case E2EE_ERROR_ENCRYPTION_FAILED:
      return "encryption-failed";
    case E2EE_ERROR_MALFORMED_FRAME:
      /* A frame the decryptor cannot parse lacks LiveKit's trailer (IV
       * length 12, key index): it was not encrypted (or is not a frame). */
      return direction == GST_E2EE_DIRECTION_DECRYPT ? "not-encrypted" :
          "malformed-frame";
    default:
      return "internal-error";
  }
}

static gboolean
is_failure_state (E2eeState state)
{
  return state == E2EE_STATE_ENCRYPTION_FAILED ||
      state == E2EE_STATE_DECRYPTION_FAILED ||
      state == E2EE_STATE_MISSING_KEY || state == E2EE_STATE_INTERNAL_ERROR;
}

/* ---- the state message ---- */

/* "e2ee-state-changed":
 *  - E2eeState `state`: the new state
 *  - gchararray `participant-id`: the element's participant-id (or NULL)
 *  - guint `key-index`: the key index of the frame that changed the state
 *  - gchararray `reason`: for the failure states only, see reason_of()
 */
static void
post_state_message (GstElement * element, GstE2eeDirection direction,
    const gchar * participant_id, const GstE2eeFrameOutcome * outcome)
{
  GstStructure *s;
  const gchar *reason = is_failure_state (outcome->state) ?
      reason_of (outcome->error, direction) : NULL;

  GST_INFO_OBJECT (element, "cryptor state of participant %s is now %d "
      "(key index %u, reason %s)", GST_STR_NULL (participant_id),
      outcome->state, outcome->key_index, GST_STR_NULL (reason));

  s = gst_structure_new (GST_E2EE_STATE_MESSAGE_NAME,
      "state", E2EE_TYPE_STATE, outcome->state,
      "participant-id", G_TYPE_STRING, participant_id,
      "key-index", G_TYPE_UINT, outcome->key_index, NULL);
  if (reason != NULL)
    gst_structure_set (s, "reason", G_TYPE_STRING, reason, NULL);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), s));
}

/* ---- the warning ---- */

/* " of participant alice" after a key index, or "" for the shared ring. */
static gchar *
of_participant (const gchar * participant_id)
{
  if (participant_id == NULL)
    return g_strdup ("");
  return g_strdup_printf (" of participant %s", participant_id);
}

static void
post_encrypt_warning (GstElement * element, const gchar * who,
    const GstE2eeFrameOutcome * outcome, const gchar * reason)
{
  const GError *error = outcome->error;

  if (g_error_matches (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY))
    GST_ELEMENT_WARNING_WITH_DETAILS (element, STREAM, ENCODE,
        ("No key at index %u%s to encrypt with: frames are dropped until a "
            "key is set.", outcome->key_index, who),
        ("Set passphrase, passphrase-file, key or key-file on this element, "
            "or a key in its key provider. No frame leaves an enabled "
            "encryptor unencrypted."),
        ("reason", G_TYPE_STRING, reason, "key-index", G_TYPE_UINT,
            outcome->key_index, NULL));
  else
    GST_ELEMENT_WARNING_WITH_DETAILS (element, STREAM, ENCODE,
        ("Could not encrypt a frame with the key at index %u%s: it is "
            "dropped.", outcome->key_index, who),
        ("%s", error->message), ("reason", G_TYPE_STRING, reason,
            "key-index", G_TYPE_UINT, outcome->key_index, NULL));
}

static void
post_decrypt_warning (GstElement * element, const gchar * who,
    const GstE2eeFrameOutcome * outcome, const gchar * reason)
{
  const GError *error = outcome->error;
  guint index = outcome->key_index;

  if (g_str_equal (reason, "missing-key"))
    GST_ELEMENT_WARNING_WITH_DETAILS (element, STREAM, DECRYPT_NOKEY,
        ("No key at index %u%s to decrypt with: frames are dropped until "
            "one is set.", index, who),
        ("%s. Set passphrase, passphrase-file, key or key-file on this "
            "element, or a key in its key provider.", error->message),
        ("reason", G_TYPE_STRING, reason, "key-index", G_TYPE_UINT, index,
            NULL));
  else if (g_str_equal (reason, "authentication-failed"))
    GST_ELEMENT_WARNING_WITH_DETAILS (element, STREAM, DECRYPT,
        ("Frames fail to decrypt with the key at index %u%s (wrong key?): "
            "they are dropped until one decrypts.", index, who),
        ("%s. Check the key, and that ratchet-salt, key-size and "
            "key-derivation are the sender's (and ratchet-window-size, if "
            "the sender ratchets its key).", error->message),
        ("reason", G_TYPE_STRING, reason, "key-index", G_TYPE_UINT, index,
            NULL));
  else if (g_str_equal (reason, "key-invalid"))
    GST_ELEMENT_WARNING_WITH_DETAILS (element, STREAM, DECRYPT,
        ("The key at index %u%s failed more often than failure-tolerance "
            "allows: frames are dropped until a new key is set.", index,
            who), ("%s", error->message),
        ("reason", G_TYPE_STRING, reason, "key-index", G_TYPE_UINT, index,
            NULL));
  else if (g_str_equal (reason, "not-encrypted"))
    GST_ELEMENT_WARNING_WITH_DETAILS (element, STREAM, DECRYPT,
        ("Received a frame that is not encrypted (it does not end in "
            "LiveKit's E2EE trailer): it is dropped."),
        ("%s. Is the sender encrypting? Set enabled=false to pass "
            "unencrypted frames on.", error->message),
        ("reason", G_TYPE_STRING, reason, NULL));
  else
    GST_ELEMENT_WARNING_WITH_DETAILS (element, STREAM, DECRYPT,
        ("Could not decrypt a frame: it is dropped."),
        ("%s", error->message), ("reason", G_TYPE_STRING, reason, NULL));
}

/* Whether a failed frame is worth a warning: not while a decryptor with
 * discard-frame-when-cryptor-not-ready waits quietly for its first key
 * (MISSING_KEY without the missing-key state). */
static gboolean
worth_a_warning (const GstE2eeFrameOutcome * outcome)
{
  return !g_error_matches (outcome->error, E2EE_ERROR,
      E2EE_ERROR_MISSING_KEY) || outcome->state == E2EE_STATE_MISSING_KEY;
}

/* ---- per-frame log lines ---- */

static void
log_failure (GstE2eeReport * report, GstElement * element,
    const GError * error)
{
  gint64 now = g_get_monotonic_time ();

  if (report->last_log != 0 && now - report->last_log < LOG_INTERVAL) {
    report->unlogged++;
    GST_LOG_OBJECT (element, "frame dropped: %s", error->message);
    return;
  }

  /* A missing key lasts until a key is set: INFO, not a warning. */
  if (g_error_matches (error, E2EE_ERROR, E2EE_ERROR_MISSING_KEY))
    GST_INFO_OBJECT (element, "frame dropped: %s (and %" G_GUINT64_FORMAT
        " more since the last message)", error->message, report->unlogged);
  else
    GST_WARNING_OBJECT (element, "frame dropped: %s (and %" G_GUINT64_FORMAT
        " more since the last message)", error->message, report->unlogged);
  report->last_log = now;
  report->unlogged = 0;
}

void
gst_e2ee_report_frame (GstE2eeReport * report, GstElement * element,
    GstE2eeDirection direction, const gchar * participant_id,
    const GstE2eeFrameOutcome * outcome)
{
  if (outcome->state_changed)
    post_state_message (element, direction, participant_id, outcome);

  if (outcome->error == NULL) {
    /* Frames that pass untouched (empty ones, server-injected ones) say
     * nothing about the key: only a frame the key opened or sealed ends a
     * run of failures. */
    if (outcome->state == E2EE_STATE_OK
        || outcome->state == E2EE_STATE_KEY_RATCHETED)
      report->failing = FALSE;
    return;
  }

  log_failure (report, element, outcome->error);
  if (!report->failing && worth_a_warning (outcome)) {
    const gchar *reason = reason_of (outcome->error, direction);
    gchar *who = of_participant (participant_id);

    report->failing = TRUE;
    if (direction == GST_E2EE_DIRECTION_ENCRYPT)
      post_encrypt_warning (element, who, outcome, reason);
    else
      post_decrypt_warning (element, who, outcome, reason);
    g_free (who);
  }
}

void
gst_e2ee_report_reset (GstE2eeReport * report)
{
  report->failing = FALSE;
  report->last_log = 0;
  report->unlogged = 0;
}
