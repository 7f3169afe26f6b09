#!/usr/bin/python3
"""An application in Python drives the elements, as the README shows.

It builds its own E2eeKeyProvider through GObject introspection, hands it to
every e2ee element of the pipeline from a synchronous need-context handler,
and checks that: both elements used that provider (frames encrypted and
decrypted, the provider's state-changed signal fired for both), a frame
sealed under the app's key ring cannot be opened by a provider without that
key, and the key cannot be read back from any element property. Then, as a
scripting host would, it removes keys through the elements' action signals
(remove-key, remove-participant, clear-keys).
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("E2ee", "1.0")
from gi.repository import E2ee, GObject, Gst  # noqa: E402

PIPELINE = ("audiotestsrc num-buffers=40 ! opusenc "
            "! e2eeencrypt name=enc participant-id=alice "
            "! e2eedecrypt name=dec participant-id=alice "
            "! opusdec ! fakesink")

failures = []
checks = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    checks.append(what)
    if not condition:
        failures.append(what)


def remove_keys_by_signal(provider):
    dec = Gst.ElementFactory.make("e2eedecrypt", None)
    dec.set_property("key-provider", provider)
    dec.set_property("participant-id", "alice")
    provider.set_key("bob", bytes(range(16)), 1, True)
    provider.set_key(None, bytes(range(16)), 2, True)
    check(dec.emit("remove-key", 0) is True
          and not provider.has_key("alice", 0),
          "remove-key from Python empties alice's slot 0")
    check(dec.emit("remove-key", 0) is False, "remove-key again: False")
    check(dec.emit("remove-participant", "bob") is True
          and not provider.has_key("bob", 1),
          "remove-participant from Python drops bob's ring")
    dec.emit("clear-keys")
    check(not provider.has_key(None, 2), "clear-keys from Python")


def run_pipeline(provider):
    pipeline = Gst.parse_launch(PIPELINE)

    def on_need_context(_bus, msg):
        if msg.parse_context_type()[1] == "e2ee.key-provider":
            msg.src.set_property("key-provider", provider)

    bus = pipeline.get_bus()
    bus.enable_sync_message_emission()
    bus.connect("sync-message::need-context", on_need_context)
    pipeline.set_state(Gst.State.PLAYING)
    msg = bus.timed_pop_filtered(30 * Gst.SECOND,
                                 Gst.MessageType.EOS | Gst.MessageType.ERROR)
    stats = {name: pipeline.get_by_name(name).get_property("stats")
             for name in ("enc", "dec")}
    used = [pipeline.get_by_name(name).get_property("key-provider")
            for name in ("enc", "dec")]
    readable = [p.name for p in pipeline.get_by_name("enc").list_properties()
                if p.name in ("passphrase", "key", "key-file")
                and p.flags & GObject.ParamFlags.READABLE]
    pipeline.set_state(Gst.State.NULL)
    return msg, stats, used, readable


def main():
    Gst.init(None)
    provider = E2ee.KeyProvider(shared_key=False, ratchet_window_size=8)
    provider.set_passphrase("alice", "correct horse battery staple", 0, True)
    states = []
    provider.connect("state-changed",
                     lambda _p, who, track, state, index:
                     states.append((who, track, state.value_nick, index)))

    msg, stats, used, readable = run_pipeline(provider)
    check(msg is not None and msg.type == Gst.MessageType.EOS,
          "pipeline reached EOS without error")
    check(all(p == provider for p in used),
          "both elements use the application's provider")
    frames = stats["enc"].get_value("frames-ok")
    check(frames > 0 and stats["dec"].get_value("frames-ok") == frames,
          f"{frames} frames encrypted, as many decrypted")
    check(stats["enc"].get_value("dropped") == 0
          and stats["dec"].get_value("dropped") == 0, "no frame dropped")
    check(("alice", "enc", "ok", 0) in states
          and ("alice", "dec", "ok", 0) in states,
          f"provider's state-changed fired for both elements: {states}")
    check(readable == [], "key properties are write-only")
    remove_keys_by_signal(provider)

    # The same frames under a provider that has no key for alice: the
    # encryptor must drop them all rather than send them in clear.
    empty = E2ee.KeyProvider(shared_key=False)
    missing = []
    empty.connect("state-changed",
                  lambda _p, who, track, state, index:
                  missing.append(state.value_nick))
    msg, stats, _used, _readable = run_pipeline(empty)
    check(stats["enc"].get_value("frames-ok") == 0
          and stats["enc"].get_value("dropped") > 0
          and stats["dec"].get_value("frames") == 0,
          "without a key nothing leaves the encryptor")
    check(missing == ["missing-key"], f"one missing-key state: {missing}")

    print(f"{len(checks) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
