// Janus (Debian's janus package) as the SFU of a test, and a small client
// of its HTTP API for the VideoRoom plugin. Reusable: startJanus() runs a
// private instance (own config folder, only VideoRoom and the HTTP
// transport, HTTP on 127.0.0.1); JanusSession publishes and subscribes.
//
// VideoRoom facts this relies on (janus_videoroom.c, Janus 1.1.2): a room
// created with "require_e2ee": true refuses a publisher whose JSEP lacks
// "e2ee": true (error 433, "Room requires end-to-end encrypted media"); an
// E2EE publisher's streams are forwarded without touching the payload.
// Subscribers' offers carry "e2ee": true only from Janus 1.2.2 on (commit
// d954e0fa, "Fixed broken E2EE in VideoRoom"); 1.1.2's do not.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

const SEARCH = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus'];

export function findJanus() {
  const bin = ['/usr/bin/janus', '/usr/local/bin/janus', '/opt/janus/bin/janus'].find((p) => fs.existsSync(p));
  const lib = SEARCH.find((d) => fs.existsSync(path.join(d, 'plugins', 'libjanus_videoroom.so')));
  if (!bin) return { missing: 'the janus binary (Debian package janus)' };
  if (!lib) return { missing: 'Janus VideoRoom plugin libjanus_videoroom.so' };
  if (!fs.existsSync(path.join(lib, 'transports', 'libjanus_http.so'))) return { missing: 'Janus HTTP transport libjanus_http.so' };
  return { bin, lib };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function otherLibs(dir, keep) {
  return fs.readdirSync(dir).filter((f) => /^libjanus_.*\.so$/.test(f) && f !== keep).join(',');
}

// Starts Janus; resolves once its HTTP API answers. { url, stop(), logTail() }.
export async function startJanus({ log = () => {}, timeoutMs = 20000 } = {}) {
  const found = findJanus();
  if (found.missing) throw new Error(`cannot start Janus: missing ${found.missing}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2ee-janus-'));
  const port = await freePort();
  const { lib } = found;
  fs.writeFileSync(path.join(dir, 'janus.jcfg'), `general: {
  configs_folder = "${dir}"
  plugins_folder = "${lib}/plugins"
  transports_folder = "${lib}/transports"
  events_folder = "${lib}/events"
  loggers_folder = "${lib}/loggers"
  debug_level = 4
  server_name = "gst-e2ee-test"
  session_timeout = 120
}
media: { rtp_port_range = "20000-40000" }
nat: { nice_debug = false  ice_ignore_list = "vmnet" }
plugins: { disable = "${otherLibs(path.join(lib, 'plugins'), 'libjanus_videoroom.so')}" }
transports: { disable = "${otherLibs(path.join(lib, 'transports'), 'libjanus_http.so')}" }
events: { broadcast = false }
loggers: { disable = "${fs.existsSync(path.join(lib, 'loggers')) ? otherLibs(path.join(lib, 'loggers'), '') : ''}" }
`);
  fs.writeFileSync(path.join(dir, 'janus.transport.http.jcfg'), `general: {
  json = "compact"
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: { admin_http = false admin_https = false }
`);
  fs.writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  const logFile = path.join(dir, 'janus.log');
  const child = spawn(found.bin, ['-C', path.join(dir, 'janus.jcfg'), '-F', dir, '-o', '-L', logFile, '-N'], { stdio: 'ignore' });
  let exited = null;
  child.on('exit', (code, signal) => { exited = code ?? signal; });
  const url = `http://127.0.0.1:${port}/janus`;
  const deadline = Date.now() + timeoutMs;
  const logTail = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '(no log)');
  for (;;) {
    if (exited !== null) throw new Error(`Janus exited (${exited}) at start:\n${logTail()}`);
    try {
      const r = await fetch(`${url}/info`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) {
        const info = await r.json();
        log(`janus ${info.version_string} (${Object.keys(info.plugins ?? {}).join(', ')}) at ${url}`);
        break;
      }
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`Janus did not answer within ${timeoutMs} ms:\n${logTail()}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url, logTail,
    async stop() {
      if (exited !== null) return;
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      if (exited === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let txCounter = 0;

// One Janus session with its long-poll loop; handles are VideoRoom handles.
export class JanusSession {
  static async create(url, { log = () => {} } = {}) {
    const s = new JanusSession(url, log);
    const r = await s.post(url, { janus: 'create' });
    s.id = r.data.id;
    s.poll();
    return s;
  }

  constructor(url, log) {
    this.url = url; this.log = log; this.waiters = []; this.events = []; this.closed = false;
  }

  async post(url, body) {
    const transaction = `t${++txCounter}`;
    const r = await fetch(url, {
      method: 'POST', body: JSON.stringify({ ...body, transaction }),
      headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10000),
    });
    const json = await r.json();
    if (json.janus === 'error') throw new Error(`janus ${body.janus}: ${json.error?.code} ${json.error?.reason}`);
    return { ...json, transaction };
  }

  async poll() {
    while (!this.closed) {
      try {
        const r = await fetch(`${this.url}/${this.id}?maxev=5`, { signal: AbortSignal.timeout(40000) });
        const got = await r.json();
        for (const ev of Array.isArray(got) ? got : [got]) {
          if (ev.janus === 'keepalive') continue;
          this.events.push(ev);
          for (const w of [...this.waiters]) if (w.match(ev)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(ev); }
        }
      } catch (e) {
        if (!this.closed) { this.log(`janus poll: ${e.message}`); await new Promise((r) => setTimeout(r, 200)); }
      }
    }
  }

  waitFor(what, match, timeoutMs = 15000) {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`janus: no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
  }

  async attach() {
    const r = await this.post(`${this.url}/${this.id}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    return r.data.id;
  }

  // A plugin request; synchronous ones answer at once, others by an event
  // with the same transaction.
  async message(handle, body, jsep) {
    const r = await this.post(`${this.url}/${this.id}/${handle}`, { janus: 'message', body, ...(jsep ? { jsep } : {}) });
    if (r.janus === 'success') return { data: r.plugindata?.data, jsep: r.jsep };
    const ev = await this.waitFor(`answer to ${body.request}`, (e) => e.transaction === r.transaction && e.janus === 'event');
    return { data: ev.plugindata?.data, jsep: ev.jsep };
  }

  async createRoom(handle, room, options) {
    const { data } = await this.message(handle, { request: 'create', room, publishers: 6, permanent: false, ...options });
    if (data.videoroom !== 'created') throw new Error(`janus: cannot create room ${room}: ${JSON.stringify(data)}`);
    return data;
  }

  // Joins as a publisher and publishes `offer`; returns the answer SDP and
  // the publisher id, or throws with Janus's error code and reason.
  async publish(handle, room, display, offer, { e2ee = true } = {}) {
    const joined = await this.message(handle, { request: 'join', ptype: 'publisher', room, display });
    if (joined.data.videoroom !== 'joined') throw new Error(`janus join: ${JSON.stringify(joined.data)}`);
    const jsep = { type: 'offer', sdp: offer, ...(e2ee ? { e2ee: true } : {}) };
    const r = await this.message(handle, { request: 'publish' }, jsep);
    if (r.data.error_code) {
      const err = new Error(`janus publish refused: ${r.data.error_code} ${r.data.error}`);
      err.code = r.data.error_code; err.reason = r.data.error;
      throw err;
    }
    return { answer: r.jsep.sdp, e2ee: r.jsep.e2ee === true, publisherId: joined.data.id };
  }

  // Resolves when the handle's PeerConnection is up (DTLS done): a feed
  // can be subscribed to only from then on.
  webrtcUp(handle, timeoutMs = 15000) {
    return this.waitFor(`webrtcup of handle ${handle}`, (e) => e.janus === 'webrtcup' && e.sender === handle, timeoutMs);
  }

  // Subscribes to a publisher's feed: Janus offers, the caller answers.
  async subscribe(handle, room, feed) {
    const r = await this.message(handle, { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
    if (!r.jsep) throw new Error(`janus subscribe: ${JSON.stringify(r.data)}`);
    return { offer: r.jsep.sdp, e2ee: r.jsep.e2ee === true };
  }

  async start(handle, answer) {
    const r = await this.message(handle, { request: 'start' }, { type: 'answer', sdp: answer });
    if (r.data.error_code) throw new Error(`janus start: ${r.data.error}`);
    return r.data;
  }

  async destroy() {
    this.closed = true;
    await this.post(`${this.url}/${this.id}`, { janus: 'destroy' }).catch(() => {});
  }
}
