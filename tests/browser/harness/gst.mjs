// The GStreamer peer (tests/browser/gst_peer.py, run with /usr/bin/python3
// for PyGObject) as a child process speaking JSON lines. Reusable: any suite
// that needs a webrtcbin peer with e2eeencrypt/e2eedecrypt starts one with
// startGstPeer(config).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const GST_PEER = path.join(here, '..', 'gst_peer.py');

export function startGstPeer(config, { log = () => {}, python = '/usr/bin/python3' } = {}) {
  const child = spawn(python, [GST_PEER, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'], env: process.env,
  });
  const events = [];
  const waiters = [];
  let buffered = '';
  let exited = null;
  const label = config.name ?? 'gst';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      let event;
      try { event = JSON.parse(line); } catch { log(`${label} stdout: ${line}`); continue; }
      if (event.event === 'log') log(event.text);
      else if (event.event === 'error') log(`${label} ERROR ${event.message}`);
      events.push(event);
      for (const w of [...waiters]) if (w.match(event)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(event); }
    }
  });
  child.stderr.on('data', (chunk) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) log(`${label} stderr: ${line}`);
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    for (const w of waiters.splice(0)) w.reject(new Error(`${label} exited (${code ?? signal}) while waiting for ${w.what}`));
  });

  function waitFor(what, match, timeoutMs = 15000) {
    const seen = events.find(match);
    if (seen) return Promise.resolve(seen);
    if (exited) return Promise.reject(new Error(`${label} has exited (${exited.code ?? exited.signal})`));
    return new Promise((resolve, reject) => {
      const w = { what, match, resolve, reject };
      const timer = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`${label}: no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
      w.resolve = (e) => { clearTimeout(timer); resolve(e); };
      w.reject = (e) => { clearTimeout(timer); reject(e); };
      waiters.push(w);
    });
  }
  const send = (msg) => { if (!exited) child.stdin.write(`${JSON.stringify(msg)}\n`); };

  return {
    events, send, waitFor,
    ready: () => waitFor('ready', (e) => e.event === 'ready', 20000),
    async sdp(type) { return (await waitFor(`${type} SDP`, (e) => e.event === 'sdp' && e.type === type)).sdp; },
    async report() {
      const n = events.filter((e) => e.event === 'report').length;
      send({ cmd: 'report' });
      let i = 0;
      return waitFor('report', (e) => e.event === 'report' && ++i > n, 10000);
    },
    async stop() {
      if (exited) return exited;
      send({ cmd: 'stop' });
      const done = new Promise((resolve) => child.once('exit', () => resolve(exited)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await done;
      clearTimeout(timer);
      return exited;
    },
  };
}
