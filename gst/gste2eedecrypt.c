/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-e2eedecrypt
 * @title: e2eedecrypt
 * @see_also: e2eeencrypt
 *
 * e2eedecrypt decrypts frames encrypted end to end in LiveKit's frame
 * format, by e2eeencrypt or by any LiveKit client (JavaScript, Swift,
 * Android, Rust). Place it between a depayloader and its decoder.
 *
 * ## What goes in and out
 *
 * One encrypted frame (access unit) per buffer, with the caps of the
 * encoded stream: `video/x-vp8`, `video/x-vp9`, `video/x-av1`,
 * `video/x-h264` and `video/x-h265` (`stream-format=byte-stream` or
 * `avc`/`avc3`/`hvc1`/`hev1`, always `alignment=au`), any `audio/...` such
 * as `audio/x-opus`, and anything else as data. The output is the decrypted
 * frame, byte for byte what went into the encryptor, with the same caps, so
 * decoders negotiate as before. The key index travels in every frame; the
 * receiver picks the key from the ring of #GstE2eeBase:participant-id (the
 * sending participant) or the shared ring. Frames that end in the room's
 * server-injected-frame trailer are passed on without it, as LiveKit's
 * clients do; empty frames pass unchanged.
 *
 * Length-prefixed H.264/H.265 (avc, hvc1) is decrypted as Annex B with
 * 4-byte start codes, as LiveKit defines the format on Annex B, and the
 * result is split back into length-prefixed NAL units.
 *
 * ## Keys
 *
 * As for e2eeencrypt: an #E2eeKeyProvider from #GstE2eeBase:key-provider or
 * a GstContext, or for gst-launch-1.0 the write-only properties
 * #GstE2eeBase:passphrase, #GstE2eeBase:key and #GstE2eeBase:key-file,
 * which fill slot #GstE2eeBase:key-index (or 0) and make it current. With
 * the provider's `ratchet-window-size`, frames sent with a ratcheted key are
 * recovered and the key is adopted.
 *
 * **A frame that fails authentication is never passed on**: it is dropped,
 * counted in #GstE2eeBase:stats, logged with GST_WARNING, and a GAP event
 * takes its place so downstream timing stays sane. A frame whose key slot
 * is empty is dropped the same way (state `missing-key`). Decoding resumes
 * with the first frame that decrypts once the right key is set; setting a
 * key property while PLAYING applies it at once.
 *
 * ## Sharing the key provider
 *
 * Context type `e2ee.key-provider`, structure field `key-provider`: the
 * element asks its neighbours, then posts need-context, then creates a
 * provider and posts have-context, all in NULL->READY. One provider is
 * shared by all e2ee elements of a pipeline unless the application sets its
 * own with #GstE2eeBase:key-provider or a context.
 *
 * ## Messages
 *
 * On every change of the frame cryptor's state (never per frame), an
 * element message `e2ee-state-changed`:
 *
 * * #E2eeState `state`: the new state (`ok`, `missing-key`,
 *   `decryption-failed`, `key-ratcheted`, `internal-error`, ...)
 * * #gchararray `participant-id`: #GstE2eeBase:participant-id, or %NULL
 * * #guint `key-index`: the key index of the frame that changed the state
 *
 * A wrong key thus gives one `decryption-failed` message and, once the right
 * key is set, one `ok` message. The provider emits `state-changed` too.
 *
 * ## Properties
 *
 * `key-provider`, `participant-id`, `enabled` (%FALSE passes frames through
 * still encrypted), `key-index`, `passphrase`, `key`, `key-file` and
 * `stats` (frames, bytes, dropped, failed, passed-through and per-state
 * frame counts), all from #GstE2eeBase.
 *
 * ## Example pipelines
 *
 * The recommended receivers use GStreamer's own depayloaders, which never
 * parse past the clear header: rtpopusdepay, rtpvp8depay, rtpvp9depay,
 * rtph264depay and rtph265depay. The senders use rtpopuspay and this
 * plugin's e2eertpvp8pay, e2eertpvp9pay, e2eertph264pay and e2eertph265pay
 * (see e2eeencrypt).
 *
 * |[
 * gst-launch-1.0 udpsrc port=5004
 *     caps=application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111 !
 *     rtpjitterbuffer ! rtpopusdepay ! e2eedecrypt key-file=room.key !
 *     opusdec ! audioconvert ! autoaudiosink
 * ]| Decrypts Opus sent by the first e2eeencrypt example.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5006
 *     caps=application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96 !
 *     rtpjitterbuffer ! rtpvp8depay !
 *     e2eedecrypt passphrase=my-room-passphrase ! vp8dec ! videoconvert !
 *     autovideosink
 * ]| Decrypts VP8 from e2eertpvp8pay.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5008
 *     caps=application/x-rtp,media=video,encoding-name=VP9,clock-rate=90000,payload=98 !
 *     rtpjitterbuffer ! rtpvp9depay ! e2eedecrypt key-file=room.key !
 *     vp9dec ! videoconvert ! autovideosink
 * ]| Decrypts VP9 from e2eertpvp9pay.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5010
 *     caps=application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102 !
 *     rtpjitterbuffer ! rtph264depay !
 *     video/x-h264,stream-format=byte-stream,alignment=au !
 *     e2eedecrypt key-file=room.key ! h264parse ! avdec_h264 ! videoconvert !
 *     autovideosink
 * ]| Decrypts H.264 from e2eertph264pay (any key index: it is in the frame).
 * `sprop-parameter-sets` in the caps are harmless: rtph264depay (and
 * rtph265depay with `sprop-vps`/`-sps`/`-pps`) prepends them to the first
 * access unit after every caps event, in front of the authenticated clear
 * header; that frame fails as received and is then tried from the start
 * codes after the parameter sets. Only the authenticated rest, which is
 * exactly what the sender sent, is passed on.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5012
 *     caps=application/x-rtp,media=video,encoding-name=H265,clock-rate=90000,payload=104 !
 *     rtpjitterbuffer ! rtph265depay !
 *     video/x-h265,stream-format=byte-stream,alignment=au !
 *     e2eedecrypt key-file=room.key ! h265parse ! avdec_h265 ! videoconvert !
 *     autovideosink
 * ]| Decrypts H.265 from e2eertph265pay.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eedecrypt.h"
#include "gste2eeelements.h"
/* examples[]: the pipelines of the SECTION block above */
#include "gste2eedecrypt-examples.h"

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_decrypt_debug);
#define GST_CAT_DEFAULT gst_e2ee_decrypt_debug

struct _GstE2eeDecrypt
{
  GstE2eeBase parent;
};

#define gst_e2ee_decrypt_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeDecrypt, gst_e2ee_decrypt, GST_TYPE_E2EE_BASE,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_decrypt_debug, "e2eedecrypt", 0,
        "End-to-end frame decryptor"));
GST_ELEMENT_REGISTER_DEFINE (e2eedecrypt, "e2eedecrypt", GST_RANK_NONE,
    GST_TYPE_E2EE_DECRYPT);

static gsize
gst_e2ee_decrypt_get_max_output_size (GstE2eeBase * base,
    E2eeFrameCryptor * cryptor, gsize in_len)
{
  /* A decrypted frame is never longer than the encrypted one. */
  return in_len;
}

static gboolean
gst_e2ee_decrypt_process (GstE2eeBase * base, E2eeFrameCryptor * cryptor,
    const guint8 * in, gsize in_len, E2eeFrameType frame_type, guint8 * out,
    gsize out_size, gsize * out_len, GError ** error)
{
  return e2ee_frame_cryptor_decrypt (cryptor, in, in_len,
      frame_type, out, out_size, out_len, error);
}

static void
gst_e2ee_decrypt_class_init (GstE2eeDecryptClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstE2eeBaseClass *base_class = GST_E2EE_BASE_CLASS (klass);

  gst_element_class_set_static_metadata (element_class,
      "End-to-end frame decryptor", "Filter/Decryptor",
      "Decrypts encoded audio/video frames encrypted end to end "
      "(LiveKit E2EE frame format, AES-GCM)",
      "gst-e2ee authors <gst-e2ee@example.org>");
  gst_e2ee_element_class_add_examples (element_class, examples);
  gst_e2ee_base_class_install_properties (base_class,
      GST_E2EE_DIRECTION_DECRYPT);

  base_class->get_max_output_size =
      GST_DEBUG_FUNCPTR (gst_e2ee_decrypt_get_max_output_size);
  base_class->process = GST_DEBUG_FUNCPTR (gst_e2ee_decrypt_process);
}

static void
gst_e2ee_decrypt_init (GstE2eeDecrypt * self)
{
  /* Otherwise basetransform puts downstream's caps order first (an H.264
   * decoder's: avc before byte-stream), undoing the base's preference for
   * byte-stream (see its transform_caps). */
  gst_base_transform_set_prefer_passthrough (GST_BASE_TRANSFORM (self),
      FALSE);
}
