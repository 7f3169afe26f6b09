#!/usr/bin/python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""The elements as a gst-launch-1.0 user meets them: each case runs
gst-launch-1.0 itself and reads what it prints and writes, the way a user
would. Frames travel between an encrypting and a decrypting gst-launch-1.0
in a file of GDP-serialised buffers (gdppay/gdpdepay keep every frame
whole, with its caps and flags), and both ends also write each frame to a
file of its own (multifilesink), so that decrypted frames are compared byte
for byte with what went into the encryptor.

Output is TAP. Usage: test_launch.py [--gst-launch PATH] [CASE...] (in the
environment of tests/meson.build: GST_PLUGIN_PATH_1_0 holds the build's
plugin)."""

import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

GST_LAUNCH = 'gst-launch-1.0'
OPUS = 'audiotestsrc num-buffers=20 ! opusenc'
VP8 = ('videotestsrc num-buffers=20 ! video/x-raw,width=160,height=120 ! '
       'vp8enc deadline=1 keyframe-max-dist=5')
PASSPHRASE = 'correct horse battery staple'
WARNING = re.compile(r'^WARNING: from element (\S+): (.*)$', re.M)
ERROR = re.compile(r'^ERROR: from element (\S+): (.*)$', re.M)

cases = []


class Failure(Exception):
    pass


def check(condition, what, output=None):
    if not condition:
        raise Failure(what + ('\n--- gst-launch-1.0 printed:\n' + output
                              if output is not None else ''))


class Run:
    def __init__(self, line, timeout):
        start = time.monotonic()
        try:
            done = subprocess.run([GST_LAUNCH, '-m'] + shlex.split(line),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout,
                                  text=True, errors='replace')
        except subprocess.TimeoutExpired as timed_out:
            raise Failure('gst-launch-1.0 did not end within %d s: %s\n%s' %
                          (timeout, line, timed_out.output or ''))
        self.seconds = time.monotonic() - start
        self.code = done.returncode
        self.output = done.stdout
        self.warnings = WARNING.findall(self.output)
        self.errors = ERROR.findall(self.output)

    def states(self, element):
        """The e2ee-state-changed messages of @element, as (state, reason)."""
        found = []
        for line in self.output.splitlines():
            if ('from element "%s"' % element in line
                    and 'e2ee-state-changed' in line):
                state = re.search(r'state=\(E2eeState\)([\w-]+)', line)
                reason = re.search(r'reason=\(string\)([\w-]+)', line)
                found.append((state.group(1),
                              reason.group(1) if reason else None))
        return found


def launch(line, timeout=30):
    return Run(line, timeout)


def case(function):
    """A test case: @function(tmp) runs in a temporary directory of its
    own and raises Failure."""
    cases.append(function)
    return function


def run_case(function):
    with tempfile.TemporaryDirectory(prefix='e2ee-launch-') as tmp:
        try:
            function(tmp)
            return None
        except Failure as failure:
            return str(failure)


def write(path, data, mode=0o600):
    with open(path, 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)
    return path


def key_file(tmp, name, mode=0o600):
    return write(os.path.join(tmp, name), os.urandom(32).hex() + '\n', mode)


def frames(folder):
    if not os.path.isdir(folder):
        return []
    result = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), 'rb') as f:
            result.append(f.read())
    return result


def encrypt(tmp, options, source=OPUS, name='enc'):
    """Encrypts @source's frames with e2eeencrypt @options into a GDP file;
    returns (run, plaintext frames, encrypted frames, GDP path)."""
    base = os.path.join(tmp, name)
    os.makedirs(base + '-plain')
    os.makedirs(base + '-frames')
    gdp = base + '.gdp'
    run = launch('%s ! tee name=t ! queue ! multifilesink location=%s/%%05d '
                 't. ! queue ! e2eeencrypt name=enc %s ! tee name=e ! queue ! '
                 'gdppay ! filesink location=%s e. ! queue ! '
                 'multifilesink location=%s/%%05d'
                 % (source, base + '-plain', options, gdp, base + '-frames'))
    check(run.code == 0, 'the encryptor ran', run.output)
    return run, frames(base + '-plain'), frames(base + '-frames'), gdp


def decrypt(tmp, gdp, options, name='dec'):
    """Decrypts the frames of @gdp with e2eedecrypt @options; returns (run,
    decrypted frames)."""
    out = os.path.join(tmp, name)
    os.makedirs(out)
    run = launch('filesrc location=%s ! gdpdepay ! e2eedecrypt name=dec %s ! '
                 'multifilesink location=%s/%%05d' % (gdp, options, out))
    return run, frames(out)


def assert_decrypts(tmp, enc_options, dec_options, source=OPUS):
    run, plain, encrypted, gdp = encrypt(tmp, enc_options, source)
    check(len(plain) > 5 and len(encrypted) == len(plain),
          'the encryptor encrypted every frame', run.output)
    check(all(e != p for e, p in zip(encrypted, plain)),
          'the encrypted frames are not the plaintext')
    dec, decrypted = decrypt(tmp, gdp, dec_options)
    check(dec.code == 0 and not dec.warnings and not dec.errors,
          'the decryptor ran without a warning', dec.output)
    check(decrypted == plain, 'every frame decrypted to its plaintext '
          '(%d of %d)' % (len(decrypted), len(plain)), dec.output)
    check(('ok', None) in dec.states('dec'), 'state ok', dec.output)


def assert_fails_to_decrypt(tmp, enc_options, dec_options, source=OPUS):
    run, plain, encrypted, gdp = encrypt(tmp, enc_options, source)
    dec, decrypted = decrypt(tmp, gdp, dec_options)
    check(dec.code == 0, 'the decryptor ran to the end', dec.output)
    check(decrypted == [], 'no frame came out (%d did)' % len(decrypted),
          dec.output)
    check(len(dec.warnings) == 1 and 'fail to decrypt' in dec.warnings[0][1],
          'one WARNING: line saying frames fail to decrypt', dec.output)
    check(dec.states('dec')[:1] == [('decryption-failed',
                                     'authentication-failed')],
          'state decryption-failed, reason authentication-failed',
          dec.output)


# ---- key files that cannot be read ----

def bad_files(tmp):
    """Each kind of unreadable file, by name."""
    directory = os.path.join(tmp, 'a-directory')
    os.mkdir(directory)
    fifo = os.path.join(tmp, 'a-fifo')
    os.mkfifo(fifo, 0o600)
    return {
        'missing': os.path.join(tmp, 'no-such-file'),
        'empty': write(os.path.join(tmp, 'empty'), b''),
        'a directory': directory,
        'a FIFO without writer': fifo,
        'over the size limit': write(os.path.join(tmp, 'big'),
                                     b'k' * 4097),
    }


def assert_refused(tmp, prop, element):
    for kind, path in bad_files(tmp).items():
        line = ('%s ! %s %s=%s ! fakesink'
                % (OPUS, element, prop, path))
        start = time.monotonic()
        run = launch(line, timeout=5)
        check(time.monotonic() - start < 5, '%s %s: within 5 s' %
              (prop, kind))
        check(run.code != 0, '%s %s: non-zero exit' % (prop, kind),
              run.output)
        check(any(path in text for _, text in run.errors),
              '%s %s: an ERROR: line naming %s' % (prop, kind, path),
              run.output)


@case
def bad_key_files_stop_the_encryptor(tmp):
    assert_refused(tmp, 'key-file', 'e2eeencrypt')


@case
def bad_passphrase_files_stop_the_decryptor(tmp):
    assert_refused(tmp, 'passphrase-file', 'e2eedecrypt')


@case
def a_fifo_with_a_writer_is_refused_too(tmp):
    fifo = os.path.join(tmp, 'key.fifo')
    os.mkfifo(fifo, 0o600)
    # A writer waiting on the FIFO: a blocking open would now succeed and
    # read, a non-blocking check refuses it all the same.
    writer = subprocess.Popen(['sh', '-c', 'echo 00112233 > "$0"', fifo])
    try:
        run = launch('%s ! e2eeencrypt key-file=%s ! fakesink'
                     % (OPUS, fifo), timeout=5)
    finally:
        writer.kill()
        writer.wait()
    check(run.code != 0 and any('is not a regular file' in text
                                and fifo in text for _, text in run.errors),
          'refused: not a regular file', run.output)


@case
def a_world_readable_key_file_is_a_warning(tmp):
    path = key_file(tmp, 'open.key', 0o644)
    run = launch('%s ! e2eeencrypt key-file=%s ! fakesink' % (OPUS, path))
    check(run.code == 0, 'the pipeline runs', run.output)
    check(len(run.warnings) == 1 and path in run.warnings[0][1]
          and 'readable by group or others' in run.warnings[0][1],
          'one WARNING: line naming the file', run.output)


@case
def a_group_readable_passphrase_file_is_a_warning(tmp):
    path = write(os.path.join(tmp, 'pass'), PASSPHRASE + '\n', 0o640)
    run = launch('%s ! e2eedecrypt passphrase-file=%s ! fakesink'
                 % (OPUS, path))
    check(any(path in text and '(mode 0640)' in text
              for _, text in run.warnings),
          'a WARNING: line naming the file and its mode', run.output)


@case
def two_key_properties_are_an_error(tmp):
    path = key_file(tmp, 'room.key')
    run = launch('%s ! e2eeencrypt passphrase=x key-file=%s ! fakesink'
                 % (OPUS, path), timeout=5)
    check(run.code != 0 and any('set one key property only' in text
                                for _, text in run.errors),
          'an ERROR: line: set one key property only', run.output)


# ---- frames without a key, raw video, stock payloaders ----

@case
def an_encryptor_without_a_key_warns_once_and_sends_nothing(tmp):
    out = os.path.join(tmp, 'out')
    run = launch('%s ! e2eeencrypt ! filesink location=%s' % (OPUS, out))
    check(run.code == 0, 'the pipeline runs to the end', run.output)
    check(len(run.warnings) == 1 and
          'No key at index 0 to encrypt with' in run.warnings[0][1],
          'exactly one WARNING: line: no key', run.output)
    check(os.path.getsize(out) == 0, 'not a byte left the encryptor')
    check(run.states('e2eeencrypt0') == [('missing-key', 'missing-key')],
          'one state message, missing-key', run.output)


@case
def a_decryptor_without_a_key_warns_unless_told_to_wait(tmp):
    _, _, _, gdp = encrypt(tmp, 'passphrase="%s"' % PASSPHRASE)
    run, decrypted = decrypt(tmp, gdp, '', name='loud')
    check(decrypted == [] and len(run.warnings) == 1
          and 'No key at index 0 to decrypt with' in run.warnings[0][1],
          'one WARNING: line: no key', run.output)
    run, decrypted = decrypt(tmp, gdp,
                             'discard-frame-when-cryptor-not-ready=true',
                             name='quiet')
    check(decrypted == [] and not run.warnings and run.states('dec') == [],
          'discard-frame-when-cryptor-not-ready: dropped quietly',
          run.output)


@case
def plaintext_into_a_decryptor_says_not_encrypted(tmp):
    path = key_file(tmp, 'room.key')
    run = launch('%s ! e2eedecrypt key-file=%s ! fakesink' % (OPUS, path))
    check(run.states('e2eedecrypt0')[:1] == [('internal-error',
                                              'not-encrypted')],
          'state internal-error, reason not-encrypted', run.output)
    check(len(run.warnings) == 1 and 'not encrypted' in run.warnings[0][1],
          'one WARNING: line: not encrypted', run.output)


@case
def raw_video_is_not_negotiated(tmp):
    path = key_file(tmp, 'room.key')
    for element in ('e2eeencrypt', 'e2eedecrypt'):
        run = launch('videotestsrc num-buffers=3 ! %s key-file=%s ! '
                     'fakesink' % (element, path), timeout=10)
        check(run.code != 0 and 'could not link videotestsrc0 to %s0'
              % element in run.output, '%s refuses video/x-raw' % element,
              run.output)
        run = launch('audiotestsrc num-buffers=3 ! %s key-file=%s ! '
                     'fakesink' % (element, path), timeout=10)
        check(run.code != 0 and 'could not link' in run.output,
              '%s refuses audio/x-raw' % element, run.output)


@case
def stock_payloaders_after_the_encryptor_get_a_warning(tmp):
    path = key_file(tmp, 'room.key')
    for codec, encoder, stock, ours in (
            ('vp8', 'vp8enc deadline=1', 'rtpvp8pay', 'e2eertpvp8pay'),
            ('h264', 'x264enc tune=zerolatency', 'rtph264pay',
             'e2eertph264pay')):
        run = launch('videotestsrc num-buffers=3 ! %s ! e2eeencrypt '
                     'key-file=%s key-index=1 ! queue ! %s ! fakesink'
                     % (encoder, path, stock))
        check(any(stock in text and ours in text
                  for _, text in run.warnings),
              '%s: a WARNING: line naming %s' % (stock, ours), run.output)
        run = launch('videotestsrc num-buffers=3 ! %s ! e2eeencrypt '
                     'key-file=%s ! %s ! fakesink'
                     % (encoder, path, ours))
        check(run.code == 0 and not run.warnings, '%s: no warning' % ours,
              run.output)


# ---- keys ----

@case
def alice_frames_open_with_alice_key_not_bob_key(tmp):
    alice = key_file(tmp, 'alice.key')
    bob = key_file(tmp, 'bob.key')
    run, plain, _, gdp = encrypt(tmp, 'shared-key=false participant-id=alice '
                                 'key-file=%s' % alice, source=VP8)
    dec, decrypted = decrypt(tmp, gdp, 'shared-key=false participant-id=bob '
                             'key-file=%s' % bob, name='bob')
    check(decrypted == [] and any('fail to decrypt' in text
                                  for _, text in dec.warnings),
          "bob's key does not open alice's frames", dec.output)
    dec, decrypted = decrypt(tmp, gdp, 'shared-key=false participant-id=alice '
                             'key-file=%s' % alice, name='alice')
    check(decrypted == plain and not dec.warnings,
          "alice's key opens all of them", dec.output)
    # One pipeline: bob's decryptor shares the provider, and alice's key is
    # in alice's ring only.
    run = launch('%s ! e2eeencrypt shared-key=false participant-id=alice '
                 'key-file=%s ! tee name=t ! queue ! e2eedecrypt name=a '
                 'participant-id=alice ! fakesink t. ! queue ! e2eedecrypt '
                 'name=b participant-id=bob key-file=%s ! fakesink'
                 % (VP8, alice, bob))
    check(run.states('a')[:1] == [('ok', None)]
          and run.states('b')[:1] == [('decryption-failed',
                                       'authentication-failed')],
          "alice's ring for alice, bob's for bob", run.output)


@case
def passphrase_file_is_the_passphrase(tmp):
    path = write(os.path.join(tmp, 'room.passphrase'), PASSPHRASE + '\n')
    assert_decrypts(tmp, 'passphrase="%s"' % PASSPHRASE,
                    'passphrase-file=%s' % path)


@case
def passphrase_is_the_passphrase_file(tmp):
    path = write(os.path.join(tmp, 'room.passphrase'), PASSPHRASE)
    assert_decrypts(tmp, 'passphrase-file=%s' % path,
                    'passphrase="%s"' % PASSPHRASE)


@case
def key_file_is_the_key(tmp):
    path = key_file(tmp, 'room.key')
    with open(path) as f:
        hex_key = f.read().strip()
    assert_decrypts(tmp, 'key-file=%s' % path, 'key=%s' % hex_key)


# ---- every option, end to end ----

OPTIONS = {
    'ratchet-salt': 'ratchet-salt=room-salt-1234',
    'key-size': 'key-size=256',
    'key-derivation pbkdf2': 'key-derivation=pbkdf2',
    'key-derivation hkdf': 'key-derivation=hkdf',
    'key-ring-size': 'key-ring-size=4 key-index=5',
    'ratchet-window-size': 'ratchet-window-size=8',
    'failure-tolerance': 'failure-tolerance=3',
    'uncrypted-magic-bytes': 'uncrypted-magic-bytes=MY-MAGIC',
    'sif-trailer': 'sif-trailer=34d4c6ea98a0fd75',
    'discard-frame-when-cryptor-not-ready':
        'discard-frame-when-cryptor-not-ready=true',
}


@case
def every_option_round_trips(tmp):
    for i, (name, option) in enumerate(OPTIONS.items()):
        path = key_file(tmp, 'key%d' % i)
        where = os.path.join(tmp, str(i))
        os.mkdir(where)
        try:
            assert_decrypts(where, 'key-file=%s %s' % (path, option),
                            'key-file=%s %s' % (path, option))
        except Failure as failure:
            raise Failure('%s: %s' % (name, failure))


@case
def key_ring_size_wraps_the_key_index(tmp):
    path = key_file(tmp, 'room.key')
    _, _, encrypted, _ = encrypt(tmp, 'key-file=%s key-ring-size=4 '
                                 'key-index=5' % path)
    check(encrypted and all(frame[-1] == 1 for frame in encrypted),
          'key index 5 of a ring of 4 is sent as 1')


@case
def encryption_type_none_passes_frames(tmp):
    path = key_file(tmp, 'room.key')
    run, plain, encrypted, gdp = encrypt(tmp, 'key-file=%s '
                                         'encryption-type=none' % path)
    check(encrypted == plain, 'encryption-type=none sends plaintext')
    dec, decrypted = decrypt(tmp, gdp, 'key-file=%s encryption-type=none'
                             % path)
    check(decrypted == plain and not dec.warnings,
          'and the decryptor passes it on', dec.output)


@case
def a_different_salt_does_not_decrypt(tmp):
    path = key_file(tmp, 'room.key')
    assert_fails_to_decrypt(tmp, 'key-file=%s ratchet-salt=salt-a' % path,
                            'key-file=%s ratchet-salt=salt-b' % path)


@case
def a_different_key_size_does_not_decrypt(tmp):
    path = key_file(tmp, 'room.key')
    assert_fails_to_decrypt(tmp, 'key-file=%s key-size=256' % path,
                            'key-file=%s' % path)


@case
def a_different_key_derivation_does_not_decrypt(tmp):
    assert_fails_to_decrypt(tmp, 'passphrase=x key-derivation=hkdf',
                            'passphrase=x')


@case
def key_derivation_of_raw_keys(tmp):
    # A raw key: hkdf is what LiveKit's JavaScript SDK does by default
    # (auto) and what its native SDKs do with HKDF; pbkdf2 (the native
    # SDKs' default) is another key.
    path = key_file(tmp, 'room.key')
    for i, (enc, dec) in enumerate((('key-derivation=hkdf', ''),
                                    ('', 'key-derivation=hkdf'))):
        where = os.path.join(tmp, 'same%d' % i)
        os.mkdir(where)
        assert_decrypts(where, 'key-file=%s %s' % (path, enc),
                        'key-file=%s %s' % (path, dec))
    assert_fails_to_decrypt(tmp, 'key-file=%s key-derivation=pbkdf2' % path,
                            'key-file=%s' % path)


@case
def property_order_does_not_matter(tmp):
    path = key_file(tmp, 'room.key')
    # The salt on the decryptor only (which starts first) and on the
    # encryptor only, before and after the key: the keys of both elements
    # are derived with it either way.
    for enc, dec in (('ratchet-salt=s1 key-file=%s', 'key-file=%s'),
                     ('key-file=%s', 'key-file=%s ratchet-salt=s1'),
                     ('key-file=%s ratchet-salt=s1', 'key-file=%s')):
        where = tempfile.mkdtemp(dir=tmp)
        gdp = os.path.join(where, 'out.gdp')
        run = launch('%s ! e2eeencrypt %s ! tee name=t ! queue ! e2eedecrypt '
                     'name=dec %s ! fakesink t. ! queue ! gdppay ! '
                     'filesink location=%s' % (OPUS, enc % path, dec % path,
                                              gdp))
        check(run.code == 0 and run.states('dec')[:1] == [('ok', None)],
              'one pipeline decrypts its own frames (%s / %s)' % (enc, dec),
              run.output)
        dec_run, decrypted = decrypt(where, gdp,
                                     'key-file=%s ratchet-salt=s1' % path)
        check(len(decrypted) > 5 and not dec_run.warnings,
              'the frames were encrypted with salt s1 (%s / %s)'
              % (enc, dec), dec_run.output)


@case
def conflicting_options_are_an_error_naming_both(tmp):
    path = key_file(tmp, 'room.key')
    run = launch('%s ! e2eeencrypt key-file=%s ratchet-salt=salt-a ! '
                 'e2eedecrypt key-file=%s ratchet-salt=salt-b ! fakesink'
                 % (OPUS, path, path), timeout=10)
    check(run.code != 0 and any('ratchet-salt="salt-a"' in text
                                and 'ratchet-salt="salt-b"' in text
                                for _, text in run.errors),
          'an ERROR: line with both salts', run.output)
    run = launch('%s ! e2eeencrypt key-file=%s key-size=256 ! '
                 'e2eedecrypt key-file=%s key-size=128 ! fakesink'
                 % (OPUS, path, path), timeout=10)
    check(run.code != 0 and any('key-size=256' in text
                                and 'key-size=128' in text
                                for _, text in run.errors),
          'an ERROR: line with both key sizes', run.output)


# ---- H.264 through the stock depayloader ----

def h264_through_rtph264depay(tmp, encoder, caps_after):
    path = key_file(tmp, 'room.key')
    out = os.path.join(tmp, 'h264')
    os.mkdir(out)
    run = launch('-v videotestsrc num-buffers=30 ! '
                 'video/x-raw,width=320,height=240 ! %s ! '
                 'e2eeencrypt key-file=%s ! e2eertph264pay ! rtph264depay ! '
                 'e2eedecrypt name=dec key-file=%s ! %s '
                 'multifilesink location=%s/%%05d'
                 % (encoder, path, path, caps_after, out))
    return run, frames(out)


@case
def rtph264depay_negotiates_byte_stream_without_a_capsfilter(tmp):
    run, decrypted = h264_through_rtph264depay(
        tmp, 'x264enc tune=zerolatency key-int-max=10', '')
    check(re.search(r'dec\.GstPad:sink: caps = video/x-h264, '
                    r'stream-format=\(string\)byte-stream', run.output),
          'e2eedecrypt and rtph264depay agreed on byte-stream', run.output)
    check(len(decrypted) == 30 and not run.warnings
          and run.states('dec') == [('ok', None)],
          'all 30 frames decrypted (%d)' % len(decrypted), run.output)


@case
def avc_frames_get_their_parameter_sets_back(tmp):
    # Downstream wants avc: rtph264depay moves SPS/PPS into codec_data, the
    # decryptor puts them back where the encoder had them.
    run, decrypted = h264_through_rtph264depay(
        tmp, 'x264enc tune=zerolatency key-int-max=10 aud=false',
        'video/x-h264,stream-format=avc !')
    check(re.search(r'dec\.GstPad:sink: caps = video/x-h264, '
                    r'stream-format=\(string\)avc', run.output),
          'rtph264depay gave avc', run.output)
    check(len(decrypted) == 30 and not run.warnings,
          'all 30 frames decrypted (%d)' % len(decrypted), run.output)


def main():
    global GST_LAUNCH
    args = sys.argv[1:]
    if args[:1] == ['--gst-launch']:
        GST_LAUNCH = args[1]
        args = args[2:]
    only = args
    chosen = [c for c in cases if not only or c.__name__ in only]
    failed = 0
    print('1..%d' % len(chosen))
    for i, function in enumerate(chosen, 1):
        why = run_case(function)
        print('%s %d - %s' % ('ok' if why is None else 'not ok', i,
                              function.__name__.replace('_', ' ')))
        if why is not None:
            failed += 1
            print('# ' + why.replace('\n', '\n# '))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
