#!/usr/bin/python3
"""gst-e2ee demo: an encrypted audio and video call on loopback.

`scripts/demo.sh --no-browser` runs this one, for machines without
Chromium or network namespaces (the default demo is call.mjs: a WebRTC call
through Janus to Chromium running LiveKit's worker). One process runs three
pipelines:

  sender      videotestsrc ! vp8enc ! e2eeencrypt ! e2eertpvp8pay ! udp (two ports)
              audiotestsrc ! opusenc ! e2eeencrypt ! rtpopuspay ! udp
  receiver    udp ! rtpvp8depay ! e2eedecrypt ! vp8dec     (has the key file)
              udp ! rtpopusdepay ! e2eedecrypt ! opusdec
  eavesdrop   udp ! rtpvp8depay ! vp8dec                    (no key: what an SFU
                                                             or a wiretap sees)

It checks that every frame the receiver decrypted equals, byte for byte, the
frame the encoder produced, that the encrypted frames on the wire differ from
them, and writes a PNG with the receiver's picture beside what the
eavesdropper's decoder makes of the same frame.

Usage: loopback.py [--frames N] [--png PATH]
"""

import argparse
import os
import struct
import sys
import tempfile
import zlib

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

WIDTH, HEIGHT = 320, 240
VIDEO_PORT, EAVESDROP_PORT, AUDIO_PORT = 5106, 5116, 5104

SENDER = f"""
  videotestsrc is-live=true pattern=ball background-color=0xff205080
      num-buffers={{frames}}
    ! video/x-raw,width={WIDTH},height={HEIGHT},framerate=30/1
    ! vp8enc deadline=1 keyframe-max-dist=30 ! identity name=video_plain
    ! e2eeencrypt name=video_enc key-file={{key}}
    ! identity name=video_wire ! e2eertpvp8pay pt=96 mtu=1200
    ! multiudpsink clients=127.0.0.1:{VIDEO_PORT},127.0.0.1:{EAVESDROP_PORT}
  audiotestsrc is-live=true wave=ticks samplesperbuffer=960
      num-buffers={{audio_frames}}
    ! audio/x-raw,rate=48000,channels=2 ! opusenc ! identity name=audio_plain
    ! e2eeencrypt name=audio_enc key-file={{key}}
    ! rtpopuspay pt=111 ! udpsink host=127.0.0.1 port={AUDIO_PORT}
"""

LABEL = ('textoverlay text="{text}" valignment=top halignment=left '
         'font-desc="Sans 10" shaded-background=true')

VIDEO_CAPS = ("application/x-rtp,media=video,encoding-name=VP8,"
              "clock-rate=90000,payload=96")
AUDIO_CAPS = ("application/x-rtp,media=audio,encoding-name=OPUS,"
              "clock-rate=48000,payload=111")

RECEIVER = f"""
  udpsrc address=127.0.0.1 port={VIDEO_PORT} caps="{VIDEO_CAPS}"
    ! rtpjitterbuffer latency=200 ! rtpvp8depay
    ! e2eedecrypt name=video_dec key-file={{key}} ! identity name=video_out
    ! vp8dec ! videoconvert ! {LABEL.format(text="receiver with the key")}
    ! videoconvert ! video/x-raw,format=RGB ! appsink name=video_sink
        emit-signals=true sync=false
  udpsrc address=127.0.0.1 port={AUDIO_PORT} caps="{AUDIO_CAPS}"
    ! rtpjitterbuffer latency=200 ! rtpopusdepay
    ! e2eedecrypt name=audio_dec key-file={{key}} ! identity name=audio_out
    ! opusdec ! fakesink sync=false
"""

EAVESDROPPER = f"""
  udpsrc address=127.0.0.1 port={EAVESDROP_PORT} caps="{VIDEO_CAPS}"
    ! rtpjitterbuffer latency=200 ! rtpvp8depay ! vp8dec max-errors=-1
    ! videoconvert ! {LABEL.format(text="receiver without the key")}
    ! videoconvert ! video/x-raw,format=RGB ! appsink name=video_sink
        emit-signals=true sync=false
"""


def buffer_bytes(buf):
    ok, info = buf.map(Gst.MapFlags.READ)
    try:
        return bytes(info.data)
    finally:
        buf.unmap(info)


def record_frames(pipeline, identity_name, frames):
    """Keeps a copy of every buffer that passes the named identity."""
    identity = pipeline.get_by_name(identity_name)
    identity.set_property("signal-handoffs", True)
    identity.connect("handoff", lambda _e, buf: frames.append(buffer_bytes(buf)))


def record_pictures(pipeline, pictures):
    sink = pipeline.get_by_name("video_sink")

    def on_sample(appsink):
        sample = appsink.emit("pull-sample")
        pictures.append(buffer_bytes(sample.get_buffer()))
        return Gst.FlowReturn.OK

    sink.connect("new-sample", on_sample)


def watch_errors(pipeline, name, errors, states):
    bus = pipeline.get_bus()
    bus.add_signal_watch()

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            errors.append(f"{name}: {msg.src.get_name()}: {err.message}")
        elif msg.type == Gst.MessageType.ELEMENT and msg.has_name(
                "e2ee-state-changed"):
            s = msg.get_structure()
            states.append(f"{name}/{msg.src.get_name()}: "
                          f"{s.get_value('state').value_nick}")

    bus.connect("message", on_message)


def write_png(path, rgb_rows, width, height):
    """A plain 8-bit RGB PNG, written with zlib (no image library needed)."""
    raw = b"".join(b"\x00" + rgb_rows[y * width * 3:(y + 1) * width * 3]
                   for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return (struct.pack(">I", len(data)) + body
                + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                           8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def side_by_side(left, right, gap=8):
    """Two RGB pictures of WIDTHxHEIGHT next to each other, white gap."""
    width = 2 * WIDTH + gap
    rows = bytearray()
    for y in range(HEIGHT):
        rows += left[y * WIDTH * 3:(y + 1) * WIDTH * 3]
        rows += b"\xff" * (gap * 3)
        rows += right[y * WIDTH * 3:(y + 1) * WIDTH * 3]
    return bytes(rows), width


def label_panel(text):
    """A dark WIDTHxHEIGHT RGB picture that says @text, for when a decoder
    produced no picture at all."""
    pipeline = Gst.parse_launch(
        "videotestsrc pattern=solid-color foreground-color=0xff303030 "
        f"num-buffers=1 ! video/x-raw,width={WIDTH},height={HEIGHT} "
        f'! textoverlay text="{text}" valignment=center halignment=center '
        'font-desc="Sans 10" wrap-mode=word ! videoconvert '
        "! video/x-raw,format=RGB ! appsink name=sink")
    pipeline.set_state(Gst.State.PLAYING)
    sample = pipeline.get_by_name("sink").emit("pull-sample")
    picture = buffer_bytes(sample.get_buffer())
    pipeline.set_state(Gst.State.NULL)
    return picture


def compare(sent, received):
    """How many received frames equal a sent frame, in the order sent.

    UDP on loopback rarely loses a packet, and a lost packet loses its
    frame; a frame that arrives must still equal its original exactly."""
    matched, position = 0, 0
    for frame in received:
        while position < len(sent) and sent[position] != frame:
            position += 1
        if position < len(sent):
            matched += 1
            position += 1
    return matched


def run(frames, png_path):
    Gst.init(None)
    key_dir = tempfile.mkdtemp(prefix="e2ee-demo-")
    key = os.path.join(key_dir, "call.key")
    with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
        f.write(os.urandom(32))

    audio_frames = frames * 50 // 30  # 20 ms audio frames for as long
    sender = Gst.parse_launch(SENDER.format(frames=frames, key=key,
                                            audio_frames=audio_frames))
    receiver = Gst.parse_launch(RECEIVER.format(key=key))
    eavesdropper = Gst.parse_launch(EAVESDROPPER)

    plain_video, wire_video, out_video = [], [], []
    plain_audio, out_audio = [], []
    pictures, eavesdropped = [], []
    errors, states = [], []
    record_frames(sender, "video_plain", plain_video)
    record_frames(sender, "video_wire", wire_video)
    record_frames(sender, "audio_plain", plain_audio)
    record_frames(receiver, "video_out", out_video)
    record_frames(receiver, "audio_out", out_audio)
    record_pictures(receiver, pictures)
    record_pictures(eavesdropper, eavesdropped)
    watch_errors(sender, "sender", errors, states)
    watch_errors(receiver, "receiver", errors, states)
    watch_errors(eavesdropper, "eavesdropper", errors, states)

    loop = GLib.MainLoop()

    def on_sender_eos(_bus, _msg):
        # Let the last packets cross the jitter buffers, then stop.
        GLib.timeout_add(800, loop.quit)

    sender.get_bus().connect("message::eos", on_sender_eos)
    receiver.set_state(Gst.State.PLAYING)
    eavesdropper.set_state(Gst.State.PLAYING)
    GLib.timeout_add(300, lambda: sender.set_state(Gst.State.PLAYING) and False)
    GLib.timeout_add_seconds(60, loop.quit)  # never hang
    loop.run()
    for p in (sender, receiver, eavesdropper):
        p.set_state(Gst.State.NULL)
    os.unlink(key)
    os.rmdir(key_dir)

    video_exact = compare(plain_video, out_video)
    audio_exact = compare(plain_audio, out_audio)
    wire_clear = sum(1 for a, b in zip(plain_video, wire_video) if a == b)

    print(f"video (VP8 {WIDTH}x{HEIGHT}): {len(plain_video)} frames encoded, "
          f"{len(out_video)} decrypted, {video_exact} byte-exact to the "
          f"encoder output, {len(pictures)} pictures decoded")
    print(f"audio (Opus): {len(plain_audio)} frames encoded, "
          f"{len(out_audio)} decrypted, {audio_exact} byte-exact")
    print(f"on the wire: {len(wire_video)} encrypted video frames, "
          f"{wire_clear} equal to their plaintext")
    print(f"without the key: {len(eavesdropped)} pictures decoded from the "
          f"same packets")
    for s in states:
        print(f"state: {s}")
    for e in errors:
        print(f"error: {e}")

    if pictures:
        index = min(len(pictures), len(eavesdropped) or len(pictures)) - 1
        index = max(0, min(index, len(pictures) // 2))
        right = (eavesdropped[index] if eavesdropped else label_panel(
            f"receiver without the key: its decoder rejected all "
            f"{len(wire_video)} frames"))
        rows, width = side_by_side(pictures[index], right)
        write_png(png_path, rows, width, HEIGHT)
        print(f"wrote {png_path}: left, frame {index} as the receiver "
              f"decrypted it; right, what a receiver without the key decodes"
              + ("" if eavesdropped else " (nothing: its decoder rejected "
                 "every frame)"))

    verified = (len(out_video) >= 0.95 * len(plain_video) > 0
                and video_exact == len(out_video)
                and len(out_audio) >= 0.95 * len(plain_audio) > 0
                and audio_exact == len(out_audio)
                and wire_clear == 0 and len(pictures) == len(out_video)
                and not [e for e in errors if not e.startswith("eavesdropper")])
    print("VERIFIED: every frame decrypted byte-exact, none sent in clear"
          if verified else "NOT VERIFIED: see the counts above")
    return 0 if verified else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=90,
                        help="video frames to send (default 90, 3 s)")
    parser.add_argument("--png", default="e2ee-demo.png",
                        help="where to write the picture (default e2ee-demo.png)")
    args = parser.parse_args()
    return run(args.frames, args.png)


if __name__ == "__main__":
    sys.exit(main())
