/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* libFuzzer target: e2ee_frame_cryptor_decrypt on arbitrary bytes.
 *
 * Byte 0 picks the codec (low 3 bits, every E2eeCodec) and the frame type
 * (bits 3-4); the rest is the received frame. The provider holds a key in
 * every slot and a ratchet window of 1, so parsing, key lookup, the
 * ratchet path and the SIF check are all reachable. A successful decrypt
 * must not grow the frame. */

#include <keyring/e2ee.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static E2eeKeyProvider *provider;
static E2eeFrameCryptor *cryptors[E2EE_CODEC_H265 + 1];

static void
setup (void)
{
  guint8 material[32];
  guint k, i;

  provider = e2ee_key_provider_new ();
  g_object_set (provider, "ratchet-window-size", 1, NULL);
  for (k = 0; k < E2EE_DEFAULT_KEY_RING_SIZE; k++) {
    for (i = 0; i < sizeof (material); i++)
      material[i] = k * 17 + i;
    if (!e2ee_key_provider_set_key (provider, NULL, material,
            sizeof (material), k, k == 0, NULL))
      abort ();
  }
  for (i = 0; i <= E2EE_CODEC_H265; i++)
    cryptors[i] = e2ee_frame_cryptor_new (provider, NULL, i);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  E2eeCodec codec;
  E2eeFrameType frame_type;
  guint8 *frame, *out;
  gsize len, out_len = 0;
  GError *error = NULL;

  if (provider == NULL)
    setup ();
  if (size < 1)
    return 0;

  codec = (data[0] & 7) % (E2EE_CODEC_H265 + 1);
  frame_type = ((data[0] >> 3) & 3) % 3;
  len = size - 1;
  /* Exact-size buffers: ASan flags any access past them. */
  frame = malloc (len ? len : 1);
  out = malloc (len ? len : 1);
  memcpy (frame, data + 1, len);

  if (e2ee_frame_cryptor_decrypt (cryptors[codec], frame, len, frame_type,
          out, len, &out_len, &error)) {
    if (out_len > len)
      abort ();
  } else if (error == NULL || error->domain != E2EE_ERROR) {
    abort ();
  }
  g_clear_error (&error);
  free (frame);
  free (out);
  return 0;
}
