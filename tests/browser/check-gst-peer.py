#!/usr/bin/python3
# Whether gst_peer.py can run here: PyGObject with GstWebRTC, GstSdp and
# the project's E2ee typelib, webrtcbin with its ICE (libnice), DTLS/SRTP
# and SCTP plugins, our elements and the codecs the calls use, plus any
# element named on the command line. Prints what is missing and exits 1;
# the suites that use gst_peer.py skip with that reason.
#
#   /usr/bin/python3 tests/browser/check-gst-peer.py [ELEMENT...]
import sys

import gi

NEED = ["webrtcbin", "nicesrc", "dtlssrtpenc", "sctpenc", "e2eeencrypt",
        "e2eedecrypt", "e2eertpvp8pay", "vp8enc", "vp8dec", "x264enc",
        "avdec_h264", "opusenc", "opusdec", "videotestsrc"]

try:
    for namespace in ("Gst", "GstWebRTC", "GstSdp", "E2ee"):
        gi.require_version(namespace, "1.0")
    from gi.repository import Gst
except (ValueError, ImportError) as e:
    print("missing:", e)
    sys.exit(1)
Gst.init(None)
missing = [e for e in NEED + sys.argv[1:] if Gst.ElementFactory.find(e) is None]
if missing:
    print("missing GStreamer elements:", " ".join(missing))
    sys.exit(1)
