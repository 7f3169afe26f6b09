// gst-e2ee benchmark, part e: the frames of part a through WebCrypto
// AES-GCM in Node.js, the way LiveKit's JavaScript SDK encrypts frames.
//
//   node webcrypto-bench.mjs --frames DIR [--node-modules DIR]
//       [--repeats N] [--scale F]
//
// DIR holds manifest.json and the frames e2ee-bench wrote: each plaintext
// frame and the same frame encrypted by the core. Two paths are timed:
//
//   webcrypto       this file's own minimal frame encryptor: per frame the
//                   steps of livekit-client 2.23.0's FrameCryptor
//                   (encodeFunction/decodeFunction), written from its
//                   behaviour, not copied: IV from a DataView, one
//                   crypto.subtle.encrypt/decrypt with the clear header as
//                   additional data, the trailer assembled in new
//                   Uint8Arrays, and for H.264 the byte-by-byte escaping
//                   into a plain array. No streams, no worker messages: the
//                   cheapest a WebCrypto frame cryptor can be.
//   livekit-worker  LiveKit's own worker bundle, driven through the interop
//                   harness (../interop/livekit-worker.mjs) when
//                   livekit-client is installed in --node-modules: frames
//                   go through its TransformStream exactly as in a browser.
//
// Decryption uses the core's ciphertext, so every decrypted frame also
// checks interoperability. Prints one JSON document on stdout: per path,
// rule, size and direction the median CPU time per frame of this process
// (all its threads: WebCrypto runs on libuv's pool) and the wall time.

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const subtle = globalThis.crypto.subtle;

const RATCHET_SALT = 'LKFrameEncryptionKey';
const IV_LENGTH = 12;
const CODECS = { audio: 'opus', vp8: 'vp8', h264: 'h264' };

function parseArgs (argv) {
  const args = { repeats: 5, scale: 1, nodeModules: null, frames: null };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--frames': args.frames = value; break;
      case '--node-modules': args.nodeModules = value; break;
      case '--repeats': args.repeats = Math.max(1, Number(value)); break;
      case '--scale': args.scale = Number(value); break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!args.frames)
    throw new Error('--frames DIR is required');
  return args;
}

// Keys: LiveKit's HKDF derivation of raw material (salt = the ratchet salt,
// info = 128 zero bytes, SHA-256), to a non-extractable AES-GCM key.
async function deriveAesKey (material) {
  const base = await subtle.importKey('raw', material, 'HKDF', false,
      ['deriveKey']);
  return subtle.deriveKey({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new TextEncoder().encode(RATCHET_SALT),
    info: new ArrayBuffer(128),
  }, base, { name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']);
}

// Clear bytes: Opus TOC byte, VP8 delta-frame header, or for H.264 up to
// the first slice NAL unit's header byte + 1.
function findH264SliceHeader (data) {
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      const type = data[i + 3] & 0x1f;
      if (type === 1 || type === 5)
        return i + 3;
    }
  }
  return -1;
}

function clearHeaderLength (rule, data) {
  if (rule === 'audio')
    return 1;
  if (rule === 'vp8')
    return 3;
  return findH264SliceHeader(data) + 2;
}

// 3-byte start codes in the clear header become 00 00 00 01.
function normalizeStartCodes (header) {
  const out = [];
  for (let i = 0; i < header.length; i++) {
    const threeByte = header[i] === 0 && header[i + 1] === 0 &&
        header[i + 2] === 1 && (i === 0 || header[i - 1] !== 0);
    if (threeByte)
      out.push(0);
    out.push(header[i]);
  }
  return new Uint8Array(out);
}

// Emulation prevention, one byte at a time into a plain array.
function escapeBytes (data) {
  const out = [];
  let zeros = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i];
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return new Uint8Array(out);
}

function hasEscapes (data) {
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 3)
      return true;
  }
  return false;
}

function unescapeBytes (data) {
  const out = [];
  for (let i = 0; i < data.length;) {
    if (i + 2 < data.length && data[i] === 0 && data[i + 1] === 0 &&
        data[i + 2] === 3) {
      out.push(0, 0);
      i += 3;
    } else {
      out.push(data[i++]);
    }
  }
  return new Uint8Array(out);
}

// The minimal WebCrypto frame cryptor (see the top of the file).
class WebCryptoCryptor {
  constructor (key, rule) {
    this.key = key;
    this.rule = rule;
    this.ssrc = 0x11223344;
    this.sendCount = 4321;
  }

  makeIv (timestamp) {
    const iv = new ArrayBuffer(IV_LENGTH);
    const view = new DataView(iv);
    view.setUint32(0, this.ssrc);
    view.setUint32(4, timestamp);
    view.setUint32(8, timestamp - (this.sendCount % 0xffff));
    this.sendCount++;
    return iv;
  }

  async encrypt (frame, timestamp) {
    const data = new Uint8Array(frame);
    const h264 = this.rule === 'h264';
    const clear = clearHeaderLength(this.rule, data);
    let header = new Uint8Array(frame, 0, clear);
    if (h264)
      header = normalizeStartCodes(header);
    const iv = this.makeIv(timestamp);
    const cipher = await subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: header }, this.key,
        new Uint8Array(frame, clear));
    let body = new Uint8Array(cipher.byteLength + IV_LENGTH + 2);
    body.set(new Uint8Array(cipher));
    body.set(new Uint8Array(iv), cipher.byteLength);
    body.set([IV_LENGTH, 0], cipher.byteLength + IV_LENGTH);
    if (h264)
      body = escapeBytes(body);
    const out = new Uint8Array(header.byteLength + body.byteLength);
    out.set(header);
    out.set(body, header.byteLength);
    return out.buffer;
  }

  async decrypt (frame) {
    let data = new Uint8Array(frame);
    const clear = clearHeaderLength(this.rule, data);
    if (this.rule === 'h264' && hasEscapes(data.subarray(clear))) {
      const body = unescapeBytes(data.subarray(clear));
      const joined = new Uint8Array(clear + body.byteLength);
      joined.set(data.subarray(0, clear));
      joined.set(body, clear);
      data = joined;
    }
    const ivLength = data[data.length - 2];
    const iv = data.slice(data.length - 2 - ivLength, data.length - 2);
    const plain = await subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: data.subarray(0, clear) },
        this.key, data.subarray(clear, data.length - 2 - ivLength));
    const out = new Uint8Array(clear + plain.byteLength);
    out.set(data.subarray(0, clear));
    out.set(new Uint8Array(plain), clear);
    return out.buffer;
  }
}

// The encoded-frame objects a browser hands to insertable streams: the
// worker reads `data`, `timestamp`, `type` (video only) and getMetadata().
class EncodedVideoFrame {
  constructor (data, timestamp, metadata) {
    this.data = data;
    this.type = 'delta';
    this.timestamp = timestamp;
    this.metadata = metadata;
  }

  getMetadata () {
    return { ...this.metadata };
  }
}

class EncodedAudioFrame {
  constructor (data, timestamp, metadata) {
    this.data = data;
    this.timestamp = timestamp;
    this.metadata = metadata;
  }

  getMetadata () {
    return { ...this.metadata };
  }
}

const MIME_TYPES = { opus: 'audio/opus', vp8: 'video/VP8',
  h264: 'video/H264' };

// LiveKit's worker with one track, fed one frame at a time: the next frame
// goes in when the previous one came out of its TransformStream.
class LiveKitTrack {
  static async open (harness, nodeModules, material, rule, operation) {
    const cryptor = await harness.LiveKitCryptor.create(nodeModules, {
      keyProviderOptions: { ratchetWindowSize: 0, failureTolerance: -1 },
    });
    await cryptor.setKey({ raw: material, keyIndex: 0 });
    const codec = CODECS[rule];
    // The harness returns the track, or (older) keeps it on the cryptor.
    const track = await cryptor.openTrack(operation,
        { participant: 'bench', codec }) ?? cryptor;
    return new LiveKitTrack(cryptor, track, codec);
  }

  constructor (cryptor, track, codec) {
    this.cryptor = cryptor;
    this.track = track;
    this.codec = codec;
    this.waiting = null;
    const output = track.output;
    // The harness's WritableStream pushes each output frame here.
    track.output = {
      push: (frame) => {
        const resolve = this.waiting;
        this.waiting = null;
        if (resolve)
          resolve(frame);
        return output.length;
      },
      get length () {
        return output.length;
      },
      splice: (...args) => output.splice(...args),
    };
  }

  controller () {
    return this.track.controller ?? this.cryptor.frameController;
  }

  process (data, timestamp) {
    const metadata = { synchronizationSource: 0x11223344,
      payloadType: this.codec === 'opus' ? 111 : 96,
      mimeType: MIME_TYPES[this.codec], contributingSources: [],
      rtpTimestamp: timestamp };
    const frame = this.codec === 'opus'
      ? new EncodedAudioFrame(data, timestamp, metadata)
      : new EncodedVideoFrame(data, timestamp, metadata);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(
          'LiveKit dropped the frame')), 5000);
      this.waiting = (out) => {
        clearTimeout(timer);
        resolve(out.data);
      };
      this.controller().enqueue(frame);
    });
  }
}

function median (values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function cpuNs () {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

// Per-frame CPU and wall nanoseconds of `run(copy, i)`; each call gets a
// fresh copy of `frame` (LiveKit replaces frame.data), made outside the
// timed part.
async function timeFrames (run, frame, args) {
  const warmUp = 30;
  for (let i = 0; i < warmUp; i++)
    await run(frame.slice(0), i);
  const estimate = performance.now();
  await run(frame.slice(0), warmUp);
  const oneMs = Math.max(performance.now() - estimate, 0.001);
  const count = Math.round(Math.min(Math.max(40 / oneMs, 10), 2000) *
      args.scale) || 10;
  const cpu = [];
  const wall = [];
  let timestamp = 1000;
  for (let r = 0; r < args.repeats; r++) {
    const copies = Array.from({ length: count }, () => frame.slice(0));
    const startCpu = cpuNs();
    const startWall = performance.now();
    for (const copy of copies)
      await run(copy, timestamp += 3000);
    wall.push((performance.now() - startWall) * 1e6 / count);
    cpu.push((cpuNs() - startCpu) / count);
  }
  return { ns: median(cpu), wall_ns: median(wall), frames: count };
}

function readFrame (dir, name) {
  const bytes = readFileSync(path.join(dir, name));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset +
      bytes.byteLength);
}

async function loadHarness (nodeModules, notes) {
  const harnessFile = path.join(here, '..', 'interop', 'livekit-worker.mjs');
  if (!nodeModules || !existsSync(path.join(nodeModules, 'livekit-client',
      'package.json'))) {
    notes.push('livekit-worker path skipped: livekit-client is not ' +
        `installed in ${nodeModules} (scripts/bench.sh runs npm ci)`);
    return null;
  }
  if (!existsSync(harnessFile)) {
    notes.push('livekit-worker path skipped: no tests/interop harness');
    return null;
  }
  return import(pathToFileURL(harnessFile).href);
}

async function benchPath (name, makeRunner, frames, args, results) {
  for (const f of frames) {
    for (const op of ['encrypt', 'decrypt']) {
      const row = { path: name, rule: f.rule, size: f.size, op };
      try {
        const run = await makeRunner(f.rule, op);
        const input = op === 'encrypt' ? f.plainBytes : f.encryptedBytes;
        Object.assign(row, await timeFrames(run, input, args), { ok: true });
      } catch (e) {
        Object.assign(row, { ok: false, error: String(e?.message ?? e) });
      }
      results.push(row);
      process.stderr.write(`  e ${name.padEnd(14)} ${f.rule.padEnd(5)} ` +
          `${String(f.size).padStart(6)} B ${op}: ` +
          (row.ok ? `${Math.round(row.ns)} ns CPU, ` +
            `${Math.round(row.wall_ns)} ns wall\n` : `${row.error}\n`));
    }
  }
}

async function main () {
  const args = parseArgs(process.argv.slice(2));
  const manifest = JSON.parse(readFileSync(path.join(args.frames,
      'manifest.json'), 'utf8'));
  const material = new Uint8Array(Buffer.from(manifest.materialHex, 'hex'));
  const key = await deriveAesKey(material);
  const frames = manifest.frames.map((f) => ({ ...f,
    plainBytes: readFrame(args.frames, f.plain),
    encryptedBytes: readFrame(args.frames, f.encrypted) }));
  const notes = [];
  const results = [];

  await benchPath('webcrypto', async (rule, op) => {
    const cryptor = new WebCryptoCryptor(key, rule);
    return op === 'encrypt'
      ? (frame, timestamp) => cryptor.encrypt(frame, timestamp)
      : (frame) => cryptor.decrypt(frame);
  }, frames, args, results);

  const harness = await loadHarness(args.nodeModules, notes);
  if (harness) {
    notes.push('livekit-worker: livekit-client ' +
        `${harness.LIVEKIT_CLIENT_VERSION}'s own E2EE worker through ` +
        'tests/interop/livekit-worker.mjs');
    await benchPath('livekit-worker', async (rule, op) => {
      const track = await LiveKitTrack.open(harness, args.nodeModules,
          material, rule, op === 'encrypt' ? 'encode' : 'decode');
      return (frame, timestamp) => track.process(frame, timestamp);
    }, frames, args, results);
  }
  notes.push('webcrypto: crypto.subtle AES-GCM with the per-frame steps of ' +
      'LiveKit\'s FrameCryptor, without its streams (tests/bench/' +
      'webcrypto-bench.mjs)');
  notes.push(`Node ${process.version}; ns = CPU time of the Node process ` +
      'per frame (all threads), wall_ns in the JSON');
  process.stdout.write(JSON.stringify({ part: 'e', node: process.version,
    notes, results }, null, 1) + '\n');
}

main().catch((e) => {
  process.stderr.write(`webcrypto-bench: ${e?.stack ?? e}\n`);
  process.exit(1);
});
