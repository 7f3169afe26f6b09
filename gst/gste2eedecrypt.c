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
 * `avc`/`avc3`/`hvc1`/`hev1`, always `alignment=au`), encoded audio
 * (`audio/x-opus`, `audio/x-alaw`, `audio/x-mulaw`, `audio/G722`,
 * `audio/mpeg`) and `application/x-e2ee-data`. The output is the decrypted
 * frame, byte for byte what went into the encryptor, with the same caps, so
 * decoders negotiate as before. The key index travels in every frame; the
 * receiver picks the key from the ring of `participant-id` (the sending
 * participant, with `shared-key=false`) or the shared ring. Known blank
 * frames that end in the room's server-injected-frame trailer
 * (`sif-trailer`, or `uncrypted-magic-bytes` until it is set) are passed on
 * without it, as LiveKit's clients do; empty frames pass unchanged.
 *
 * For H.264 and H.265 the element asks for `stream-format=byte-stream`
 * first, so that `rtph264depay` and `rtph265depay` need no caps filter:
 * given avc/hvc1, they take the parameter sets out of every key frame and
 * put them into `codec_data`, and the parameter sets are part of the
 * frame's clear header, which authenticates it. When downstream insists
 * on avc/hvc1, length-prefixed frames are decrypted as Annex B with 4-byte
 * start codes, and a key frame without parameter sets gets those of
 * `codec_data` back, after its leading access unit delimiters, where
 * encoders put them. Only the very first key frame can then be lost, if
 * the sender put an AUD in front of its parameter sets (x264enc's
 * default): rtph264depay drops NAL units until it has SPS and PPS.
 *
 * ## Keys
 *
 * As for e2eeencrypt: an #E2eeKeyProvider from `key-provider` or a
 * GstContext, or for gst-launch-1.0 one of the write-only key properties
 * `passphrase`, `passphrase-file` (the passphrase from a file), `key` (hex)
 * and `key-file`, which fill slot `key-index` (or 0) of the ring of
 * `participant-id` (with `shared-key=false`) or of the shared ring, and
 * make it current. Files are read, without blocking, in NULL->READY; one
 * that cannot be read (missing, empty, a directory, a FIFO, over 4096
 * bytes) is an error naming it, and one that group or others may read a
 * warning. Keys set through these properties are not exportable from the
 * provider.
 *
 * With `ratchet-window-size` (LiveKit's `ratchetWindowSize`), a frame that
 * fails is tried with up to that many ratchet steps of its key; the first
 * step that opens it becomes the slot's key (state `key-ratcheted`), so
 * the decryptor follows a sender that ratchets its key.
 *
 * **A frame that fails authentication is never passed on**: it is dropped,
 * counted in `stats`, logged (at most once a second), and a GAP event
 * takes its place so downstream timing stays sane. A frame whose key slot
 * is empty is dropped the same way (state `missing-key`), and so is a
 * frame that is not encrypted at all. Decoding resumes with the first
 * frame that decrypts once the right key is set; setting a key property
 * while PLAYING applies it at once.
 *
 * ## Key provider options
 *
 * `shared-key`, `ratchet-salt`, `ratchet-window-size`, `failure-tolerance`,
 * `key-ring-size`, `key-size`, `encryption-type`, `uncrypted-magic-bytes`,
 * `key-derivation`, `discard-frame-when-cryptor-not-ready` and
 * `sif-trailer` (hex) are LiveKit's key provider options, with the names
 * and meanings of the #E2eeKeyProvider properties. `ratchet-salt`,
 * `key-size` and `key-derivation` must be the sender's: `key-derivation`
 * `pbkdf2` matches LiveKit's native SDKs' default, `auto` (PBKDF2 for a
 * passphrase, HKDF for a raw key) its JavaScript SDK, and `hkdf` the
 * native SDKs' HKDF option for raw keys.
 *
 * They follow e2eeencrypt's rule: an element's options go on its provider
 * in NULL->READY, keys only at READY->PAUSED, so no order of properties or
 * elements matters; elements sharing a provider may only agree on an
 * option, and a disagreement is an error naming both values, for example
 * `ratchet-salt="b" conflicts with ratchet-salt="a", which e2eeencrypt0 set
 * on the key provider both elements share.`
 *
 * ## Removing keys
 *
 * Three action signals, as srtpdec has `remove-key` and `clear-keys`,
 * remove keys from the element's #E2eeKeyProvider, and so from every
 * element sharing it. The keys are wiped at once (also their precomputed
 * ratchet steps); from the next frame on, frames that need a removed key
 * are dropped (GAP events, state `missing-key`), never decrypted with the
 * old key:
 *
 * * `remove-key` (#guint key index, returns #gboolean): empties that slot
 *   of the ring the element uses (#GstE2eeBase:participant-id's, or the
 *   shared ring);
 * * `remove-participant` (#gchararray participant id, returns #gboolean):
 *   drops that participant's whole key ring; a media server calls it when
 *   the participant leaves, so rooms that run for days keep only the rings
 *   of those present;
 * * `clear-keys`: drops every key of every ring, when the call ends.
 *
 * Each also drops a key property not yet applied to what it removes. From
 * C: `g_signal_emit_by_name (dec, "remove-participant", "alice",
 * &removed);`; from Python: `removed = dec.emit("remove-participant",
 * "alice")`. Applications holding the provider call
 * e2ee_key_provider_remove_participant() and its siblings directly.
 *
 * ## Sharing the key provider
 *
 * Context type `e2ee.key-provider`, structure field `key-provider`: the
 * element asks its neighbours, then posts need-context, then creates a
 * provider and posts have-context, all in NULL->READY. One provider is
 * shared by all e2ee elements of a pipeline unless the application sets its
 * own with `key-provider` or a context.
 *
 * ## Messages
 *
 * On every change of the frame cryptor's state (never per frame), an
 * element message `e2ee-state-changed`:
 *
 * * #E2eeState `state`: the new state (`ok`, `missing-key`,
 *   `decryption-failed`, `key-ratcheted`, `internal-error`, ...)
 * * #gchararray `participant-id`: `participant-id`, or %NULL
 * * #guint `key-index`: the key index of the frame that changed the state
 * * #gchararray `reason`: for the failure states only, what went wrong:
 *   `authentication-failed` (wrong key, different options, or a tampered
 *   frame), `key-invalid` (failed more than `failure-tolerance` times),
 *   `missing-key`, `not-encrypted` (the frame does not end in LiveKit's
 *   trailer: it was never encrypted), `malformed-frame` or
 *   `internal-error`
 *
 * A wrong key thus gives one `decryption-failed` message and, once the right
 * key is set, one `ok` message. The first failure after a frame decrypted
 * (or after the start) also posts one warning, which gst-launch-1.0 prints
 * as a `WARNING:` line with the reason, for example `Frames fail to decrypt
 * with the key at index 0 (wrong key?): they are dropped until one
 * decrypts.`; the next one comes only after a frame decrypted again.
 * Decryptors with `discard-frame-when-cryptor-not-ready` wait for their
 * first key without a message. The provider emits `state-changed` too.
 *
 * ## Properties
 *
 * * `key-provider`: the #E2eeKeyProvider (readable; default: shared
 *   through a GstContext, or created)
 * * `participant-id`: the sending participant, whose ring to decrypt with
 *   when `shared-key=false`
 * * `enabled`: decrypt (default), or pass frames through still encrypted
 * * `key-index`: the slot the key properties fill (-1: slot 0); frames
 *   carry their own key index
 * * `passphrase`, `passphrase-file`, `key`, `key-file`: the key (one of
 *   them, write-only; see Keys)
 * * `shared-key`, `ratchet-salt`, `ratchet-window-size`,
 *   `failure-tolerance`, `key-ring-size`, `key-size`, `encryption-type`,
 *   `uncrypted-magic-bytes`, `key-derivation`,
 *   `discard-frame-when-cryptor-not-ready`, `sif-trailer`: the key
 *   provider's options (see Key provider options)
 * * `stats`: frames, bytes, dropped, failed, passed-through and
 *   per-state frame counts
 *
 * ## Action signals
 *
 * `remove-key`, `remove-participant` and `clear-keys` (see "Removing
 * keys"), all from #GstE2eeBase.
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
 *     rtpjitterbuffer ! rtph264depay ! e2eedecrypt key-file=room.key !
 *     h264parse ! avdec_h264 ! videoconvert ! autovideosink
 * ]| Decrypts H.264 from e2eertph264pay (any key index: it is in the frame);
 * rtph264depay negotiates byte-stream with e2eedecrypt by itself.
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
 *     rtpjitterbuffer ! rtph265depay ! e2eedecrypt key-file=room.key !
 *     h265parse ! avdec_h265 ! videoconvert ! autovideosink
 * ]| Decrypts H.265 from e2eertph265pay.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5006
 *     caps=application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96 !
 *     rtpjitterbuffer ! rtpvp8depay !
 *     e2eedecrypt shared-key=false participant-id=alice key-file=alice.key !
 *     vp8dec ! videoconvert ! autovideosink
 * ]| Per-participant keys: decrypts alice's frames (see e2eeencrypt's
 * example) with alice's key, from alice's key ring; bob's key would not
 * open them.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5004
 *     caps=application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111 !
 *     rtpjitterbuffer ! rtpopusdepay !
 *     e2eedecrypt passphrase-file=room.passphrase ratchet-salt=my-room-salt !
 *     opusdec ! audioconvert ! autoaudiosink
 * ]| A room with a custom ratchet salt, its passphrase in a file.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5006
 *     caps=application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96 !
 *     rtpjitterbuffer ! rtpvp8depay !
 *     e2eedecrypt key-file=room.key key-size=256 ! vp8dec ! videoconvert !
 *     autovideosink
 * ]| AES-256-GCM, as sent by e2eeencrypt key-size=256.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5006
 *     caps=application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96 !
 *     rtpjitterbuffer ! rtpvp8depay !
 *     e2eedecrypt passphrase-file=room.passphrase sif-trailer=34d4c6ea98a0fd75
 *     ratchet-window-size=8 ! vp8dec ! videoconvert ! autovideosink
 * ]| A LiveKit room: `sif-trailer` is the trailer the server announced for
 * the frames it injects (hex), which pass without it; the ratchet window
 * follows a sender that ratchets its key up to 8 steps.
 *
 * |[
 * gst-launch-1.0 udpsrc port=5006
 *     caps=application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96 !
 *     rtpjitterbuffer ! rtpvp8depay !
 *     e2eedecrypt key-file=room.key key-derivation=hkdf ratchet-window-size=4 !
 *     vp8dec ! videoconvert ! autovideosink
 * ]| A sender on LiveKit's native SDK with HKDF key derivation for its raw
 * key (use `key-derivation=pbkdf2` for the SDK's default).
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
