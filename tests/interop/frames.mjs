// gst-e2ee interop: the frames the suite sends both ways.
//
// Real frames come from GStreamer encoders (captured through
// e2ee-interop-bridge); synthetic frames cover the edges of LiveKit's frame
// format that encoders rarely produce.

import { spawn } from 'node:child_process';

/** Caps that tell e2eeencrypt/e2eedecrypt which clear-header rule applies. */
export const CAPS = {
  opus: 'audio/x-opus,channel-mapping-family=(int)0,channels=(int)2,' +
      'rate=(int)48000',
  vp8: 'video/x-vp8,width=(int)320,height=(int)240,framerate=(fraction)30/1',
  vp9: 'video/x-vp9,width=(int)320,height=(int)240,framerate=(fraction)30/1',
  h264: 'video/x-h264,stream-format=(string)byte-stream,' +
      'alignment=(string)au,width=(int)320,height=(int)240,' +
      'framerate=(fraction)30/1',
  h265: 'video/x-h265,stream-format=(string)byte-stream,' +
      'alignment=(string)au,width=(int)320,height=(int)240,' +
      'framerate=(fraction)30/1',
};

const VIDEO = 'videotestsrc pattern=ball num-buffers=%N ! ' +
    'video/x-raw,width=320,height=240,framerate=30/1,format=I420';

/** Real encoders: each yields one stream of access units. */
export const ENCODER_STREAMS = [
  {
    name: 'opus', codec: 'opus', count: 100,
    pipeline: 'audiotestsrc wave=pink-noise samplesperbuffer=960 ' +
        'num-buffers=%N ! audio/x-raw,rate=48000,channels=2 ! ' +
        'opusenc bitrate=64000 ! appsink name=sink sync=false',
  },
  {
    name: 'vp8', codec: 'vp8', count: 90,
    pipeline: `${VIDEO} ! vp8enc deadline=1 keyframe-max-dist=30 ` +
        'target-bitrate=400000 ! appsink name=sink sync=false',
  },
  {
    name: 'vp9', codec: 'vp9', count: 60,
    pipeline: `${VIDEO} ! vp9enc deadline=1 cpu-used=8 ` +
        'keyframe-max-dist=30 target-bitrate=400000 ! ' +
        'appsink name=sink sync=false',
  },
  {
    // Sliced threads: several slices per picture, with 3-byte start codes
    // before the SEI and every slice but the first.
    name: 'h264-x264-slices', codec: 'h264', count: 90,
    pipeline: `${VIDEO} ! x264enc tune=zerolatency speed-preset=ultrafast ` +
        'key-int-max=30 sliced-threads=true threads=4 bitrate=400 ! ' +
        'video/x-h264,stream-format=byte-stream,alignment=au ! ' +
        'appsink name=sink sync=false',
  },
  {
    name: 'h264-openh264-slices', codec: 'h264', count: 40,
    pipeline: `${VIDEO} ! openh264enc slice-mode=n-slices num-slices=3 ` +
        'gop-size=20 bitrate=400000 ! ' +
        'video/x-h264,stream-format=byte-stream,alignment=au ! ' +
        'appsink name=sink sync=false',
  },
  {
    name: 'h265', codec: 'h265', count: 60,
    pipeline: `${VIDEO} ! x265enc tune=zerolatency speed-preset=ultrafast ` +
        'key-int-max=30 bitrate=400 ! ' +
        'video/x-h265,stream-format=byte-stream,alignment=au ! ' +
        'appsink name=sink sync=false',
  },
];

/**
 * Real pipelines with e2eeencrypt configured the gst-launch way (its own
 * key properties): a tee keeps the plaintext ("sink") beside what
 * e2eeencrypt made of it ("enc"). `key` is how LiveKit must be keyed.
 */
export function pipelineStreams (keys) {
  const encrypted = (encoder, props) => `${encoder} ! tee name=t ! ` +
      'queue ! appsink name=sink sync=false t. ! queue ! ' +
      `e2eeencrypt ${props} ! appsink name=enc sync=false`;
  return [
    {
      name: 'pipeline opus, passphrase property', codec: 'opus', count: 30,
      key: { passphrase: keys.passphrase }, kid: 0,
      pipeline: encrypted('audiotestsrc wave=pink-noise ' +
          'samplesperbuffer=960 num-buffers=%N ! ' +
          'audio/x-raw,rate=48000,channels=2 ! opusenc',
      `passphrase=${keys.passphrase}`),
    },
    {
      name: 'pipeline vp8, key property (raw, hex), key-index 2',
      codec: 'vp8', count: 30, key: { rawHex: keys.rawHex }, kid: 2,
      pipeline: encrypted(`${VIDEO} ! vp8enc deadline=1 keyframe-max-dist=10`,
          `key=${keys.rawHex} key-index=2`),
    },
    {
      name: 'pipeline h264 slices, passphrase property, key-index 1',
      codec: 'h264', count: 30, key: { passphrase: keys.passphrase }, kid: 1,
      pipeline: encrypted(`${VIDEO} ! x264enc tune=zerolatency ` +
          'speed-preset=ultrafast key-int-max=10 sliced-threads=true ' +
          'threads=4 ! video/x-h264,stream-format=byte-stream,alignment=au',
      `passphrase=${keys.passphrase} key-index=1`),
    },
    {
      name: 'pipeline h265, key property (raw, hex)', codec: 'h265',
      count: 30, key: { rawHex: keys.rawHex }, kid: 0,
      pipeline: encrypted(`${VIDEO} ! x265enc tune=zerolatency ` +
          'speed-preset=ultrafast key-int-max=10 ! ' +
          'video/x-h265,stream-format=byte-stream,alignment=au',
      `key=${keys.rawHex}`),
    },
  ];
}

/** Runs one encoder pipeline through `bridge capture`. */
export function captureStream (bridgePath, stream) {
  const description = stream.pipeline.replaceAll('%N', String(stream.count));
  return new Promise((resolve, reject) => {
    const child = spawn(bridgePath, ['capture', description],
        { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`capture ${stream.name} exited ${code}: ` +
            Buffer.concat(err).toString().trim()));
        return;
      }
      const lines = Buffer.concat(out).toString().split('\n')
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line));
      const framesOf = (sink) => lines.filter((f) => f.sink === sink)
          .map((f, i) => ({
            data: Uint8Array.from(Buffer.from(f.hex, 'hex')),
            key: stream.codec === 'opus' ? true : f.key,
            label: `${stream.name}#${i}`,
          }));
      resolve({ name: stream.name, codec: stream.codec,
        frames: framesOf('sink'), encrypted: framesOf('enc') });
    });
  });
}

// Helpers for building synthetic frames

function bytes (...parts) {
  const flat = [];
  for (const part of parts) {
    if (typeof part === 'number')
      flat.push(part);
    else
      flat.push(...part);
  }
  return Uint8Array.from(flat);
}

function repeat (pattern, times) {
  const out = [];
  for (let i = 0; i < times; i++)
    out.push(...pattern);
  return out;
}

/** Deterministic filler (xorshift), so failures are reproducible. */
function filler (length, seed) {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const SC4 = [0, 0, 0, 1];
const SC3 = [0, 0, 1];
const H264_SPS = [0x67, 0x42, 0xc0, 0x1f, 0x8c, 0x8d, 0x40, 0x50, 0x1e, 0xd0];
const H264_PPS = [0x68, 0xce, 0x3c, 0x80];
const H264_SEI = [0x06, 0x05, 0x04, 0xaa, 0xbb, 0xcc, 0xdd, 0x80];
const H265_VPS = [0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60];
const H265_SPS = [0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90];
const H265_PPS = [0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40];
const STARTCODE_RUNS = repeat([0x00, 0x00, 0x01, 0x00, 0x00, 0x03,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x02], 24);

/**
 * Synthetic edge cases, per codec. A frame whose clear header holds 3-byte
 * start codes carries `expect`: LiveKit's sender rewrites those to 4 bytes
 * (livekit-client's naluUtils.ts; in this tree
 * e2ee_frame_format_normalize_header in keyring/e2ee-frame-format.c), so
 * that is what arrives.
 */
export function syntheticStreams () {
  const f = (label, key, data, expect) => ({ label, key, data, expect });
  return [
    {
      name: 'opus-edges', codec: 'opus', frames: [
        f('opus 1-byte (TOC only)', true, bytes(0xfc)),
        f('opus 2-byte', true, bytes(0x78, 0x01)),
        f('opus start-code runs', true, bytes(0xfc, STARTCODE_RUNS)),
        f('opus all zero', true, new Uint8Array(120)),
        f('opus empty (passes unchanged)', true, new Uint8Array(0)),
        f('opus 1275 bytes', true, bytes(0xfc, filler(1274, 7))),
      ],
    },
    {
      name: 'vp8-edges', codec: 'vp8', frames: [
        f('vp8 key frame of exactly 10 bytes', true,
            bytes(0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00)),
        f('vp8 delta frame of exactly 3 bytes', false, bytes(0x31, 0x02, 0x00)),
        f('vp8 delta frame of 4 bytes', false, bytes(0x31, 0x02, 0x00, 0x07)),
        f('vp8 key frame with start-code runs', true,
            bytes(0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00,
                STARTCODE_RUNS)),
        f('vp8 delta frame with start-code runs', false,
            bytes(0x31, 0x02, 0x00, STARTCODE_RUNS)),
        f('vp8 empty (passes unchanged)', false, new Uint8Array(0)),
      ],
    },
    {
      name: 'vp9-edges', codec: 'vp9', frames: [
        f('vp9 1 byte', true, bytes(0x82)),
        f('vp9 start-code runs', false, bytes(0x86, STARTCODE_RUNS)),
        f('vp9 64 KiB', true, bytes(0x82, filler(65535, 9))),
      ],
    },
    {
      name: 'h264-edges', codec: 'h264', frames: [
        // LiveKit only sees a NAL unit that starts 4 or more bytes before
        // the end of the frame, so a slice NAL unit this short falls back
        // to the VP8 rule (3 clear bytes on a delta frame). A key frame this
        // short would crash LiveKit's encoder (VP8 rule: 10 clear bytes).
        f('h264 6-byte delta, slice NAL in the last 3 bytes (VP8 rule)',
            false, bytes(SC4, 0x41, 0x9a)),
        f('h264 delta: clear header + 2 bytes (shortest parsed as H.264)',
            false, bytes(SC4, 0x41, 0x9a, 0x7f, 0x80)),
        f('h264 SPS PPS IDR, 4-byte start codes', true,
            bytes(SC4, H264_SPS, SC4, H264_PPS, SC4, 0x65, 0x88, 0x84,
                filler(300, 11))),
        f('h264 SPS PPS IDR, 3-byte start codes', true,
            bytes(SC3, H264_SPS, SC3, H264_PPS, SC3, 0x65, 0x88, 0x84,
                filler(300, 12)),
            bytes(SC4, H264_SPS, SC4, H264_PPS, SC4, 0x65, 0x88, 0x84,
                filler(300, 12))),
        f('h264 AUD SEI slice, mixed start codes', false,
            bytes(SC4, 0x09, 0x30, SC3, H264_SEI, SC3, 0x41, 0x9a, 0x20,
                filler(200, 13)),
            bytes(SC4, 0x09, 0x30, SC4, H264_SEI, SC4, 0x41, 0x9a, 0x20,
                filler(200, 13))),
        f('h264 IDR payload of 00 00 01 / 00 00 03 runs', true,
            bytes(SC4, H264_SPS, SC4, H264_PPS, SC4, 0x65, 0x88,
                STARTCODE_RUNS)),
        f('h264 delta payload of 00 00 03 runs', false,
            bytes(SC4, 0x41, 0x9a, repeat([0x00, 0x00, 0x03], 100))),
        f('h264 multi-slice IDR (3-byte start code on slice 2)', true,
            bytes(SC4, 0x65, 0x88, 0x84, filler(150, 14), SC3, 0x65, 0xb8,
                0x04, filler(150, 15))),
        f('h264 multi-slice delta (4 slices)', false,
            bytes(SC4, 0x41, 0x9a, filler(80, 16), SC3, 0x41, 0x01, 0x9a,
                filler(80, 17), SC4, 0x41, 0x02, 0x9a, filler(80, 18), SC3,
                0x41, 0x03, 0x9a, filler(80, 19))),
        f('h264 payload ending in zero bytes', false,
            bytes(SC4, 0x41, 0x9a, filler(64, 20), 0x00, 0x00, 0x00)),
        f('h264 without a slice (VP8 rule, no escaping)', true,
            bytes(SC4, H264_SPS, SC4, H264_PPS)),
        f('h264 empty (passes unchanged)', false, new Uint8Array(0)),
      ],
    },
    {
      name: 'h265-edges', codec: 'h265', frames: [
        f('h265 6-byte delta, slice NAL in the last 3 bytes (VP8 rule)',
            false, bytes(SC4, 0x02, 0x01)),
        f('h265 delta: clear header + 2 bytes (shortest parsed as H.265)',
            false, bytes(SC4, 0x02, 0x01, 0xd0, 0x80)),
        f('h265 VPS SPS PPS IDR, 3-byte start codes', true,
            bytes(SC3, H265_VPS, SC3, H265_SPS, SC3, H265_PPS, SC3, 0x26, 0x01,
                0xaf, filler(300, 21)),
            bytes(SC4, H265_VPS, SC4, H265_SPS, SC4, H265_PPS, SC4, 0x26, 0x01,
                0xaf, filler(300, 21))),
        f('h265 TRAIL_R payload of start-code runs', false,
            bytes(SC4, 0x02, 0x01, STARTCODE_RUNS)),
        f('h265 two slice segments', false,
            bytes(SC4, 0x02, 0x01, 0xd0, filler(120, 22), SC3, 0x02, 0x01,
                0x20, filler(120, 23))),
      ],
    },
  ];
}

/**
 * The blank frames LiveKit's SFU injects into encrypted tracks (livekit
 * server pkg/sfu/downtrack.go); LiveKit's receiver passes exactly these.
 */
export const SFU_BLANK_FRAMES = {
  vp8: bytes(0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00, 0x08, 0x00, 0x00,
      0x47, 0x08, 0x85, 0x85, 0x88, 0x85, 0x84, 0x88, 0x02, 0x02, 0x00, 0x0c,
      0x0d, 0x60, 0x00, 0xfe, 0xff, 0xab, 0x50, 0x80),
  opus: bytes(0xf8, 0xff, 0xfe, new Uint8Array(77)),
  h264: bytes(0x65, 0x88, 0x84, 0x0a, 0xf2, 0x62, 0x80, 0x00, 0xa7, 0xbe),
};

export function randomBytes (length, seed) {
  return filler(length, seed);
}

/**
 * The plaintext a receiver must output for `frame`: the frame itself, or,
 * for a frame whose clear header holds 3-byte start codes, the frame with
 * those rewritten to 4-byte ones (as e2ee_frame_format_normalize_header in
 * keyring/e2ee-frame-format.c does, after livekit-client's naluUtils.ts).
 * Real encoder frames are normalised here by the same rule; the suite
 * checks this oracle against LiveKit's own sender->receiver round trip.
 */
export function expectedPlaintext (codec, frame) {
  if (frame.expect)
    return frame.expect;
  if (codec !== 'h264' && codec !== 'h265')
    return frame.data;
  const end = clearHeaderEnd(codec, frame.data);
  if (end < 0)
    return frame.data;
  return bytes(normaliseStartCodes(frame.data.subarray(0, end)),
      frame.data.subarray(end));
}

function isSliceNal (codec, headerByte) {
  if (codec === 'h264') {
    const type = headerByte & 0x1f;
    return type === 1 || type === 5;
  }
  const type = (headerByte >> 1) & 0x3f;
  return type <= 9 || (type >= 16 && type <= 21);
}

/** Offset just past the clear header, or -1 when no slice NAL is found. */
function clearHeaderEnd (codec, data) {
  if (!(data.length >= 3 && data[0] === 0 && data[1] === 0 &&
      (data[2] === 1 || (data[2] === 0 && data[3] === 1))))
    return -1;
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (isSliceNal(codec, data[i + 3]))
        return Math.min(i + 5, data.length);
      i += 2;
    }
  }
  return -1;
}

function normaliseStartCodes (header) {
  const out = [];
  for (let i = 0; i < header.length; i++) {
    if (header[i] === 0 && header[i + 1] === 0 && header[i + 2] === 1 &&
        (i === 0 || header[i - 1] !== 0))
      out.push(0);
    out.push(header[i]);
  }
  return out;
}
