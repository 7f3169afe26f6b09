#!/usr/bin/env python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Keys from the Secret Service, against a real gnome-keyring-daemon
(run-secret-tests.sh starts one): e2ee-key store puts a key file's key or
a passphrase into the keyring; e2eeencrypt/e2eedecrypt key-secret and
passphrase-secret read it in NULL->READY and decrypt what the other end,
with the key file, encrypted; a missing, empty or misnamed secret and an
unreachable Secret Service fail the state change with the error a bad key
file gives, naming the secret."""

import os
import subprocess
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("E2ee", "1.0")
from gi.repository import E2ee, GLib, Gst  # noqa: E402

TOOL = os.environ["E2EE_KEY_TOOL"]
TMP = os.environ["E2EE_TEST_TMP"]
N_FRAMES = 20
failures = []
count = 0


def check(condition, what):
    global count
    count += 1
    what = " ".join(str(what).split())      # one TAP line
    print("%s %d - %s" % ("ok" if condition else "not ok", count, what))
    if not condition:
        failures.append(what)


def tool(*args, stdin=None):
    return subprocess.run([TOOL] + list(args), input=stdin,
                          capture_output=True, text=True)


def run_pipeline(enc_props, dec_props):
    """Sends N_FRAMES Opus frames through an e2eeencrypt with @enc_props to
    an e2eedecrypt with @dec_props, each with a key provider of its own (in
    one pipeline they would share one, and one key); returns (error or
    None, the decryptor's frames-ok, its frames)."""
    pipeline = Gst.parse_launch(
        "audiotestsrc num-buffers=%d ! audio/x-raw,rate=48000 ! opusenc ! "
        "e2eeencrypt name=enc ! e2eedecrypt name=dec ! fakesink" % N_FRAMES)
    for name, props in (("enc", enc_props), ("dec", dec_props)):
        element = pipeline.get_by_name(name)
        element.set_property("key-provider", E2ee.KeyProvider.new())
        for prop, value in props.items():
            element.set_property(prop, value)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    msg = bus.timed_pop_filtered(20 * Gst.SECOND,
                                 Gst.MessageType.EOS | Gst.MessageType.ERROR)
    error = None
    if msg is None:
        error = "timeout"
    elif msg.type == Gst.MessageType.ERROR:
        error = msg.parse_error()[0].message
    stats = pipeline.get_by_name("dec").get_property("stats")
    pipeline.set_state(Gst.State.NULL)
    return error, stats.get_value("frames-ok"), stats.get_value("frames")


def all_decrypted(result):
    error, ok, frames = result
    return error is None and frames >= N_FRAMES and ok == frames


def store_and_round_trip():
    key = os.path.join(TMP, "call.key")
    result = tool("new", key)
    check(result.returncode == 0, "e2ee-key new")
    result = tool("store", key, "room=standup, app=gst-e2ee-test")
    check(result.returncode == 0 and "key-secret=" in result.stdout,
          "e2ee-key store: " + (result.stdout + result.stderr).strip())
    from_file = tool("fingerprint", key).stdout.strip()
    from_secret = tool("fingerprint", "--secret",
                       "app=gst-e2ee-test,room=standup").stdout.strip()
    check(from_file != "" and from_file == from_secret,
          "fingerprint of the stored secret is the key file's (%s)"
          % from_secret)

    # The sender reads the keyring, the receiver the file: every frame
    # decrypts.
    secret = "room=standup,app=gst-e2ee-test"
    result = run_pipeline({"key-secret": secret}, {"key-file": key})
    check(all_decrypted(result), "key-secret -> key-file: %s" % (result,))
    result = run_pipeline({"key-file": key}, {"key-secret": secret})
    check(all_decrypted(result), "key-file -> key-secret: %s" % (result,))

    # Another key under other attributes does not open them.
    other = os.path.join(TMP, "other.key")
    tool("new", other)
    tool("store", other, "room=other,app=gst-e2ee-test")
    result = run_pipeline({"key-file": key},
                          {"key-secret": "room=other,app=gst-e2ee-test"})
    check(result[1] == 0 and result[2] >= N_FRAMES,
          "a secret with another key decrypts nothing: %s" % (result,))


def passphrase_secret():
    phrase = os.path.join(TMP, "room.pass")
    check(tool("new", "--passphrase", phrase).returncode == 0,
          "e2ee-key new --passphrase")
    result = tool("store", "--passphrase", phrase, "room=weekly")
    check(result.returncode == 0 and "passphrase-secret=" in result.stdout,
          "e2ee-key store --passphrase")
    result = run_pipeline({"passphrase-secret": "room=weekly"},
                          {"passphrase-file": phrase})
    check(all_decrypted(result),
          "passphrase-secret -> passphrase-file: %s" % (result,))
    # Read as a key, the same secret is another key (HKDF of the text).
    result = run_pipeline({"passphrase-secret": "room=weekly"},
                          {"key-secret": "room=weekly"})
    check(result[1] == 0 and result[2] >= N_FRAMES,
          "a passphrase read as a raw key is another key: %s" % (result,))


def expect_ready_error(prop, value, resource_error, message):
    dec = Gst.ElementFactory.make("e2eedecrypt", "dec")
    dec.set_property(prop, value)
    bus = Gst.Bus.new()
    dec.set_bus(bus)
    ret = dec.set_state(Gst.State.READY)
    msg = bus.pop_filtered(Gst.MessageType.ERROR)
    dec.set_state(Gst.State.NULL)
    dec.set_bus(None)
    check(ret == Gst.StateChangeReturn.FAILURE,
          "%s=%s: NULL->READY fails" % (prop, value))
    if msg is None:
        check(False, "%s=%s: an error message" % (prop, value))
        return
    err, debug = msg.parse_error()
    check(err.matches(Gst.ResourceError.quark(), resource_error),
          "%s=%s: %s (got %s)" % (prop, value, resource_error, err))
    check(err.message == message, "error text: %s" % err.message)
    check(prop in (debug or ""), "the debug text names %s" % prop)


def errors():
    expect_ready_error("key-secret", "room=nowhere", Gst.ResourceError.NOT_FOUND,
                       'Key secret "room=nowhere" does not exist in the '
                       "Secret Service.")
    expect_ready_error("passphrase-secret", "room=nowhere",
                       Gst.ResourceError.NOT_FOUND,
                       'Passphrase secret "room=nowhere" does not exist in '
                       "the Secret Service.")
    expect_ready_error("key-secret", "standup", Gst.ResourceError.READ,
                       'Key secret "standup" is not a list of name=value '
                       "attributes separated by commas (such as "
                       "room=standup,app=gst-e2ee).")
    check(E2ee.key_material_store_secret("room=empty", None,
                                         GLib.Bytes.new(b"")),
          "an empty secret stored")
    expect_ready_error("key-secret", "room=empty", Gst.ResourceError.READ,
                       'Key secret "room=empty" is empty.')
    big = GLib.Bytes.new(b"x" * (E2ee.KEY_FILE_MAX_SIZE + 1))
    E2ee.key_material_store_secret("room=big", None, big)
    expect_ready_error("key-secret", "room=big", Gst.ResourceError.READ,
                       'Key secret "room=big" is larger than 4096 bytes.')

    # No Secret Service at all: the element says it could not read it.
    code = ("import gi, sys\n"
            "gi.require_version('Gst', '1.0')\n"
            "from gi.repository import Gst\n"
            "Gst.init(None)\n"
            "dec = Gst.ElementFactory.make('e2eedecrypt')\n"
            "dec.set_property('key-secret', 'room=standup')\n"
            "bus = Gst.Bus.new(); dec.set_bus(bus)\n"
            "ret = dec.set_state(Gst.State.READY)\n"
            "err, _ = bus.pop_filtered(Gst.MessageType.ERROR).parse_error()\n"
            "print(ret == Gst.StateChangeReturn.FAILURE, "
            "err.matches(Gst.ResourceError.quark(), "
            "Gst.ResourceError.OPEN_READ)); print(err.message)\n"
            "dec.set_state(Gst.State.NULL)\n")
    env = dict(os.environ,
               DBUS_SESSION_BUS_ADDRESS="unix:path=%s/no-bus" % TMP)
    out = subprocess.run(["/usr/bin/python3", "-c", code], env=env,
                         capture_output=True, text=True, timeout=60)
    lines = out.stdout.splitlines()
    check(lines[:1] == ["True True"],
          "no Secret Service: NULL->READY fails with OPEN_READ (%s)"
          % out.stdout.strip())
    check(len(lines) > 1 and lines[1].startswith(
        'Cannot read key secret "room=standup" from the Secret Service: '),
          "no Secret Service: %s" % (lines[1:] or out.stderr))


def tool_refuses():
    key = os.path.join(TMP, "call.key")
    result = tool("new", key)
    check(result.returncode == 1 and "refusing to overwrite" in result.stderr,
          "e2ee-key new refuses to overwrite: " + result.stderr.strip())
    result = tool("store", key, "not-attributes")
    check(result.returncode == 1 and "name=value" in result.stderr,
          "e2ee-key store refuses malformed attributes")


def main():
    Gst.init(None)
    print("# Secret Service tests (gnome-keyring-daemon)")
    store_and_round_trip()
    passphrase_secret()
    errors()
    tool_refuses()
    print("1..%d" % count)
    if failures:
        print("# %d failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
