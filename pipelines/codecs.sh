# Sourced by send.sh, receive.sh and loopback.sh: one place that says, per
# codec, how to encode, packetize, depacketize and decode it.
#
# Video frames go through this plugin's payloaders (e2eertp*pay): GStreamer's
# own VP8/VP9 payloaders parse the encrypted frame and fail, and rtph264pay
# trims the trailing 0x00 that every frame with key index 0 ends in.
# Depayloaders are GStreamer's own: they never parse past the clear header.

e2ee_codec_setup () {
  case "$1" in
    opus)
      SOURCE="audiotestsrc is-live=true wave=ticks samplesperbuffer=960"
      SOURCE_CAPS="audio/x-raw,rate=48000,channels=2"
      ENCODE="audioconvert ! audioresample ! opusenc bitrate=64000"
      PAY="rtpopuspay pt=111"
      CAPS="application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111"
      DEPAY="rtpopusdepay"
      DECODE="opusdec ! audioconvert"
      PORT=5004 ;;
    vp8)
      SOURCE="videotestsrc is-live=true pattern=ball"
      SOURCE_CAPS="video/x-raw,width=320,height=240,framerate=30/1"
      ENCODE="vp8enc deadline=1 keyframe-max-dist=30"
      PAY="e2eertpvp8pay pt=96 mtu=1200"
      CAPS="application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96"
      DEPAY="rtpvp8depay"
      DECODE="vp8dec ! videoconvert"
      PORT=5006 ;;
    vp9)
      SOURCE="videotestsrc is-live=true pattern=ball"
      SOURCE_CAPS="video/x-raw,width=320,height=240,framerate=30/1"
      ENCODE="vp9enc deadline=1 cpu-used=8 keyframe-max-dist=30"
      PAY="e2eertpvp9pay pt=98 mtu=1200"
      CAPS="application/x-rtp,media=video,encoding-name=VP9,clock-rate=90000,payload=98"
      DEPAY="rtpvp9depay"
      DECODE="vp9dec ! videoconvert"
      PORT=5008 ;;
    h264)
      SOURCE="videotestsrc is-live=true pattern=ball"
      SOURCE_CAPS="video/x-raw,width=320,height=240,framerate=30/1"
      ENCODE="x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au"
      PAY="e2eertph264pay pt=102 mtu=1200"
      # No sprop-parameter-sets needed: the parameter sets travel in band, in
      # clear. (They would be harmless: rtph264depay prepends them to the
      # first key frame, and e2eedecrypt skips them.)
      CAPS="application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102"
      DEPAY="rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au"
      DECODE="h264parse ! avdec_h264 ! videoconvert"
      PORT=5010 ;;
    h265)
      SOURCE="videotestsrc is-live=true pattern=ball"
      SOURCE_CAPS="video/x-raw,width=320,height=240,framerate=30/1"
      ENCODE="x265enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! video/x-h265,stream-format=byte-stream,alignment=au"
      PAY="e2eertph265pay pt=104 mtu=1200"
      CAPS="application/x-rtp,media=video,encoding-name=H265,clock-rate=90000,payload=104"
      DEPAY="rtph265depay ! video/x-h265,stream-format=byte-stream,alignment=au"
      DECODE="h265parse ! avdec_h265 ! videoconvert"
      PORT=5012 ;;
    *)
      echo "unknown codec '$1' (opus, vp8, vp9, h264, h265)" >&2
      return 1 ;;
  esac
}
