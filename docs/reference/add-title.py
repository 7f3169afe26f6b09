#!/usr/bin/env python3
# gst-e2ee
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Copies a Markdown page with the "Title:" line gi-docgen wants on top.
  add-title.py TITLE INPUT.md OUTPUT.md"""
import sys

title, source, output = sys.argv[1:4]
with open(source, encoding="utf-8") as f:
    text = f.read()
with open(output, "w", encoding="utf-8") as f:
    f.write("Title: %s\n\n%s" % (title, text))
