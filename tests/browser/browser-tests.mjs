// The browser suite: real WebRTC calls between headless Chromium running
// LiveKit's own E2EE worker and a GStreamer webrtcbin peer with
// e2eeencrypt/e2eedecrypt, directly and through Janus. Run inside a network
// namespace of its own (tests/netns/run-in-netns.sh, from
// run-browser-tests.sh); see tests/browser/README.md.
//
//   node browser-tests.mjs --npm-dir DIR [--group media|keys|janus] [--only TEXT] [-v]
//
// Prints one line per case with the frames decoded on each side, the ICE
// addresses used, and at the end "N passed, N failed". Exit status 1 when a
// case failed.
import { spawn } from 'node:child_process';
import { launchBrowser } from './harness/browser.mjs';
import { startGstPeer } from './harness/gst.mjs';
import { JanusSession, startJanus } from './harness/janus.mjs';
import { Checks, barsMatch, candidateAddress, outsideNamespace } from './harness/checks.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const npmDir = opt('--npm-dir');
const groups = (opt('--group', 'media,keys,janus,examples')).split(',');
const only = opt('--only', null);
const verbose = args.includes('-v');
if (!npmDir) { console.error('usage: browser-tests.mjs --npm-dir DIR [--group G] [--only TEXT] [-v]'); process.exit(2); }

const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const log = (s) => { if (verbose) console.log(`  [${stamp()}] ${s}`); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Media runs this long once ICE is connected; at 30 frames/s a side that
// decodes everything gets ~150 video frames, and must get at least
// MIN_VIDEO_FRAMES (the 2 shared cores are slow at times).
const MEDIA_MS = 5000;
const MIN_VIDEO_FRAMES = 60;
const MIN_AUDIO_FRAMES = 100;
const CASE_TIMEOUT_MS = 60000;
const DATA_MESSAGES = 3;

const PASS_A = 'gst-e2ee browser suite: shared passphrase';
const PASS_B = 'a different passphrase, so nothing decrypts';
const RAW = '7f3c0d9e8b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa00112233';
const KEY_BROWSER = 'passphrase of participant browser';
const KEY_GST = 'passphrase of participant gst';

// -- key setups: the same keys on both sides, expressed in each side's API --

function keySetup(kind) {
  switch (kind) {
    case 'passphrase': // LiveKit: shared passphrase; GStreamer: the elements' passphrase property
      return {
        browser: { keys: [{ passphrase: PASS_A }] },
        gst: { send: { props: { passphrase: PASS_A } }, recv: { props: { passphrase: PASS_A } } },
      };
    case 'raw': // LiveKit: createKeyMaterialFromBuffer; GStreamer: key=<hex>
      return {
        browser: { keys: [{ raw: RAW }] },
        gst: { send: { props: { key: RAW } }, recv: { props: { key: RAW } } },
      };
    case 'participant': // one ring per participant, different keys
    case 'ratchet':
      return {
        browser: {
          keyProvider: { sharedKey: false, ...(kind === 'ratchet' ? { ratchetWindowSize: 8 } : {}) },
          keys: [{ participant: 'browser', passphrase: KEY_BROWSER }, { participant: 'gst', passphrase: KEY_GST }],
        },
        gst: {
          send: {
            provider: {
              shared: false, window: kind === 'ratchet' ? 8 : 0,
              keys: [{ participant: 'gst', passphrase: KEY_GST }, { participant: 'browser', passphrase: KEY_BROWSER }],
            },
            props: { 'participant-id': 'gst' },
          },
          recv: { provider: 'send', props: { 'participant-id': 'browser' } },
        },
      };
    case 'index3': // the key only in slot 3: a frame with any other KID finds no key
      return {
        browser: { keys: [{ passphrase: PASS_A, index: 3 }] },
        gst: { send: { provider: { shared: true, keys: [{ passphrase: PASS_A, index: 3 }] } }, recv: { provider: 'send' } },
      };
    case 'wrong': // both sides have a key, not the same one
      return {
        browser: { keys: [{ passphrase: PASS_A }] },
        gst: { send: { props: { passphrase: PASS_B } }, recv: { props: { passphrase: PASS_B } } },
      };
    case 'none': // each side has its own sender key only: no key for the other's frames
      return {
        browser: { keyProvider: { sharedKey: false }, keys: [{ participant: 'browser', passphrase: KEY_BROWSER }] },
        gst: {
          send: { provider: { shared: false, keys: [{ participant: 'gst', passphrase: KEY_GST }] }, props: { 'participant-id': 'gst' } },
          recv: { provider: 'send', props: { 'participant-id': 'browser' } },
        },
      };
    default: throw new Error(`unknown key setup ${kind}`);
  }
}

// -- the cases ------------------------------------------------------------

const CODECS = ['vp8', 'vp9', 'h264', 'opus'];
const APIS = ['encoded-streams', 'script-transform'];
const kindOf = (codec) => (codec === 'opus' ? 'audio' : 'video');

const CASES = [
  // Both directions at once: each side sends its test pattern (or tone)
  // and decodes the other's.
  ...CODECS.flatMap((codec) => APIS.map((api) => ({
    group: 'media', name: `${codec} both ways, ${api}`, codec, api, keys: 'passphrase',
    data: codec === 'vp8' && api === 'encoded-streams',
  }))),
  { group: 'keys', name: 'raw key (HKDF), vp8', codec: 'vp8', api: 'encoded-streams', keys: 'raw' },
  { group: 'keys', name: 'per-participant keys, h264', codec: 'h264', api: 'encoded-streams', keys: 'participant', data: true },
  { group: 'keys', name: 'key index 3, vp8', codec: 'vp8', api: 'script-transform', keys: 'index3', keyIndex: 3, data: true },
  { group: 'keys', name: 'ratchet mid-call, both senders, vp8', codec: 'vp8', api: 'encoded-streams', keys: 'ratchet', ratchet: true },
  { group: 'keys', name: 'wrong key, both directions, vp8', codec: 'vp8', api: 'encoded-streams', keys: 'wrong', refused: { worker: 'InvalidKey', gst: 'decryption-failed' }, data: true },
  { group: 'keys', name: 'no key, both directions, vp8', codec: 'vp8', api: 'encoded-streams', keys: 'none', refused: { worker: 'MissingKey', gst: 'missing-key' } },
  ...['vp8', 'h264'].flatMap((codec) => [
    { group: 'janus', name: `janus: gst -> janus -> browser, ${codec}`, codec, janus: 'gst-publishes', keys: 'passphrase' },
    { group: 'janus', name: `janus: browser -> janus -> gst, ${codec}`, codec, janus: 'browser-publishes', keys: 'passphrase' },
  ]),
  { group: 'janus', name: 'janus: require_e2ee room refuses a publisher without e2ee', codec: 'vp8', janus: 'refuse', keys: 'passphrase' },
  // The examples of pipelines/webrtc/, run as a user would.
  { group: 'examples', name: 'example: browser-call.py, Chromium opens its page, vp8 both ways', codec: 'vp8', example: 'browser-call' },
  { group: 'examples', name: 'example: janus-videoroom.py publish -> janus -> janus-videoroom.py subscribe, h264', codec: 'h264', example: 'janus-videoroom', janus: 'example' },
];

// -- running a call -------------------------------------------------------

async function waitConnected(peer, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await peer.report();
    if (r.connectionState === 'connected') return;
    if (r.connectionState === 'failed' || Date.now() > deadline) throw new Error(`browser connection ${r.connectionState} (ICE/DTLS did not complete)`);
    await sleep(100);
  }
}

function media(c, side) {
  // side: which directions this peer sends / receives in the call.
  return [{ kind: kindOf(c.codec), codec: c.codec, ...side, tone: undefined }];
}

async function exchangeData(peer, gst, res) {
  await peer.dataReady();
  await gst.waitFor('data channel open', (e) => e.event === 'data-open', 10000);
  for (let i = 0; i < DATA_MESSAGES; i++) {
    gst.send({ cmd: 'send-data', text: `gst says ${i}` });
    await peer.sendData(`browser says ${i}`);
  }
  const sent = await gst.waitFor('data sent', (e) => e.event === 'data-sent' && e.text === `gst says ${DATA_MESSAGES - 1}`);
  res.gstDataKeyIndex = sent.keyIndex;
  await sleep(500);
}

async function directCall(ctx, c) {
  const keys = keySetup(c.keys);
  const peer = await ctx.browser.newPeer();
  const gst = startGstPeer({
    name: 'gst', identity: 'gst', remote: 'browser', data: !!c.data,
    media: media(c, { send: true, recv: true }), ...keys.gst,
  }, { log });
  const res = {};
  try {
    await peer.setup({
      identity: 'browser', remote: 'gst', api: c.api, media: media(c, { send: true, recv: true }),
      keyProvider: keys.browser.keyProvider, keys: keys.browser.keys,
    });
    await gst.ready();
    gst.send({ cmd: 'offer' });
    const answer = await peer.answer(await gst.sdp('offer'));
    gst.send({ cmd: 'remote', type: 'answer', sdp: answer });
    await waitConnected(peer);
    const start = Date.now();
    if (c.data) await exchangeData(peer, gst, res);
    if (c.ratchet) {
      await sleep(Math.max(0, 2000 - (Date.now() - start)));
      res.beforeRatchet = { br: await peer.report(), gr: await gst.report() };
      gst.send({ cmd: 'ratchet', which: 'send', participant: 'gst', index: 0 });
      await peer.ratchet('browser', 0);
      await sleep(MEDIA_MS - 2000 + 1000);
    }
    await sleep(Math.max(0, MEDIA_MS - (Date.now() - start)));
    res.br = await peer.report();
    res.gr = await gst.report();
    return res;
  } finally {
    await gst.stop();
    await peer.close();
  }
}

async function janusCall(ctx, c) {
  const keys = keySetup(c.keys);
  const s = await JanusSession.create(ctx.janus.url, { log });
  const room = 1000 + (++ctx.rooms);
  const res = { janus: {} };
  const closers = [];
  try {
    const admin = await s.attach();
    await s.createRoom(admin, room, { require_e2ee: true, videocodec: 'vp8,vp9,h264', audiocodec: 'opus' });
    res.janus.room = room;
    if (c.janus === 'refuse') {
      // A GStreamer publisher whose JSEP does not say "e2ee": true.
      const gst = startGstPeer({ name: 'gst-plain', media: media(c, { send: true, recv: false }), ...keys.gst }, { log });
      closers.push(() => gst.stop());
      await gst.ready();
      gst.send({ cmd: 'offer' });
      const offer = await gst.sdp('offer');
      try {
        await s.publish(await s.attach(), room, 'gst-plain', offer, { e2ee: false });
        res.janus.refused = null;
      } catch (e) {
        res.janus.refused = { code: e.code, reason: e.reason ?? e.message };
      }
      // The same offer with "e2ee": true is accepted by the same room.
      const accepted = await s.publish(await s.attach(), room, 'gst-e2ee', offer, { e2ee: true });
      res.janus.accepted = accepted.e2ee;
      return res;
    }
    const peer = await ctx.browser.newPeer();
    closers.push(() => peer.close());
    const browserSends = c.janus === 'browser-publishes';
    await peer.setup({
      identity: 'browser', remote: 'gst', api: c.api ?? 'encoded-streams',
      media: media(c, { send: browserSends, recv: !browserSends }),
      keyProvider: keys.browser.keyProvider, keys: keys.browser.keys,
    });
    const gst = startGstPeer({
      name: 'gst', identity: 'gst', remote: 'browser', offerer: !browserSends,
      media: browserSends ? [] : media(c, { send: true, recv: false }), ...keys.gst,
    }, { log });
    closers.push(() => gst.stop());
    await gst.ready();
    const pub = await s.attach();
    const sub = await s.attach();
    if (!browserSends) {
      gst.send({ cmd: 'offer' });
      const offer = await gst.sdp('offer');
      const p = await s.publish(pub, room, 'gst', offer);
      res.janus.publisherE2ee = p.e2ee;
      gst.send({ cmd: 'remote', type: 'answer', sdp: p.answer });
      await s.webrtcUp(pub);
      const o = await s.subscribe(sub, room, p.publisherId);
      const answer = await peer.answer(o.offer);
      res.janus.sdp = { publisherOffer: offer, subscriberOffer: o.offer, subscriberAnswer: answer };
      await s.start(sub, answer);
    } else {
      const p = await s.publish(pub, room, 'browser', await peer.offer());
      res.janus.publisherE2ee = p.e2ee;
      await peer.acceptAnswer(p.answer);
      await s.webrtcUp(pub);
      const o = await s.subscribe(sub, room, p.publisherId);
      gst.send({ cmd: 'remote', type: 'offer', sdp: o.offer });
      await s.start(sub, await gst.sdp('answer'));
    }
    await waitConnected(peer);
    await sleep(MEDIA_MS);
    res.br = await peer.report();
    res.gr = await gst.report();
    return res;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await s.destroy();
  }
}

// -- the examples (pipelines/webrtc/), as a user runs them ------------------

const EXAMPLES = new URL('../../pipelines/webrtc/', import.meta.url).pathname;

function runExample(script, argv, onLine) {
  const child = spawn('/usr/bin/python3', [`${EXAMPLES}${script}`, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const done = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      log(`${script}: ${line}`);
      onLine?.(line);
    }
  });
  child.stderr.on('data', (d) => log(`${script} stderr: ${String(d).trim()}`));
  return { child, lines, done, kill: () => child.kill('SIGKILL') };
}

function lastNumber(lines, re) {
  const hits = lines.map((l) => l.match(re)).filter(Boolean);
  return hits.length ? Number(hits.at(-1)[1]) : 0;
}

async function exampleCall(ctx, c) {
  const res = { example: {} };
  if (c.example === 'browser-call') {
    let urlSeen;
    const url = new Promise((resolve) => { urlSeen = resolve; });
    const ex = runExample('browser-call.py', ['--port', '0', '--duration', String(MEDIA_MS / 1000 + 6),
      '--no-display', '--codec', c.codec, '--passphrase', PASS_A], (line) => {
      const m = line.match(/open (http\S+)/);
      if (m) urlSeen(m[1]);
    });
    try {
      const page = await ctx.browser.openPage(await url, 'example page');
      await sleep(MEDIA_MS + 2000);
      res.example.page = await page.locator('#counts').textContent();
      res.br = await page.evaluate(() => window.e2eePeer.report());
      await page.close();
      await ex.done;
    } finally { ex.kill(); }
    res.example.gst = lastNumber(ex.lines, /^gst decoded (\d+)/);
    return res;
  }
  const common = ['--janus', ctx.janus.url, '--room', String(2000 + (++ctx.rooms)), '--codec', c.codec, '--passphrase', PASS_A];
  let published;
  const up = new Promise((resolve) => { published = resolve; });
  const pub = runExample('janus-videoroom.py', ['publish', '--create', '--duration', String(MEDIA_MS / 1000 + 8), ...common], (line) => {
    if (/^published /.test(line)) published(line);
  });
  try {
    res.example.published = await up;
    const sub = runExample('janus-videoroom.py', ['subscribe', '--no-display', '--duration', String(MEDIA_MS / 1000 + 1), ...common]);
    try { await sub.done; } finally { sub.kill(); }
    res.example.subscribed = sub.lines.find((l) => /^subscribed /.test(l));
    res.example.decoded = lastNumber(sub.lines, /^decoded (\d+)/);
    res.example.states = sub.lines.filter((l) => /e2eedecrypt is now/.test(l));
    await pub.done;
    res.example.sent = lastNumber(pub.lines, /^sent (\d+)/);
  } finally { pub.kill(); }
  return res;
}

function checkExample(checks, c, res) {
  const ex = res.example;
  if (c.example === 'browser-call') {
    checks.atLeast(res.br.inbound.video?.framesDecoded ?? 0, MIN_VIDEO_FRAMES, 'the example\'s page: frames decoded with LiveKit\'s worker');
    checks.exactly(barsMatch(res.br.bars), 7, 'the example\'s page: SMPTE bars');
    checks.exactly(res.br.workerErrors.length, 0, 'the example\'s page: worker errors');
    checks.atLeast(ex.gst, MIN_VIDEO_FRAMES, 'browser-call.py: pictures decoded from the page');
  } else {
    checks.that(/e2ee: True/.test(ex.published ?? ''), `janus-videoroom.py publish: ${ex.published}`);
    checks.that(!!ex.subscribed, `janus-videoroom.py subscribe: ${ex.subscribed}`);
    checks.atLeast(ex.decoded, MIN_VIDEO_FRAMES, 'subscriber: pictures decoded');
    checks.that(ex.states.some((l) => /is now ok/.test(l)), `subscriber: ${ex.states.join('; ')}`);
    checks.atLeast(ex.sent, MIN_VIDEO_FRAMES, 'publisher: frames encrypted');
  }
}

// -- what each case asserts ------------------------------------------------

function gstDecryptStates(gr) {
  return gr.states.filter((s) => s.element === 'e2eedecrypt').map((s) => s.state);
}

function checkReceived(checks, c, res, side) {
  const { br, gr } = res;
  if (side === 'browser') {
    if (kindOf(c.codec) === 'video') {
      checks.atLeast(br.inbound.video?.framesDecoded ?? 0, MIN_VIDEO_FRAMES, 'browser: video frames decoded');
      checks.exactly(barsMatch(br.bars), 7, 'browser: SMPTE bars sampled from the canvas');
    } else {
      checks.atLeast(br.inbound.audio?.audioFramesDecoded ?? 0, MIN_AUDIO_FRAMES, 'browser: audio frames decoded');
      checks.near(br.tone.freq, 440, 15, 'browser: tone from GStreamer, Hz');
    }
    checks.exactly(br.workerErrors.length, 0, `browser: LiveKit worker errors ${JSON.stringify(br.workerErrors.slice(0, 2))}`);
  } else {
    if (kindOf(c.codec) === 'video') {
      checks.atLeast(gr.video.frames, MIN_VIDEO_FRAMES, 'gst: decoded pictures');
      checks.exactly(barsMatch(gr.video.bars), 7, 'gst: the browser\'s bars in the decoded picture');
    } else {
      checks.atLeast(gr.audio.buffers, MIN_AUDIO_FRAMES, 'gst: decoded audio frames');
      checks.near(gr.audio.freq, 880, 40, 'gst: tone from the browser, Hz');
    }
    const states = gstDecryptStates(gr);
    checks.that(states.includes('ok') && !states.some((s) => s === 'decryption-failed' || s === 'missing-key'),
      `gst: e2eedecrypt states ${states.join(',')}`);
  }
}

function checkRefused(checks, c, res) {
  const { br, gr } = res;
  checks.atLeast(br.inbound.video?.packetsReceived ?? 0, 50, 'browser: RTP packets received');
  checks.exactly(br.inbound.video?.framesDecoded ?? 0, 0, 'browser: frames decoded');
  checks.that(br.workerErrors.some((e) => e.message.startsWith(c.refused.worker)),
    `browser: worker reported ${c.refused.worker} (${br.workerErrors[0]?.message?.slice(0, 90)})`);
  checks.atLeast(gr.decStats[0]?.frames ?? 0, 50, 'gst: frames into e2eedecrypt');
  checks.exactly(gr.video.frames, 0, 'gst: decoded pictures');
  checks.exactly(gr.decStats[0]?.['frames-ok'] ?? -1, 0, 'gst: frames e2eedecrypt passed on');
  checks.that(gstDecryptStates(gr).includes(c.refused.gst), `gst: e2ee-state-changed ${gstDecryptStates(gr).join(',')}`);
}

function checkData(checks, c, res) {
  const { br, gr } = res;
  if (c.refused) {
    checks.exactly(br.data.received.length, 0, 'browser: data messages decrypted');
    checks.exactly(br.data.errors.length, DATA_MESSAGES, 'browser: data messages refused by DataCryptor');
    checks.exactly(gr.data.received.length, 0, 'gst: data messages decrypted');
    checks.exactly(gr.data.errors.length, DATA_MESSAGES, 'gst: data messages refused by decrypt_data');
    return;
  }
  const want = (who) => [...Array(DATA_MESSAGES).keys()].map((i) => `${who} says ${i}`);
  checks.that(JSON.stringify(br.data.received.map((m) => m.text)) === JSON.stringify(want('gst')),
    `browser: DataCryptor decrypted ${br.data.received.length}/${DATA_MESSAGES} of gst's DataPackets (errors ${br.data.errors.length})`);
  checks.that(JSON.stringify(gr.data.received.map((m) => m.text)) === JSON.stringify(want('browser')),
    `gst: decrypt_data decrypted ${gr.data.received.length}/${DATA_MESSAGES} of the browser's DataPackets (errors ${gr.data.errors.length})`);
  const index = c.keyIndex ?? 0;
  checks.that(br.data.received.every((m) => m.keyIndex === index && m.identity === 'gst')
    && gr.data.received.every((m) => m.keyIndex === index && m.identity === 'browser'),
  `data: key index ${index} and sender identity in every EncryptedPacket`);
}

function checkRatchet(checks, res) {
  const { br, gr, beforeRatchet } = res;
  const bAfter = (br.inbound.video?.framesDecoded ?? 0) - (beforeRatchet.br.inbound.video?.framesDecoded ?? 0);
  const gAfter = gr.video.frames - beforeRatchet.gr.video.frames;
  checks.atLeast(bAfter, 45, 'browser: frames decoded after both senders ratcheted');
  checks.atLeast(gAfter, 45, 'gst: pictures decoded after both senders ratcheted');
  checks.that(br.workerRatchets.some((r) => r.participant === 'gst'),
    `browser: worker followed gst's ratchet through its window (${JSON.stringify(br.workerRatchets)})`);
  checks.that(gstDecryptStates(gr).includes('key-ratcheted'),
    `gst: e2eedecrypt followed the browser's ratchet (${gstDecryptStates(gr).join(',')})`);
  checks.exactly(barsMatch(br.bars), 7, 'browser: bars after the ratchet');
  checks.exactly(barsMatch(gr.video.bars), 7, 'gst: bars after the ratchet');
}

function checkIce(checks, res) {
  const addresses = [];
  const { br, gr } = res;
  if (br?.selectedPair) {
    addresses.push(`${br.selectedPair.local.address}:${br.selectedPair.local.port}`, `${br.selectedPair.remote.address}:${br.selectedPair.remote.port}`);
  }
  for (const list of [br?.candidates?.local ?? [], br?.candidates?.remote ?? []]) for (const cd of list) addresses.push(`${cd.address}:${cd.port}`);
  for (const line of [...(gr?.localCandidates ?? []), ...(gr?.remoteCandidates ?? [])]) addresses.push(candidateAddress(line));
  const outside = outsideNamespace(addresses);
  checks.that(addresses.length > 0 && outside.length === 0, `ICE: every candidate inside the namespace (${outside.length ? `outside: ${outside.join(' ')}` : `${new Set(addresses.map((a) => a.replace(/:\d+$/, ''))).size} address(es)`})`);
  const pair = br?.selectedPair;
  return pair ? `${pair.local.address}:${pair.local.port} <-> ${pair.remote.address}:${pair.remote.port} (${pair.local.type}/${pair.local.protocol})` : 'no selected pair';
}

function evaluate(c, res) {
  const checks = new Checks();
  if (c.example) {
    checkExample(checks, c, res);
    return { checks, ice: c.example === 'browser-call' ? checkIce(checks, res) : 'see the example\'s own output' };
  }
  if (c.janus === 'refuse') {
    checks.that(res.janus.refused?.code === 433, `janus: publisher without "e2ee": true refused (${JSON.stringify(res.janus.refused)})`);
    checks.that(res.janus.accepted === true, 'janus: the same offer with "e2ee": true accepted by that room');
    return { checks, ice: 'n/a (refused before ICE)' };
  }
  if (c.janus) {
    checks.that(res.janus.publisherE2ee === true, 'janus: publisher answer says e2ee');
    checkReceived(checks, c, res, c.janus === 'gst-publishes' ? 'browser' : 'gst');
  } else if (c.refused) {
    checkRefused(checks, c, res);
  } else {
    checkReceived(checks, c, res, 'browser');
    checkReceived(checks, c, res, 'gst');
    if (c.keyIndex !== undefined) {
      checks.that(res.gr.states.some((s) => s.element === 'e2eedecrypt' && s.state === 'ok' && s.keyIndex === c.keyIndex),
        `gst: the browser's frames carried key index ${c.keyIndex}`);
    }
  }
  if (c.ratchet) checkRatchet(checks, res);
  if (c.data) checkData(checks, c, res);
  const ice = checkIce(checks, res);
  return { checks, ice };
}

function counts(c, res) {
  if (c.example === 'browser-call') return `page decoded ${res.br?.inbound.video?.framesDecoded ?? 0}, browser-call.py decoded ${res.example.gst}`;
  if (c.example) return `publisher encrypted ${res.example.sent}, subscriber decoded ${res.example.decoded}`;
  if (c.janus === 'refuse') return `without "e2ee": ${JSON.stringify(res.janus.refused)}; with it: accepted ${res.janus.accepted}`;
  const { br, gr } = res;
  if (!br || !gr) return '';
  const kind = kindOf(c.codec);
  const b = kind === 'video' ? br.inbound.video?.framesDecoded ?? 0 : br.inbound.audio?.audioFramesDecoded ?? 0;
  const g = kind === 'video' ? gr.video.frames : gr.audio.buffers;
  const extra = [];
  if (kind === 'video') extra.push(`bars ${barsMatch(br.bars)}/7 | ${barsMatch(gr.video.bars)}/7`);
  else extra.push(`tone ${br.tone.freq} Hz | ${gr.audio.freq} Hz`);
  if (c.data) extra.push(`data ${br.data.received.length}/${DATA_MESSAGES} | ${gr.data.received.length}/${DATA_MESSAGES}`);
  extra.push(`worker errors ${br.workerErrors.length}`);
  return `browser decoded ${b}, gst decoded ${g}; ${extra.join('; ')}`;
}

// -- main -----------------------------------------------------------------

async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); });
  try { return await Promise.race([promise, timeout]); } finally { clearTimeout(timer); }
}

async function main() {
  const selected = CASES.filter((c) => groups.includes(c.group) && (!only || c.name.includes(only)));
  console.log(`browser suite (${groups.join(', ')}): ${selected.length} cases in network namespace ${process.env.E2EE_NETNS_NAME ?? '(none!)'}, addresses ${process.env.E2EE_NETNS_ALLOWED}`);
  if (!process.env.E2EE_NETNS) {
    console.log('refusing to run: not inside tests/netns/run-in-netns.sh (ICE would use the host\'s interfaces)');
    process.exit(1);
  }
  const ctx = { rooms: 0 };
  ctx.browser = await launchBrowser({ npmDir, log });
  console.log(`chromium ${ctx.browser.version}, livekit-client worker ${npmDir}/node_modules/livekit-client/dist/livekit-client.e2ee.worker.mjs`);
  if (selected.some((c) => c.janus)) ctx.janus = await startJanus({ log: (s) => console.log(s) });
  let passed = 0;
  let failed = 0;
  for (const c of selected) {
    const began = Date.now();
    let line;
    try {
      const run = c.example ? exampleCall : c.janus ? janusCall : directCall;
      const res = await withTimeout(run(ctx, c), CASE_TIMEOUT_MS, c.name);
      const { checks, ice } = evaluate(c, res);
      const ok = checks.passed;
      if (ok) passed++; else failed++;
      line = `${ok ? 'PASS' : 'FAIL'} ${c.name} (${((Date.now() - began) / 1000).toFixed(1)} s): ${counts(c, res)}\n       ICE ${ice}`;
      for (const item of checks.items) if (!item.ok || verbose) line += `\n       ${item.ok ? 'ok  ' : 'FAIL'} ${item.what}`;
      if (!ok && c.janus) line += `\n       janus log:\n${ctx.janus.logTail()}`;
      if (!ok && res.br) line += `\n       browser RTP: ${JSON.stringify({ in: res.br.inbound, out: res.br.outbound })}`;
      if (!ok && res.gr) line += `\n       gst: states ${JSON.stringify(res.gr.states)} decrypt ${JSON.stringify(res.gr.decStats)} key-unit requests ${JSON.stringify(res.gr.keyUnitRequests)}`;
    } catch (e) {
      failed++;
      line = `FAIL ${c.name}: could not run: ${e.message}`;
      if (ctx.janus && c.janus) line += `\n${ctx.janus.logTail()}`;
    }
    console.log(line);
  }
  await ctx.browser.close();
  if (ctx.janus) await ctx.janus.stop();
  console.log(`browser suite: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL: the suite could not start: ${e.stack}`); console.log('0 passed, 1 failed'); process.exit(1); });
