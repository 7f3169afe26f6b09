/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The elements' key-removal action signals (issue 15): remove-key,
 * remove-participant and clear-keys on e2eeencrypt and e2eedecrypt. After
 * each, no frame leaves the element with the removed key (GAP events, one
 * missing-key message), the provider holds no such key, a key property
 * not yet applied goes too, removal from another thread while frames flow
 * is safe, and gst-inspect-1.0 lists the signals. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <keyring/e2ee.h>
#include <string.h>

#include "codec-frames.h"
#include "element-harness.h"

#define PASSPHRASE "key-removal-passphrase"
#define FRAME_DURATION (GST_SECOND / 30)

static const guint8 raw_key[] = {
  0x0d, 0x55, 0xb6, 0x09, 0x64, 0x8f, 0xca, 0xa7,
  0xa6, 0x4f, 0xf4, 0x98, 0x6d, 0x1a, 0xd5, 0x14,
};

static GstBuffer *
frame_buffer (guint n)
{
  GByteArray *frame = make_frame (E2EE_CODEC_VP8, n);
  GstBuffer *buf = gst_buffer_new_memdup (frame->data, frame->len);

  GST_BUFFER_PTS (buf) = n * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  g_byte_array_unref (frame);
  return buf;
}

static gsize
frame_len (guint n)
{
  GByteArray *frame = make_frame (E2EE_CODEC_VP8, n);
  gsize len = frame->len;

  g_byte_array_unref (frame);
  return len;
}

static gboolean
equals_frame (GstBuffer * buf, guint n)
{
  GByteArray *frame = make_frame (E2EE_CODEC_VP8, n);
  gboolean same = gst_buffer_get_size (buf) == frame->len
      && gst_buffer_memcmp (buf, 0, frame->data, frame->len) == 0;

  g_byte_array_unref (frame);
  return same;
}

/* How many "e2ee-state-changed" messages @bus holds, and how many of them
 * say @state; pops them all. */
static guint
pop_states (GstBus * bus, E2eeState state, guint * with_state)
{
  GstMessage *msg;
  guint total = 0;

  *with_state = 0;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    E2eeState got;

    if (gst_structure_has_name (s, "e2ee-state-changed")
        && gst_structure_get_enum (s, "state", E2EE_TYPE_STATE,
            (gint *) & got)) {
      total++;
      *with_state += got == state;
    }
    gst_message_unref (msg);
  }
  return total;
}

static gboolean
emit_remove_key (GstElement * element, guint key_index)
{
  gboolean removed = FALSE;

  g_signal_emit_by_name (element, "remove-key", key_index, &removed);
  return removed;
}

static gboolean
emit_remove_participant (GstElement * element, const gchar * participant)
{
  gboolean removed = FALSE;

  g_signal_emit_by_name (element, "remove-participant", participant,
      &removed);
  return removed;
}

/* Pushes frames @from.. @from + @n - 1 and checks none came out: each
 * left a GAP event, and the element's state became missing-key once. */
static void
assert_frames_dropped (GstHarness * h, GstBus * bus, guint from, guint n)
{
  guint i, states, missing;

  for (i = from; i < from + n; i++)
    fail_unless_equals_int (gst_harness_push (h, frame_buffer (i)),
        GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_int (count_gap_events (h), n);
  states = pop_states (bus, E2EE_STATE_MISSING_KEY, &missing);
  fail_unless_equals_int (states, 1);
  fail_unless_equals_int (missing, 1);
}

/* e2eeencrypt: remove-key empties the slot it encrypts with; frames are
 * dropped, never sent in clear, until a key is set there again. */
GST_START_TEST (test_encryptor_remove_key)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstBus *bus = gst_bus_new ();
  E2eeKeyProvider *provider;
  GstHarness *h;
  GstBuffer *out;
  guint states, ok;

  g_object_set (enc, "passphrase", PASSPHRASE, "key-index", 5, NULL);
  gst_element_set_bus (enc, bus);
  h = harness_with (gst_object_ref (enc));
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  provider = get_provider (enc);

  out = gst_harness_push_and_pull (h, frame_buffer (0));
  fail_unless_equals_int (gst_buffer_get_size (out),
      frame_len (0) + E2EE_FRAME_OVERHEAD);
  gst_buffer_unref (out);
  pop_states (bus, E2EE_STATE_OK, &ok);

  fail_unless (emit_remove_key (enc, 4) == FALSE);
  fail_unless (emit_remove_key (enc, 5));
  fail_if (e2ee_key_provider_has_key (provider, NULL, 5));
  fail_unless (emit_remove_key (enc, 5) == FALSE);
  assert_frames_dropped (h, bus, 1, 4);
  fail_unless_equals_uint64 (get_stat (enc, "frames-missing-key"), 4);
  fail_unless_equals_uint64 (get_stat (enc, "failed"), 0);

  /* A key again: frames flow, state ok. */
  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  out = gst_harness_push_and_pull (h, frame_buffer (5));
  gst_buffer_unref (out);
  states = pop_states (bus, E2EE_STATE_OK, &ok);
  fail_unless_equals_int (states, 1);
  fail_unless_equals_int (ok, 1);

  g_object_unref (provider);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* e2eedecrypt: remove-participant drops the sender's ring; its frames,
 * which decrypted a moment before, are dropped; other rings stay. */
GST_START_TEST (test_decryptor_remove_participant)
{
  E2eeKeyProvider *provider = g_object_new (E2EE_TYPE_KEY_PROVIDER,
      "shared-key", FALSE, NULL);
  GstHarness *enc_h = gst_harness_new ("e2eeencrypt");
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  GstBus *bus = gst_bus_new ();
  GstBuffer *sealed[6], *out;
  GstHarness *h;
  guint n, ok;

  fail_unless (e2ee_key_provider_set_key (provider, "alice", raw_key,
          sizeof (raw_key), 0, TRUE, NULL));
  fail_unless (e2ee_key_provider_set_key (provider, "bob", raw_key,
          sizeof (raw_key), 0, TRUE, NULL));
  g_object_set (enc_h->element, "key-provider", provider, "participant-id",
      "alice", NULL);
  gst_harness_set_src_caps_str (enc_h, "video/x-vp8");
  for (n = 0; n < G_N_ELEMENTS (sealed); n++)
    sealed[n] = gst_harness_push_and_pull (enc_h, frame_buffer (n));

  g_object_set (dec, "key-provider", provider, "participant-id", "alice",
      NULL);
  gst_element_set_bus (dec, bus);
  h = harness_with (gst_object_ref (dec));
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  for (n = 0; n < 2; n++) {
    out = gst_harness_push_and_pull (h, gst_buffer_ref (sealed[n]));
    fail_unless (equals_frame (out, n));
    gst_buffer_unref (out);
  }
  pop_states (bus, E2EE_STATE_OK, &ok);

  fail_unless (emit_remove_participant (dec, "alice"));
  fail_unless (emit_remove_participant (dec, "alice") == FALSE);
  fail_if (e2ee_key_provider_has_key (provider, "alice", 0));
  fail_unless (e2ee_key_provider_has_key (provider, "bob", 0));
  /* A NULL participant is refused (the shared ring has its own calls). */
  fail_unless (emit_remove_participant (dec, NULL) == FALSE);

  for (n = 2; n < G_N_ELEMENTS (sealed); n++)
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (sealed[n])), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_int (count_gap_events (h), G_N_ELEMENTS (sealed) - 2);
  fail_unless_equals_int (pop_states (bus, E2EE_STATE_MISSING_KEY, &ok), 1);
  fail_unless_equals_int (ok, 1);
  fail_unless_equals_uint64 (get_stat (dec, "frames-missing-key"),
      G_N_ELEMENTS (sealed) - 2);

  /* The encryptor (alice's) has no key either now. */
  fail_unless_equals_int (gst_harness_push (enc_h, frame_buffer (9)),
      GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (enc_h) == NULL);

  for (n = 0; n < G_N_ELEMENTS (sealed); n++)
    gst_buffer_unref (sealed[n]);
  gst_element_set_bus (dec, NULL);
  gst_object_unref (bus);
  gst_object_unref (dec);
  gst_harness_teardown (h);
  gst_harness_teardown (enc_h);
  g_object_unref (provider);
}

GST_END_TEST;

/* clear-keys on one element clears the provider both share (through the
 * context): the encryptor drops, the decryptor gets nothing. */
GST_START_TEST (test_clear_keys_shared_provider)
{
  GstElement *enc = make_element ("e2eeencrypt", "enc");
  GstElement *dec = make_element ("e2eedecrypt", "dec");
  GstBus *bus = gst_bus_new ();
  E2eeKeyProvider *provider;
  GstHarness *h;
  GstBuffer *out;
  guint ok;

  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  g_object_set (dec, "passphrase", PASSPHRASE, "key-index", 3, NULL);
  h = harness_with (make_pair_bin (gst_object_ref (enc),
          gst_object_ref (dec)));
  gst_element_set_bus (enc, bus);
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  provider = get_provider (dec);
  fail_unless (provider != NULL);
  fail_unless (e2ee_key_provider_has_key (provider, NULL, 3));

  out = gst_harness_push_and_pull (h, frame_buffer (0));
  fail_unless (equals_frame (out, 0));
  gst_buffer_unref (out);
  pop_states (bus, E2EE_STATE_OK, &ok);

  g_signal_emit_by_name (dec, "clear-keys");
  fail_if (e2ee_key_provider_has_key (provider, NULL, 0));
  fail_if (e2ee_key_provider_has_key (provider, NULL, 3));
  assert_frames_dropped (h, bus, 1, 3);
  fail_unless_equals_uint64 (get_stat (dec, "frames"), 1);

  g_object_unref (provider);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);
  gst_object_unref (dec);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Starts @enc (NULL -> PLAYING: it finds a provider and applies its
 * pending key property), says whether the provider then holds a key at
 * @index of @participant's ring, and stops it again. */
static gboolean
pending_key_lands (GstElement * enc, const gchar * participant, guint index)
{
  GstHarness *h = harness_with (gst_object_ref (enc));
  E2eeKeyProvider *provider;
  gboolean landed;

  gst_harness_set_src_caps_str (h, "video/x-vp8");
  provider = get_provider (enc);
  fail_unless (provider != NULL);
  landed = e2ee_key_provider_has_key (provider, participant, index);
  /* The element keeps the context it made, and with it this provider,
   * for its next start: leave it empty for the next check. */
  e2ee_key_provider_clear_keys (provider);
  g_object_unref (provider);
  gst_harness_teardown (h);
  return landed;
}

/* A key property set before the element has a provider waits as the
 * pending key; removing what it was meant for drops it, so it never lands
 * in the provider; removing something else leaves it. */
GST_START_TEST (test_pending_key_removed)
{
  GstElement *enc = make_element ("e2eeencrypt", NULL);

  g_object_set (enc, "passphrase", PASSPHRASE, "key-index", 2, NULL);
  fail_unless (emit_remove_key (enc, 1) == FALSE);
  fail_unless (pending_key_lands (enc, NULL, 2));

  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  fail_unless (emit_remove_key (enc, 18) == FALSE);     /* slot 2 of 16 */
  fail_if (pending_key_lands (enc, NULL, 2));

  g_object_set (enc, "participant-id", "alice", "passphrase", PASSPHRASE,
      NULL);
  fail_unless (emit_remove_participant (enc, "bob") == FALSE);
  fail_unless (pending_key_lands (enc, "alice", 2));
  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  fail_unless (emit_remove_participant (enc, "alice") == FALSE);
  fail_if (pending_key_lands (enc, "alice", 2));

  g_object_set (enc, "passphrase", PASSPHRASE, NULL);
  g_signal_emit_by_name (enc, "clear-keys");
  fail_if (pending_key_lands (enc, "alice", 2));

  gst_object_unref (enc);
}

GST_END_TEST;

/* Keys removed and set again from another thread while frames stream
 * through encryptor and decryptor: every frame that comes out is the
 * frame that went in, and nothing crashes. */
typedef struct
{
  GstElement *element;
  E2eeKeyProvider *provider;
  gint stop;
  guint removals;
} Remover;

static gpointer
remover_run (gpointer data)
{
  Remover *r = data;
  guint i = 0;

  while (!g_atomic_int_get (&r->stop)) {
    switch (i++ % 3) {
      case 0:
        r->removals += emit_remove_key (r->element, 0);
        break;
      case 1:
        g_signal_emit_by_name (r->element, "clear-keys");
        r->removals++;
        break;
      default:
        fail_unless (e2ee_key_provider_set_key (r->provider, NULL, raw_key,
                sizeof (raw_key), 0, TRUE, NULL));
        break;
    }
    g_usleep (200);
  }
  return NULL;
}

GST_START_TEST (test_removal_while_streaming)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GstElement *enc = make_element ("e2eeencrypt", NULL);
  GstElement *dec = make_element ("e2eedecrypt", NULL);
  Remover remover = { dec, provider, 0, 0 };
  guint n, passed = 0, n_frames = 600;
  GThread *thread;
  GstHarness *h;
  GstBuffer *out;

  g_object_set (enc, "key-provider", provider, NULL);
  g_object_set (dec, "key-provider", provider, NULL);
  fail_unless (e2ee_key_provider_set_key (provider, NULL, raw_key,
          sizeof (raw_key), 0, TRUE, NULL));
  h = harness_with (make_pair_bin (enc, dec));
  gst_harness_set_src_caps_str (h, "video/x-vp8");

  thread = g_thread_new ("remover", remover_run, &remover);
  for (n = 0; n < n_frames; n++) {
    fail_unless_equals_int (gst_harness_push (h, frame_buffer (n)),
        GST_FLOW_OK);
    while ((out = gst_harness_try_pull (h))) {
      fail_unless (equals_frame (out, n));
      passed++;
      gst_buffer_unref (out);
    }
  }
  g_atomic_int_set (&remover.stop, 1);
  g_thread_join (thread);

  GST_INFO ("%u of %u frames passed, %u removals", passed, n_frames,
      remover.removals);
  fail_unless (remover.removals > 0);
  fail_unless_equals_uint64 (get_stat (enc, "frames"), n_frames);
  fail_unless_equals_uint64 (get_stat (dec, "frames") + get_stat (enc,
          "dropped"), n_frames);
  fail_unless_equals_uint64 (get_stat (dec, "frames") - get_stat (dec,
          "dropped"), passed);

  gst_harness_teardown (h);
  g_object_unref (provider);
}

GST_END_TEST;

/* gst-inspect-1.0 lists the three signals as element actions. */
GST_START_TEST (test_inspect_lists_actions)
{
  const gchar *factories[] = { "e2eeencrypt", "e2eedecrypt" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (factories); i++) {
    const gchar *argv[] = { "gst-inspect-1.0", factories[i], NULL };
    gchar *out = NULL, *actions;
    gint status = 0;

    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
            G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
            &out, NULL, &status, NULL));
    fail_unless (g_spawn_check_wait_status (status, NULL));
    actions = strstr (out, "Element Actions:");
    fail_unless (actions != NULL, "%s has no element actions",
        factories[i]);
    fail_unless (strstr (actions, "\"remove-key\"") != NULL);
    fail_unless (strstr (actions, "\"remove-participant\"") != NULL);
    fail_unless (strstr (actions, "\"clear-keys\"") != NULL);
    g_free (out);
  }
}

GST_END_TEST;

static Suite *
e2ee_key_removal_suite (void)
{
  Suite *s = suite_create ("e2ee-key-removal");
  TCase *tc = tcase_create ("signals");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_encryptor_remove_key);
  tcase_add_test (tc, test_decryptor_remove_participant);
  tcase_add_test (tc, test_clear_keys_shared_provider);
  tcase_add_test (tc, test_pending_key_removed);
  tcase_add_test (tc, test_removal_while_streaming);
  tcase_add_test (tc, test_inspect_lists_actions);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (e2ee_key_removal);
