#!/usr/bin/python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""The layout rules of docs/design.md ("What may include what"), checked on
the #include lines of the sources, so that a change that crosses a seam
fails a test instead of waiting for a reviewer.

Usage: check-layout.py SOURCE_ROOT"""

import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)

PUBLIC_KEYRING_HEADERS = {
    'keyring/e2ee.h', 'keyring/e2ee-prelude.h', 'keyring/e2ee-types.h',
    'keyring/e2ee-enum-types.h', 'keyring/e2ee-key-material.h',
    'keyring/e2ee-key-provider.h', 'keyring/e2ee-frame-cryptor.h',
    'keyring/e2ee-secret-service.h',
}


def includes(path):
    return INCLUDE.findall(path.read_text(encoding='utf-8'))


def sources(root, folder):
    base = root / folder
    return sorted(p for p in base.rglob('*') if p.suffix in ('.c', '.h'))


def check(root):
    problems = []

    def forbid(path, header, why):
        problems.append('%s includes %s: %s' % (path.relative_to(root),
                                                header, why))

    for path in sources(root, 'keyring'):
        for header in includes(path):
            if header.startswith('gst/'):
                forbid(path, header, 'nothing in keyring/ uses GStreamer')
        if path.name in ('e2ee-frame-format.c', 'e2ee-frame-format.h'):
            for header in includes(path):
                if header.startswith(('openssl/', 'sodium')):
                    forbid(path, header, 'the frame format has no crypto')
        if 'keyring/' + path.name in PUBLIC_KEYRING_HEADERS:
            for header in includes(path):
                if (header.startswith('keyring/')
                        and header not in PUBLIC_KEYRING_HEADERS):
                    forbid(path, header,
                           'a public header includes a private one')

    for path in sources(root, 'gst'):
        rtp = path.parent.name == 'rtp'
        for header in includes(path):
            if header.startswith('keyring/') and (
                    rtp or header not in PUBLIC_KEYRING_HEADERS):
                forbid(path, header, 'the plugin uses the public keyring API'
                       ' only, and the payloaders none of it')
            if header.startswith(('sodium', 'openssl/')):
                forbid(path, header, 'crypto and key memory are keyring/\'s')
            plugin_header = re.sub(r'^\.\./', '', header)
            if rtp and plugin_header.startswith('gste2ee') and \
                    not plugin_header.startswith('gste2eertp') and \
                    plugin_header not in ('gste2eeelements.h',
                                          'gste2eenal.h'):
                forbid(path, header, 'the payloaders never include the core'
                       ' (only gste2eeelements.h and gste2eenal.h)')
            if path.name.startswith('gste2eenal.') and \
                    plugin_header.startswith('gste2ee') and \
                    plugin_header != 'gste2eenal.h':
                forbid(path, header, 'the NAL module stands alone')
    # The tool is an application of the core: its public API only.
    for path in sources(root, 'tools'):
        for header in includes(path):
            if header.startswith('keyring/') and \
                    header not in PUBLIC_KEYRING_HEADERS:
                forbid(path, header, 'e2ee-key uses the public keyring API'
                       ' only')
            if header.startswith(('sodium', 'openssl/')):
                forbid(path, header, 'crypto and key memory are keyring/\'s')
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    problems = check(root)
    for problem in problems:
        print('FAIL - ' + problem)
    print('%d file(s) checked, %d problem(s)' % (
        len(sources(root, 'keyring')) + len(sources(root, 'gst')) +
        len(sources(root, 'tools')),
        len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
