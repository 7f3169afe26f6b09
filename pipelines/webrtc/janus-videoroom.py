#!/usr/bin/python3
"""Publish to, or subscribe from, a Janus VideoRoom with end-to-end
encrypted media: Janus forwards frames it cannot read.

  # a room that refuses publishers without end-to-end encryption
  pipelines/webrtc/janus-videoroom.py publish --create --room 1234 \\
      --codec vp8 --passphrase 'my secret'
  # in another terminal: the first publisher of the room, decrypted
  pipelines/webrtc/janus-videoroom.py subscribe --room 1234 \\
      --passphrase 'my secret'

  --janus URL      Janus's HTTP API (default http://127.0.0.1:8088/janus)
  --create         create the room, with "require_e2ee": true
  --feed ID        subscribe to this publisher (default: the first one)
  --duration S     stop after S seconds (default: until Ctrl-C)
  --no-display     subscribe without a window (counts only)

The publisher offers with "e2ee": true in its JSEP, which a require_e2ee
room demands (janus_videoroom.c); Janus then leaves the payload alone. The
GStreamer side is the browser suite's webrtcbin peer
(tests/browser/gst_peer.py): videotestsrc or audiotestsrc, an encoder,
e2eeencrypt and e2eertp*pay when publishing; GStreamer's depayloader,
e2eedecrypt and a decoder when subscribing. A browser running LiveKit's
worker can be the other end (tests/browser/ does exactly that).

Prints "decoded N" (subscriber) or "sent N" (publisher) every few seconds
and once more at the end.
"""

import argparse
import json
import os
import sys
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))

import gi  # noqa: E402

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

import gst_peer  # noqa: E402


class Janus:
    """A Janus session over the HTTP API, with its long-poll thread."""

    def __init__(self, url):
        self.url = url
        self.events = []
        self.cond = threading.Condition()
        self.transaction = 0
        self.session = self.post(url, {"janus": "create"})["data"]["id"]
        self.running = True
        threading.Thread(target=self.poll, daemon=True).start()

    def post(self, url, body):
        self.transaction += 1
        body = dict(body, transaction="t%d" % self.transaction)
        request = urllib.request.Request(
            url, json.dumps(body).encode(),
            {"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            answer = json.loads(r.read())
        if answer.get("janus") == "error":
            raise RuntimeError("janus %s: %s" % (body["janus"],
                                                 answer["error"]))
        answer["transaction"] = body["transaction"]
        return answer

    def poll(self):
        while self.running:
            try:
                with urllib.request.urlopen("%s/%d?maxev=5" % (
                        self.url, self.session), timeout=40) as r:
                    got = json.loads(r.read())
            except OSError:
                continue
            with self.cond:
                self.events.extend(got if isinstance(got, list) else [got])
                self.cond.notify_all()

    def wait(self, what, match, timeout=15):
        with self.cond:
            if not self.cond.wait_for(
                    lambda: any(match(e) for e in self.events), timeout):
                raise TimeoutError("janus: no %s" % what)
            return next(e for e in self.events if match(e))

    def attach(self):
        return self.post("%s/%d" % (self.url, self.session), {
            "janus": "attach", "plugin": "janus.plugin.videoroom"})["data"]["id"]

    def message(self, handle, body, jsep=None):
        request = {"janus": "message", "body": body}
        if jsep:
            request["jsep"] = jsep
        r = self.post("%s/%d/%d" % (self.url, self.session, handle), request)
        if r["janus"] != "success":
            r = self.wait("answer to %s" % body["request"], lambda e:
                          e.get("transaction") == r["transaction"] and
                          e.get("janus") == "event")
        data = r.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise RuntimeError("janus %s: %s %s" % (
                body["request"], data["error_code"], data["error"]))
        return data, r.get("jsep")

    def close(self):
        self.running = False
        try:
            self.post("%s/%d" % (self.url, self.session), {"janus": "destroy"})
        except OSError:
            pass


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=["publish", "subscribe"])
    parser.add_argument("--janus", default="http://127.0.0.1:8088/janus")
    parser.add_argument("--room", type=int, default=1234)
    parser.add_argument("--create", action="store_true")
    parser.add_argument("--codec", default="vp8",
                        choices=["vp8", "vp9", "h264", "opus"])
    parser.add_argument("--passphrase", required=True)
    parser.add_argument("--feed", type=int)
    parser.add_argument("--duration", type=float, default=0)
    parser.add_argument("--no-display", action="store_true")
    return parser.parse_args()


def main():
    args = parse_args()
    Gst.init(None)
    janus = Janus(args.janus)
    handle = janus.attach()
    sdp = {}
    got = threading.Event()

    def on_event(event):
        if event.get("event") == "sdp":
            sdp[event["type"]] = event["sdp"]
            got.set()
        elif event.get("event") == "state":
            print("%s is now %s (key index %s)" % (
                event["element"], event["state"], event["keyIndex"]))
        elif event.get("event") == "error":
            print(event["message"])

    keys = {"props": {"passphrase": args.passphrase}}
    loop = GLib.MainLoop()
    threading.Thread(target=loop.run, daemon=True).start()
    kind = "audio" if args.codec == "opus" else "video"
    if args.role == "publish":
        if args.create:
            janus.message(handle, {
                "request": "create", "room": args.room, "require_e2ee": True,
                "videocodec": "vp8,vp9,h264", "audiocodec": "opus",
                "publishers": 6, "permanent": False})
        joined, _ = janus.message(handle, {
            "request": "join", "ptype": "publisher", "room": args.room,
            "display": "gst-e2ee"})
        peer = gst_peer.Peer({
            "name": "publisher", "send": keys,
            "media": [{"kind": kind, "codec": args.codec, "send": True,
                       "recv": False}]}, on_event)
        peer.create_offer()
        got.wait(15)
        _, jsep = janus.message(handle, {"request": "publish"}, {
            "type": "offer", "sdp": sdp["offer"], "e2ee": True})
        peer.set_remote("answer", jsep["sdp"])
        # Subscribers can have the feed once its PeerConnection is up.
        janus.wait("webrtcup", lambda e: e.get("janus") == "webrtcup" and
                   e.get("sender") == handle)
        print("published to room %d as feed %d (e2ee: %s)" % (
            args.room, joined["id"], jsep.get("e2ee", False)))
    else:
        feed = args.feed
        if feed is None:
            listed, _ = janus.message(handle, {
                "request": "listparticipants", "room": args.room})
            publishers = [p["id"] for p in listed.get("participants", [])
                          if p.get("publisher")]
            if not publishers:
                sys.stderr.write("no publisher in room %d\n" % args.room)
                return 1
            feed = publishers[0]
        peer = gst_peer.Peer({
            "name": "subscriber", "offerer": False, "recv": keys,
            "display": not args.no_display, "media": []}, on_event)
        _, jsep = janus.message(handle, {
            "request": "join", "ptype": "subscriber", "room": args.room,
            "streams": [{"feed": feed}]})
        peer.set_remote("offer", jsep["sdp"])
        got.wait(15)
        janus.message(handle, {"request": "start"},
                      {"type": "answer", "sdp": sdp["answer"]})
        print("subscribed to feed %d of room %d" % (feed, args.room))
    sys.stdout.flush()

    def counts():
        r = peer.report()
        if args.role == "publish":
            stats = r["encStats"][0] if r["encStats"] else {}
            return "sent %d" % stats.get("frames-ok", 0)
        return "decoded %d" % (r["video"]["frames"] if kind == "video"
                               else r["audio"]["buffers"])

    stop = threading.Event()
    try:
        while not stop.wait(3):
            print(counts())
            sys.stdout.flush()
            if args.duration and peer.started + args.duration < \
                    gst_peer.now():
                break
    except KeyboardInterrupt:
        pass
    print(counts())
    peer.stop()
    janus.close()
    loop.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
