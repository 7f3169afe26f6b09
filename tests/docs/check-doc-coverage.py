#!/usr/bin/env python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Fails when a public symbol or property lacks its documentation.

  check-doc-coverage.py E2ee-1.0.gir libe2ee-keyring.so ELEMENT.c...

The library: every symbol libe2ee-keyring exports is in the GIR (so none
escapes the reference), and every function, method, constructor, class,
record, enumeration and its members, bitfield, constant, callback, property
and signal in the GIR has a doc comment; each of them except enumeration
members says `Since: 1.0` (the GIR's version attribute).

The elements (GStreamer's registry, with GST_PLUGIN_PATH set to the build's
plugin): every property and signal of each element of the plugin has a
nick and a blurb, or for signals a mention, and is named in its element's
SECTION block (so the plugin page, generated from the registry and the
SECTION blocks, has words for it).

Prints the coverage figures and one line per missing doc."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

CORE = "{http://www.gtk.org/introspection/core/1.0}"
C = "{http://www.gtk.org/introspection/c/1.0}"
GLIB = "{http://www.gtk.org/introspection/glib/1.0}"
VERSION = "1.0"

missing = []


def doc_of(node):
    doc = node.find(CORE + "doc")
    return doc.text.strip() if doc is not None and doc.text else ""


def name_of(node, parent=None):
    ident = node.get(C + "identifier") or node.get(C + "type") or \
        node.get("name")
    if parent is not None and node.tag in (CORE + "property",
                                           GLIB + "signal"):
        sep = ":" if node.tag == CORE + "property" else "::"
        return "%s%s%s" % (parent.get(C + "type"), sep, node.get("name"))
    return ident


def need(node, what, parent=None, since=True):
    name = name_of(node, parent)
    if not doc_of(node):
        missing.append("%s %s: no doc comment" % (what, name))
    elif since and node.get("version") != VERSION:
        missing.append("%s %s: no 'Since: %s'" % (what, name, VERSION))


def check_gir(path):
    tree = ET.parse(path)
    ns = tree.getroot().find(CORE + "namespace")
    counts = {"functions": 0, "types": 0, "constants": 0, "properties": 0,
              "signals": 0, "members": 0}
    identifiers = set()

    def callable_(node, what):
        identifiers.add(node.get(C + "identifier"))
        counts["functions"] += 1
        need(node, what)

    for node in ns:
        tag = node.tag
        if tag == CORE + "function":
            callable_(node, "function")
        elif tag == CORE + "constant":
            counts["constants"] += 1
            need(node, "constant")
        elif tag in (CORE + "enumeration", CORE + "bitfield"):
            counts["types"] += 1
            need(node, "enumeration")
            for member in node.findall(CORE + "member"):
                counts["members"] += 1
                need(member, "value", since=False)
            for function in node.findall(CORE + "function"):
                callable_(function, "function")
        elif tag == CORE + "callback":
            counts["types"] += 1
            need(node, "callback")
        elif tag in (CORE + "class", CORE + "record", CORE + "interface"):
            if node.get(GLIB + "is-gtype-struct-for"):
                continue        # E2eeKeyProviderClass: G_DECLARE_FINAL_TYPE's
            counts["types"] += 1
            need(node, "type")
            for child in node:
                if child.tag in (CORE + "method", CORE + "constructor",
                                 CORE + "function"):
                    callable_(child, child.tag[len(CORE):])
                elif child.tag == CORE + "property":
                    counts["properties"] += 1
                    need(child, "property", node)
                elif child.tag == GLIB + "signal":
                    counts["signals"] += 1
                    need(child, "signal", node)
        # get_type functions are listed through glib:get-type.
        if node.get(GLIB + "get-type"):
            identifiers.add(node.get(GLIB + "get-type"))
    return counts, identifiers


def check_exports(library, identifiers):
    out = subprocess.run(["nm", "-D", "--defined-only", library],
                         capture_output=True, text=True, check=True).stdout
    exported = sorted(line.split()[-1] for line in out.splitlines()
                      if line.split()[-2:-1] == ["T"])
    for symbol in exported:
        if symbol not in identifiers:
            missing.append("exported symbol %s: not in the GIR, so not in "
                           "the reference (annotate it, or do not export "
                           "it)" % symbol)
    return len(exported)


def section_block(path):
    source = open(path, encoding="utf-8").read()
    match = re.search(r"/\*\*\s*\n \* SECTION:element-(\S+).*?\*/", source,
                      re.S)
    return match.group(1), match.group(0)


def check_elements(sources):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GObject, Gst
    Gst.init(None)
    props = signals = 0
    for path in sources:
        element, block = section_block(path)
        factory = Gst.ElementFactory.find(element)
        if factory is None:
            missing.append("element %s: not in the registry" % element)
            continue
        gtype = factory.load().get_element_type()
        for pspec in GObject.list_properties(gtype):
            if pspec.owner_type in (GObject.Object.__gtype__,
                                    Gst.Object.__gtype__,
                                    Gst.Element.__gtype__) or \
                    pspec.owner_type.name in ("GstBaseTransform",
                                              "GstRTPBasePayload"):
                continue        # GStreamer's own, documented there
            props += 1
            if not pspec.blurb or not pspec.nick or \
                    pspec.blurb == pspec.name:
                missing.append("property %s:%s: no nick or blurb"
                               % (element, pspec.name))
            if "`%s`" % pspec.name not in block:
                missing.append("property %s:%s: not in the SECTION block of "
                               "%s" % (element, pspec.name, path))
        type_ = gtype
        while type_.name not in ("GstBaseTransform", "GstRTPBasePayload",
                                 "GstElement"):
            for signal_id in GObject.signal_list_ids(type_):
                name = GObject.signal_name(signal_id)
                signals += 1
                if "`%s`" % name not in block:
                    missing.append("signal %s::%s: not in the SECTION block "
                                   "of %s" % (element, name, path))
            type_ = type_.parent
    return props, signals


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    counts, identifiers = check_gir(argv[1])
    exported = check_exports(argv[2], identifiers)
    element_props, element_signals = check_elements(argv[3:])
    print("# library E2ee-1.0: %d exported functions; in the GIR %d "
          "functions, %d types (%d values), %d constants, %d properties, "
          "%d signals" % (exported, counts["functions"], counts["types"],
                          counts["members"], counts["constants"],
                          counts["properties"], counts["signals"]))
    print("# elements: %d properties, %d signals" % (element_props,
                                                     element_signals))
    for line in missing:
        print("missing: " + line)
    if missing:
        print("doc coverage: %d missing" % len(missing))
        return 1
    print("doc coverage: complete")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
