/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-e2eeencrypt
 * @title: e2eeencrypt
 * @see_also: e2eedecrypt, e2eertpvp8pay, e2eertpvp9pay, e2eertph264pay,
 *   e2eertph265pay
 *
 * e2eeencrypt encrypts encoded audio and video frames end to end, in
 * LiveKit's frame format (AES-128-GCM by default), so that a receiver with
 * the key (e2eedecrypt, or any LiveKit client) can decrypt them and an SFU
 * in between cannot. Place it between an encoder and its payloader.
 *
 * ## What goes in and out
 *
 * One encoded frame (access unit) per buffer. The codec comes from the caps
 * and picks LiveKit's clear-header rule: `video/x-vp8` (10 clear bytes on
 * key frames, 3 on delta frames), `video/x-vp9` and `video/x-av1` (none),
 * `video/x-h264` and `video/x-h265` (clear up to the first slice; both
 * `stream-format=byte-stream` and `avc`/`avc3`/`hvc1`/`hev1`, always
 * `alignment=au`), encoded audio (`audio/x-opus`, `audio/x-alaw`,
 * `audio/x-mulaw`, `audio/G722`, `audio/mpeg`: 1 clear byte), and
 * `application/x-e2ee-data` for any other payload, encrypted whole (no
 * clear header). Raw video and raw audio are refused at negotiation: the
 * encryptor belongs after the encoder. The output caps are the input
 * caps, so payloaders negotiate as before. Each frame grows by 30 bytes
 * (16-byte tag, 12-byte IV, IV length and key index), plus escape bytes for
 * H.264/H.265. Buffer flags and timestamps are kept.
 *
 * Length-prefixed H.264/H.265 (avc, hvc1) is encrypted as Annex B with
 * 4-byte start codes, as LiveKit defines the format on Annex B, and split
 * back into length-prefixed NAL units: the escaped ciphertext never holds a
 * start code, so it stays one NAL unit, the last of the access unit.
 *
 * ## Keys
 *
 * Keys live in an #E2eeKeyProvider. Applications set keys on it directly
 * (e2ee_key_provider_set_key(), e2ee_key_provider_set_passphrase()) and
 * hand it over with the `key-provider` property or a GstContext. From
 * gst-launch-1.0, set one of the write-only key properties:
 *
 * * `passphrase`: a passphrase (PBKDF2, as LiveKit's passphrase keys).
 *   `ps` and gst-launch-1.0's own log show it: prefer `passphrase-file`.
 * * `passphrase-file`: a file holding the passphrase (one trailing newline
 *   is not part of it).
 * * `key`: raw key material in hex (HKDF, as LiveKit's raw keys).
 * * `key-file`: a file of raw key material, as bytes or hex text (make one
 *   with `openssl rand -hex 32 > room.key; chmod 600 room.key`).
 *
 * Only one of them may be set. The key goes into slot `key-index` (or 0)
 * of the ring of `participant-id` (with `shared-key=false`) or of the
 * shared ring, and becomes current. A file is read, without blocking, when
 * the element goes from NULL to READY: one that is missing, empty, a
 * directory, a FIFO or larger than 4096 bytes is an error that names it
 * and stops the pipeline; one that group or others may read is used, with
 * a warning. Set while PLAYING, a key property replaces the key at once
 * (a file that cannot be read is then a warning, and the old key stays).
 * Key material is never readable from a property, never logged, and not
 * exportable from the provider (#E2eeKeyProvider:element-keys-exportable).
 *
 * Frames are encrypted with the key at `key-index`, or at the provider's
 * current index when it is -1. **No plaintext frame ever leaves an
 * enabled encryptor**: without a key, frames are dropped (a GAP event
 * takes their place), the state becomes `missing-key` and one warning
 * goes on the bus, until a key is set. `enabled=false` passes frames
 * through unencrypted, and can be toggled while PLAYING.
 *
 * ## Key provider options
 *
 * The options of LiveKit's key provider, with its names and meanings, for
 * a pipeline to join any LiveKit room: `shared-key`, `ratchet-salt`,
 * `ratchet-window-size`, `failure-tolerance`, `key-ring-size`, `key-size`
 * (128 or 256), `encryption-type` (`gcm` or `none`),
 * `uncrypted-magic-bytes`, `key-derivation` (`auto`, `pbkdf2`, `hkdf`),
 * `discard-frame-when-cryptor-not-ready` and `sif-trailer` (hex). Each is
 * the #E2eeKeyProvider property of the same name; the receivers must use
 * the same salt, key size and key derivation.
 *
 * **The rule.** The options an element was given are set on its key
 * provider when it goes from NULL to READY; options it was not given are
 * left as the provider has them. Keys from key properties go into the
 * provider only at READY->PAUSED, once every element of the pipeline has
 * set its options, so neither the order of properties on the command line
 * nor the order of elements changes anything. Elements that share a
 * provider must agree: an element may set an option that another element
 * (or the application) already set only to the same value, and
 * `ratchet-salt`, `key-size`, `key-ring-size` and `key-derivation` cannot
 * change once the provider holds keys. Otherwise the element posts an
 * error naming both values, for example `ratchet-salt="b" conflicts with
 * ratchet-salt="a", which e2eedecrypt0 set on the key provider both
 * elements share.`, and the pipeline does not start: there is never a
 * silent winner. Set an option on one element of the pipeline, or the
 * same value on all.
 *
 * ## Removing keys
 *
 * Three action signals, as srtpdec has `remove-key` and `clear-keys`,
 * remove keys from the element's #E2eeKeyProvider, and so from every
 * element sharing it. The keys are wiped at once (also their precomputed
 * ratchet steps); from the next frame on, an encryptor whose key is gone
 * drops its frames (GAP events, state `missing-key`) rather than sending
 * anything, until a key is set again:
 *
 * * `remove-key` (#guint key index, returns #gboolean): empties that slot
 *   of the ring the element uses (#GstE2eeBase:participant-id's, or the
 *   shared ring);
 * * `remove-participant` (#gchararray participant id, returns #gboolean):
 *   drops that participant's whole key ring, when it leaves the room;
 * * `clear-keys`: drops every key of every ring, when the call ends.
 *
 * Each also drops a key property not yet applied to what it removes. From
 * C: `g_signal_emit_by_name (enc, "clear-keys");`; from Python:
 * `removed = enc.emit("remove-key", 5)`. Applications holding the
 * provider call e2ee_key_provider_remove_key() and its siblings directly.
 *
 * ## Sharing the key provider
 *
 * Without a `key-provider`, the element looks for one in NULL->READY
 * through a GstContext of type `e2ee.key-provider` whose structure holds
 * the provider in the field `key-provider`: it asks its neighbours with a
 * context query (downstream first), then posts need-context; if still
 * none, it creates a provider and posts have-context. So all e2ee elements
 * of one pipeline share one provider, and an application hands in its own
 * by setting such a context on the pipeline before READY, or from a
 * synchronous need-context handler. `GST_DEBUG=GST_CONTEXT:7` shows the
 * exchange.
 *
 * ## Messages
 *
 * On every change of the frame cryptor's state (never per frame), an
 * element message `e2ee-state-changed`:
 *
 * * #E2eeState `state`: the new state (`ok`, `missing-key`,
 *   `encryption-failed`, `internal-error`, ...)
 * * #gchararray `participant-id`: `participant-id`, or %NULL
 * * #guint `key-index`: the key index in use
 * * #gchararray `reason`: for `missing-key`, `encryption-failed` and
 *   `internal-error` only: `missing-key`, `encryption-failed`,
 *   `malformed-frame` (an H.26x frame LiveKit's receivers could not
 *   split) or `internal-error`
 *
 * When frames start failing (first frame without a key, say), one
 * warning goes on the bus, which gst-launch-1.0 prints as a `WARNING:`
 * line: `No key at index 0 to encrypt with: frames are dropped until a key
 * is set.` The next warning comes only after a frame was encrypted again.
 * The provider emits `state-changed` too, for hosts whose inner pipelines
 * don't forward element messages. Per-frame failures are counted in
 * `stats` and logged at most once a second.
 *
 * When this element's frames go to `rtpvp8pay`, `rtpvp9pay`, `rtph264pay`
 * or `rtph265pay`, a warning names the payloader to use instead
 * (`e2eertpvp8pay`, ...): the stock ones break encrypted frames.
 *
 * ## Properties
 *
 * * `key-provider`: the #E2eeKeyProvider (readable; default: shared
 *   through a GstContext, or created)
 * * `participant-id`: the local participant, whose ring to use with
 *   `shared-key=false`
 * * `enabled`: encrypt (default), or pass frames through unencrypted
 * * `key-index`: the slot to encrypt with (-1: the provider's current
 *   index) and to put the key properties' key in
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
 * Stock RTP payloaders can't carry encrypted video: rtpvp8pay and rtpvp9pay
 * parse the encrypted frame and fail, and rtph264pay trims the trailing zero
 * byte that every frame with key index 0 ends in. This plugin's payloaders
 * packetize as libwebrtc does, without parsing the payload; the receiver
 * uses GStreamer's stock depayloaders. For audio, rtpopuspay is fine.
 *
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! opusenc !
 *     e2eeencrypt key-file=room.key ! rtpopuspay pt=111 !
 *     udpsink host=127.0.0.1 port=5004
 * ]| Encrypts Opus with the raw key in room.key (made with e.g.
 * `openssl rand -hex 32 > room.key; chmod 600 room.key`).
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! vp8enc deadline=1 !
 *     e2eeencrypt passphrase=my-room-passphrase ! e2eertpvp8pay pt=96 !
 *     udpsink host=127.0.0.1 port=5006
 * ]| Encrypts VP8 with a passphrase key, as LiveKit's shared-passphrase
 * rooms do.
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! vp9enc deadline=1 !
 *     e2eeencrypt key-file=room.key ! e2eertpvp9pay pt=98 !
 *     udpsink host=127.0.0.1 port=5008
 * ]| Encrypts VP9; its frames have no clear header.
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency !
 *     video/x-h264,stream-format=byte-stream,alignment=au !
 *     e2eeencrypt key-file=room.key key-index=5 ! e2eertph264pay pt=102 !
 *     udpsink host=127.0.0.1 port=5010
 * ]| Encrypts H.264 with the key in slot 5 (the receiver reads the index
 * from each frame). `sprop-parameter-sets` in the receiver's caps are
 * harmless: e2eedecrypt skips the parameter sets rtph264depay prepends.
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x265enc tune=zerolatency !
 *     video/x-h265,stream-format=byte-stream,alignment=au !
 *     e2eeencrypt key-file=room.key ! e2eertph265pay pt=104 !
 *     udpsink host=127.0.0.1 port=5012
 * ]| Encrypts H.265; parameter sets and the slice header stay in clear.
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! vp8enc deadline=1 !
 *     e2eeencrypt shared-key=false participant-id=alice key-file=alice.key !
 *     e2eertpvp8pay pt=96 ! udpsink host=127.0.0.1 port=5006
 * ]| Per-participant keys: alice encrypts with her own key, which goes
 * into alice's key ring; receivers decrypt her frames with
 * `participant-id=alice` and alice's key (see e2eedecrypt).
 *
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! opusenc !
 *     e2eeencrypt passphrase-file=room.passphrase ratchet-salt=my-room-salt !
 *     rtpopuspay pt=111 ! udpsink host=127.0.0.1 port=5004
 * ]| A passphrase from a file and a room with a custom ratchet salt
 * (LiveKit's `ratchetSalt`, also the salt of the key derivation).
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! vp8enc deadline=1 !
 *     e2eeencrypt key-file=room.key key-size=256 ! e2eertpvp8pay pt=96 !
 *     udpsink host=127.0.0.1 port=5006
 * ]| AES-256-GCM instead of LiveKit's default AES-128-GCM: every receiver
 * needs `key-size=256` as well.
 *
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! vp8enc !
 *     e2eeencrypt key=00112233445566778899aabbccddeeff !
 *     e2eedecrypt key=00112233445566778899aabbccddeeff ! vp8dec !
 *     videoconvert ! autovideosink
 * ]| A local round trip with a hex key; both elements share one provider.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeencrypt.h"
#include "gste2eeelements.h"
#include "gste2eepeercheck.h"
/* examples[]: the pipelines of the SECTION block above */
#include "gste2eeencrypt-examples.h"

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_encrypt_debug);
#define GST_CAT_DEFAULT gst_e2ee_encrypt_debug

struct _GstE2eeEncrypt
{
  GstE2eeBase parent;
};

#define gst_e2ee_encrypt_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeEncrypt, gst_e2ee_encrypt, GST_TYPE_E2EE_BASE,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_encrypt_debug, "e2eeencrypt", 0,
        "End-to-end frame encryptor"));
GST_ELEMENT_REGISTER_DEFINE (e2eeencrypt, "e2eeencrypt", GST_RANK_NONE,
    GST_TYPE_E2EE_ENCRYPT);

static gsize
gst_e2ee_encrypt_get_max_output_size (GstE2eeBase * base,
    E2eeFrameCryptor * cryptor, gsize in_len)
{
  return e2ee_frame_cryptor_get_max_encrypted_size (cryptor, in_len);
}

static gboolean
gst_e2ee_encrypt_process (GstE2eeBase * base, E2eeFrameCryptor * cryptor,
    const guint8 * in, gsize in_len, E2eeFrameType frame_type, guint8 * out,
    gsize out_size, gsize * out_len, GError ** error)
{
  return e2ee_frame_cryptor_encrypt (cryptor, in, in_len,
      frame_type, out, out_size, out_len, error);
}

/* Links are made by now; a stock payloader after us gets a warning. */
static GstStateChangeReturn
gst_e2ee_encrypt_change_state (GstElement * element,
    GstStateChange transition)
{
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_e2ee_check_downstream_payloader (element);

  return GST_ELEMENT_CLASS (parent_class)->change_state (element,
      transition);
}

static void
gst_e2ee_encrypt_class_init (GstE2eeEncryptClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstE2eeBaseClass *base_class = GST_E2EE_BASE_CLASS (klass);

  gst_element_class_set_static_metadata (element_class,
      "End-to-end frame encryptor", "Filter/Encryptor",
      "Encrypts encoded audio/video frames end to end "
      "(LiveKit E2EE frame format, AES-GCM)",
      "gst-e2ee authors <gst-e2ee@example.org>");
  gst_e2ee_element_class_add_examples (element_class, examples);
  gst_e2ee_base_class_install_properties (base_class,
      GST_E2EE_DIRECTION_ENCRYPT);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_e2ee_encrypt_change_state);
  base_class->get_max_output_size =
      GST_DEBUG_FUNCPTR (gst_e2ee_encrypt_get_max_output_size);
  base_class->process = GST_DEBUG_FUNCPTR (gst_e2ee_encrypt_process);
}

static void
gst_e2ee_encrypt_init (GstE2eeEncrypt * self)
{
}
