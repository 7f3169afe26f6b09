// gst-e2ee interop suite: e2eeencrypt/e2eedecrypt against LiveKit's own
// E2EE worker (livekit-client, version pinned in package-lock.json).
//
//   node interop.mjs --bridge BUILD/tests/interop/e2ee-interop-bridge \
//       --node-modules DIR/node_modules [--verbose] [--only SUBSTRING]
//       [--engine element|pipeline|core]
//
// Directions:
//   lk->gst  LiveKit encrypts, e2eedecrypt decrypts; the output must be the
//            original frame, byte for byte.
//   gst->lk  e2eeencrypt encrypts, LiveKit decrypts; same check.
// Negative cases (wrong key, tampered byte, missing key index, no key) must
// be refused by LiveKit and by us alike. The last line is
// "N passed, N failed"; the exit status is 1 when anything failed.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { LiveKitCryptor, LIVEKIT_CLIENT_VERSION } from './livekit-worker.mjs';
import {
  CAPS, ENCODER_STREAMS, SFU_BLANK_FRAMES, captureStream, expectedPlaintext,
  pipelineStreams, randomBytes, syntheticStreams,
} from './frames.mjs';

const MIN_FRAMES_EACH_WAY = 500;

// Command line

const OPTION_NAMES = {
  '--bridge': 'bridge',
  '--node-modules': 'nodeModules',
  '--only': 'only',
  '--engine': 'engine',
};

function parseArgs (argv) {
  const args = { verbose: false, only: null, engine: 'element' };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--verbose' || name === '-v')
      args.verbose = true;
    else if (name in OPTION_NAMES)
      args[OPTION_NAMES[name]] = argv[++i];
    else
      throw new Error(`unknown argument ${name}`);
  }
  if (!args.bridge || !args.nodeModules)
    throw new Error('--bridge and --node-modules are required');
  return args;
}

const args = parseArgs(process.argv.slice(2));

// Results

const startTime = Date.now();
const results = { passed: 0, failed: 0 };
const framesEachWay = { 'lk->gst': 0, 'gst->lk': 0 };

function report (ok, line, details = []) {
  if (ok)
    results.passed++;
  else
    results.failed++;
  if (!ok || args.verbose) {
    const elapsed = ((Date.now() - startTime) / 1000).toFixed(1);
    console.log(`${ok ? 'PASS' : 'FAIL'} ${line}` +
        (args.verbose ? ` [${elapsed} s]` : ''));
  }
  if (!ok) {
    for (const detail of details.slice(0, 4))
      console.log(`     ${detail}`);
  }
}

// Byte helpers

const toHex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'));

function sameBytes (a, b) {
  return a !== null && b !== null && a.length === b.length &&
      Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function describeMismatch (label, got, want) {
  if (got === null)
    return `${label}: dropped (expected ${want.length} bytes)`;
  let at = 0;
  while (at < got.length && at < want.length && got[at] === want[at])
    at++;
  return `${label}: ${got.length} bytes, expected ${want.length}, ` +
      `first difference at byte ${at}`;
}

// The GStreamer side: e2ee-interop-bridge serve

class Bridge {
  constructor (path) {
    this.path = path;
    this.waiting = [];
    this.start();
  }

  // A bridge that crashed (a critical warning is fatal in the tests) fails
  // the request it was serving; the next request gets a new bridge.
  start () {
    this.child = spawn(this.path, ['serve'],
        { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = false;
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const resolve = this.waiting.shift();
      if (resolve)
        resolve(JSON.parse(line));
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const failure = { ok: false,
        error: `bridge exited (${signal ?? code})` };
      for (const resolve of this.waiting.splice(0))
        resolve(failure);
    });
  }

  request (message) {
    if (this.exited)
      this.start();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  close () {
    this.child.stdin.end();
  }
}

const bridge = new Bridge(args.bridge);

// Key setups, written once and applied to either side

const KEYS = {
  passA: { passphrase: 'gst-e2ee interop: passphrase A' },
  passB: { passphrase: 'gst-e2ee interop: passphrase B' },
  rawA: { rawHex: toHex(randomBytes(32, 0xa11ce)) },
  rawB: { rawHex: toHex(randomBytes(32, 0xb0b)) },
  raw16: { rawHex: toHex(randomBytes(16, 0x16)) },
};

function key (material, keyIndex, participant, makeCurrent = true) {
  return { ...material, keyIndex, participant: participant ?? null,
    makeCurrent };
}

async function liveKitWith (options, keys, ratchets = []) {
  const lk = await LiveKitCryptor.create(args.nodeModules,
      { keyProviderOptions: options });
  for (const k of keys) {
    await lk.setKey({
      participant: k.participant ?? undefined,
      passphrase: k.passphrase,
      raw: k.rawHex !== undefined ? fromHex(k.rawHex) : undefined,
      keyIndex: k.keyIndex,
      makeCurrent: k.makeCurrent,
    });
  }
  for (const r of ratchets) {
    for (let i = 0; i < r.count; i++)
      await lk.ratchet({ participant: r.participant ?? undefined,
        keyIndex: r.keyIndex });
  }
  return lk;
}

function bridgeSetup (keys, ratchets = []) {
  return [
    ...keys.map((k) => ({ key: k })),
    ...ratchets.map((r) => ({ ratchet: r })),
  ];
}

// A case is one key setup (plus optional ratchets, SIF trailer, element
// properties) run over some streams, in both directions unless told.

function participantOf (c) {
  return c.options.sharedKey === false ? c.sender : null;
}

function ratchetsBefore (c, index) {
  const plan = c.midStreamRatchets;
  if (!plan || index === 0 || index % plan.every !== 0 ||
      index / plan.every > plan.times)
    return [];
  return [{ participant: participantOf(c), keyIndex: c.kid, count: 1 }];
}

// Requests of one case and direction share one key provider in the
// bridge unless the case ratchets (a ratchet changes the provider's keys).
function elementRequest (c, op, side, codec, frames) {
  const keys = side.keys ?? (op === 'encrypt' ? c.senderKeys : c.receiverKeys);
  const shareable = c.name && !c.midStreamRatchets && !c.senderRatchets;
  return {
    op,
    providerCache: shareable ? `${c.name} ${op}` : undefined,
    engine: c.engine ?? args.engine,
    codec,
    caps: CAPS[codec],
    participant: c.sender,
    provider: c.options,
    sifTrailerHex: c.sif ? toHex(c.sif) : undefined,
    setup: side.element?.ownProvider ? [] : bridgeSetup(keys,
        op === 'encrypt' ? c.senderRatchets : []),
    element: side.element,
    frames,
  };
}

/**
 * LiveKit workers of one case, shared by its streams (each stream is one
 * track), which saves a PBKDF2 per stream. Cases that ratchet get a fresh
 * worker per stream: a ratchet changes the key of every track of a worker.
 */
class LiveKitWorkers {
  constructor (c) {
    this.c = c;
    this.shareable = !c.midStreamRatchets && !c.senderRatchets;
    this.workers = {};
  }

  async get (role) {
    const c = this.c;
    if (this.shareable && this.workers[role])
      return this.workers[role];
    const lk = role === 'sender'
      ? await liveKitWith(c.options, c.senderKeys, c.senderRatchets)
      : await liveKitWith(c.options, c.receiverKeys);
    if (role === 'receiver' && c.sif)
      await lk.setSifTrailer(c.sif);
    if (this.shareable)
      this.workers[role] = lk;
    return lk;
  }
}

/** Frames LiveKit's sender produced for `stream` under case `c`. */
async function liveKitEncrypt (c, stream, workers = new LiveKitWorkers(c)) {
  const lk = await workers.get('sender');
  const firstEvent = lk.events.length;
  const track = await lk.openTrack('encode', { participant: c.sender,
    codec: stream.codec });
  const out = [];
  for (let i = 0; i < stream.frames.length; i++) {
    for (const r of ratchetsBefore(c, i))
      await lk.ratchet({ participant: r.participant ?? undefined,
        keyIndex: r.keyIndex });
    out.push(await lk.process(track, { data: stream.frames[i].data,
      key: stream.frames[i].key, timestamp: i * 3000 }));
  }
  return { frames: out, errors: lk.errorsSince(firstEvent) };
}

/** Frames e2eeencrypt produced for `stream` under case `c`. */
async function gstEncrypt (c, stream) {
  const frames = stream.frames.map((f, i) => {
    const ratchets = ratchetsBefore(c, i);
    return {
      hex: toHex(f.data),
      key: f.key,
      before: ratchets.length > 0
        ? ratchets.map((r) => ({ ratchet: r })) : undefined,
    };
  });
  const reply = await bridge.request(elementRequest(c, 'encrypt',
      c.ourSender ?? {}, stream.codec, frames));
  if (!reply.ok)
    return { error: reply.error };
  return {
    frames: reply.frames.map((f) => (f.hex === null ? null : fromHex(f.hex))),
    states: reply.frames.map((f) => f.states),
  };
}

async function gstDecrypt (c, codec, frames) {
  const reply = await bridge.request(elementRequest(c, 'decrypt',
      c.ourReceiver ?? {}, codec, frames.map((f) => ({
        hex: toHex(f.data), key: f.key,
      }))));
  if (!reply.ok)
    return { error: reply.error };
  return {
    frames: reply.frames.map((f) => (f.hex === null ? null : fromHex(f.hex))),
    states: [...reply.states ?? [], ...reply.frames.flatMap((f) => f.states)],
  };
}

async function liveKitDecrypt (c, codec, frames,
    workers = new LiveKitWorkers(c)) {
  const lk = await workers.get('receiver');
  const firstEvent = lk.events.length;
  const track = await lk.openTrack('decode', { participant: c.sender, codec });
  const out = [];
  for (const f of frames)
    out.push(await lk.process(track, { data: f.data, key: f.key }));
  return { frames: out, errors: lk.errorsSince(firstEvent) };
}

/**
 * Checks what a sender produced: one frame per input frame, encrypted (not
 * the plaintext) and ending in the IV length byte and the key index. Empty
 * frames pass unchanged. Returns the problems found.
 */
function checkEncrypted (c, stream, encrypted) {
  const problems = [];
  stream.frames.forEach((frame, i) => {
    const out = encrypted[i];
    if (frame.data.length === 0) {
      if (out === null || out.length !== 0)
        problems.push(`${frame.label}: an empty frame must pass unchanged`);
      return;
    }
    if (out === null)
      problems.push(`${frame.label}: the sender dropped the frame`);
    else if (out.length < frame.data.length + 30)
      problems.push(`${frame.label}: ${out.length} bytes is not encrypted`);
    else if (out[out.length - 2] !== 12 || out[out.length - 1] !== c.kid)
      problems.push(`${frame.label}: trailer ${out[out.length - 2]} ` +
          `${out[out.length - 1]}, expected 12 ${c.kid}`);
  });
  return problems;
}

/** SIF frames spliced in as LiveKit's SFU would, with what must come out. */
function withServerInjectedFrames (c, stream, sent) {
  const frames = stream.frames.map((f, i) => ({
    data: sent[i], key: f.key, label: f.label,
    expect: expectedPlaintext(stream.codec, f),
  }));
  const blank = c.sif && SFU_BLANK_FRAMES[stream.codec];
  if (!blank)
    return frames;
  const sif = (n) => ({
    data: Uint8Array.from([...blank, ...c.sif]), key: true,
    label: `server-injected frame ${n}`, expect: blank,
  });
  frames.splice(Math.min(5, frames.length), 0, sif(1));
  frames.splice(Math.min(12, frames.length), 0, sif(2));
  return frames;
}

async function runDirection (c, stream, direction, workers) {
  const line = `${direction} ${c.name} ${stream.name}`;
  const encrypt = direction === 'lk->gst' ? liveKitEncrypt : gstEncrypt;
  const decrypt = direction === 'lk->gst' ? gstDecrypt : liveKitDecrypt;
  const sent = await encrypt(c, stream, workers);
  if (sent.error) {
    report(false, line, [`sender: ${sent.error}`]);
    return;
  }
  const problems = checkEncrypted(c, stream, sent.frames);
  if (problems.length > 0) {
    report(false, `${line}: sender output`, problems);
    return;
  }
  const frames = withServerInjectedFrames(c, stream, sent.frames);
  const received = await decrypt(c, stream.codec, frames, workers);
  if (received.error) {
    report(false, line, [`receiver: ${received.error}`]);
    return;
  }
  const mismatches = [];
  frames.forEach((f, i) => {
    if (!sameBytes(received.frames[i], f.expect))
      mismatches.push(describeMismatch(f.label, received.frames[i], f.expect));
  });
  const exact = frames.length - mismatches.length;
  framesEachWay[direction] += exact;
  if (mismatches.length > 0) {
    const context = received.errors
      ? `LiveKit errors: ${JSON.stringify(received.errors.slice(0, 2))}`
      : `our states: ${JSON.stringify([...new Set(received.states)])}`;
    mismatches.push(context);
  }
  report(mismatches.length === 0,
      `${line}: ${exact}/${frames.length} frames byte-exact`, mismatches);
}

async function runCase (c, streams) {
  const selected = c.streams(streams);
  for (const direction of c.directions ?? ['lk->gst', 'gst->lk']) {
    const workers = new LiveKitWorkers(c);
    for (const stream of selected)
      await runDirection(c, stream, direction, workers);
  }
  // Once more with the element in a real pipeline (appsrc ! element !
  // appsink, streaming threads) instead of a GstHarness.
  if (c.alsoInPipeline && args.engine === 'element') {
    await runCase({ ...c, name: `${c.name} [appsrc pipeline]`,
      engine: 'pipeline', alsoInPipeline: false }, streams);
  }
}

// The matrix

const DEFAULTS = { sharedKey: true, ratchetSalt: 'LKFrameEncryptionKey',
  ratchetWindowSize: 8, failureTolerance: 10, keyringSize: 16, keySize: 128 };

const all = (streams) => streams;
const firstOfEach = (n) => (streams) => streams.map((s) => ({
  ...s, frames: s.frames.slice(0, n),
}));
const only = (names, n = Infinity) => (streams) => streams
    .filter((s) => names.includes(s.name))
    .map((s) => ({ ...s, frames: s.frames.slice(0, n) }));

function matrix () {
  const cases = [
    {
      name: 'passphrase/shared/kid0', options: { ...DEFAULTS },
      sender: 'alice', kid: 0,
      senderKeys: [key(KEYS.passA, 0)], receiverKeys: [key(KEYS.passA, 0)],
      streams: all,
    },
    {
      name: 'raw/shared/kid0', options: { ...DEFAULTS },
      sender: 'alice', kid: 0,
      senderKeys: [key(KEYS.rawA, 0)], receiverKeys: [key(KEYS.rawA, 0)],
      streams: all, alsoInPipeline: true,
    },
    {
      // The receiver holds keys for two participants and must pick alice's.
      name: 'passphrase/per-participant/kid3',
      options: { ...DEFAULTS, sharedKey: false },
      sender: 'alice', kid: 3,
      senderKeys: [key(KEYS.passA, 3, 'alice')],
      receiverKeys: [key(KEYS.passB, 3, 'bob'), key(KEYS.passA, 3, 'alice')],
      streams: firstOfEach(25), alsoInPipeline: true,
    },
    {
      name: 'raw/per-participant/kid7/aes-256',
      options: { ...DEFAULTS, sharedKey: false, keySize: 256 },
      sender: 'alice', kid: 7,
      senderKeys: [key(KEYS.rawA, 7, 'alice')],
      receiverKeys: [key(KEYS.rawA, 7, 'alice'), key(KEYS.rawB, 7, 'bob')],
      streams: firstOfEach(25),
    },
    {
      name: 'raw16/shared/kid2/custom-salt',
      options: { ...DEFAULTS, ratchetSalt: 'gst-e2ee interop salt' },
      sender: 'alice', kid: 2,
      senderKeys: [key(KEYS.raw16, 2)], receiverKeys: [key(KEYS.raw16, 2)],
      streams: firstOfEach(20),
    },
    {
      name: 'passphrase/shared/kid15/aes-256/custom-salt',
      options: { ...DEFAULTS, keySize: 256, ratchetSalt: 'another salt' },
      sender: 'alice', kid: 15,
      senderKeys: [key(KEYS.passB, 15)], receiverKeys: [key(KEYS.passB, 15)],
      streams: firstOfEach(15),
    },
    {
      // Keys at 0 and 4: LiveKit's sender makes 4 current; ours keeps 0
      // current in the provider and is told key-index=4 on the element.
      // Receivers hold both keys and must go by the frame's key index.
      name: 'two-keys/kid4/element-key-index',
      options: { ...DEFAULTS },
      sender: 'alice', kid: 4,
      senderKeys: [key(KEYS.rawB, 0), key(KEYS.rawA, 4)],
      ourSender: { keys: [key(KEYS.rawA, 4, null, false), key(KEYS.rawB, 0)],
        element: { keyIndex: 4 } },
      receiverKeys: [key(KEYS.rawA, 4, null, false), key(KEYS.rawB, 0)],
      streams: firstOfEach(15),
    },
    {
      // The gst-launch route: the element makes its own key provider from
      // its passphrase and key-index properties.
      name: 'element-passphrase-property/kid1',
      options: { ...DEFAULTS, ratchetWindowSize: 0, failureTolerance: -1 },
      sender: 'alice', kid: 1,
      senderKeys: [key(KEYS.passA, 1)], receiverKeys: [key(KEYS.passA, 1)],
      ourSender: { element: { ownProvider: true,
        passphrase: KEYS.passA.passphrase, keyIndex: 1 } },
      ourReceiver: { element: { ownProvider: true,
        passphrase: KEYS.passA.passphrase, keyIndex: 1 } },
      streams: firstOfEach(15),
    },
    {
      name: 'element-key-property/raw/kid0',
      options: { ...DEFAULTS, ratchetWindowSize: 0, failureTolerance: -1 },
      sender: 'alice', kid: 0,
      senderKeys: [key(KEYS.rawB, 0)], receiverKeys: [key(KEYS.rawB, 0)],
      ourSender: { element: { ownProvider: true, keyHex: KEYS.rawB.rawHex } },
      ourReceiver: { element: { ownProvider: true, keyHex: KEYS.rawB.rawHex } },
      streams: firstOfEach(15),
    },
    {
      // The sender ratchets 3 times, one step every 10 frames; receivers
      // start from the original key and follow through their ratchet window
      // (LiveKit's receiver follows one step at a time).
      name: 'ratchet-follow-3-steps/passphrase/per-participant',
      options: { ...DEFAULTS, sharedKey: false },
      sender: 'alice', kid: 0,
      senderKeys: [key(KEYS.passB, 0, 'alice')],
      receiverKeys: [key(KEYS.passB, 0, 'alice')],
      midStreamRatchets: { every: 10, times: 3 },
      streams: only(['vp8', 'opus'], 40),
    },
    {
      name: 'ratchet-follow-3-steps/raw/shared/kid5',
      options: { ...DEFAULTS },
      sender: 'alice', kid: 5,
      senderKeys: [key(KEYS.rawB, 5)], receiverKeys: [key(KEYS.rawB, 5)],
      midStreamRatchets: { every: 10, times: 3 },
      streams: only(['h264-x264-slices', 'h265', 'vp9'], 40),
    },
    {
      name: 'sender-ratcheted-once/raw/per-participant',
      options: { ...DEFAULTS, sharedKey: false },
      sender: 'alice', kid: 0,
      senderKeys: [key(KEYS.rawA, 0, 'alice')],
      senderRatchets: [{ participant: 'alice', keyIndex: 0, count: 1 }],
      receiverKeys: [key(KEYS.rawA, 0, 'alice')],
      streams: only(['opus', 'h264-openh264-slices'], 20),
    },
    {
      name: 'server-injected-frames/passphrase/shared',
      options: { ...DEFAULTS },
      sender: 'alice', kid: 0,
      sif: Uint8Array.from(Buffer.from('gst-e2ee-sif-trailer-00')),
      senderKeys: [key(KEYS.passA, 0)], receiverKeys: [key(KEYS.passA, 0)],
      streams: only(['vp8', 'opus', 'h264-x264-slices'], 20),
      alsoInPipeline: true,
    },
  ];
  // Our receiver recovers several ratchet steps at once (LiveKit's cannot:
  // 2.23.0 retries with the one-step key only), so only lk->gst here.
  for (const steps of [2, 3]) {
    cases.push({
      name: `sender-ratcheted-${steps}-steps-at-once/passphrase/shared`,
      options: { ...DEFAULTS },
      sender: 'alice', kid: 0,
      senderKeys: [key(KEYS.passA, 0)],
      senderRatchets: [{ participant: null, keyIndex: 0, count: steps }],
      receiverKeys: [key(KEYS.passA, 0)],
      streams: only(['vp8', 'h265'], 10),
      directions: ['lk->gst'],
    });
  }
  return cases;
}

// Negative cases: both receivers must refuse the same frames.

/** Flips one byte at `offset` (negative: from the end). */
function tamper (data, offset) {
  const copy = Uint8Array.from(data);
  const at = offset < 0 ? copy.length + offset : offset;
  copy[at] ^= 0x40;
  return copy;
}

/** A frame both receivers must refuse. */
function badFrame (data, frame, label) {
  return { data, key: frame.key, bad: true, label };
}

/** An untouched frame both receivers must accept. */
function controlFrame (data, codec, frame, label) {
  return { data, key: frame.key, expect: expectedPlaintext(codec, frame),
    label: `${label} (control)` };
}

/**
 * Runs `frames` through e2eedecrypt and LiveKit's receiver under case `c`:
 * each must refuse the bad frames and pass the controls. With `expect`,
 * LiveKit's error reason and our posted state are checked too.
 */
async function refusedByBoth (name, c, codec, frames, expect) {
  const ours = await gstDecrypt(c, codec, frames);
  const theirs = await liveKitDecrypt(c, codec, frames);
  frames.forEach((f, i) => {
    const want = f.bad ? null : f.expect;
    const check = (got) => (want === null ? got === null
      : sameBytes(got, want));
    const oursOk = !ours.error && check(ours.frames[i]);
    const theirsOk = check(theirs.frames[i]);
    report(oursOk && theirsOk,
        `negative ${name}: ${f.label} ${f.bad ? 'refused' : 'accepted'} by ` +
        'LiveKit and by e2eedecrypt', [
          `e2eedecrypt: ${ours.error ?? (ours.frames[i] ? 'passed it'
            : 'dropped it')}, LiveKit: ${theirs.frames[i] ? 'passed it'
            : 'dropped it'}`,
        ]);
  });
  if (expect) {
    const reasons = [...new Set(theirs.errors.map((e) => e.reason))];
    const states = [...new Set(ours.states ?? [])];
    report(reasons.includes(expect.livekit) && states.includes(expect.ours),
        `negative ${name}: LiveKit reports ${expect.livekit}, ` +
        `e2eedecrypt posts state ${expect.ours}`,
        [`LiveKit: ${JSON.stringify(reasons)}, ` +
          `ours: ${JSON.stringify(states)}`]);
  }
}

async function runNegativeCases (streams) {
  const base = {
    options: { ...DEFAULTS }, sender: 'alice', kid: 0,
    senderKeys: [key(KEYS.rawA, 0)], receiverKeys: [key(KEYS.rawA, 0)],
  };
  const pick = only(['vp8', 'opus', 'h264-x264-slices'], 3)(streams);
  for (const stream of pick) {
    for (const source of ['LiveKit', 'e2eeencrypt']) {
      const sent = source === 'LiveKit'
        ? await liveKitEncrypt(base, stream)
        : await gstEncrypt(base, stream);
      if (sent.error || sent.frames.some((f) => f === null)) {
        report(false, `negative ${stream.name}: ${source} encrypts`,
            [sent.error ?? 'a frame was dropped']);
        continue;
      }
      const frame = (i) => stream.frames[i];
      const bad = (data, i, label) => badFrame(data, frame(i), label);
      const control = (i) => controlFrame(sent.frames[i], stream.codec,
          frame(i), `frame ${i}`);
      const tag = `${stream.name}, ${source}'s frames`;

      // One byte flipped in the clear header (the AAD), the ciphertext, the
      // tag, the IV. The controls around them show that a refusal is the
      // bad frame's doing and that it did not poison the key.
      const f1 = sent.frames[1];
      const headerAt = { opus: 0, vp8: 1, h264: 5 }[stream.codec];
      await refusedByBoth(`tampered byte, ${tag}`, base, stream.codec, [
        control(0),
        bad(tamper(f1, headerAt), 1,
            `frame 1, byte ${headerAt} (clear header)`),
        bad(tamper(f1, Math.floor(f1.length / 2)), 1, 'frame 1, middle byte'),
        bad(tamper(f1, -20), 1, 'frame 1, a tag byte'),
        bad(tamper(f1, -5), 1, 'frame 1, an IV byte'),
        bad(f1.slice(0, f1.length - 1), 1, 'frame 1 without its last byte'),
        bad(f1.slice(f1.length - 20), 1, 'the last 20 bytes of frame 1'),
        control(2),
      ]);

      // The wrong key: raw (receiver window 8: ratcheting does not help).
      await refusedByBoth(`wrong key, ${tag}`,
          { ...base, receiverKeys: [key(KEYS.rawB, 0)] }, stream.codec,
          [0, 1, 2].map((i) => bad(sent.frames[i], i, `frame ${i}`)),
          { livekit: 'InvalidKey', ours: 'decryption-failed' });

      // Frames with key index 0, the receiver's key sits at index 5 only.
      await refusedByBoth(`missing key index, ${tag}`,
          { ...base, receiverKeys: [key(KEYS.rawA, 5)] }, stream.codec,
          [0, 1, 2].map((i) => bad(sent.frames[i], i, `frame ${i} (kid 0)`)),
          { livekit: 'MissingKey', ours: 'missing-key' });
    }
    // The wrong passphrase with the ratchet window off.
    const passCase = { ...base, options: { ...DEFAULTS, ratchetWindowSize: 0 },
      senderKeys: [key(KEYS.passA, 0)], receiverKeys: [key(KEYS.passB, 0)] };
    const lkSent = await liveKitEncrypt(passCase, stream);
    const gstSent = await gstEncrypt(passCase, stream);
    if (gstSent.error) {
      report(false, `negative wrong passphrase ${stream.name}`,
          [gstSent.error]);
      continue;
    }
    await refusedByBoth(`wrong passphrase, ${stream.name}`, passCase,
        stream.codec, [
          ...lkSent.frames.slice(0, 2).map((d, i) => badFrame(d,
              stream.frames[i], `LiveKit's frame ${i}`)),
          ...gstSent.frames.slice(0, 2).map((d, i) => badFrame(d,
              stream.frames[i], `e2eeencrypt's frame ${i}`)),
        ],
        { livekit: 'InvalidKey', ours: 'decryption-failed' });
  }
  await senderWithoutKey(pick[0]);
  await unknownServerInjectedFrame();
}

// The SIF trailer passes only the SFU's known blank frames (LiveKit checks
// their SHA-256): anything else that ends in the trailer is dropped.
async function unknownServerInjectedFrame () {
  const sif = Uint8Array.from(Buffer.from('gst-e2ee-sif-trailer-01'));
  const c = { options: { ...DEFAULTS }, sender: 'alice', kid: 0, sif,
    senderKeys: [key(KEYS.rawA, 0)], receiverKeys: [key(KEYS.rawA, 0)] };
  const withTrailer = (payload) => Uint8Array.from([...payload, ...sif]);
  const blank = SFU_BLANK_FRAMES.vp8;
  const unknown = Uint8Array.from(blank);
  unknown[20] ^= 1;
  await refusedByBoth('server-injected frame with an unknown payload', c,
      'vp8', [
        { data: withTrailer(blank), key: true, expect: blank,
          label: 'the SFU\'s blank VP8 frame (control)' },
        { data: withTrailer(unknown), key: true, bad: true,
          label: 'a VP8 frame one bit off the blank frame' },
        { data: withTrailer(Uint8Array.from([0x10, 0x02, 0x00])), key: true,
          bad: true, label: 'a 3-byte VP8 frame' },
      ]);
}

// A sender with no key at its index drops frames; it never sends plaintext.
async function senderWithoutKey (stream) {
  const c = { options: { ...DEFAULTS }, sender: 'alice', kid: 0,
    senderKeys: [] };
  const frames = stream.frames.slice(0, 3);
  const lk = await liveKitWith(c.options, []);
  const track = await lk.openTrack('encode', { participant: 'alice',
    codec: stream.codec });
  const theirs = [];
  for (const f of frames)
    theirs.push(await lk.process(track, { data: f.data, key: f.key }));
  const ours = await gstEncrypt(c, { ...stream, frames });
  frames.forEach((f, i) => {
    report(!ours.error && ours.frames[i] === null && theirs[i] === null,
        `negative no key: ${stream.name} ${f.label} dropped by LiveKit's ` +
        'sender and by e2eeencrypt', [
          `e2eeencrypt: ${ours.error ?? (ours.frames[i] ? 'sent it'
            : 'dropped it')}, LiveKit: ${theirs[i] ? 'sent it' : 'dropped it'}`,
        ]);
  });
}

// Real pipelines: e2eeencrypt keyed by its own properties, as from
// gst-launch; LiveKit decrypts what it made.

async function runPipelineCases () {
  const keys = { passphrase: 'gst-e2ee-pipeline-passphrase',
    rawHex: toHex(randomBytes(32, 0x9191)) };
  for (const spec of pipelineStreams(keys)) {
    let stream;
    try {
      stream = await captureStream(args.bridge, spec);
    } catch (e) {
      report(false, `gst->lk ${spec.name}`, [e.message]);
      continue;
    }
    const line = `gst->lk ${spec.name}`;
    if (stream.frames.length < spec.count - 2 ||
        stream.encrypted.length !== stream.frames.length) {
      report(false, line, [`${stream.frames.length} frames in, ` +
          `${stream.encrypted.length} out of e2eeencrypt`]);
      continue;
    }
    const c = { name: spec.name, options: { ...DEFAULTS, ratchetWindowSize: 0 },
      sender: 'alice', kid: spec.kid,
      receiverKeys: [key(spec.key, spec.kid)] };
    const problems = checkEncrypted(c, stream,
        stream.encrypted.map((f) => f.data));
    const received = await liveKitDecrypt(c, stream.codec, stream.encrypted);
    stream.frames.forEach((f, i) => {
      const want = expectedPlaintext(stream.codec, f);
      if (!sameBytes(received.frames[i], want))
        problems.push(describeMismatch(f.label, received.frames[i], want));
    });
    const exact = stream.frames.length - problems.length;
    if (problems.length === 0)
      framesEachWay['gst->lk'] += exact;
    report(problems.length === 0,
        `${line}: ${exact}/${stream.frames.length} frames byte-exact`,
        problems);
  }
}

// The oracle: LiveKit's own sender -> receiver round trip must give what
// expectedPlaintext() says, so the expectations are LiveKit's, not ours.

async function checkOracle (streams) {
  const c = { options: { ...DEFAULTS }, sender: 'alice', kid: 0,
    senderKeys: [key(KEYS.rawA, 0)], receiverKeys: [key(KEYS.rawA, 0)] };
  const workers = new LiveKitWorkers(c);
  for (const stream of streams) {
    const sent = await liveKitEncrypt(c, stream, workers);
    const frames = stream.frames.map((f, i) => ({ data: sent.frames[i],
      key: f.key }));
    const back = await liveKitDecrypt(c, stream.codec, frames, workers);
    const wrong = stream.frames
        .map((f, i) => [f, back.frames[i]])
        .filter(([f, got]) => !sameBytes(got,
            expectedPlaintext(stream.codec, f)))
        .map(([f, got]) => describeMismatch(f.label, got,
            expectedPlaintext(stream.codec, f)));
    report(wrong.length === 0, `oracle: LiveKit -> LiveKit ${stream.name} ` +
        'gives the expected plaintext', wrong);
  }
}

// Main

async function captureAll () {
  const streams = [];
  for (const spec of ENCODER_STREAMS) {
    try {
      const stream = await captureStream(args.bridge, spec);
      report(stream.frames.length >= spec.count - 2,
          `capture ${spec.name}: ${stream.frames.length} frames`,
          [`expected ${spec.count}`]);
      streams.push(stream);
    } catch (e) {
      report(false, `capture ${spec.name}`, [e.message]);
    }
  }
  return [...streams, ...syntheticStreams()];
}

// Data packets: LiveKit's DataCryptor ('encryptDataRequest' /
// 'decryptDataRequest', what E2EEManager sends for RTCEngine) against the
// provider's data API (e2ee_key_provider_encrypt_data / decrypt_data). The
// IV, key index and ciphertext-with-tag cross as LiveKit's EncryptedPacket
// carries them.

const DATA_PAYLOADS = [1, 13, 200, 1500, 16384].map((n, i) =>
  randomBytes(n, 0xda7a + i));

function dataCases () {
  const perParticipant = { ...DEFAULTS, sharedKey: false };
  return [
    { name: 'shared passphrase', options: { ...DEFAULTS },
      keys: [key(KEYS.passA, 0)], kid: 0 },
    { name: 'per-participant raw key, index 5', options: perParticipant,
      keys: [key(KEYS.rawA, 5, 'alice'), key(KEYS.rawB, 5, 'bob')],
      participant: 'alice', kid: 5 },
    { name: 'sender ratcheted once (our receiver: window 8; ' +
        'LiveKit\'s: an explicit ratchet)',
      options: perParticipant, keys: [key(KEYS.passB, 2, 'alice')],
      participant: 'alice', kid: 2,
      senderRatchets: [{ participant: 'alice', keyIndex: 2, count: 1 }] },
  ];
}

async function gstData (op, c, keys, ratchets, messages) {
  return bridge.request({
    op, participant: c.participant ?? null, provider: c.options,
    setup: bridgeSetup(keys, ratchets), messages,
  });
}

async function liveKitSendsData (c, keys, ratchets = []) {
  const lk = await liveKitWith(c.options, keys, ratchets);
  const out = [];
  for (const payload of DATA_PAYLOADS) {
    const sent = await lk.encryptData({ participant: c.participant ?? 'alice',
      payload });
    if (sent.error)
      throw new Error(`LiveKit encryptData: ${sent.error}`);
    out.push({ ivHex: toHex(sent.iv), keyIndex: sent.keyIndex,
      ciphertextHex: toHex(sent.payload) });
  }
  return out;
}

async function liveKitReceivesData (c, keys, messages, ratchets = []) {
  const lk = await liveKitWith(c.options, keys, ratchets);
  const out = [];
  for (const m of messages) {
    out.push(await lk.decryptData({ participant: c.participant ?? 'alice',
      iv: fromHex(m.ivHex), keyIndex: m.keyIndex,
      payload: fromHex(m.ciphertextHex) }));
  }
  return out;
}

function packetShapeErrors (messages, kid) {
  return messages.flatMap((m, i) => {
    const errors = [];
    if (m.ivHex.length !== 24)
      errors.push(`message ${i}: IV of ${m.ivHex.length / 2} bytes`);
    if (m.keyIndex !== kid)
      errors.push(`message ${i}: key index ${m.keyIndex}, expected ${kid}`);
    if (m.ciphertextHex.length / 2 !== DATA_PAYLOADS[i].length + 16)
      errors.push(`message ${i}: ${m.ciphertextHex.length / 2} bytes, ` +
          `expected payload + 16-byte tag`);
    return errors;
  });
}

async function runDataPacketCases () {
  for (const c of dataCases()) {
    // LiveKit -> provider
    const fromLk = await liveKitSendsData(c, c.keys, c.senderRatchets);
    const got = await gstData('decrypt-data', c, c.keys, [], fromLk);
    const lkErrors = [...packetShapeErrors(fromLk, c.kid),
      ...(got.ok ? got.messages.flatMap((m, i) => (m.plainHex ===
        toHex(DATA_PAYLOADS[i]) ? [] : [`message ${i}: ${m.error ??
        'different bytes'}`])) : [got.error])];
    report(lkErrors.length === 0, `data packets ${c.name}, lk->gst: ` +
        `${DATA_PAYLOADS.length} DataCryptor packets decrypted by ` +
        'decrypt_data', lkErrors);
    // provider -> LiveKit
    const sent = await gstData('encrypt-data', c, c.keys, c.senderRatchets ??
        [], DATA_PAYLOADS.map((p) => ({ hex: toHex(p) })));
    const ours = sent.ok ? sent.messages : [];
    // LiveKit 2.23.0's DataCryptor does not follow a ratcheted sender through
    // its window (its retry decrypts with the stored key, not the ratcheted
    // one; LiveKit -> LiveKit fails alike, see the note below), so its
    // receiver ratchets explicitly, as an application would on a
    // KeyRatcheted event.
    const back = await liveKitReceivesData(c, c.keys, ours,
        c.senderRatchets ?? []);
    const gstErrors = [...(sent.ok ? packetShapeErrors(ours, c.kid)
      : [sent.error]), ...back.flatMap((r, i) => (r.payload &&
        sameBytes(r.payload, DATA_PAYLOADS[i]) ? [] : [`message ${i}: ` +
        `${r.error ?? 'different bytes'}`]))];
    report(gstErrors.length === 0 && back.length === DATA_PAYLOADS.length,
        `data packets ${c.name}, gst->lk: ${DATA_PAYLOADS.length} ` +
        'encrypt_data packets decrypted by DataCryptor', gstErrors);
    if (c.senderRatchets) {
      const lkToLk = await liveKitReceivesData(c, c.keys, fromLk);
      const n = lkToLk.filter((r) => r.payload).length;
      console.log(`note: LiveKit ${LIVEKIT_CLIENT_VERSION} -> LiveKit, data ` +
          `packets of a sender ratcheted once, receiver window ` +
          `${c.options.ratchetWindowSize}: ${n}/${lkToLk.length} decrypted` +
          (n ? '' : ` (${lkToLk[0]?.error})`));
    }
  }
  await runDataPacketNegativeCases();
}

// Refused by both: the wrong key, a flipped byte, a key index with no key.
async function runDataPacketNegativeCases () {
  const c = { options: { ...DEFAULTS, ratchetWindowSize: 0 }, kid: 0 };
  const good = [key(KEYS.passA, 0)];
  const wrong = [key(KEYS.passB, 0)];
  const bad = (messages) => [
    { ...messages[0], ciphertextHex: toHex(tamper(fromHex(
      messages[0].ciphertextHex), 3)) },
    { ...messages[1], ivHex: toHex(tamper(fromHex(messages[1].ivHex), 0)) },
    { ...messages[2], keyIndex: 7 },
  ];
  const lkSent = await liveKitSendsData(c, good);
  const gstSent = (await gstData('encrypt-data', c, good, [],
      DATA_PAYLOADS.map((p) => ({ hex: toHex(p) })))).messages;
  const ourRefusals = async (messages, keys) => {
    const r = await gstData('decrypt-data', c, keys, [], messages);
    return r.ok ? r.messages.map((m) => m.plainHex === null) : [];
  };
  const lkRefusals = async (messages, keys) =>
    (await liveKitReceivesData(c, keys, messages)).map((r) => !!r.error);
  const cases = [
    ['wrong key, LiveKit\'s packets', lkSent, wrong, ourRefusals],
    ['wrong key, our packets', gstSent, wrong, lkRefusals],
    ['tampered ciphertext, IV, key index 7, LiveKit\'s packets', bad(lkSent),
      good, ourRefusals],
    ['tampered ciphertext, IV, key index 7, our packets', bad(gstSent), good,
      lkRefusals],
  ];
  for (const [label, messages, keys, refusals] of cases) {
    const refused = await refusals(messages, keys);
    const expected = label.startsWith('wrong') ? messages.length : 3;
    const n = refused.slice(0, expected).filter(Boolean).length;
    report(n === expected, `data packets negative: ${label}: ${n}/` +
        `${expected} refused`, [JSON.stringify(refused)]);
  }
  // The controls: after the refusals the good packets still decrypt.
  const control = await gstData('decrypt-data', c, good, [], lkSent);
  report(control.ok && control.messages.every((m, i) =>
    m.plainHex === toHex(DATA_PAYLOADS[i])),
  'data packets negative: control, LiveKit\'s untouched packets decrypt');
}

async function main () {
  console.log(`LiveKit interop: livekit-client ${LIVEKIT_CLIENT_VERSION}, ` +
      `Node ${process.version}, GStreamer side: ${args.engine === 'core'
        ? 'E2eeFrameCryptor (core)' : 'e2eeencrypt/e2eedecrypt elements'}`);
  const streams = await captureAll();
  console.log(`frames: ${streams.map((s) => `${s.name} ${s.frames.length}`)
      .join(', ')}`);
  await checkOracle(streams);
  for (const c of matrix()) {
    if (args.only && !c.name.includes(args.only))
      continue;
    await runCase(c, streams);
  }
  if (!args.only || 'pipeline'.includes(args.only))
    await runPipelineCases();
  if (!args.only || 'negative'.includes(args.only))
    await runNegativeCases(streams);
  if (!args.only || 'data packets'.includes(args.only))
    await runDataPacketCases();
  if (!args.only) {
    for (const [direction, count] of Object.entries(framesEachWay)) {
      report(count >= MIN_FRAMES_EACH_WAY,
          `${direction}: ${count} frames byte-exact (at least ` +
          `${MIN_FRAMES_EACH_WAY} required)`);
    }
  }
  bridge.close();
  console.log(`frames byte-exact: LiveKit -> e2eedecrypt ` +
      `${framesEachWay['lk->gst']}, e2eeencrypt -> LiveKit ` +
      `${framesEachWay['gst->lk']} (${((Date.now() - startTime) / 1000)
        .toFixed(1)} s)`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exitCode = results.failed > 0 ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  console.log(`${results.passed} passed, ${results.failed + 1} failed`);
  process.exit(1);
});
