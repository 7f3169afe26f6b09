/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to libe2ee-keyring and its tests: not installed, not in the GIR,
 * not exported from the shared library. Only tests that link the internal
 * archive (keyring_internal_dep) can call what is here. */

#pragma once

#include <keyring/e2ee-frame-cryptor.h>

G_BEGIN_DECLS

/* FOR KNOWN-ANSWER TESTS ONLY: from now on the IV is LiveKit's
 * BE32 (@ssrc) || BE32 (@rtp_timestamp) || BE32 (@rtp_timestamp -
 * (send_count mod 0xFFFF)), with @ssrc and @rtp_timestamp fixed and
 * send_count starting at @send_count and growing by one per frame, so that
 * frames come out byte for byte as LiveKit made its test vectors. IVs
 * REPEAT when the pins are reused (e2ee-iv.c): a switch that breaks
 * AES-GCM must never be one call away from an application. */
void e2ee_frame_cryptor_pin_iv_for_testing (E2eeFrameCryptor * cryptor,
    guint32 ssrc, guint32 rtp_timestamp, guint32 send_count);

/* How many of the cryptor's cached key entries hold AES-GCM contexts bound
 * to a key: tests check that removing a key frees them at once. */
guint e2ee_frame_cryptor_count_bound_keys_for_testing (E2eeFrameCryptor *
    cryptor);

G_END_DECLS
