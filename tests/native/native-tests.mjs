// The native suite: real WebRTC calls between LiveKit's native SDK
// (@livekit/rtc-node 1.1.0: LiveKit's Rust SDK, libwebrtc's FrameCryptor,
// the E2EE the Swift and Android SDKs use) and GStreamer webrtcbin peers
// with e2eeencrypt / e2eedecrypt (tests/browser/gst_peer.py), through the
// project's stand-in LiveKit signalling server (stand-in-server.mjs). Run
// inside a network namespace (tests/netns/run-in-netns.sh, from
// run-native-tests.sh); see tests/native/README.md.
//
//   node native-tests.mjs [--only TEXT] [-v]
//
// Each call is one room: the SDK's publisher PC is answered by a receiving
// GStreamer peer ("gst-recv", e2eedecrypt), its subscriber PC is offered by
// a sending one ("gst-send", e2eeencrypt), as an SFU terminates both.
// Prints one line per case with the frames each side decoded and ends with
// "N passed, N failed"; exit status 1 when a case failed.
import { startGstPeer } from '../browser/harness/gst.mjs';
import { Checks, barsMatch, candidateAddress, outsideNamespace } from '../browser/harness/checks.mjs';
import { StandInServer, makeToken } from './stand-in-server.mjs';
import { NativePeer, keyBytes } from './sdk-peer.mjs';
import { rtc, versions } from './npm-packages.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const only = opt('--only', null);
const verbose = args.includes('-v');

const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const log = (s) => { if (verbose) console.log(`  [${stamp()}] ${s}`); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Media runs this long once the SDK has joined; at 30 frames/s a side that
// decodes everything gets ~150 video frames and must get MIN_VIDEO_FRAMES
// (the 2 shared cores are slow at times). Audio: 20 ms Opus frames in
// GStreamer, 10 ms frames out of the SDK's AudioStream.
const MEDIA_MS = 5000;
const CHANGE_AT_MS = 2000; // mid-call key changes
const MIN_VIDEO_FRAMES = 60;
const MIN_VIDEO_AFTER = 45; // after a mid-call change, in the last 3 s
const MIN_GST_AUDIO = 100;
const MIN_NATIVE_AUDIO = 200;
const FIRST_FRAME_MS = 10000;
const CASE_TIMEOUT_MS = 45000;
const DATA_MESSAGES = 3;

const PASS_A = 'gst-e2ee native suite: shared passphrase';
const PASS_B = 'a different passphrase, so nothing decrypts';
const PASS_NEW = 'the key at index 1, made current mid-call';
const RAW = '5a2e9c0b7d41f3a68e1c2b3d4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718';
const KEY_NATIVE = 'passphrase of participant native';
const KEY_GST = 'passphrase of participant gst';

// -- key setups: the same keys on both sides, in each side's API ----------
// native: NativePeer's e2ee options; send / recv: gst_peer.py's key config
// of gst-send's e2eeencrypt and gst-recv's e2eedecrypt.

function keySetup(kind) {
  switch (kind) {
    case 'passphrase': // the SDK's default PBKDF2 on the passphrase's bytes = passphrase=
      return {
        native: { sharedKey: { passphrase: PASS_A } },
        send: { props: { passphrase: PASS_A } },
        recv: { props: { passphrase: PASS_A } },
      };
    case 'hkdf': // keyDerivationFunction HKDF on raw bytes = key=<hex>: HKDF by default (key-derivation=auto, as LiveKit's JS for raw keys), or said so
      return {
        native: { sharedKey: { raw: RAW }, keyDerivation: 'hkdf' },
        send: { props: { key: RAW } },
        recv: { props: { key: RAW, 'key-derivation': 'hkdf' } },
      };
    case 'pbkdf2-raw': // the SDK's default PBKDF2 on raw bytes = key=<hex> key-derivation=pbkdf2
      return {
        native: { sharedKey: { raw: RAW } },
        send: { props: { key: RAW, 'key-derivation': 'pbkdf2' } },
        recv: { props: { key: RAW, 'key-derivation': 'pbkdf2' } },
      };
    case 'participant': // one ring per participant, different keys
      return {
        native: { keys: [{ identity: 'native', passphrase: KEY_NATIVE }, { identity: 'gst', passphrase: KEY_GST }] },
        send: { props: { 'shared-key': false, 'participant-id': 'gst', passphrase: KEY_GST } },
        recv: { props: { 'shared-key': false, 'participant-id': 'native', passphrase: KEY_NATIVE } },
      };
    case 'sdk-ratchets': // e2eedecrypt follows the SDK's ratchet through its window: element properties only
      return {
        native: { sharedKey: { passphrase: PASS_A } },
        recv: { props: { passphrase: PASS_A, 'ratchet-window-size': 16 } },
      };
    case 'gst-ratchets': // an application ratchets the sending elements' key; the SDK follows (window 16, its default)
      // An application-made provider: keys set through element properties
      // cannot leave the provider, and ratcheting one hands its new
      // material out (e2ee_key_provider_ratchet_key refuses them).
      return {
        native: { sharedKey: { passphrase: PASS_A } },
        send: { provider: { shared: true, keys: [{ passphrase: PASS_A }] } },
      };
    case 'wrong': // both sides have a key, not the same one
      // The SDK reports DECRYPTION_FAILED only past a failure tolerance (its
      // default, -1, never does), and tries its whole ratchet window on
      // every frame it cannot open (16 steps of two PBKDF2 derivations
      // each, by default): a tolerance of 3, no window.
      return {
        native: { sharedKey: { passphrase: PASS_A }, failureTolerance: 3, ratchetWindowSize: 0 },
        send: { props: { passphrase: PASS_B } },
        recv: { props: { passphrase: PASS_B } },
      };
    case 'none': // each side has its own sender key only: no key for the other's frames
      return {
        native: { keys: [{ identity: 'native', passphrase: KEY_NATIVE }] },
        send: { props: { 'shared-key': false, 'participant-id': 'gst', passphrase: KEY_GST } },
        recv: { props: { 'shared-key': false, 'participant-id': 'native' } },
      };
    default: throw new Error(`unknown key setup ${kind}`);
  }
}

// -- the cases ------------------------------------------------------------
// dirs: 'both', 'to-gst' (the SDK publishes, GStreamer decrypts) or
// 'to-native' (GStreamer publishes, the SDK decrypts).

const kindOf = (codec) => (codec === 'opus' ? 'audio' : 'video');

const CASES = [
  { name: 'vp8 both ways, passphrase (PBKDF2)', codec: 'vp8', keys: 'passphrase', data: true },
  { name: 'h264 both ways, passphrase (PBKDF2)', codec: 'h264', keys: 'passphrase' },
  { name: 'opus both ways, passphrase (PBKDF2)', codec: 'opus', keys: 'passphrase' },
  { name: 'raw key, HKDF: keyDerivationFunction HKDF = key= (key-derivation auto, hkdf)', codec: 'vp8', keys: 'hkdf' },
  { name: 'raw key, PBKDF2: the SDK\'s default = key= key-derivation=pbkdf2', codec: 'vp8', keys: 'pbkdf2-raw' },
  { name: 'per-participant keys, h264', codec: 'h264', keys: 'participant', data: true },
  { name: 'a key at index 1 made current mid-call by both senders, vp8', codec: 'vp8', keys: 'passphrase', rekey: 1 },
  { name: 'the SDK ratchets mid-call (ratchetSharedKey), e2eedecrypt follows, vp8', codec: 'vp8', keys: 'sdk-ratchets', dirs: 'to-gst', ratchet: 'sdk' },
  { name: 'e2eeencrypt\'s key ratcheted mid-call, the SDK follows, vp8', codec: 'vp8', keys: 'gst-ratchets', dirs: 'to-native', ratchet: 'gst' },
  { name: 'wrong key, both directions, vp8', codec: 'vp8', keys: 'wrong', data: true, refused: { native: 'DECRYPTION_FAILED', gst: 'decryption-failed' } },
  { name: 'no key, both directions, vp8', codec: 'vp8', keys: 'none', data: true, refused: { native: 'MISSING_KEY', gst: 'missing-key' } },
];

// -- running a call -------------------------------------------------------

function dataSent(peer, n) {
  return peer.waitFor(`data message ${n - 1} sent`, (e) => e.event === 'data-sent' && e.text === `gst says ${n - 1}`, 10000);
}

async function exchangeData(ctx, res) {
  const { native, gsend, grecv } = ctx;
  await gsend.waitFor('data channel open', (e) => e.event === 'data-open', 10000);
  // gst-recv decrypts with its e2eedecrypt's provider, which exists once
  // the SDK's track arrived there.
  await grecv.waitFor('the SDK\'s track', (e) => e.event === 'log' && / receiving /.test(e.text), 10000);
  for (let i = 0; i < DATA_MESSAGES; i++) {
    gsend.send({ cmd: 'send-data', text: `gst says ${i}` });
    await native.sendData(`native says ${i}`);
  }
  res.gstDataKeyIndex = (await dataSent(gsend, DATA_MESSAGES)).keyIndex;
}

async function midCall(c, ctx, res) {
  const { native, gsend, grecv } = ctx;
  res.before = await reports(ctx);
  if (c.rekey !== undefined) {
    // Receivers first, then the senders switch: no frame finds no key.
    grecv.send({ cmd: 'set-key', which: 'recv', key: { passphrase: PASS_NEW, index: c.rekey, current: true } });
    native.keyProvider.setSharedKey(keyBytes({ passphrase: PASS_NEW }), c.rekey);
    await sleep(300);
    gsend.send({ cmd: 'set-key', which: 'send', key: { passphrase: PASS_NEW, index: c.rekey, current: true } });
    native.setSharedKeyCurrent(keyBytes({ passphrase: PASS_NEW }), c.rekey);
  } else if (c.ratchet === 'sdk') {
    res.ratcheted = native.ratchetSharedKey(0)?.length ?? 0;
  } else if (c.ratchet === 'gst') {
    gsend.send({ cmd: 'ratchet', which: 'send', participant: null, index: 0 });
  }
  res.changedAt = Date.now();
}

async function firstFrames({ native, grecv }, { toGst, toNative, kind }) {
  const deadline = Date.now() + FIRST_FRAME_MS;
  if (toGst) await grecv.waitFor(`gst-recv's first ${kind} frame`, (e) => e.event === 'first-frame' && e.kind === kind, FIRST_FRAME_MS);
  while (toNative && !native.firstFrame[kind]) {
    if (Date.now() > deadline) throw new Error(`the SDK decoded no ${kind} frame from gst within ${FIRST_FRAME_MS} ms`);
    await sleep(50);
  }
}

async function reports({ native, gsend, grecv }) {
  return {
    nr: native ? await native.report() : null,
    sr: gsend ? await gsend.report() : null,
    rr: grecv ? await grecv.report() : null,
  };
}

async function call(c) {
  const keys = keySetup(c.keys);
  const dirs = c.dirs ?? 'both';
  const toGst = dirs !== 'to-native';
  const toNative = dirs !== 'to-gst';
  const kind = kindOf(c.codec);
  const ctx = {};
  const res = { candidates: [] };
  const gstTone = 440;
  const nativeTone = 880;
  const closers = [];
  try {
    const remote = { identity: 'gst', tracks: toNative ? [{ kind, codec: c.codec }] : [] };
    let offer = null;
    if (toNative) {
      // gst-send: publishes as participant "gst" on the SDK's subscriber PC,
      // with the data channel an SFU offers there.
      // A key frame every second: what reaches the SDK before its
      // FrameCryptor is in place is decoded as it is, and a key frame
      // decoded from ciphertext garbles every picture predicted from it
      // until the next one (tests/native/README.md).
      ctx.gsend = startGstPeer({
        name: 'gst-send', identity: 'gst', data: !!c.data, dataLabel: '_reliable', keyframeInterval: 30,
        media: [{ kind, codec: c.codec, send: true, recv: false, tone: gstTone }], ...(keys.send ? { send: keys.send } : {}),
      }, { log });
      closers.push(() => ctx.gsend.stop());
      await ctx.gsend.ready();
      ctx.gsend.send({ cmd: 'offer' });
      offer = await ctx.gsend.sdp('offer');
    }
    if (toGst) {
      // gst-recv: answers the SDK's publisher PC (its tracks and data channels).
      ctx.grecv = startGstPeer({
        name: 'gst-recv', identity: 'gst', offerer: false, data: !!c.data, dataLabel: '_reliable',
        media: [], ...(keys.recv ? { recv: keys.recv } : {}),
      }, { log });
      closers.push(() => ctx.grecv.stop());
      await ctx.grecv.ready();
    }
    let answers = 0;
    const server = new StandInServer({
      log, remote: [remote], subscriberPrimary: toNative,
      hooks: {
        onJoined: () => { if (offer) server.offerSubscriber(offer, remote); },
        onSubscriberAnswer: (sdp) => ctx.gsend.send({ cmd: 'remote', type: 'answer', sdp }),
        onSubscriberCandidate: (init) => {
          res.candidates.push(init.candidate);
          ctx.gsend.send({ cmd: 'candidate', candidate: init.candidate, sdpMLineIndex: init.sdpMLineIndex });
        },
        onPublisherOffer: async (sdp) => {
          const n = ++answers;
          ctx.grecv.send({ cmd: 'remote', type: 'offer', sdp });
          let i = 0;
          return (await ctx.grecv.waitFor(`answer ${n}`, (e) => e.event === 'sdp' && e.type === 'answer' && ++i === n)).sdp;
        },
        onPublisherCandidate: (init) => {
          res.candidates.push(init.candidate);
          ctx.grecv.send({ cmd: 'candidate', candidate: init.candidate, sdpMLineIndex: init.sdpMLineIndex });
        },
      },
    });
    await server.listen();
    closers.push(() => server.close());
    ctx.server = server;
    ctx.native = new NativePeer({ identity: 'native', e2ee: keys.native, log });
    closers.push(() => ctx.native.close());
    await ctx.native.connect(server.url, makeToken('native', server.roomName));
    if (toGst) await ctx.native.publish(kind, c.codec, { tone: nativeTone });
    // The media time starts when each receiving side decoded its first
    // frame (the SDK's publisher PC connects only now, after publishing).
    if (!c.refused) await firstFrames(ctx, { toGst, toNative, kind });
    const start = Date.now();
    if (c.data) await exchangeData(ctx, res);
    if (c.rekey !== undefined || c.ratchet) {
      await sleep(Math.max(0, CHANGE_AT_MS - (Date.now() - start)));
      await midCall(c, ctx, res);
      await sleep(1000);
    }
    await sleep(Math.max(0, MEDIA_MS - (Date.now() - start)));
    Object.assign(res, await reports(ctx));
    res.signal = { ...server.messages };
    res.published = server.published.map((t) => ({ sid: t.sid, encryption: t.encryption }));
    return res;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
  }
}

// -- what each case asserts ------------------------------------------------

const decryptStates = (rr) => rr.states.filter((s) => s.element === 'e2eedecrypt');
const nativeStatesOf = (nr, who) => nr.states.filter((s) => s.participant === who).map((s) => s.state);

function checkToGst(checks, c, res) {
  const { rr } = res;
  if (kindOf(c.codec) === 'video') {
    checks.atLeast(rr.video.frames, MIN_VIDEO_FRAMES, 'gst: pictures decoded from the SDK');
    checks.exactly(barsMatch(rr.video.bars), 7, 'gst: the SDK\'s SMPTE bars in the decoded picture');
  } else {
    checks.atLeast(rr.audio.buffers, MIN_GST_AUDIO, 'gst: Opus frames decoded from the SDK');
    checks.near(rr.audio.freq, 880, 40, 'gst: the SDK\'s tone, Hz');
  }
  const states = decryptStates(rr).map((s) => s.state);
  checks.that(states.includes('ok') && !states.some((s) => s === 'decryption-failed' || s === 'missing-key'),
    `gst: e2eedecrypt states ${states.join(',')}`);
  checks.exactly(rr.decStats[0]?.failed ?? -1, 0, 'gst: frames e2eedecrypt could not decrypt');
}

function checkToNative(checks, c, res) {
  const { nr, sr } = res;
  if (kindOf(c.codec) === 'video') {
    checks.atLeast(nr.video.withBars, MIN_VIDEO_FRAMES, `native: VideoStream frames with gst's SMPTE bars (of ${nr.video.frames})`);
    checks.exactly(barsMatch(nr.video.bars), 7, 'native: gst\'s SMPTE bars in the last decoded picture');
  } else {
    checks.atLeast(nr.audio.loud, MIN_NATIVE_AUDIO, 'native: AudioStream 10 ms frames with the tone\'s level');
    checks.near(nr.audio.freq, 440, 20, 'native: gst\'s tone, Hz');
  }
  const states = nativeStatesOf(nr, 'gst');
  checks.that(states.at(-1) === 'OK' && !states.includes('DECRYPTION_FAILED'),
    `native: FrameCryptor states for gst ${states.join(',')}`);
  checks.atLeast(sr.encStats[0]?.['frames-ok'] ?? 0, MIN_VIDEO_FRAMES, 'gst: frames e2eeencrypt encrypted');
  checks.that(nr.subscribed.some((s) => s.from === 'gst' && s.encryption === rtc.EncryptionType.GCM),
    `native: subscribed to gst's track as encrypted (${JSON.stringify(nr.subscribed)})`);
}

function checkRefused(checks, c, res) {
  const { nr, rr } = res;
  checks.atLeast(nr.rtp.packetsReceived ?? 0, 50, 'native: RTP packets received from gst');
  // What reaches the SDK's new receiver before its FrameCryptor is in place
  // goes to the decoder as it is: a frame or two of ciphertext may decode,
  // as noise. None may show the picture.
  checks.exactly(nr.video.withBars, 0, 'native: VideoStream frames with gst\'s SMPTE bars');
  checks.that(nr.video.frames <= 3, `native: VideoStream frames: ${nr.video.frames} <= 3 (ciphertext that reached the decoder before the SDK's FrameCryptor was in place)`);
  checks.that(nativeStatesOf(nr, 'gst').includes(c.refused.native),
    `native: FrameCryptor reported ${c.refused.native} for gst (${nativeStatesOf(nr, 'gst').join(',')})`);
  checks.atLeast(rr.decStats[0]?.frames ?? 0, 50, 'gst: frames into e2eedecrypt');
  checks.exactly(rr.video.frames, 0, 'gst: pictures decoded');
  checks.exactly(rr.decStats[0]?.['frames-ok'] ?? -1, 0, 'gst: frames e2eedecrypt passed on');
  const states = decryptStates(rr).map((s) => s.state);
  checks.that(states.includes(c.refused.gst), `gst: e2ee-state-changed ${states.join(',')}`);
}

function checkData(checks, c, res) {
  const { nr, rr } = res;
  if (c.refused) {
    checks.exactly(nr.data.received.length, 0, 'native: data messages decrypted by the SDK');
    checks.exactly(rr.data.received.length, 0, 'gst: data messages decrypted');
    checks.exactly(rr.data.errors.length, DATA_MESSAGES, 'gst: the SDK\'s data messages refused by decrypt_data');
    return;
  }
  const want = (who) => [...Array(DATA_MESSAGES).keys()].map((i) => `${who} says ${i}`);
  checks.that(JSON.stringify(nr.data.received.map((m) => m.text)) === JSON.stringify(want('gst')),
    `native: the SDK decrypted ${nr.data.received.length}/${DATA_MESSAGES} of gst's DataPackets (encrypt_data)`);
  checks.that(nr.data.received.every((m) => m.identity === 'gst' && m.topic === 'e2ee-test'),
    `native: from participant gst, topic e2ee-test (${JSON.stringify(nr.data.received[0] ?? null)})`);
  checks.that(JSON.stringify(rr.data.received.map((m) => m.text)) === JSON.stringify(want('native')),
    `gst: decrypt_data decrypted ${rr.data.received.length}/${DATA_MESSAGES} of the SDK's DataPackets (errors ${rr.data.errors.length}${rr.data.errors.length ? `: ${rr.data.errors[0]}` : ''})`);
  checks.that(rr.data.received.every((m) => m.identity === 'native' && m.keyIndex === 0 && m.topic === 'e2ee-test'),
    'gst: sender identity native, key index 0, topic e2ee-test in every EncryptedPacket');
}

function checkChange(checks, c, res) {
  const { before, nr, rr } = res;
  if (c.rekey !== undefined || c.ratchet === 'sdk') {
    checks.atLeast(rr.video.frames - before.rr.video.frames, MIN_VIDEO_AFTER, 'gst: pictures decoded after the change');
    checks.exactly(barsMatch(rr.video.bars), 7, 'gst: bars after the change');
  }
  if (c.rekey !== undefined || c.ratchet === 'gst') {
    checks.atLeast(nr.video.withBars - before.nr.video.withBars, MIN_VIDEO_AFTER, 'native: frames with the bars decoded after the change');
    checks.exactly(barsMatch(nr.video.bars), 7, 'native: bars after the change');
  }
  if (c.rekey !== undefined) {
    checks.that(decryptStates(rr).some((s) => s.state === 'ok' && s.keyIndex === c.rekey),
      `gst: e2eedecrypt decrypted the SDK's frames at key index ${c.rekey} (${JSON.stringify(decryptStates(rr).map((s) => [s.state, s.keyIndex]))})`);
    const encStates = res.sr.states.filter((s) => s.element === 'e2eeencrypt');
    checks.that(encStates.some((s) => s.state === 'ok' && s.keyIndex === c.rekey),
      `gst: e2eeencrypt encrypted at key index ${c.rekey} (${JSON.stringify(encStates.map((s) => [s.state, s.keyIndex]))})`);
  }
  if (c.ratchet === 'sdk') {
    checks.atLeast(res.ratcheted, 16, 'native: ratchetSharedKey returned the new key material');
    checks.that(decryptStates(rr).some((s) => s.state === 'key-ratcheted'),
      `gst: e2eedecrypt followed the SDK's ratchet (${decryptStates(rr).map((s) => s.state).join(',')})`);
    checks.atLeast(rr.decStats[0]?.['frames-key-ratcheted'] ?? 0, 1, 'gst: frames opened with a ratcheted key');
  }
  if (c.ratchet === 'gst') {
    checks.that(nativeStatesOf(nr, 'gst').includes('KEY_RATCHETED'),
      `native: the SDK's FrameCryptor followed gst's ratchet (${nativeStatesOf(nr, 'gst').join(',')})`);
  }
}

function checkIce(checks, res) {
  const addresses = res.candidates.map(candidateAddress);
  for (const r of [res.sr, res.rr]) {
    for (const line of [...(r?.localCandidates ?? []), ...(r?.remoteCandidates ?? [])]) addresses.push(candidateAddress(line));
  }
  const outside = outsideNamespace(addresses);
  checks.that(addresses.length > 0 && outside.length === 0,
    `ICE: every candidate inside the namespace (${outside.length ? `outside: ${outside.join(' ')}` : `${addresses.length} candidates, ${new Set(addresses.map((a) => a.replace(/:\d+$/, ''))).size} address(es)`})`);
}

function evaluate(c, res) {
  const checks = new Checks();
  const dirs = c.dirs ?? 'both';
  if (c.refused) {
    checkRefused(checks, c, res);
  } else {
    if (dirs !== 'to-native') checkToGst(checks, c, res);
    if (dirs !== 'to-gst') checkToNative(checks, c, res);
  }
  if (c.rekey !== undefined || c.ratchet) checkChange(checks, c, res);
  if (c.data) checkData(checks, c, res);
  if (dirs !== 'to-native') {
    checks.that(res.published.length === 1 && res.published[0].encryption === 1,
      `stand-in: the SDK published one track with encryption GCM (${JSON.stringify(res.published)})`);
  }
  checkIce(checks, res);
  return checks;
}

function counts(c, res) {
  const { nr, sr, rr } = res;
  const kind = kindOf(c.codec);
  const parts = [];
  if (rr) {
    const got = kind === 'video' ? `${rr.video.frames} pictures, bars ${barsMatch(rr.video.bars)}/7` : `${rr.audio.buffers} Opus frames, ${rr.audio.freq} Hz`;
    const sent = kind === 'video' ? `SDK encoded ${nr.rtp.framesSent ?? '?'} of ${nr.sent.video} frames` : `SDK sent ${nr.sent.audio} 10 ms frames`;
    parts.push(`native -> gst: ${sent}, gst decoded ${got}`);
  }
  if (sr) {
    const got = kind === 'video' ? `${nr.video.frames} frames, ${nr.video.withBars} with the bars` : `${nr.audio.loud} loud 10 ms frames, ${nr.audio.freq} Hz`;
    parts.push(`gst -> native: gst encrypted ${sr.encStats[0]?.['frames-ok'] ?? 0}, SDK decoded ${got}`);
  }
  if (c.data) parts.push(`data ${nr.data.received.length}/${DATA_MESSAGES} to native, ${rr?.data.received.length ?? 0}/${DATA_MESSAGES} to gst`);
  return parts.join('; ');
}

// -- main -----------------------------------------------------------------

async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); });
  try { return await Promise.race([promise, timeout]); } finally { clearTimeout(timer); }
}

async function main() {
  const selected = CASES.filter((c) => !only || c.name.includes(only));
  console.log(`native suite: ${selected.length} cases in network namespace ${process.env.E2EE_NETNS_NAME ?? '(none!)'}, addresses ${process.env.E2EE_NETNS_ALLOWED}`);
  if (!process.env.E2EE_NETNS) {
    console.log('refusing to run: not inside tests/netns/run-in-netns.sh (ICE would use the host\'s interfaces)');
    process.exit(1);
  }
  console.log(`${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(', ')} (LiveKit's Rust SDK, libwebrtc's FrameCryptor); Node.js ${process.version}`);
  let passed = 0;
  let failed = 0;
  for (const c of selected) {
    const began = Date.now();
    let line;
    try {
      const res = await withTimeout(call(c), CASE_TIMEOUT_MS, c.name);
      const checks = evaluate(c, res);
      const ok = checks.passed;
      if (ok) passed++; else failed++;
      line = `${ok ? 'PASS' : 'FAIL'} ${c.name} (${((Date.now() - began) / 1000).toFixed(1)} s): ${counts(c, res)}`;
      for (const item of checks.items) if (!item.ok || verbose) line += `\n       ${item.ok ? 'ok  ' : 'FAIL'} ${item.what}`;
      if (!ok) {
        line += `\n       native: video ${JSON.stringify(res.nr?.video)} states ${JSON.stringify(res.nr?.states)} rtp ${JSON.stringify(res.nr?.rtp)} signal ${JSON.stringify(res.signal)}`;
        if (res.rr) line += `\n       gst-recv: states ${JSON.stringify(res.rr.states)} decrypt ${JSON.stringify(res.rr.decStats)} errors ${JSON.stringify(res.rr.errors)}`;
        if (res.sr) line += `\n       gst-send: states ${JSON.stringify(res.sr.states)} encrypt ${JSON.stringify(res.sr.encStats)} errors ${JSON.stringify(res.sr.errors)}`;
      }
    } catch (e) {
      failed++;
      line = `FAIL ${c.name}: could not run: ${e.stack}`;
    }
    console.log(line);
  }
  await rtc.dispose();
  console.log(`native suite: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL: the suite could not start: ${e.stack}`); console.log('0 passed, 1 failed'); process.exit(1); });
