#!/usr/bin/env python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Writes the plugin page (Markdown, for gi-docgen) from the elements
themselves, so that the page and the code cannot drift:

  plugin-page.py OUTPUT.md ELEMENT.c...

- metadata, hierarchy, pad templates and their caps, properties (type,
  default, range or values, flags, blurb), signals and action signals
  (arguments, return type) and the example pipelines: from GStreamer's
  registry and GObject introspection of the element classes (run it with
  GST_PLUGIN_PATH set to the build's plugin);
- bus messages: from running the elements (an encryptor without a key, then
  with one; a decryptor fed a frame that was never encrypted), with the
  names and types of the fields they really carry. Each field's meaning
  comes from the bullet list under "## Messages" in the element's SECTION
  block (ELEMENT.c); a field the elements post that the list does not
  describe, or one the list describes that no message carries, stops the
  build;
- the `stats` structure: from reading the property."""

import re
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, GObject, Gst  # noqa: E402

PLUGIN = "e2ee"
STATE_MESSAGE = "e2ee-state-changed"


def flags_text(pspec):
    flags = []
    if pspec.flags & GObject.ParamFlags.READABLE:
        flags.append("readable")
    if pspec.flags & GObject.ParamFlags.WRITABLE:
        flags.append("writable")
    if not pspec.flags & GObject.ParamFlags.READABLE:
        flags.append("**write-only**")
    if pspec.flags & Gst.PARAM_CONTROLLABLE:
        flags.append("controllable")
    if pspec.flags & Gst.PARAM_MUTABLE_PLAYING:
        flags.append("changeable in PLAYING")
    elif pspec.flags & Gst.PARAM_MUTABLE_PAUSED:
        flags.append("changeable in NULL, READY and PAUSED")
    elif pspec.flags & Gst.PARAM_MUTABLE_READY:
        flags.append("changeable in NULL and READY")
    elif pspec.flags & GObject.ParamFlags.WRITABLE:
        flags.append("changeable in NULL only")
    return ", ".join(flags)


def value_text(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, GObject.GEnum):
        return value.value_nick
    if isinstance(value, GObject.GFlags):
        return value.first_value_nick or "0"
    return str(value)


def property_rows(element_type, own_types):
    rows = []
    for pspec in sorted(GObject.list_properties(element_type),
                        key=lambda p: p.name):
        if pspec.owner_type.name not in own_types:
            continue
        default = getattr(pspec, "default_value", None)
        extra = ""
        if hasattr(pspec, "minimum") and hasattr(pspec, "maximum"):
            extra = "%s to %s" % (pspec.minimum, pspec.maximum)
        elif pspec.value_type.is_a(GObject.TYPE_ENUM):
            extra = ", ".join("`%s`" % v for v in enum_nicks(pspec))
        rows.append((pspec.name, pspec.value_type.name,
                     value_text(default), extra, flags_text(pspec),
                     pspec.blurb))
    return rows


def enum_nicks(pspec):
    # The enum's values, from the default value's class.
    default = getattr(pspec, "default_value", None)
    cls = type(default)
    values = getattr(cls, "__enum_values__", {})
    return [values[k].value_nick for k in sorted(values)]


def signal_rows(element_type, stop_types):
    rows = []
    gtype = element_type
    while gtype.name not in stop_types:
        for signal_id in GObject.signal_list_ids(gtype):
            query = GObject.signal_query(signal_id)
            params = ", ".join(t.name for t in query.param_types)
            action = bool(query.signal_flags & GObject.SignalFlags.ACTION)
            rows.append((query.signal_name, params or "none",
                         query.return_type.name, action))
        gtype = gtype.parent
    return sorted(rows)


def caps_lines(caps):
    if caps.is_any():
        return ["ANY"]
    return [caps.get_structure(i).to_string() for i in range(caps.get_size())]


def documented_fields(source_path):
    """`name` -> (type, description) of the SECTION block's message list."""
    block = re.search(r"/\*\*\s*\n \* SECTION:element-.*?\*/",
                      open(source_path, encoding="utf-8").read(), re.S)
    text = "\n".join(re.sub(r"^\s*\* ?", "", line)
                     for line in block.group(0).splitlines())
    messages = re.search(r"## Messages\n(.*?)(?:\n## |\Z)", text, re.S)
    fields = {}
    if messages is None:
        return fields
    for item in re.findall(r"^\* (#\S+ `[^`]+`:.*?)(?=^\* |^\s*$|\Z)",
                           messages.group(1), re.S | re.M):
        match = re.match(r"#(\S+) `([^`]+)`:\s*(.*)", item, re.S)
        meaning = " ".join(match.group(3).split())
        # gtk-doc's %NULL and #Type read as plain words here.
        meaning = re.sub(r"[%#](\w+)", r"\1", meaning)
        fields[match.group(2)] = (match.group(1), meaning)
    return fields


def run_element(factory, caps, frames, key_after=None):
    """Pushes @frames through @factory; returns the element messages and
    warnings it posted, and its stats."""
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=%s ! %s name=e ! fakesink"
        % (caps, factory))
    element = pipeline.get_by_name("e")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    src = pipeline.get_by_name("src")
    for i, frame in enumerate(frames):
        if key_after is not None and i == key_after:
            element.set_property("passphrase", "plugin-page")
        buf = Gst.Buffer.new_wrapped(frame)
        buf.pts = i * 20 * Gst.MSECOND
        buf.duration = 20 * Gst.MSECOND
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    messages = []
    while True:
        msg = bus.timed_pop(5 * Gst.SECOND)
        if msg is None or msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            sys.exit("plugin-page: %s: %s" % (factory, msg.parse_error()[0]))
        if msg.type in (Gst.MessageType.ELEMENT, Gst.MessageType.WARNING) \
                and msg.src == element:
            messages.append(msg)
    stats = element.get_property("stats")
    pipeline.set_state(Gst.State.NULL)
    return messages, stats


def structure_fields(structure):
    fields = []
    for i in range(structure.n_fields()):
        name = structure.nth_field_name(i)
        value = structure.get_value(name)
        gtype = structure.get_field_type(name)
        fields.append((name, gtype.name, value_text(value)))
    return fields


def observed_messages(factory):
    if factory == "e2eeencrypt":
        frame = bytes([0x78]) + bytes(40)
        return run_element(factory, "audio/x-opus", [frame] * 4, key_after=2)
    if factory == "e2eedecrypt":
        # A frame that was never encrypted: no LiveKit trailer.
        return run_element(factory, "audio/x-opus", [bytes([0x78]) + bytes(8)])
    return [], None


def messages_section(factory, source_path, out):
    messages, stats = observed_messages(factory)
    if not messages and stats is None:
        return
    documented = documented_fields(source_path)
    seen = {}
    examples, warnings = [], []
    for msg in messages:
        if msg.type == Gst.MessageType.WARNING:
            warnings.append(msg.parse_warning()[0].message)
            continue
        s = msg.get_structure()
        if s.get_name() != STATE_MESSAGE:
            continue
        examples.append(s.to_string())
        for name, type_name, _ in structure_fields(s):
            seen[name] = type_name
    undocumented = sorted(set(seen) - set(documented))
    unseen = sorted(set(documented) - set(seen))
    if undocumented or unseen:
        sys.exit("plugin-page: %s's %s fields and its SECTION block's "
                 "\"## Messages\" list differ: posted but not described: %s; "
                 "described but never posted: %s"
                 % (factory, STATE_MESSAGE, undocumented or "none",
                    unseen or "none"))
    out.append("#### Messages\n")
    out.append("An element message `%s` on every change of state (never per "
               "frame). Its fields, as %s posts them:\n" % (STATE_MESSAGE,
                                                           factory))
    out.append("| field | type | meaning |")
    out.append("|---|---|---|")
    for name in documented:
        out.append("| `%s` | `%s` | %s |" % (name, seen[name],
                                            documented[name][1]))
    out.append("\nPosted by %s in this page's run:\n" % factory)
    out.append("```")
    out.extend(examples)
    out.append("```\n")
    if warnings:
        out.append("Bus warnings it posted in that run (gst-launch-1.0 "
                   "prints them as `WARNING:` lines):\n")
        out.extend("- %s" % w for w in warnings)
        out.append("")
    if stats is not None:
        out.append("The `stats` property (`%s`) after that run:\n"
                   % stats.get_name())
        out.append("| field | type | value |")
        out.append("|---|---|---|")
        for name, type_name, value in structure_fields(stats):
            out.append("| `%s` | `%s` | %s |" % (name, type_name, value))
        out.append("")


def element_section(factory, source_path, out):
    element_type = factory.load().get_element_type()
    hierarchy, gtype = [], element_type
    while gtype.name != "GObject":
        hierarchy.append(gtype.name)
        gtype = gtype.parent
    hierarchy.append("GObject")
    own_types = hierarchy[:hierarchy.index("GstBaseTransform")] \
        if "GstBaseTransform" in hierarchy else \
        hierarchy[:hierarchy.index("GstRTPBasePayload")]

    name = factory.get_name()
    out.append("## %s\n" % name)
    out.append("%s. **%s** (`%s`), rank %s, by %s.\n" % (
        factory.get_metadata("description").rstrip("."),
        factory.get_metadata("long-name"), factory.get_metadata("klass"),
        factory.get_rank(), factory.get_metadata("author")))
    out.append("Hierarchy: %s\n" % " → ".join(reversed(hierarchy)))

    out.append("#### Pad templates\n")
    for template in factory.get_static_pad_templates():
        out.append("`%s` (%s, %s):\n" % (
            template.name_template,
            template.direction.value_nick,
            template.presence.value_nick))
        out.append("```")
        out.extend(caps_lines(template.get_caps()))
        out.append("```\n")

    out.append("#### Properties\n")
    out.append("Those of %s; the base classes' (`name`, `qos`, `mtu`, "
               "`pt`, ...) are GStreamer's.\n" % ", ".join(own_types))
    out.append("| property | type | default | range / values | flags | "
               "description |")
    out.append("|---|---|---|---|---|---|")
    for row in property_rows(element_type, own_types):
        out.append("| `%s` | `%s` | `%s` | %s | %s | %s |" % tuple(
            str(x).replace("|", "\\|") for x in row))
    out.append("")

    signals = signal_rows(element_type, ("GstBaseTransform",
                                         "GstRTPBasePayload"))
    if signals:
        out.append("#### Signals\n")
        out.append("| signal | arguments | returns | kind |")
        out.append("|---|---|---|---|")
        for sig, params, ret, action in signals:
            out.append("| `%s` | %s | `%s` | %s |" % (
                sig, params, ret, "action signal (emit it)" if action else
                "signal (connect to it)"))
        out.append("")

    messages_section(name, source_path, out)

    examples = factory.get_metadata("example-pipelines")
    if examples:
        out.append("#### Example pipelines\n")
        for line in re.split(r"\n\s*\n\s*", examples.strip()):
            out.append("```sh\n%s\n```\n" % " ".join(line.split()))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    Gst.init(None)
    plugin = Gst.Registry.get().find_plugin(PLUGIN)
    if plugin is None:
        sys.exit("plugin-page: plugin %s not found (set GST_PLUGIN_PATH)"
                 % PLUGIN)
    sources = {}
    for path in argv[2:]:
        match = re.search(r"SECTION:element-(\S+)",
                          open(path, encoding="utf-8").read())
        sources[match.group(1)] = path

    out = ["Title: Plugin e2ee: the elements", "",
           "# Plugin %s %s\n" % (plugin.get_name(), plugin.get_version()),
           "%s License %s, package %s (%s).\n" % (
               plugin.get_description().rstrip(".") + ".",
               plugin.get_license(), plugin.get_package(),
               plugin.get_origin()),
           "This page is generated at build time from the plugin itself "
           "(GStreamer's registry and the element classes), and its message "
           "tables from running the elements, so it is what "
           "`gst-inspect-1.0` and a running pipeline show. Each element's "
           "own description, with its model and examples, is the SECTION "
           "block of its source.\n"]
    features = Gst.Registry.get().get_feature_list_by_plugin(PLUGIN)
    order = ["e2eeencrypt", "e2eedecrypt"]
    factories = sorted((f for f in features
                        if isinstance(f, Gst.ElementFactory)),
                       key=lambda f: (order.index(f.get_name())
                                      if f.get_name() in order else 9,
                                      f.get_name()))
    for factory in factories:
        if factory.get_name() not in sources:
            sys.exit("plugin-page: no SECTION source given for %s"
                     % factory.get_name())
        element_section(factory, sources[factory.get_name()], out)
    with open(argv[1], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv)
