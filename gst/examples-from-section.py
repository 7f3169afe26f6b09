#!/usr/bin/env python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Writes an element's example pipelines, as its SECTION block has them, as
the C array that gst_e2ee_base_class_add_examples() turns into the
"example-pipelines" metadata gst-inspect-1.0 shows (it shows no gtk-doc).
So the pipelines are written once, in the SECTION block.

Usage: examples-from-section.py ELEMENT.c OUTPUT.h

Each |[ ... ]| block of the SECTION:element-... comment is one pipeline;
its lines are joined with single spaces (shell line continuations
dropped)."""

import re
import sys


def section_block(source):
    match = re.search(r'/\*\*\s*\n \* SECTION:element-.*?\*/', source, re.S)
    if match is None:
        sys.exit('no SECTION:element- block')
    return match.group(0)


def pipelines(block):
    found, current = [], None
    for line in block.splitlines():
        text = re.sub(r'^\s*\* ?', '', line)
        if current is None:
            if text.startswith('|['):
                current = []
        elif text.startswith(']|'):
            found.append(' '.join(current))
            current = None
        else:
            # a shell line continuation is only layout
            current.append(text.strip().rstrip('\\').rstrip())
    if current is not None:
        sys.exit('unterminated |[ block')
    if not found:
        sys.exit('no |[ ... ]| example in the SECTION block')
    return found


def c_string(text):
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def main(source_path, output_path):
    with open(source_path, encoding='utf-8') as f:
        examples = pipelines(section_block(f.read()))
    with open(output_path, 'w', encoding='utf-8') as out:
        out.write('/* Generated from the SECTION block of %s by\n'
                  ' * gst/examples-from-section.py: edit the SECTION block. */\n'
                  '\nstatic const gchar *const examples[] = {\n'
                  % source_path.rsplit('/', 1)[-1])
        for example in examples:
            out.write('  %s,\n' % c_string(example))
        out.write('  NULL\n};\n')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
