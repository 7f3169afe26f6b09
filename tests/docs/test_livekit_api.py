#!/usr/bin/env python3
# gst-e2ee
# Copyright (C) 2026 gst-e2ee authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Runs every snippet of docs/livekit-api.md: each ```python block with
/usr/bin/python3 and each ```sh block with bash -euo pipefail, in a fresh
temporary directory per section, with e2ee-key on PATH. Every "### " item
must have at least one snippet, and the table must have one row per item.
Run inside a Secret Service session (tests/secret/with-keyring.sh), since
item 12 stores a key there.

  test_livekit_api.py docs/livekit-api.md TOOLS_DIR"""

import os
import re
import subprocess
import sys
import tempfile

doc, tools_dir = sys.argv[1], sys.argv[2]
text = open(doc, encoding="utf-8").read()
sections = re.split(r"^### ", text, flags=re.M)[1:]
rows = re.findall(r"^\| (\d+) \|", text, flags=re.M)
env = dict(os.environ, PATH=tools_dir + os.pathsep + os.environ["PATH"])
count, failures = 0, []


def check(ok, what):
    global count
    count += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", count, what))
    if not ok:
        failures.append(what)


check(len(rows) == len(sections) and rows == [str(i + 1) for i in
                                               range(len(rows))],
      "the table has one row per item (%d rows, %d items)"
      % (len(rows), len(sections)))
for section in sections:
    title = section.splitlines()[0]
    blocks = re.findall(r"^```(python|sh)\n(.*?)^```", section,
                        flags=re.S | re.M)
    check(len(blocks) > 0, "%s: has a runnable snippet" % title)
    with tempfile.TemporaryDirectory(prefix="livekit-api-") as tmp:
        for n, (language, code) in enumerate(blocks, 1):
            command = ["/usr/bin/python3", "-c", code] if language == \
                "python" else ["bash", "-euo", "pipefail", "-c", code]
            result = subprocess.run(command, cwd=tmp, env=env,
                                    capture_output=True, text=True,
                                    timeout=120)
            ok = result.returncode == 0
            check(ok, "%s: %s snippet %d" % (title, language, n))
            if not ok:
                print("# " + (result.stdout + result.stderr).strip()
                      .replace("\n", "\n# "))
print("1..%d" % count)
sys.exit(1 if failures else 0)
