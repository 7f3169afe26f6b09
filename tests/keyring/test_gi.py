#!/usr/bin/python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""The E2ee-1.0 typelib works from Python: set a key, ratchet it, get the
key-ratcheted signal and LiveKit's ratcheted material; data packets round
trip; keys, participants and all keys removed, after which a frame
cryptor neither encrypts nor decrypts with them. meson sets
GI_TYPELIB_PATH and LD_LIBRARY_PATH to build/keyring."""

import hashlib
import hmac
import os
import sys
import tempfile

import gi

gi.require_version('E2ee', '1.0')
gi.require_version('GLib', '2.0')
from gi.repository import E2ee, GLib  # noqa: E402

SALT = b'LKFrameEncryptionKey'
RAW = bytes.fromhex(
    '0d55b609648fcaa7a64ff4986d1ad514cd4105adeda1ca954686d1166c505736')
PASSPHRASE = 'public-passphrase-32f0c07daeff'

failures = []


def check(condition, what):
    print(('ok - ' if condition else 'FAIL - ') + what)
    if not condition:
        failures.append(what)


def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, counter = b'', b'', 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]),
                         hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def ratchet_raw_key():
    provider = E2ee.KeyProvider.new()
    check(provider.props.key_ring_size == 16, 'key-ring-size default 16')
    check(provider.props.ratchet_salt == SALT.decode(), 'ratchet-salt')

    provider.set_key(None, RAW, 0, True)
    check(provider.has_key(None, 0), 'raw key set at index 0')

    fired = []
    provider.connect('key-ratcheted',
                     lambda _kp, pid, index: fired.append((pid, index)))
    material = provider.ratchet_key(None, 0)
    data = bytes(material.get_data())
    expected = hkdf_sha256(RAW, SALT, bytes(128), 32)
    check(fired == [(None, 0)], 'key-ratcheted fired once for (None, 0)')
    check(len(data) == 32, 'ratcheted material has 32 bytes')
    check(data == expected, 'ratcheted material is HKDF(raw key)')
    exported = bytes(provider.export_key(None, 0).get_data())
    check(exported == expected, 'export_key returns the ratcheted material')


def ratchet_passphrase():
    provider = E2ee.KeyProvider(shared_key=False)
    provider.set_passphrase('alice', PASSPHRASE, 2, True)
    check(provider.get_current_key_index('alice') == 2, 'current index 2')
    fired = []
    provider.connect('key-ratcheted',
                     lambda _kp, pid, index: fired.append((pid, index)))
    data = bytes(provider.ratchet_key('alice', 2).get_data())
    expected = hashlib.pbkdf2_hmac('sha256', PASSPHRASE.encode(), SALT,
                                   100000, 32)
    check(fired == [('alice', 2)], "key-ratcheted fired for ('alice', 2)")
    check(data == expected, 'ratcheted material is PBKDF2(passphrase)')


def errors():
    provider = E2ee.KeyProvider.new()
    try:
        provider.ratchet_key(None, 0)
        check(False, 'ratchet of a missing key raises')
    except GLib.Error as error:
        check(error.matches(E2ee.error_quark(), E2ee.Error.MISSING_KEY),
              'ratchet of a missing key raises MISSING_KEY')


def key_file():
    fd, path = tempfile.mkstemp(prefix='e2ee-gi-key-')
    try:
        os.write(fd, RAW.hex().encode() + b'\n')
        os.close(fd)
        os.chmod(path, 0o600)
        material, mode = E2ee.key_material_new_from_file(path)
        check(bytes(material.get_data()) == RAW and mode == 0o600,
              'key_material_new_from_file decodes a hex key file')
        from_file = E2ee.KeyProvider.new()
        from_file.set_key_from_file(None, path, 4, True)
        from_bytes = E2ee.KeyProvider.new()
        from_bytes.set_key(None, RAW, 4, True)
        check(bytes(from_file.export_key(None, 4).get_data()) ==
              bytes(from_bytes.export_key(None, 4).get_data()) and
              from_file.get_current_key_index(None) == 4,
              'set_key_from_file sets the key the file spells')
    finally:
        os.unlink(path)
    try:
        E2ee.KeyProvider.new().set_key_from_file(None, path, 0, True)
        check(False, 'a missing key file raises')
    except GLib.Error as error:
        check(error.matches(GLib.file_error_quark(), GLib.FileError.NOENT),
              'a missing key file raises G_FILE_ERROR_NOENT')


def data_packets():
    provider = E2ee.KeyProvider.new()
    provider.set_passphrase(None, PASSPHRASE, 0, True)
    ok, iv, index, ciphertext = provider.encrypt_data(None, b'hello')
    iv = bytes(iv.get_data())
    ciphertext = bytes(ciphertext.get_data())
    check(ok and len(iv) == 12 and index == 0, 'encrypt_data: IV, index')
    check(len(ciphertext) == 5 + 16, 'encrypt_data: tag appended')
    plain = provider.decrypt_data(None, iv, index, ciphertext)
    check(bytes(plain.get_data()) == b'hello', 'decrypt_data round trip')


def state_changed_signal():
    provider = E2ee.KeyProvider.new()
    seen = []
    provider.connect('state-changed',
                     lambda _kp, pid, track, state, index:
                     seen.append((pid, track, state, index)))
    provider.emit('state-changed', 'bob', 'audio', E2ee.State.MISSING_KEY, 3)
    check(seen == [('bob', 'audio', E2ee.State.MISSING_KEY, 3)],
          'state-changed carries an E2ee.State')


def participant_status():
    # The status comes from frame cryptors: alice's stream encrypts, so
    # she is encrypted; the query is a(msb), unpacked to tuples.
    provider = E2ee.KeyProvider(shared_key=False)
    seen = []
    provider.connect('participant-encryption-status-changed',
                     lambda _kp, pid, encrypted: seen.append((pid, encrypted)))
    provider.set_key('alice', RAW, 0, True)
    cryptor = E2ee.FrameCryptor.new(provider, 'alice', E2ee.Codec.AUDIO)
    for _ in range(3):
        cryptor.encrypt(GLib.Bytes.new(b'\x78frame'), E2ee.FrameType.AUTO)
    check(seen == [('alice', True)], 'status: alice encrypted, once')
    check(provider.is_participant_encrypted('alice'), 'is_participant_encrypted')
    check(provider.dup_encryption_status().unpack() == [('alice', True)],
          'dup_encryption_status unpacks to [(id, encrypted)]')
    del cryptor
    check(seen[-1] == ('alice', False), 'status: stream gone, not encrypted')


def raises_missing_key(call):
    try:
        call()
    except GLib.Error as error:
        return error.matches(E2ee.error_quark(), E2ee.Error.MISSING_KEY)
    return False


def remove_keys():
    provider = E2ee.KeyProvider(shared_key=False)
    provider.set_key('alice', RAW, 0, True)
    provider.set_key('alice', RAW[::-1], 3, False)
    provider.set_key('bob', RAW, 0, True)
    provider.set_key(None, RAW, 1, True)

    enc = E2ee.FrameCryptor.new(provider, 'alice', E2ee.Codec.AUDIO)
    dec = E2ee.FrameCryptor.new(provider, 'alice', E2ee.Codec.AUDIO)
    frame = GLib.Bytes.new(b'\x78' + bytes(range(40)))
    sealed = enc.encrypt(frame, E2ee.FrameType.AUTO)
    plain = dec.decrypt(sealed, E2ee.FrameType.AUTO)
    check(bytes(plain.get_data()) == bytes(frame.get_data()),
          'frame round trip before removal')

    check(provider.remove_key('alice', 0) is True, 'remove_key: TRUE')
    check(provider.remove_key('alice', 0) is False,
          'remove_key again: FALSE')
    check(not provider.has_key('alice', 0) and provider.has_key('alice', 3)
          and provider.has_key('bob', 0), 'remove_key empties one slot')
    check(raises_missing_key(lambda: provider.export_key('alice', 0)),
          'export of a removed key raises MISSING_KEY')
    check(raises_missing_key(
        lambda: enc.encrypt(frame, E2ee.FrameType.AUTO)),
        'a removed key no longer encrypts (MISSING_KEY)')
    check(enc.get_state() == E2ee.State.MISSING_KEY,
          'encryptor state missing-key')
    check(raises_missing_key(
        lambda: dec.decrypt(sealed, E2ee.FrameType.AUTO)),
        'a removed key no longer decrypts (MISSING_KEY)')
    check(dec.get_state() == E2ee.State.MISSING_KEY,
          'decryptor state missing-key')

    check(provider.remove_participant('alice') is True,
          'remove_participant: TRUE')
    check(not provider.has_key('alice', 3), 'the whole ring is gone')
    check(provider.remove_participant('alice') is False,
          'remove_participant again: FALSE')
    check(provider.has_key('bob', 0) and provider.has_key(None, 1),
          'other rings stay')

    check(provider.clear_keys() == 2, 'clear_keys: 2 keys removed')
    check(not provider.has_key('bob', 0) and not provider.has_key(None, 1),
          'clear_keys removes every key')
    provider.props.key_ring_size = 8
    check(provider.props.key_ring_size == 8,
          'no key left: key-ring-size can change')


def main():
    print('# E2ee GI test')
    ratchet_raw_key()
    ratchet_passphrase()
    errors()
    key_file()
    data_packets()
    state_changed_signal()
    remove_keys()
    participant_status()
    if failures:
        print('%d check(s) failed' % len(failures))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
