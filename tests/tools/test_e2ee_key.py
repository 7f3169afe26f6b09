#!/usr/bin/env python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""e2ee-key, the command-line tool: files it makes (mode 0600, never over an
existing file or through a symbolic link), the fingerprint as documented
(HMAC-SHA256 of the documented label, keyed with the AES key the elements
derive: recomputed here with Python's hashlib), ratchets as LiveKit's
(HKDF or PBKDF2 of the old material with the ratchet salt), and a ratcheted
key file that opens what an encryptor sends after its application
ratcheted the key it was given (not exportable)."""

import hashlib
import hmac
import os
import stat
import subprocess
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
gi.require_version("E2ee", "1.0")
from gi.repository import E2ee, Gst  # noqa: E402

TOOL = sys.argv[1]
LABEL = b"gst-e2ee key fingerprint v1"
SALT = b"LKFrameEncryptionKey"
failures = []
count = 0


def check(condition, what):
    global count
    count += 1
    what = " ".join(str(what).split())      # one TAP line
    print("%s %d - %s" % ("ok" if condition else "not ok", count, what))
    if not condition:
        failures.append(what)


def tool(*args, stdin=None, umask=None):
    def preexec():
        if umask is not None:
            os.umask(umask)
    return subprocess.run([TOOL] + list(args), input=stdin,
                          capture_output=True, preexec_fn=preexec)


def hkdf(ikm, salt, length):
    # RFC 5869 with info = 128 zero bytes, as LiveKit imports raw keys.
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + bytes(128) + bytes([i]),
                         hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def pbkdf2(material, salt, length):
    return hashlib.pbkdf2_hmac("sha256", material, salt, 100000, length)


def fingerprint_of(aes_key):
    mac = hmac.new(aes_key, LABEL, hashlib.sha256).digest()[:16].hex()
    return " ".join(mac[i:i + 4] for i in range(0, 32, 4))


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def help_and_usage(tmp):
    result = tool("--help")
    out = result.stdout.decode()
    check(result.returncode == 0 and "Usage:" in out,
          "--help: usage, exit 0")
    for command in ("new", "fingerprint", "ratchet", "store"):
        check(("  %s " % command) in out, "--help lists %s" % command)
        sub = tool(command, "--help")
        check(sub.returncode == 0 and b"Usage:" in sub.stdout,
              "%s --help" % command)
    check(LABEL.decode() in out, "--help names the fingerprint label")
    result = tool("frobnicate")
    check(result.returncode == 1 and b"unknown command" in result.stderr,
          "an unknown command fails")


def new_files(tmp):
    key = os.path.join(tmp, "call.key")
    result = tool("new", key, umask=0)
    check(result.returncode == 0, "new: " + result.stdout.decode().strip())
    check(mode_of(key) == 0o600, "new: mode 0600 even with umask 0 (%o)"
          % mode_of(key))
    text = open(key, "rb").read()
    check(len(text) == 65 and text.endswith(b"\n")
          and bytes.fromhex(text[:64].decode()) != bytes(32),
          "new: 32 random bytes as hex and a newline")
    other = os.path.join(tmp, "other.key")
    tool("new", other)
    check(open(other, "rb").read() != text, "new: a new key each time")

    result = tool("new", key)
    check(result.returncode == 1 and b"refusing to overwrite" in
          result.stderr and open(key, "rb").read() == text,
          "new: refuses an existing file, which stays as it was")
    target = os.path.join(tmp, "target")
    link = os.path.join(tmp, "link.key")
    os.symlink(target, link)
    result = tool("new", link)
    check(result.returncode == 1 and not os.path.exists(target),
          "new: refuses a symbolic link (writes nothing through it)")

    phrase = os.path.join(tmp, "room.pass")
    result = tool("new", "--passphrase", phrase, umask=0o022)
    text = open(phrase, "rb").read()
    check(result.returncode == 0 and mode_of(phrase) == 0o600
          and len(text) == 33 and text.endswith(b"\n")
          and all(c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  b"0123456789-_" for c in text[:32]),
          "new --passphrase: 32 base64url characters, mode 0600")
    mine = os.path.join(tmp, "mine.pass")
    result = tool("new", "--passphrase", "--stdin", mine,
                  stdin=b"correct horse battery staple\n")
    check(result.returncode == 0 and open(mine, "rb").read() ==
          b"correct horse battery staple\n", "new --stdin: stdin's passphrase")
    empty = os.path.join(tmp, "empty.pass")
    result = tool("new", "--passphrase", "--stdin", empty, stdin=b"")
    check(result.returncode == 1, "new --stdin: refuses an empty passphrase")
    return key, phrase, mine


def fingerprints(tmp, key, phrase, mine):
    material = bytes.fromhex(open(key).read().strip())
    out = tool("fingerprint", key).stdout.decode().strip()
    check(out == fingerprint_of(hkdf(material, SALT, 16)),
          "fingerprint of a key file: HMAC-SHA256(HKDF key, label) (%s)" % out)
    out = tool("fingerprint", "-p", mine).stdout.decode().strip()
    check(out == fingerprint_of(pbkdf2(b"correct horse battery staple",
                                       SALT, 16)),
          "fingerprint of a passphrase file: HMAC-SHA256(PBKDF2 key, label)")
    out = tool("fingerprint", "--salt", "room-salt", "--key-size", "256",
               key).stdout.decode().strip()
    check(out == fingerprint_of(hkdf(material, b"room-salt", 32)),
          "fingerprint with the elements' salt and key size")
    out = tool("fingerprint", "-d", "pbkdf2", key).stdout.decode().strip()
    check(out == fingerprint_of(pbkdf2(material, SALT, 16)),
          "fingerprint with key-derivation pbkdf2")

    # The provider's fingerprint is the tool's, for a key given to it as
    # an element gives it (not exportable).
    provider = E2ee.KeyProvider.new()
    provider.set_key_full(None, material, 3, True,
                          E2ee.KeyFlags.NOT_EXPORTABLE)
    check(provider.dup_key_fingerprint(None, 3) ==
          tool("fingerprint", key).stdout.decode().strip(),
          "dup_key_fingerprint works on a key that is not exportable")
    check(material.hex() not in out and material.hex()[:8] not in out,
          "the fingerprint does not show the key")


def ratchets(tmp, key, mine):
    material = bytes.fromhex(open(key).read().strip())
    os.chmod(key, 0o600)
    result = tool("ratchet", key)
    check(result.returncode == 0, "ratchet: " + result.stdout.decode().strip())
    step1 = bytes.fromhex(open(key).read().strip())
    check(step1 == hkdf(material, SALT, 32),
          "ratchet: new material = HKDF(old, salt), as LiveKit ratchets")
    check(mode_of(key) == 0o600, "ratchet: the file stays mode 0600")
    provider = E2ee.KeyProvider.new()
    provider.set_key(None, material, 0, True)
    provider.ratchet_key(None, 0)
    step2 = bytes(provider.ratchet_key(None, 0).get_data())
    tool("ratchet", key)
    check(bytes.fromhex(open(key).read().strip()) == step2,
          "ratchet twice = the provider's ratchet_key twice")

    two = os.path.join(tmp, "two.key")
    open(two, "w").write(material.hex())
    os.chmod(two, 0o600)
    tool("ratchet", "--steps", "2", two)
    check(bytes.fromhex(open(two).read().strip()) == step2,
          "ratchet --steps 2")

    result = tool("ratchet", "-p", mine)
    check(result.returncode == 1 and b"--output" in result.stderr,
          "ratchet of a passphrase file asks for --output")
    out = os.path.join(tmp, "from-pass.key")
    result = tool("ratchet", "-p", mine, "-o", out)
    check(result.returncode == 0 and b"key-derivation=pbkdf2" in
          result.stdout, "ratchet -p -o: says to use key-derivation=pbkdf2")
    check(bytes.fromhex(open(out).read().strip()) ==
          pbkdf2(b"correct horse battery staple", SALT, 32),
          "ratchet of a passphrase = PBKDF2(passphrase, salt)")
    check(open(mine, "rb").read() == b"correct horse battery staple\n",
          "the passphrase file stays as it was")


def ratchet_through_elements(tmp):
    """The sender's application ratchets the key it gave e2eeencrypt by its
    key-file property; the receiver ratchets its copy of the file with the
    tool: every frame after the ratchet decrypts."""
    key = os.path.join(tmp, "live.key")
    tool("new", key)
    ratcheted = os.path.join(tmp, "live-ratcheted.key")
    open(ratcheted, "w").write(open(key).read())
    os.chmod(ratcheted, 0o600)
    tool("ratchet", ratcheted)

    sender = Gst.parse_launch(
        "appsrc name=src caps=audio/x-opus format=time ! "
        "e2eeencrypt name=enc key-file=%s ! appsink name=out sync=false "
        "emit-signals=false" % key)
    sender.set_state(Gst.State.PLAYING)
    provider = sender.get_by_name("enc").get_property("key-provider")
    check(provider.ratchet_key(None, 0) is None,
          "ratchet_key on an element's key: done, no material (None)")
    src, out = sender.get_by_name("src"), sender.get_by_name("out")
    frames = []
    for i in range(5):
        buf = Gst.Buffer.new_wrapped(bytes([0x78]) + bytes([i]) * 60)
        buf.pts = i * 20 * Gst.MSECOND
        src.emit("push-buffer", buf)
        sample = out.emit("try-pull-sample", 5 * Gst.SECOND)
        frames.append(sample.get_buffer().extract_dup(0, sample.get_buffer()
                                                      .get_size()))
    sender.set_state(Gst.State.NULL)

    for path, expect in ((ratcheted, 5), (key, 0)):
        receiver = Gst.parse_launch(
            "appsrc name=src caps=audio/x-opus format=time ! "
            "e2eedecrypt name=dec key-file=%s ! fakesink" % path)
        receiver.set_state(Gst.State.PLAYING)
        src = receiver.get_by_name("src")
        for i, frame in enumerate(frames):
            buf = Gst.Buffer.new_wrapped(frame)
            buf.pts = i * 20 * Gst.MSECOND
            src.emit("push-buffer", buf)
        src.emit("end-of-stream")
        receiver.get_bus().timed_pop_filtered(
            10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        ok = receiver.get_by_name("dec").get_property("stats") \
            .get_value("frames-ok")
        receiver.set_state(Gst.State.NULL)
        check(ok == expect, "%s: %d of 5 frames decrypt (expected %d)"
              % (os.path.basename(path), ok, expect))


def main():
    Gst.init(None)
    print("# e2ee-key tests")
    with tempfile.TemporaryDirectory(prefix="e2ee-key-") as tmp:
        help_and_usage(tmp)
        key, phrase, mine = new_files(tmp)
        fingerprints(tmp, key, phrase, mine)
        ratchets(tmp, key, mine)
        ratchet_through_elements(tmp)
    print("1..%d" % count)
    if failures:
        print("# %d failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
