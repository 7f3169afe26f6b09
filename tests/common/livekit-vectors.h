/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Reading LiveKit's test vectors (tests/data/livekit-2.23.0-public.json),
 * shared by the core's tests (tests/keyring/test-vectors.c) and the
 * elements' (tests/gst/test-element-vectors.c), so that both set a
 * vector's key up the same way. Public API only. Failures abort with
 * g_assert, which fails a gst-check test as well. */

#ifndef __E2EE_TEST_LIVEKIT_VECTORS_H__
#define __E2EE_TEST_LIVEKIT_VECTORS_H__

#include <keyring/e2ee.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "hex.h"

#define VECTORS_FILE "livekit-2.23.0-public.json"

static inline GBytes *
member_bytes (JsonObject * vector, const gchar * member)
{
  return hex_to_bytes (json_object_get_string_member (vector, member));
}

static inline E2eeCodec
vector_codec (JsonObject * vector)
{
  const gchar *codec = json_object_get_string_member (vector, "codec");

  if (g_str_equal (codec, "vp8"))
    return E2EE_CODEC_VP8;
  if (g_str_equal (codec, "vp9"))
    return E2EE_CODEC_VP9;
  if (g_str_equal (codec, "h264"))
    return E2EE_CODEC_H264;
  if (g_str_equal (codec, "h265"))
    return E2EE_CODEC_H265;
  if (g_str_equal (codec, "opus"))
    return E2EE_CODEC_AUDIO;
  g_error ("unknown codec %s", codec);
  return E2EE_CODEC_DATA;
}

static inline const gchar *
vector_participant (JsonObject * vector)
{
  return json_object_get_string_member (vector, "participantIdentity");
}

static inline guint
vector_key_index (JsonObject * vector)
{
  return json_object_get_int_member (vector, "keyIndex");
}

static inline guint
ratchet_count (JsonObject * vector)
{
  return json_object_get_int_member (vector, "ratchetCount");
}

/* A provider holding the vector's key, as the vector's receiver or sender
 * would: ratcheted @ratchets times. */
static inline E2eeKeyProvider *
provider_for (JsonObject * vector, guint ratchets, guint ratchet_window)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  JsonObject *key = json_object_get_object_member (vector, "key");
  const gchar *participant = vector_participant (vector);
  guint key_index = vector_key_index (vector);
  GError *error = NULL;
  guint i;

  g_object_set (provider,
      "shared-key", g_str_equal (json_object_get_string_member (vector,
              "mode"), "shared"),
      "ratchet-salt", json_object_get_string_member (vector, "ratchetSalt"),
      "ratchet-window-size", ratchet_window, NULL);

  if (g_str_equal (json_object_get_string_member (key, "type"), "raw")) {
    GBytes *material = member_bytes (key, "hex");

    g_assert_true (e2ee_key_provider_set_key (provider, participant,
            g_bytes_get_data (material, NULL), g_bytes_get_size (material),
            key_index, TRUE, &error));
    g_bytes_unref (material);
  } else {
    g_assert_true (e2ee_key_provider_set_passphrase (provider, participant,
            json_object_get_string_member (key, "passphrase"), key_index,
            TRUE, &error));
  }
  g_assert_no_error (error);

  for (i = 0; i < ratchets; i++) {
    GBytes *material = e2ee_key_provider_ratchet_key (provider, participant,
        key_index, &error);

    g_assert_no_error (error);
    g_bytes_unref (material);
  }
  return provider;
}

#endif /* __E2EE_TEST_LIVEKIT_VECTORS_H__ */
