#!/usr/bin/python3
"""The demo's picture: four panels of one encrypted call, and their check.

  picture.py compose --out PNG --sender A.png --browser B.png --keyed C.png
                     --keyless D.png --caption TEXT
  picture.py check [--json] PNG
  picture.py selftest PNG

compose lays the panels out two by two, each under a label in large text,
with a title above and the caption (the verified figures) below, and writes
one PNG with GStreamer: pngdec, videoscale, textoverlay, compositor,
pngenc. A panel that is missing is drawn as a dark panel that says so.

check reads the PNG back and samples the seven upper bars of
videotestsrc's SMPTE pattern in each panel (a 12x12 box in the middle of
each bar, a third of the way down): the sender's, Chromium's and the keyed
receiver's panels must show all seven bars in their colours, the keyless
receiver's panel at most KEYLESS_MAX_BARS of them; each label and the
caption must have text drawn (fonts missing draw nothing). Exit status 1
when not.

selftest checks the PNG, then copies of it with one panel made wrong (the
keyless panel replaced by the decrypted picture, Chromium's by the keyless
noise, the keyed receiver's by a black picture, its bars in the wrong
order): each copy must fail the check, so the check can fail.
"""

import argparse
import json
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

PANEL_W, PANEL_H = 640, 480
MARGIN = 16
TITLE_H = 64
LABEL_H = 52
CAPTION_H = 60
WIDTH = 2 * PANEL_W + 3 * MARGIN
HEIGHT = TITLE_H + 2 * (LABEL_H + PANEL_H + MARGIN) + CAPTION_H

TITLE = "gst-e2ee: one end-to-end encrypted call through Janus (require_e2ee)"
# name: (column, row, label)
PANELS = {
    "sender": (0, 0, "1  GStreamer sender, before e2eeencrypt"),
    "browser": (1, 0, "2  Chromium with LiveKit's E2EE worker"),
    "keyed": (0, 1, "3  GStreamer receiver with the key"),
    "keyless": (1, 1, "4  Without the key: what Janus forwards"),
}
MUST_MATCH = ("sender", "browser", "keyed")
KEYLESS_MAX_BARS = 2

# videotestsrc pattern=smpte's upper bars: which of R, G, B is lit. Codecs
# and colour conversions move the levels (75 % is 191), so a bar matches
# when its lit channels are above 140 and its dark ones below 80, as in the
# browser suite (tests/browser/harness/checks.mjs).
BAR_CLASSES = ["111", "110", "011", "010", "101", "100", "001"]
BOX = 12

BACKGROUND = 0xff101820
LABEL_COLOUR = 0xff2a3a4a
LABEL_FONT = "Sans Bold 18"
TITLE_FONT = "Sans Bold 21"
CAPTION_FONT = "Sans Bold 14"


def panel_origin(name):
    column, row, _ = PANELS[name]
    x = MARGIN + column * (PANEL_W + MARGIN)
    y = TITLE_H + row * (LABEL_H + PANEL_H + MARGIN) + LABEL_H
    return x, y


def quoted(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def text_band(pad, width, height, text, font, colour, halign="left"):
    """A band of solid colour with white text, fed into compositor's pad."""
    return ("videotestsrc pattern=solid-color foreground-color=%d "
            "num-buffers=1 ! video/x-raw,format=BGRA,width=%d,height=%d "
            "! textoverlay text=%s font-desc=%s auto-resize=false "
            "halignment=%s valignment=center deltax=%d wrap-mode=-1 "
            "shaded-background=false ! mix.%s"
            % (colour, width, height, quoted(text), quoted(font), halign,
               12 if halign == "left" else 0, pad))


def panel_source(pad, name, path):
    if path and os.path.exists(path):
        return ("filesrc location=%s ! pngdec ! videoconvert ! videoscale "
                "! video/x-raw,format=BGRA,width=%d,height=%d "
                "! imagefreeze num-buffers=1 ! mix.%s"
                % (quoted(path), PANEL_W, PANEL_H, pad))
    return text_band(pad, PANEL_W, PANEL_H, "no picture from the %s" % name,
                     "Sans Bold 20", 0xff303030, "center")


def compose(out, panels, caption):
    """Writes the picture; `panels` maps PANELS' names to PNG paths."""
    pads, sources = [], []

    def place(x, y, source):
        pad = "sink_%d" % len(pads)
        pads.append("%s::xpos=%d %s::ypos=%d" % (pad, x, pad, y))
        sources.append(source(pad))

    place(0, 0, lambda pad: text_band(pad, WIDTH, TITLE_H, TITLE, TITLE_FONT,
                                      BACKGROUND, "center"))
    for name, (_, _, label) in PANELS.items():
        x, y = panel_origin(name)
        place(x, y - LABEL_H, lambda pad, label=label: text_band(
            pad, PANEL_W, LABEL_H - 6, label, LABEL_FONT, LABEL_COLOUR))
        place(x, y, lambda pad, name=name: panel_source(pad, name,
                                                        panels.get(name)))
    place(0, HEIGHT - CAPTION_H, lambda pad: text_band(
        pad, WIDTH, CAPTION_H, caption, CAPTION_FONT, BACKGROUND, "center"))
    line = ("compositor name=mix background=black %s "
            "! video/x-raw,format=BGRA,width=%d,height=%d ! videoconvert "
            "! pngenc snapshot=true ! filesink location=%s %s"
            % (" ".join(pads), WIDTH, HEIGHT, quoted(out), " ".join(sources)))
    run(line)


def run(line):
    pipeline = Gst.parse_launch(line)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        20 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None:
        raise RuntimeError("timed out: %s" % line[:200])
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        raise RuntimeError("%s: %s" % (err.message, debug))


def read_rgb(path):
    """The PNG's pixels as (width, height, RGB bytes without padding)."""
    pipeline = Gst.parse_launch(
        "filesrc location=%s ! pngdec ! videoconvert "
        "! video/x-raw,format=RGB ! appsink name=sink" % quoted(path))
    pipeline.set_state(Gst.State.PLAYING)
    sample = pipeline.get_by_name("sink").emit("try-pull-sample",
                                               10 * Gst.SECOND)
    if sample is None:
        pipeline.set_state(Gst.State.NULL)
        raise RuntimeError("cannot decode %s" % path)
    s = sample.get_caps().get_structure(0)
    width, height = s.get_value("width"), s.get_value("height")
    buf = sample.get_buffer()
    ok, info = buf.map(Gst.MapFlags.READ)
    data = bytes(info.data)
    buf.unmap(info)
    pipeline.set_state(Gst.State.NULL)
    stride = (width * 3 + 3) & ~3
    rows = b"".join(data[y * stride:y * stride + width * 3]
                    for y in range(height))
    return width, height, bytearray(rows)


def bars(width, rgb, name):
    """The mean colour of each of the seven bars of one panel."""
    px, py = panel_origin(name)
    y0 = py + PANEL_H // 3 - BOX // 2
    means = []
    for i in range(7):
        x0 = px + int((i + 0.5) * PANEL_W / 7) - BOX // 2
        total = [0, 0, 0]
        for y in range(y0, y0 + BOX):
            row = (y * width + x0) * 3
            for c in range(3):
                total[c] += sum(rgb[row + c:row + BOX * 3:3])
        means.append([round(t / (BOX * BOX)) for t in total])
    return means


def bright_pixels(width, rgb, x0, y0, w, h):
    """How many pixels of a rectangle are near white: text was drawn."""
    count = 0
    for y in range(y0, y0 + h):
        row = rgb[(y * width + x0) * 3:(y * width + x0 + w) * 3]
        count += sum(1 for i in range(0, len(row), 3)
                     if row[i] > 200 and row[i + 1] > 200 and row[i + 2] > 200)
    return count


def bars_matching(means):
    return sum(1 for rgb, lit in zip(means, BAR_CLASSES)
               if all(v > 140 if on == "1" else v < 80
                      for v, on in zip(rgb, lit)))


def check_pixels(width, height, rgb):
    result = {"width": width, "height": height, "panels": {}, "problems": []}
    if (width, height) != (WIDTH, HEIGHT):
        result["problems"].append("the picture is %dx%d, not %dx%d"
                                  % (width, height, WIDTH, HEIGHT))
        result["ok"] = False
        return result
    for name in PANELS:
        x, y = panel_origin(name)
        if bright_pixels(width, rgb, x, y - LABEL_H, PANEL_W, LABEL_H - 6) < 300:
            result["problems"].append("the %s panel's label has no text" % name)
        means = bars(width, rgb, name)
        match = bars_matching(means)
        result["panels"][name] = {"bars": means, "match": match}
        if name in MUST_MATCH and match != 7:
            result["problems"].append(
                "the %s panel shows %d of the 7 bars" % (name, match))
        if name == "keyless" and match > KEYLESS_MAX_BARS:
            result["problems"].append(
                "the keyless panel shows %d of the 7 bars (at most %d)"
                % (match, KEYLESS_MAX_BARS))
    if bright_pixels(width, rgb, 0, HEIGHT - CAPTION_H, WIDTH, CAPTION_H) < 500:
        result["problems"].append("the caption has no text")
    result["ok"] = not result["problems"]
    return result


def check(path):
    return check_pixels(*read_rgb(path))


# -- selftest: a picture with one wrong panel must fail ----------------------

def copy_panel(width, rgb, source, target):
    sx, sy = panel_origin(source)
    tx, ty = panel_origin(target)
    for y in range(PANEL_H):
        s = ((sy + y) * width + sx) * 3
        t = ((ty + y) * width + tx) * 3
        rgb[t:t + PANEL_W * 3] = rgb[s:s + PANEL_W * 3]


def fill_panel(width, rgb, target, colour):
    tx, ty = panel_origin(target)
    for y in range(PANEL_H):
        t = ((ty + y) * width + tx) * 3
        rgb[t:t + PANEL_W * 3] = bytes(colour) * PANEL_W


def mirror_panel(width, rgb, target):
    tx, ty = panel_origin(target)
    for y in range(PANEL_H):
        t = ((ty + y) * width + tx) * 3
        row = rgb[t:t + PANEL_W * 3]
        pixels = [row[i:i + 3] for i in range(0, len(row), 3)]
        rgb[t:t + PANEL_W * 3] = b"".join(reversed(pixels))


WRONG = {
    "the keyless panel shows the decrypted picture":
        lambda w, rgb: copy_panel(w, rgb, "keyed", "keyless"),
    "Chromium's panel shows the keyless noise":
        lambda w, rgb: copy_panel(w, rgb, "keyless", "browser"),
    "the keyed receiver's panel is black":
        lambda w, rgb: fill_panel(w, rgb, "keyed", (0, 0, 0)),
    "the keyed receiver's bars are in the wrong order":
        lambda w, rgb: mirror_panel(w, rgb, "keyed"),
}


def selftest(path):
    width, height, rgb = read_rgb(path)
    first = check_pixels(width, height, rgb)
    print("the picture: %s" % ("passes" if first["ok"] else
                               "FAILS: " + "; ".join(first["problems"])))
    failures = 0 if first["ok"] else 1
    for what, spoil in WRONG.items():
        copy = bytearray(rgb)
        spoil(width, copy)
        r = check_pixels(width, height, copy)
        caught = not r["ok"]
        failures += 0 if caught else 1
        print("%s: %s" % (what, "fails the check (%s)" % "; ".join(
            r["problems"]) if caught else "PASSES THE CHECK: the check is broken"))
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compose")
    c.add_argument("--out", required=True)
    c.add_argument("--caption", required=True)
    for name in PANELS:
        c.add_argument("--" + name)
    k = sub.add_parser("check")
    k.add_argument("--json", action="store_true")
    k.add_argument("png")
    t = sub.add_parser("selftest")
    t.add_argument("png")
    args = parser.parse_args()
    Gst.init(None)
    if args.command == "compose":
        compose(args.out, {n: getattr(args, n) for n in PANELS}, args.caption)
        return 0
    if args.command == "selftest":
        return 1 if selftest(args.png) else 0
    result = check(args.png)
    if args.json:
        print(json.dumps(result))
    else:
        for name, panel in result["panels"].items():
            print("%-8s %d/7 bars %s" % (name, panel["match"], panel["bars"]))
        print("ok" if result["ok"] else "FAIL: " + "; ".join(result["problems"]))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
