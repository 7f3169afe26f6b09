// The demo's call (scripts/demo.sh, through pipelines/demo/run.sh, inside a
// network namespace of its own): a GStreamer sender publishes SMPTE bars
// with a running clock (VP8, e2eeencrypt, e2eertpvp8pay) and a 440 Hz tone
// (Opus, e2eeencrypt, rtpopuspay) to a Janus VideoRoom created with
// require_e2ee; three subscribers receive what Janus forwards:
//
//   browser   headless Chromium running livekit-client's own E2EE worker
//   keyed     a GStreamer receiver with the passphrase (e2eedecrypt)
//   keyless   a GStreamer receiver without it, whose decoder outputs what
//             it can make of the encrypted frames: what Janus, or anyone
//             on the path, gets
//
// Every frame the encoder made is hashed (SHA-256) before e2eeencrypt, and
// every frame each receiver decrypted after its decryptor (in the browser:
// what LiveKit's worker hands back); "byte-exact" is a decrypted frame
// whose hash is one of the sender's. A frame "left in clear" when its bytes
// after LiveKit's clear header equal the plaintext's.
//
// Then it takes one picture from each (the sender's raw frame, Chromium's
// screenshot of its <video>, both receivers' decoded frames), has
// picture.py compose them into one PNG with a caption of the figures and
// check it bar by bar, and prints the figures, the picture's path and a
// VERIFIED line (or NOT VERIFIED and why).
//
//   node call.mjs --npm-dir DIR --png PATH [--seconds S] [-v]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../../tests/browser/harness/browser.mjs';
import { startGstPeer } from '../../tests/browser/harness/gst.mjs';
import { JanusSession, startJanus } from '../../tests/browser/harness/janus.mjs';
import { candidateAddress, outsideNamespace } from '../../tests/browser/harness/checks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const npmDir = opt('--npm-dir');
const png = opt('--png');
const seconds = Number(opt('--seconds', '5'));
const verbose = args.includes('-v');
if (!npmDir || !png) {
  console.error('usage: call.mjs --npm-dir DIR --png PATH [--seconds S] [-v]');
  process.exit(2);
}

const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1);
const say = (s) => console.log(`demo [${elapsed()} s]: ${s}`);
const log = (s) => { if (verbose) console.log(`  [${elapsed()}s] ${s}`); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const PASSPHRASE = 'gst-e2ee demo: the room passphrase';
const ROOM = 1616;
const WIDTH = 640;
const HEIGHT = 480;
const TONE = 440;
// What every receiver must at least get in `seconds` of media (30 frames/s
// of video, 50 of audio), with room for a slow shared machine.
const MIN_VIDEO = Math.round(seconds * 30 * 0.5);
const MIN_AUDIO = Math.round(seconds * 50 * 0.5);

const VIDEO = { kind: 'video', codec: 'vp8' };
const AUDIO = { kind: 'audio', codec: 'opus' };

// -- the call ---------------------------------------------------------------

async function subscribeGst(s, feed, peer) {
  const handle = await s.attach();
  const { offer } = await s.subscribe(handle, ROOM, feed);
  peer.send({ cmd: 'remote', type: 'offer', sdp: offer });
  await s.start(handle, await peer.sdp('answer'));
}

async function subscribeBrowser(s, feed, peer) {
  const handle = await s.attach();
  const { offer } = await s.subscribe(handle, ROOM, feed);
  await s.start(handle, await peer.answer(offer));
}

async function waitConnected(peer, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await peer.report();
    if (r.connectionState === 'connected') return;
    if (r.connectionState === 'failed' || Date.now() > deadline) {
      throw new Error(`Chromium's connection to Janus is ${r.connectionState}`);
    }
    await sleep(100);
  }
}

async function snapshot(peer, file, who) {
  const done = peer.waitFor(`${who}'s snapshot`, (e) => e.event === 'snapshot' && e.path === file, 10000);
  peer.send({ cmd: 'snapshot', path: file });
  const e = await done;
  if (!e.ok) throw new Error(`${who}: could not write ${file}`);
  return file;
}

async function call(work) {
  const closers = [];
  const close = async () => { for (const c of closers.reverse()) await c().catch(() => {}); };
  try {
    // Janus, Chromium and the three GStreamer peers start side by side.
    const gst = (name, config) => {
      const peer = startGstPeer({ name, identity: name, remote: 'gst', frames: true, ...config }, { log });
      closers.push(() => peer.stop());
      return peer;
    };
    // A key frame every 10 frames: libvpx makes a picture of about one
    // encrypted key frame in four (tests/browser/gst_peer.py), so the
    // keyless receiver has one within a second or two, all but surely.
    const sender = gst('gst', {
      offerer: true, keyframeInterval: 10,
      media: [{ ...VIDEO, send: true, recv: false, width: WIDTH, height: HEIGHT, clock: true },
        { ...AUDIO, send: true, recv: false, tone: TONE }],
      send: { props: { passphrase: PASSPHRASE } },
    });
    const keyed = gst('keyed', { offerer: false, media: [], recv: { props: { passphrase: PASSPHRASE } } });
    const keyless = gst('keyless', { offerer: false, media: [], recv: { decrypt: false } });
    const [janus, browser] = await Promise.all([startJanus({ log }), launchBrowser({ npmDir, log })]);
    closers.push(() => janus.stop(), () => browser.close());
    say(`Janus and Chromium ${browser.version} up in network namespace ${process.env.E2EE_NETNS_NAME} (${process.env.E2EE_NETNS_ADDRESS})`);

    // Chromium's page loads LiveKit's worker while the sender publishes.
    const pageReady = browser.newPeer('chromium').then(async (page) => {
      await page.setup({
        identity: 'browser', remote: 'gst', api: 'encoded-streams', digests: true,
        media: [{ ...VIDEO, send: false, recv: true }, { ...AUDIO, send: false, recv: true }],
        keys: [{ passphrase: PASSPHRASE }],
      });
      return page;
    });
    pageReady.catch(() => {});

    const s = await JanusSession.create(janus.url, { log });
    closers.push(() => s.destroy());
    await s.createRoom(await s.attach(), ROOM, { require_e2ee: true, videocodec: 'vp8', audiocodec: 'opus' });
    await Promise.all([sender.ready(), keyed.ready(), keyless.ready()]);
    sender.send({ cmd: 'offer' });
    const pub = await s.attach();
    const published = await s.publish(pub, ROOM, 'gst', await sender.sdp('offer'));
    sender.send({ cmd: 'remote', type: 'answer', sdp: published.answer });
    await s.webrtcUp(pub);
    say(`the sender published VP8 ${WIDTH}x${HEIGHT} and Opus to room ${ROOM} (require_e2ee; Janus's answer says e2ee: ${published.e2ee})`);

    const page = await pageReady;
    await Promise.all([
      subscribeBrowser(s, published.publisherId, page),
      subscribeGst(s, published.publisherId, keyed),
      subscribeGst(s, published.publisherId, keyless),
    ]);
    const firstPicture = (peer) => peer.waitFor('a first picture', (e) => e.event === 'first-frame' && e.kind === 'video', 15000);
    await Promise.all([waitConnected(page), firstPicture(keyed)]);
    say(`Chromium (LiveKit's worker), a GStreamer receiver with the key and one without it subscribed; ${seconds} s of media`);
    await sleep(seconds * 1000);
    // The keyless decoder makes a picture of one frame in several; it has
    // had one long since, as a rule.
    await firstPicture(keyless);

    const panels = {
      sender: path.join(work, 'sender.png'), browser: path.join(work, 'browser.png'),
      keyed: path.join(work, 'keyed.png'), keyless: path.join(work, 'keyless.png'),
    };
    await Promise.all([
      snapshot(sender, panels.sender, 'the sender'),
      page.screenshotVideo(panels.browser),
      snapshot(keyed, panels.keyed, 'the keyed receiver'),
      snapshot(keyless, panels.keyless, 'the keyless receiver'),
    ]);
    // The receivers first: every frame they report left the sender
    // before its own report, which must list it.
    const [browserReport, keyedReport, keylessReport] = await Promise.all([page.report(), keyed.report(), keyless.report()]);
    const reports = { browser: browserReport, keyed: keyedReport, keyless: keylessReport, sender: await sender.report() };
    return { reports, panels, janusE2ee: published.e2ee };
  } finally {
    await close();
  }
}

// -- the figures ------------------------------------------------------------

function received(hashes, sent) {
  const known = new Set(sent);
  const list = hashes ?? [];
  return { frames: list.length, exact: list.filter((h) => known.has(h)).length };
}

function figures({ reports, janusE2ee }) {
  const { sender, browser, keyed, keyless } = reports;
  const sent = sender.frames;
  const per = (video, audio) => ({ video: received(video, sent.video.sent), audio: received(audio, sent.audio.sent) });
  const decryptStates = keyed.states.filter((x) => x.element === 'e2eedecrypt').map((x) => x.state);
  return {
    sent: { video: sent.video.wire, audio: sent.audio.wire, clear: sent.video.clear + sent.audio.clear },
    browser: {
      ...per(browser.digests?.video, browser.digests?.audio),
      decoded: browser.inbound.video?.framesDecoded ?? 0,
      tone: browser.tone.freq, workerErrors: browser.workerErrors.map((e) => e.message),
    },
    keyed: { ...per(keyed.frames.video.received, keyed.frames.audio.received), decoded: keyed.video.frames, states: decryptStates },
    keyless: { ...per(keyless.frames.video.received, keyless.frames.audio.received), decoded: keyless.video.frames },
    janusE2ee,
    ice: iceAddresses(reports),
  };
}

function iceAddresses({ browser, sender, keyed, keyless }) {
  const addresses = [];
  for (const list of [browser.candidates.local, browser.candidates.remote]) {
    for (const c of list) addresses.push(`${c.address}:${c.port}`);
  }
  for (const r of [sender, keyed, keyless]) {
    for (const line of [...r.localCandidates, ...r.remoteCandidates]) addresses.push(candidateAddress(line));
  }
  return { count: addresses.length, outside: outsideNamespace(addresses) };
}

// What must hold for VERIFIED; each failure is named.
function problems(f, picture) {
  const out = [];
  const need = (ok, what) => { if (!ok) out.push(what); };
  need(f.sent.video >= MIN_VIDEO && f.sent.audio >= MIN_AUDIO, `the sender encrypted only ${f.sent.video} video and ${f.sent.audio} audio frames`);
  need(f.sent.clear === 0, `${f.sent.clear} frames left the sender in clear`);
  for (const who of ['browser', 'keyed']) {
    for (const [kind, min] of [['video', MIN_VIDEO], ['audio', MIN_AUDIO]]) {
      const r = f[who][kind];
      need(r.frames >= min, `${who}: only ${r.frames} ${kind} frames decrypted (at least ${min})`);
      need(r.exact === r.frames, `${who}: ${r.frames - r.exact} decrypted ${kind} frames differ from the encoder's`);
    }
    need(f[who].decoded >= MIN_VIDEO, `${who}: only ${f[who].decoded} pictures decoded`);
  }
  need(f.browser.workerErrors.length === 0, `LiveKit's worker reported ${f.browser.workerErrors.slice(0, 2).join('; ')}`);
  need(Math.abs(f.browser.tone - TONE) <= 15, `Chromium hears ${f.browser.tone} Hz, not ${TONE} Hz`);
  need(f.keyed.states.includes('ok') && !f.keyed.states.some((x) => x !== 'ok'), `e2eedecrypt states: ${f.keyed.states.join(', ')}`);
  need(f.keyless.video.frames >= MIN_VIDEO, `the keyless receiver got only ${f.keyless.video.frames} video frames`);
  need(f.keyless.video.exact === 0 && f.keyless.audio.exact === 0, 'the keyless receiver got frames equal to the plaintext');
  need(f.janusE2ee === true, 'Janus\'s answer to the publisher did not say e2ee: true');
  need(f.ice.count > 0 && f.ice.outside.length === 0, `ICE candidates outside the namespace: ${f.ice.outside.join(' ')}`);
  if (!picture.ok) out.push(...picture.problems.map((p) => `picture: ${p}`));
  return out;
}

// -- the picture ------------------------------------------------------------

// One line under the picture: the figures the issue asks for.
function caption(f) {
  const exact = (r) => `${r.video.exact + r.audio.exact}/${r.video.frames + r.audio.frames}`;
  return `${f.sent.video + f.sent.audio} frames sent (VP8 + Opus) | decrypted byte-exact: `
    + `Chromium ${exact(f.browser)}, GStreamer ${exact(f.keyed)} | left in clear: ${f.sent.clear}`;
}

function python(argv) {
  const r = spawnSync('/usr/bin/python3', [path.join(here, 'picture.py'), ...argv], { encoding: 'utf8' });
  if (r.stderr.trim()) log(`picture.py: ${r.stderr.trim()}`);
  return r;
}

function picture(panels, text) {
  const made = python(['compose', '--out', png, '--caption', text,
    ...Object.entries(panels).flatMap(([k, v]) => [`--${k}`, v])]);
  if (made.status !== 0) return { ok: false, problems: [`compose failed: ${made.stderr.trim() || made.stdout.trim()}`] };
  const checked = python(['check', '--json', png]);
  try { return JSON.parse(checked.stdout); } catch { return { ok: false, problems: [`check failed: ${checked.stderr.trim()}`] }; }
}

function table(f, pic) {
  const bars = (who) => (pic.panels?.[who] ? `${pic.panels[who].match}/7 bars` : '-');
  const row = (a, b, c, d) => `  ${a.padEnd(33)}${b.padEnd(28)}${c.padEnd(28)}${d}`;
  const rx = (r) => `${r.frames} decrypted, ${r.exact} exact`;
  return [
    row('', `video (VP8 ${WIDTH}x${HEIGHT})`, 'audio (Opus)', 'picture'),
    row('GStreamer sender (e2eeencrypt)', `${f.sent.video} sent`, `${f.sent.audio} sent`, bars('sender')),
    row('Chromium, LiveKit\'s worker', rx(f.browser.video), rx(f.browser.audio), `${bars('browser')}, ${f.browser.decoded} decoded`),
    row('GStreamer receiver with the key', rx(f.keyed.video), rx(f.keyed.audio), `${bars('keyed')}, ${f.keyed.decoded} decoded`),
    row('GStreamer receiver without it', `${f.keyless.video.frames} got, ${f.keyless.video.exact} readable`,
      `${f.keyless.audio.frames} got, ${f.keyless.audio.exact} readable`, `${bars('keyless')}, ${f.keyless.decoded} garbled`),
    `  frames that left the sender in clear: ${f.sent.clear}; Janus's answer said e2ee: ${f.janusE2ee}; ICE: ${f.ice.count} candidates, all inside the namespace: ${f.ice.outside.length === 0}`,
  ].join('\n');
}

// -- main ---------------------------------------------------------------------

async function main() {
  if (!process.env.E2EE_NETNS) {
    console.log('demo: refusing to run outside tests/netns/run-in-netns.sh (ICE would use the host\'s interfaces)');
    return 1;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'e2ee-demo-'));
  try {
    const result = await call(work);
    const f = figures(result);
    const pic = picture(result.panels, caption(f));
    console.log(table(f, pic));
    if (fs.existsSync(png)) console.log(`picture: ${png} (${pic.width ?? '?'}x${pic.height ?? '?'})`);
    const wrong = problems(f, pic);
    for (const p of wrong) console.log(`demo: ${p}`);
    if (wrong.length) {
      console.log('NOT VERIFIED: see the lines above');
      return 1;
    }
    console.log('VERIFIED: Chromium (LiveKit\'s worker) and GStreamer decrypted every frame byte-exact through Janus; none left in clear; without the key, noise');
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then((rc) => process.exit(rc), (e) => {
  console.log(`demo: the call failed: ${e.stack ?? e}`);
  console.log('NOT VERIFIED: the call did not complete');
  process.exit(1);
});
