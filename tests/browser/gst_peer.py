#!/usr/bin/python3
# gst-e2ee's GStreamer WebRTC peer for real calls: webrtcbin with
# e2eeencrypt / e2eedecrypt, the plugin's e2eertp*pay payloaders and
# GStreamer's depayloaders, real encoders and decoders, and a data channel
# whose messages are LiveKit DataPackets encrypted with the key provider's
# data API.
#
# Run as a process, it speaks JSON lines (tests/browser/README.md):
#
#   /usr/bin/python3 gst_peer.py '<call config JSON>'
#     stdin:  {"cmd": "offer"} | {"cmd": "remote", "type": "answer"|"offer",
#             "sdp": ...} | {"cmd": "candidate", "candidate": ...,
#             "sdpMLineIndex": n} | {"cmd": "set-key", ...} | {"cmd": "ratchet", ...}
#             | {"cmd": "send-data", "text": ...} | {"cmd": "report"}
#             | {"cmd": "stop"}
#     stdout: {"event": "ready"|"sdp"|"state"|"data"|"report"|"error"|"log"}
#
# Imported (tests/browser/keyframe_recovery.py), its Peer class runs
# several peers in one process and one GLib main loop.

import array
import hashlib
import json
import os
import random
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstVideo", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("E2ee", "1.0")
from gi.repository import E2ee, GLib, Gst, GstSdp, GstVideo, GstWebRTC  # noqa: E402,E501

import livekit_data  # noqa: E402

# The bars of videotestsrc pattern=smpte (and of the browser's canvas):
# 75 % white, yellow, cyan, green, magenta, red, blue, sampled in the upper
# third of the picture.
SMPTE_BARS = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0),
              (191, 0, 191), (191, 0, 0), (0, 0, 191)]

# Payload types as Chromium offers them, so that answers need no remapping.
VIDEO_CODECS = {
    "vp8": {
        "pt": 96, "encoding": "VP8",
        "encoder": "vp8enc deadline=1 cpu-used=8 target-bitrate=800000 "
                   "keyframe-max-dist={kf} error-resilient=partitions",
        "pay": "e2eertpvp8pay picture-id-mode=15-bit",
        "depay": "rtpvp8depay wait-for-keyframe=true request-keyframe=true",
        "dec": "vp8dec",
        "fmtp": {},
    },
    "vp9": {
        "pt": 98, "encoding": "VP9",
        "encoder": "vp9enc deadline=1 cpu-used=8 target-bitrate=800000 "
                   "keyframe-max-dist={kf} row-mt=true",
        "pay": "e2eertpvp9pay",
        "depay": "rtpvp9depay wait-for-keyframe=true request-keyframe=true",
        "dec": "vp9dec",
        "fmtp": {"profile-id": "0"},
    },
    "h264": {
        "pt": 102, "encoding": "H264",
        "encoder": "x264enc tune=zerolatency speed-preset=ultrafast "
                   "bitrate=800 key-int-max={kf} bframes=0 "
                   "! video/x-h264,profile=constrained-baseline,"
                   "stream-format=byte-stream,alignment=au",
        "pay": "e2eertph264pay",
        # LiveKit's frame format is defined on whole Annex B access units.
        # No wait-for-keyframe: rtph264depay would then drop delta frames at
        # the start without asking for a key frame, and no h264parse: it
        # drops slices until it has seen SPS/PPS, also without asking.
        # avdec_h264 itself asks (a PLI) when it cannot decode.
        "depay": "rtph264depay request-keyframe=true "
                 "! video/x-h264,stream-format=byte-stream,alignment=au",
        "dec": "avdec_h264 automatic-request-sync-points=true",
        "fmtp": {"packetization-mode": "1", "profile-level-id": "42e01f",
                 "level-asymmetry-allowed": "1"},
    },
}
OPUS = {"pt": 111, "encoding": "OPUS"}

# A receiver without the key (recv "decrypt": false) decodes what arrives as
# it is, and never gives up on errors. LiveKit's format leaves a VP8
# frame's first bytes in clear (frame tag; on key frames the picture size),
# so the decoder takes the ciphertext for a frame: libvpx makes noise of
# about one frame in four or five and refuses the others (their partitions
# do not parse); libav's avdec_vp8, even with output-corrupt=true, refuses
# every frame of an encoder with error-resilient=partitions, as here.
KEYLESS_DECODERS = {"vp8": "vp8dec max-errors=-1"}

# Bytes at the start of each frame that LiveKit's format leaves in clear at
# most (VP8 key frames: 10; Opus: the TOC byte). A frame whose bytes after
# these equal its plaintext's left the sender in clear.
CLEAR_BYTES = {"video": 10, "audio": 1}


def now():
    return time.monotonic()


def provider_from_spec(spec):
    """An application-made E2eeKeyProvider: {"shared": bool, "window": n,
    "derivation": "auto"|"pbkdf2"|"hkdf", "keys": [{"participant": id|null,
    "passphrase": s | "raw": hex, "index": i, "current": bool}]}."""
    provider = E2ee.KeyProvider(shared_key=spec.get("shared", True),
                                ratchet_window_size=spec.get("window", 0))
    if "derivation" in spec:
        Gst.util_set_object_arg(provider, "key-derivation", spec["derivation"])
    for key in spec.get("keys", []):
        set_key(provider, key)
    return provider


def set_key(provider, key):
    participant = key.get("participant")
    index = key.get("index", 0)
    current = key.get("current", True)
    if "passphrase" in key:
        provider.set_passphrase(participant, key["passphrase"], index, current)
    else:
        provider.set_key(participant, bytes.fromhex(key["raw"]), index,
                         current)


def nick(value):
    return getattr(value, "value_nick", str(value))


class Peer:
    """One webrtcbin call. `config` (all optional but media):

      name: label in logs                   identity / remote: participants
      media: [{"kind": "video"|"audio", "codec": "vp8"|"vp9"|"h264"|"opus",
               "send": bool, "recv": bool}]
      data: bool (a data channel, made by the offerer)
      dataLabel: the data channel's label (default "lk-data"): the one the
        offerer makes, and the one an answerer sends on when the offerer
        made several (LiveKit's SDKs make "_reliable" and "_lossy")
      send / recv: how e2eeencrypt / e2eedecrypt get their keys:
        {"provider": SPEC} an application-made provider (key-provider
        property), or {"provider": "send"} the sender's, or {"props":
        {"passphrase": s, "key": hex, "key-index": i, "participant-id": p}}
        the elements' own properties (their provider shared over the bus)
      keyframeInterval: frames between natural key frames (default 300)
      media[].width / height: the video's size (default 320x240);
      media[].clock: bool, a running clock over the lower part of the bars
      recv: {"decrypt": false}: no e2eedecrypt, what arrives is decoded as
        it is (KEYLESS_DECODERS): what an SFU or an eavesdropper sees
      frames: bool, keep the SHA-256 of every frame into e2eeencrypt
        ("sent"), count the frames out of it ("wire") and those of them
        that left it in clear ("clear"), and the SHA-256 of
        every frame out of e2eedecrypt (or into the keyless decoder)
        ("received"), per kind, for the report
      display: bool (also show what is received: autovideosink/autoaudiosink)
      janus: bool (publisher/subscriber of Janus: RTCP feedback as Janus)
    """

    def __init__(self, config, emit):
        self.config = config
        self.name = config.get("name", "gst")
        self.emit = emit
        self.started = now()
        self.states = []
        self.first_frame = {}
        self.video_frames = 0
        self.video_bars = []
        self.audio_buffers = 0
        self.audio_samples = array.array("h")
        self.audio_seconds = 0.0
        self.data_received = []
        self.data_errors = []
        self.local_candidates = []
        self.remote_trickled = []
        self.errors = []
        self.frames = {kind: {"sent": [], "wire": 0, "clear": 0,
                              "received": []} for kind in ("video", "audio")}
        self._plain = {"video": {}, "audio": {}}
        self.snapshot_path = {}
        self.last_picture = None
        self.key_unit_requests = {"all-headers": 0, "other": 0}
        self.channel = None
        self.encryptors = []
        self.decryptors = []
        self.providers = {}
        self.pending_local_sdp = None
        self._build()

    # -- setup --------------------------------------------------------------

    def _provider(self, which):
        side = self.config.get(which) or {}
        spec = side.get("provider")
        if spec is None:
            return None
        if spec == "send":
            return self._provider("send")
        if which not in self.providers:
            provider = provider_from_spec(spec)
            provider.connect("state-changed", self._on_provider_state, which)
            self.providers[which] = provider
        return self.providers[which]

    def _configure(self, element, which):
        side = self.config.get(which) or {}
        provider = self._provider(which)
        if provider is not None:
            element.set_property("key-provider", provider)
        props = dict(side.get("props") or {})
        for name in ("participant-id", "key-index"):
            if name in props:
                element.set_property(name, props.pop(name))
        if "passphrase" in props:
            element.set_property("passphrase", props.pop("passphrase"))
        if "key" in props:
            raw = bytes.fromhex(props.pop("key"))
            element.set_property("key", Gst.Buffer.new_wrapped(raw))
        # Any other property as gst-launch-1.0 would set it from its text
        # (ratchet-window-size=16, key-derivation=pbkdf2, shared-key=false).
        for name, value in props.items():
            if element.find_property(name) is None:
                raise ValueError("%s has no property %r"
                                 % (element.get_factory().get_name(), name))
            if isinstance(value, bool):
                value = "true" if value else "false"
            Gst.util_set_object_arg(element, name, str(value))

    def _build(self):
        self.pipeline = Gst.Pipeline.new(self.name)
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.webrtc.set_property("bundle-policy",
                                 GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.webrtc.set_property("latency", 100)
        self.pipeline.add(self.webrtc)
        self.webrtc.connect("pad-added", self._on_pad_added)
        self.webrtc.connect("on-ice-candidate", self._on_ice_candidate)
        self.webrtc.connect("notify::ice-gathering-state",
                            self._on_gathering_state)
        self.webrtc.connect("notify::ice-connection-state",
                            self._on_ice_state)
        self.webrtc.connect("on-data-channel", self._on_data_channel)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self._on_message)

        for media in self.config.get("media", []):
            if media.get("send", True):
                self._add_sender(media)
            elif media.get("recv", True):
                self._add_receive_only(media)
        self.pipeline.set_state(Gst.State.PLAYING)
        if self.config.get("data") and self.config.get("offerer", True):
            channel = self.webrtc.emit("create-data-channel",
                                       self.config.get("dataLabel", "lk-data"),
                                       None)
            self._setup_channel(channel)

    def _rtp_caps(self, media):
        if media["codec"] == "opus":
            return ("application/x-rtp,media=audio,encoding-name=OPUS,"
                    "payload=%d,clock-rate=48000,encoding-params=(string)2,"
                    "minptime=(string)10,useinbandfec=(string)1" % OPUS["pt"])
        codec = VIDEO_CODECS[media["codec"]]
        caps = ("application/x-rtp,media=video,encoding-name=%s,payload=%d,"
                "clock-rate=90000,rtcp-fb-nack=(boolean)true,"
                "rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true"
                % (codec["encoding"], codec["pt"]))
        for key, value in codec["fmtp"].items():
            caps += ",%s=(string)%s" % (key, value)
        return caps

    def _add_sender(self, media):
        kf = self.config.get("keyframeInterval", 300)
        # One SSRC from the start, in the payloader and in the SDP (a=ssrc):
        # an SFU that learns SSRCs from the offer (Janus) must see the same
        # one in the packets, also when the payloader starts before the
        # offer is made.
        ssrc = random.randint(1, 0xFFFFFFFF)
        if media["codec"] == "opus":
            line = ("audiotestsrc is-live=true wave=sine freq=%d volume=0.4 "
                    "! audio/x-raw,rate=48000,channels=1 ! audioconvert "
                    "! audioresample ! opusenc bitrate=48000 frame-size=20 "
                    "! e2eeencrypt name=enc ! rtpopuspay pt=%d ssrc=%d "
                    "! capsfilter name=rtpcaps"
                    % (media.get("tone", 440), OPUS["pt"], ssrc))
        else:
            codec = VIDEO_CODECS[media["codec"]]
            width = media.get("width", 320)
            height = media.get("height", 240)
            clock = ""
            if media.get("clock"):
                # Running time, large, in the lower third: a frozen or
                # stale picture shows at once, and the bars stay clean.
                clock = ("! timeoverlay halignment=center valignment=bottom "
                         "shaded-background=true font-desc=\"Sans Bold %d\" "
                         % max(12, height // 14))
            line = ("videotestsrc is-live=true pattern=smpte "
                    "! video/x-raw,width=%d,height=%d,framerate=30/1 %s"
                    "! videoconvert ! video/x-raw,format=I420 "
                    "! queue name=raw max-size-buffers=2 leaky=downstream "
                    "! %s ! e2eeencrypt name=enc ! %s pt=%d ssrc=%d mtu=1200 "
                    "! capsfilter name=rtpcaps"
                    % (width, height, clock, codec["encoder"].format(kf=kf),
                       codec["pay"], codec["pt"], ssrc))
        branch = Gst.parse_bin_from_description(line, True)
        branch.get_by_name("rtpcaps").set_property(
            "caps", Gst.Caps.from_string(self._rtp_caps(media) +
                                         ",ssrc=(uint)%d" % ssrc))
        self.pipeline.add(branch)
        encryptor = branch.get_by_name("enc")
        self._configure(encryptor, "send")
        encryptor.get_static_pad("src").add_probe(
            Gst.PadProbeType.EVENT_UPSTREAM, self._on_upstream_event)
        if self.config.get("frames"):
            encryptor.get_static_pad("sink").add_probe(
                Gst.PadProbeType.BUFFER, self._on_plain_frame, media["kind"])
            encryptor.get_static_pad("src").add_probe(
                Gst.PadProbeType.BUFFER, self._on_wire_frame, media["kind"])
        if media["kind"] == "video":
            branch.get_by_name("raw").get_static_pad("src").add_probe(
                Gst.PadProbeType.BUFFER, self._on_raw_picture)
        self.encryptors.append(encryptor)
        sinkpad = self.webrtc.request_pad_simple("sink_%u")
        branch.get_static_pad("src").link(sinkpad)
        transceiver = sinkpad.get_property("transceiver")
        direction = (GstWebRTC.WebRTCRTPTransceiverDirection.SENDRECV
                     if media.get("recv", True) else
                     GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        transceiver.set_property("direction", direction)
        if media["kind"] == "video":
            transceiver.set_property("do-nack", True)

    def _add_receive_only(self, media):
        caps = Gst.Caps.from_string(self._rtp_caps(media))
        transceiver = self.webrtc.emit(
            "add-transceiver",
            GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, caps)
        if media["kind"] == "video":
            transceiver.set_property("do-nack", True)

    def _on_upstream_event(self, pad, info):
        # Key-unit requests that reach the encryptor from the payloader:
        # rtpsession turns a FIR into one with all-headers, a PLI into one
        # without.
        event = info.get_event()
        if GstVideo.video_event_is_force_key_unit(event):
            ok, _, all_headers, _ = \
                GstVideo.video_event_parse_upstream_force_key_unit(event)
            self.key_unit_requests["all-headers" if all_headers
                                   else "other"] += 1
        return Gst.PadProbeReturn.OK

    def _on_pad_added(self, webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        s = caps.get_structure(0)
        encoding = s.get_string("encoding-name").upper()
        display = self.config.get("display", False)
        decrypt = (self.config.get("recv") or {}).get("decrypt", True)
        if encoding == "OPUS" and not decrypt:
            # Opus has no integrity check of its own: decoding ciphertext
            # is noise. What arrives is counted and compared, not played.
            line = ("queue ! rtpopusdepay ! identity name=dec "
                    "! fakesink name=sink sync=false")
            kind = "audio"
        elif encoding == "OPUS":
            line = ("queue ! rtpopusdepay ! e2eedecrypt name=dec ! opusdec "
                    "! audioconvert ! audioresample "
                    "! audio/x-raw,format=S16LE,rate=48000,channels=1 "
                    + ("! tee name=show ! queue ! " if display else "! ") +
                    "appsink name=sink emit-signals=true sync=false")
            if display:
                line += (" show. ! queue ! audioconvert ! audioresample "
                         "! autoaudiosink")
            kind = "audio"
        else:
            name, codec = next((n, c) for n, c in VIDEO_CODECS.items()
                               if c["encoding"] == encoding)
            decryptor = "e2eedecrypt name=dec"
            decoder = codec["dec"]
            if not decrypt:
                decryptor = "identity name=dec"
                decoder = KEYLESS_DECODERS.get(name, decoder)
            line = ("queue ! %s ! %s ! %s ! videoconvert "
                    "! video/x-raw,format=RGB "
                    % (codec["depay"], decryptor, decoder) +
                    ("! tee name=show ! queue ! " if display else "! ") +
                    "appsink name=sink emit-signals=true sync=false "
                    "max-buffers=2 drop=true")
            if display:
                line += " show. ! queue ! videoconvert ! autovideosink"
            kind = "video"
        branch = Gst.parse_bin_from_description(line, True)
        decryptor = branch.get_by_name("dec")
        if decrypt:
            self._configure(decryptor, "recv")
            self.decryptors.append(decryptor)
        if self.config.get("frames"):
            decryptor.get_static_pad("src").add_probe(
                Gst.PadProbeType.BUFFER, self._on_received_frame, kind)
        sink = branch.get_by_name("sink")
        if kind == "video" or decrypt:
            sink.connect("new-sample", self._on_sample, kind)
        self.pipeline.add(branch)
        branch.sync_state_with_parent()
        pad.link(branch.get_static_pad("sink"))
        self.log("receiving %s (%s)" % (kind, encoding))

    # -- media checks -------------------------------------------------------

    def _on_sample(self, sink, kind):
        sample = sink.emit("pull-sample")
        if kind not in self.first_frame:
            self.first_frame[kind] = now()
            self.emit({"event": "first-frame", "kind": kind,
                       "t": self.first_frame[kind]})
        buf = sample.get_buffer()
        if kind == "audio":
            self.audio_buffers += 1
            ok, info = buf.map(Gst.MapFlags.READ)
            if ok:
                self.audio_samples.frombytes(bytes(info.data))
                buf.unmap(info)
                # Keep the last second for the tone check.
                if len(self.audio_samples) > 48000:
                    del self.audio_samples[:len(self.audio_samples) - 48000]
            return Gst.FlowReturn.OK
        self.video_frames += 1
        if self.video_frames % 10 == 0:
            self._sample_bars(sample)
        self.last_picture = sample
        if self.snapshot_path:
            self._take_snapshot(sample.get_caps(), buf)
        return Gst.FlowReturn.OK

    # -- frames, byte for byte, and snapshots -------------------------------

    @staticmethod
    def _bytes(buf):
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            return b""
        try:
            return bytes(info.data)
        finally:
            buf.unmap(info)

    def _on_plain_frame(self, pad, info, kind):
        data = self._bytes(info.get_buffer())
        self.frames[kind]["sent"].append(hashlib.sha256(data).hexdigest())
        plain = self._plain[kind]
        plain[info.get_buffer().pts] = data
        if len(plain) > 64:  # frames the encryptor dropped (no key)
            del plain[next(iter(plain))]
        return Gst.PadProbeReturn.OK

    def _on_wire_frame(self, pad, info, kind):
        wire = self._bytes(info.get_buffer())
        plain = self._plain[kind].pop(info.get_buffer().pts, None)
        self.frames[kind]["wire"] += 1
        if plain is not None:
            start = CLEAR_BYTES[kind]
            if wire == plain or (len(plain) > start and
                                 wire[start:len(plain)] == plain[start:]):
                self.frames[kind]["clear"] += 1
        return Gst.PadProbeReturn.OK

    def _on_received_frame(self, pad, info, kind):
        data = self._bytes(info.get_buffer())
        self.frames[kind]["received"].append(hashlib.sha256(data).hexdigest())
        return Gst.PadProbeReturn.OK

    def _on_raw_picture(self, pad, info):
        if self.snapshot_path:
            self._take_snapshot(pad.get_current_caps(), info.get_buffer())
        return Gst.PadProbeReturn.OK

    def snapshot(self, path):
        """Writes a picture as a PNG at `path` and emits "snapshot": the last
        picture this peer decoded, or else the next one it sends (its raw
        frame, before the encoder) or decodes."""
        sample = self.last_picture
        if sample is not None:
            GLib.idle_add(self._write_snapshot, path, sample.get_caps(),
                          self._bytes(sample.get_buffer()))
        else:
            self.snapshot_path = {"path": path}

    def _take_snapshot(self, caps, buf):
        request, self.snapshot_path = self.snapshot_path, {}
        if request:
            data = self._bytes(buf)
            GLib.idle_add(self._write_snapshot, request["path"], caps, data)

    def _write_snapshot(self, path, caps, data):
        pipeline = Gst.parse_launch(
            "appsrc name=src num-buffers=1 ! videoconvert ! pngenc "
            "! filesink name=file")
        src = pipeline.get_by_name("src")
        src.set_property("caps", caps)
        pipeline.get_by_name("file").set_property("location", path)
        pipeline.set_state(Gst.State.PLAYING)
        src.emit("push-buffer", Gst.Buffer.new_wrapped(data))
        src.emit("end-of-stream")
        msg = pipeline.get_bus().timed_pop_filtered(
            5 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        pipeline.set_state(Gst.State.NULL)
        s = caps.get_structure(0)
        ok = msg is not None and msg.type == Gst.MessageType.EOS
        self.emit({"event": "snapshot", "path": path, "ok": ok,
                   "width": s.get_value("width"),
                   "height": s.get_value("height")})
        return False

    def _sample_bars(self, sample):
        s = sample.get_caps().get_structure(0)
        width = s.get_value("width")
        height = s.get_value("height")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            return
        stride = (width * 3 + 3) & ~3
        y = height // 3
        bars = []
        for i in range(7):
            x = int((i + 0.5) * width / 7)
            offset = y * stride + x * 3
            bars.append(list(info.data[offset:offset + 3]))
        buf.unmap(info)
        self.video_bars.append(bars)
        del self.video_bars[:-3]

    def tone(self):
        """The audio's frequency over the last second, from its crossings of
        a quarter of its peak level (with hysteresis, so that noise near
        zero is not counted), and its RMS level (0..32767)."""
        samples = self.audio_samples
        if len(samples) < 4800:
            return 0.0, 0.0
        peak = max(max(samples), -min(samples))
        threshold = peak // 4
        if threshold == 0:
            return 0.0, 0.0
        level, swings = 0, 0
        for v in samples:
            if v > threshold and level <= 0:
                level, swings = 1, swings + 1
            elif v < -threshold and level >= 0:
                level, swings = -1, swings + 1
        seconds = len(samples) / 48000.0
        rms = (sum(v * v for v in samples) / len(samples)) ** 0.5
        return swings / 2.0 / seconds, rms

    # -- signalling ---------------------------------------------------------

    def create_offer(self):
        promise = Gst.Promise.new_with_change_func(self._on_offer_created,
                                                   None)
        self.webrtc.emit("create-offer", None, promise)

    def _on_offer_created(self, promise, _):
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        self._set_local(offer)

    def _set_local(self, description):
        # The description goes out once webrtcbin applied it: in a
        # renegotiation ICE gathering is complete already, and the
        # local-description property still holds the previous one until then.
        self.pending_local_sdp = description
        promise = Gst.Promise.new_with_change_func(
            lambda promise, _: self._maybe_send_local(), None)
        self.webrtc.emit("set-local-description", description, promise)

    def _on_gathering_state(self, webrtc, pspec):
        self._maybe_send_local()

    def _maybe_send_local(self):
        # Non-trickle: the description goes out once ICE gathering is done,
        # with every candidate in it (the peers are all in one namespace).
        state = self.webrtc.get_property("ice-gathering-state")
        if (self.pending_local_sdp is None or
                state != GstWebRTC.WebRTCICEGatheringState.COMPLETE):
            return
        description = self.webrtc.get_property("local-description")
        if description is None:
            return
        self.pending_local_sdp = None
        kind = ("offer" if description.type == GstWebRTC.WebRTCSDPType.OFFER
                else "answer")
        self.emit({"event": "sdp", "type": kind,
                   "sdp": description.sdp.as_text()})

    def set_remote(self, kind, text):
        ok, sdp = GstSdp.SDPMessage.new_from_text(text)
        if ok != GstSdp.SDPResult.OK:
            raise ValueError("cannot parse the remote SDP")
        sdp_type = (GstWebRTC.WebRTCSDPType.OFFER if kind == "offer"
                    else GstWebRTC.WebRTCSDPType.ANSWER)
        description = GstWebRTC.WebRTCSessionDescription.new(sdp_type, sdp)
        if kind == "offer":
            promise = Gst.Promise.new_with_change_func(
                self._on_remote_offer_set, None)
        else:
            promise = Gst.Promise.new()
        self.webrtc.emit("set-remote-description", description, promise)
        if kind != "offer":
            promise.interrupt()

    def _on_remote_offer_set(self, promise, _):
        promise = Gst.Promise.new_with_change_func(self._on_answer_created,
                                                   None)
        self.webrtc.emit("create-answer", None, promise)

    def _on_answer_created(self, promise, _):
        reply = promise.get_reply()
        answer = reply.get_value("answer")
        if answer is None:
            self.fail("webrtcbin could not create an answer: %s" % reply)
            return
        self._set_local(answer)

    def _on_ice_candidate(self, webrtc, mline, candidate):
        self.local_candidates.append(candidate)

    def add_remote_candidate(self, mline, candidate):
        """A candidate the remote peer trickled (this peer's own go out in
        its SDP, once gathered)."""
        self.remote_trickled.append(candidate)
        self.webrtc.emit("add-ice-candidate", mline, candidate)

    def _on_ice_state(self, webrtc, pspec):
        state = webrtc.get_property("ice-connection-state")
        self.log("ICE connection state: %s" % nick(state))

    # -- data channel -------------------------------------------------------

    def _on_data_channel(self, webrtc, channel):
        self._setup_channel(channel)

    def _setup_channel(self, channel):
        if (self.channel is None or channel.get_property("label") ==
                self.config.get("dataLabel", "lk-data")):
            self.channel = channel
        channel.connect("on-open", lambda c: self.emit(
            {"event": "data-open"}))
        channel.connect("on-message-data", self._on_data_message)
        channel.connect("on-message-string",
                        lambda c, s: self.data_errors.append(
                            "unexpected string message %r" % s))

    def _data_provider(self, which):
        provider = self._provider(which)
        if provider is None:
            element = (self.encryptors if which == "send"
                       else self.decryptors)
            if not element:
                element = self.encryptors or self.decryptors
            provider = element[0].get_property("key-provider")
        return provider

    def _shared(self, which):
        return self._data_provider(which).get_property("shared-key")

    def send_data(self, text):
        """Sends `text` as a LiveKit user packet, encrypted with the
        provider's data API under the local participant's current key."""
        provider = self._data_provider("send")
        identity = self.config.get("identity", "gst")
        ring = None if self._shared("send") else identity
        payload = livekit_data.encrypted_packet_payload(text.encode(),
                                                        topic="e2ee-test")
        ok, iv, key_index, ciphertext = provider.encrypt_data(ring, payload)
        packet = livekit_data.data_packet(identity, bytes(iv.get_data()),
                                          key_index,
                                          bytes(ciphertext.get_data()))
        self.channel.emit("send-data", GLib.Bytes.new(packet))
        return key_index

    def _on_data_message(self, channel, data):
        raw = bytes(data.get_data())
        try:
            packet = livekit_data.parse_data_packet(raw)
            provider = self._data_provider("recv")
            ring = None if self._shared("recv") else packet["identity"]
            plain = provider.decrypt_data(ring, packet["iv"],
                                          packet["key_index"],
                                          packet["encrypted_value"])
            user = livekit_data.parse_encrypted_packet_payload(
                bytes(plain.get_data()))
            self.data_received.append({
                "text": user["payload"].decode(),
                "topic": user.get("topic"),
                "identity": packet["identity"],
                "keyIndex": packet["key_index"]})
        except Exception as e:  # a message we cannot decrypt is counted
            self.data_errors.append(str(e))

    # -- keys during the call -----------------------------------------------

    def set_key(self, which, key):
        provider = self._data_provider(which)
        set_key(provider, key)

    def ratchet(self, which, participant, index):
        provider = self._data_provider(which)
        provider.ratchet_key(participant, index)

    # -- messages and report --------------------------------------------------

    def _on_provider_state(self, provider, participant, track, state, index,
                           which):
        # The elements post the same as e2ee-state-changed (recorded below);
        # the provider's signal is the one webrtcsink-like hosts get.
        pass

    def _on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is not None and s.get_name() == "e2ee-state-changed":
                src = msg.src
                element = ("e2eeencrypt" if src in self.encryptors
                           else "e2eedecrypt")
                state = {"element": element,
                         "state": nick(s.get_value("state")),
                         "participant": s.get_value("participant-id"),
                         "keyIndex": s.get_value("key-index"),
                         "t": round(now() - self.started, 3)}
                self.states.append(state)
                self.emit(dict(state, event="state"))
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            self.fail("%s: %s (%s)" % (msg.src.get_name(), err.message,
                                       debug))
        elif msg.type == Gst.MessageType.WARNING:
            err, debug = msg.parse_warning()
            self.log("warning from %s: %s" % (msg.src.get_name(),
                                              err.message))

    def _element_stats(self, elements):
        out = []
        for element in elements:
            s = element.get_property("stats")
            out.append({s.nth_field_name(i): s.get_value(s.nth_field_name(i))
                        for i in range(s.n_fields())})
        return out

    def remote_candidates(self):
        description = self.webrtc.get_property("remote-description")
        if description is None:
            return []
        found = []
        for line in description.sdp.as_text().splitlines():
            if line.startswith("a=candidate:"):
                found.append(line[2:])
        return found + [c[2:] if c.startswith("a=") else c
                        for c in self.remote_trickled]

    def report(self):
        freq, rms = self.tone()
        return {
            "video": {"frames": self.video_frames,
                      "bars": self.video_bars[-1] if self.video_bars else None,
                      "barSamples": len(self.video_bars)},
            "audio": {"buffers": self.audio_buffers, "freq": round(freq, 1),
                      "rms": round(rms, 1)},
            "states": self.states,
            "encStats": self._element_stats(self.encryptors),
            "decStats": self._element_stats(self.decryptors),
            "localCandidates": self.local_candidates,
            "remoteCandidates": self.remote_candidates(),
            "data": {"received": self.data_received,
                     "errors": self.data_errors},
            "errors": self.errors,
            "firstFrame": self.first_frame,
            "keyUnitRequests": self.key_unit_requests,
            "frames": self.frames if self.config.get("frames") else None,
        }

    def log(self, text):
        self.emit({"event": "log", "text": "%s: %s" % (self.name, text)})

    def fail(self, text):
        self.errors.append(text)
        self.emit({"event": "error", "message": "%s: %s" % (self.name, text)})

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


def serve(config):
    """The process mode: one Peer, commands on stdin, events on stdout."""
    loop = GLib.MainLoop()

    def emit(event):
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    peer = Peer(config, emit)

    def handle(line):
        msg = json.loads(line)
        cmd = msg.get("cmd")
        if cmd == "offer":
            peer.create_offer()
        elif cmd == "remote":
            peer.set_remote(msg["type"], msg["sdp"])
        elif cmd == "candidate":
            peer.add_remote_candidate(msg.get("sdpMLineIndex", 0),
                                      msg["candidate"])
        elif cmd == "set-key":
            peer.set_key(msg.get("which", "recv"), msg["key"])
        elif cmd == "ratchet":
            peer.ratchet(msg.get("which", "send"), msg.get("participant"),
                         msg.get("index", 0))
        elif cmd == "send-data":
            index = peer.send_data(msg["text"])
            emit({"event": "data-sent", "text": msg["text"],
                  "keyIndex": index})
        elif cmd == "snapshot":
            peer.snapshot(msg["path"])
        elif cmd == "report":
            emit(dict(peer.report(), event="report"))
        elif cmd == "stop":
            peer.stop()
            loop.quit()
        else:
            raise ValueError("unknown command %r" % cmd)

    buffered = [b""]

    def on_stdin(fd, condition):
        chunk = os.read(fd, 65536)
        if not chunk:
            peer.stop()
            loop.quit()
            return False
        buffered[0] += chunk
        while b"\n" in buffered[0]:
            line, buffered[0] = buffered[0].split(b"\n", 1)
            if line.strip():
                try:
                    handle(line.decode())
                except Exception as e:
                    emit({"event": "error", "message": "command %s: %s"
                          % (line[:80], e)})
        return True

    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, on_stdin)
    emit({"event": "ready"})
    loop.run()


def main():
    Gst.init(None)
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gst_peer.py '<config JSON>'\n")
        return 2
    serve(json.loads(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
