#!/usr/bin/python3
"""An encrypted WebRTC call between GStreamer and your own Chromium/Chrome.

GStreamer (webrtcbin, e2eeencrypt/e2eedecrypt, the e2eertp*pay payloaders)
serves a page on http://127.0.0.1:PORT/. Open it: the page runs LiveKit's
own E2EE worker (livekit-client's dist/livekit-client.e2ee.worker.mjs,
unchanged) and joins the call. Both ends hold the same passphrase; the page
takes it from the URL fragment (#passphrase=...), which never reaches the
server.

  pipelines/webrtc/browser-call.py --codec vp8 --passphrase 'my secret'
      then open the printed URL in Chromium or Chrome

  --direction both      GStreamer sends SMPTE bars / a 440 Hz tone, the
                        browser sends its bars / an 880 Hz tone (default)
  --direction send      GStreamer -> browser only
  --direction receive   browser -> GStreamer only (GStreamer shows it)
  --api script-transform  RTCRtpScriptTransform instead of LiveKit's
                        default on Chromium (createEncodedStreams)
  --duration S          stop after S seconds (default: run until Ctrl-C)
  --no-display          do not open a window for what GStreamer receives

Needs the npm package livekit-client (scripts/test.sh installs it into
build/tests/browser/npm with `npm ci`; or give --npm-dir). The GStreamer
peer (tests/browser/gst_peer.py) and the page's LiveKit glue
(tests/browser/page/peer.mjs) are the browser suite's own, so what the
suite tests is what this example runs.

Every few seconds it prints what each side decoded; at the end a summary
line: "gst decoded N, browser decoded N, worker errors N".
"""

import argparse
import http.server
import json
import os
import secrets
import sys
import threading
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))

import gi  # noqa: E402

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

import gst_peer  # noqa: E402

TYPES = {".html": "text/html", ".mjs": "text/javascript",
         ".js": "text/javascript", ".map": "application/json"}


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codec", default="vp8",
                        choices=["vp8", "vp9", "h264", "opus"])
    parser.add_argument("--direction", default="both",
                        choices=["both", "send", "receive"])
    parser.add_argument("--api", default="encoded-streams",
                        choices=["encoded-streams", "script-transform"])
    parser.add_argument("--passphrase",
                        help="shared passphrase (default: a random one)")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--npm-dir", default=os.path.join(
        ROOT, "build", "tests", "browser", "npm"))
    parser.add_argument("--duration", type=float, default=0)
    parser.add_argument("--no-display", action="store_true")
    return parser.parse_args()


class Call:
    """The GStreamer side of one browser's call; a new page load starts a
    new call."""

    def __init__(self, args):
        self.args = args
        self.peer = None
        self.offer = None
        self.ready = threading.Event()
        self.browser_report = {}

    def media(self):
        kind = "audio" if self.args.codec == "opus" else "video"
        return {"kind": kind, "codec": self.args.codec,
                "send": self.args.direction in ("both", "send"),
                "recv": self.args.direction in ("both", "receive")}

    def start(self):
        """Runs in the GLib main loop: a new webrtcbin peer and its offer."""
        if self.peer is not None:
            self.peer.stop()
        self.offer = None
        self.ready.clear()
        media = self.media()
        keys = {"props": {"passphrase": self.args.passphrase}}
        config = {"name": "gst", "identity": "gst", "remote": "browser",
                  "display": not self.args.no_display,
                  "media": [media], "send": keys, "recv": keys}
        self.peer = gst_peer.Peer(config, self.on_event)
        self.peer.create_offer()
        return False

    def on_event(self, event):
        kind = event.get("event")
        if kind == "sdp":
            self.offer = event["sdp"]
            self.ready.set()
        elif kind == "state":
            print("gst: %s is now %s (key index %s)"
                  % (event["element"], event["state"], event["keyIndex"]))
        elif kind in ("error", "log"):
            print("gst: %s" % event.get("message", event.get("text")))

    def status(self):
        if self.peer is None:
            return None
        r = self.peer.report()
        kind = self.media()["kind"]
        return r["video"]["frames"] if kind == "video" else \
            r["audio"]["buffers"]


def make_handler(call, npm_modules):
    page_dirs = {"/peer/": os.path.join(ROOT, "tests", "browser", "page"),
                 "/npm/": npm_modules, "/": os.path.join(HERE, "page")}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def reply(self, code, body, content_type="text/plain"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("content-type", content_type)
            self.send_header("cache-control", "no-store")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/config":
                media = call.media()
                self.reply(200, json.dumps({
                    "api": call.args.api, "media": [dict(media,
                        send=media["recv"], recv=media["send"])]}),
                    "application/json")
                return
            if path == "/":
                path = "/index.html"
            for prefix, root in page_dirs.items():
                if path.startswith(prefix):
                    file = os.path.normpath(os.path.join(
                        root, path[len(prefix):]))
                    if file.startswith(root) and os.path.isfile(file):
                        with open(file, "rb") as f:
                            ext = os.path.splitext(file)[1]
                            self.reply(200, f.read(),
                                       TYPES.get(ext, "application/octet-stream"))
                        return
            self.reply(404, "not found")

        def do_POST(self):
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length).decode()
            if self.path == "/offer":
                GLib.idle_add(call.start)
                if not call.ready.wait(15):
                    self.reply(503, "webrtcbin made no offer")
                    return
                self.reply(200, call.offer, "application/sdp")
            elif self.path == "/answer":
                GLib.idle_add(lambda: call.peer.set_remote("answer", body)
                              and False)
                self.reply(200, "ok")
            elif self.path == "/report":
                call.browser_report = json.loads(body)
                self.reply(200, "ok")
            else:
                self.reply(404, "not found")

    return Handler


def main():
    args = parse_args()
    npm_modules = os.path.join(args.npm_dir, "node_modules")
    worker = os.path.join(npm_modules, "livekit-client", "dist",
                          "livekit-client.e2ee.worker.mjs")
    if not os.path.isfile(worker):
        sys.stderr.write(
            "browser-call: livekit-client is not installed in %s\n"
            "  run scripts/test.sh --suite browser once, or:\n"
            "  mkdir -p %s && cp tests/browser/package*.json %s && "
            "(cd %s && npm ci)\n" % (args.npm_dir, args.npm_dir,
                                     args.npm_dir, args.npm_dir))
        return 1
    if args.passphrase is None:
        args.passphrase = secrets.token_urlsafe(12)
    Gst.init(None)
    call = Call(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port),
                                             make_handler(call, npm_modules))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/#%s" % (
        server.server_address[1],
        urllib.parse.urlencode({"passphrase": args.passphrase},
                               quote_via=urllib.parse.quote))
    print("browser-call: %s %s, %s; open %s" % (
        args.codec, args.direction, args.api, url))
    sys.stdout.flush()
    loop = GLib.MainLoop()

    def tick():
        gst = call.status()
        b = call.browser_report
        if gst is not None:
            print("gst decoded %d, browser decoded %s, worker errors %s"
                  % (gst, b.get("decoded", "?"), b.get("workerErrors", "?")))
            sys.stdout.flush()
        return True

    GLib.timeout_add_seconds(3, tick)
    if args.duration:
        GLib.timeout_add(int(args.duration * 1000), loop.quit)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    tick()
    if call.peer is not None:
        call.peer.stop()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
