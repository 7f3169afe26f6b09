// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// with gst-e2ee's browser peer page (tests/browser/page/) served from
// 127.0.0.1 next to the pinned npm packages (livekit-client's worker and
// bundles, @livekit/protocol). Reusable: other suites open a peer page with
// launchBrowser() and drive it through window.e2eePeer.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PAGE_DIR = path.join(here, '..', 'page');

// Chromium as root in a test: no sandbox, no GPU, no network of its own
// (no QUIC, no background or component updates, no sync), a fresh profile
// (Playwright makes one per launch). Media: fake capture devices and the
// permission they need, which also makes WebRTC gather the namespace's
// interface address instead of nothing; no mDNS names for host candidates;
// audio may start without a user gesture.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.map': 'application/json' };

function serveStatic(npmDir, extraDirs) {
  const roots = { '/page/': PAGE_DIR, '/npm/': path.join(npmDir, 'node_modules'), ...extraDirs };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const prefix = Object.keys(roots).find((p) => url.pathname.startsWith(p));
    const file = prefix && path.normalize(path.join(roots[prefix], url.pathname.slice(prefix.length)));
    if (!file || !file.startsWith(roots[prefix]) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404); res.end('not found'); return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// Starts the page server and Chromium. Returns { newPeer(), close(), version }.
// npmDir holds node_modules with livekit-client and playwright-core.
export async function launchBrowser({ npmDir: npmDirGiven, log = () => {}, extraDirs = {} }) {
  const npmDir = path.resolve(npmDirGiven);
  const { chromium } = await import(path.join(npmDir, 'node_modules', 'playwright-core', 'index.mjs'));
  const server = await serveStatic(npmDir, extraDirs);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.E2EE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true, args: CHROMIUM_ARGS, timeout: 30000,
  });
  const version = browser.version();
  log(`chromium ${version}, pages from ${origin}`);

  async function newPeer(label = 'browser') {
    const page = await browser.newPage();
    page.setDefaultTimeout(20000);
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`${label} console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => log(`${label} page error: ${e.message}`));
    await page.goto(`${origin}/page/index.html`);
    await page.waitForFunction(() => window.e2eePeer !== undefined, null, { timeout: 15000 });
    const call = (fn, ...args) => page.evaluate(([f, a]) => window.e2eePeer[f](...a), [fn, args]);
    return {
      page, call,
      setup: (cfg) => call('setup', cfg),
      answer: (sdp) => call('answer', sdp),
      offer: () => call('offer'),
      acceptAnswer: (sdp) => call('acceptAnswer', sdp),
      ratchet: (participant, index) => call('ratchet', participant, index),
      setKey: (key) => call('setKey', key),
      sendData: (text) => call('sendData', text),
      dataReady: () => call('dataReady'),
      report: () => call('report'),
      // A screenshot (PNG) of the remote <video> as Chromium shows it, at
      // the video's own size.
      async screenshotVideo(file) {
        await page.evaluate(() => {
          const v = document.getElementById('remote-video');
          v.width = v.videoWidth; v.height = v.videoHeight;
        });
        return page.locator('#remote-video').screenshot({ path: file, animations: 'allow' });
      },
      async close() { await call('stop').catch(() => {}); await page.close().catch(() => {}); },
    };
  }

  // Any page, for examples that serve their own (pipelines/webrtc/).
  async function openPage(url, label = 'page') {
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') log(`${label} console.error: ${m.text()}`); });
    page.on('pageerror', (e) => log(`${label} page error: ${e.message}`));
    await page.goto(url);
    return page;
  }

  return {
    version, origin, newPeer, openPage,
    async close() { await browser.close().catch(() => {}); server.close(); },
  };
}
