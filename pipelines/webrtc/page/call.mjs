// Joins the call of pipelines/webrtc/browser-call.py: the browser suite's
// peer (tests/browser/page/peer.mjs: LiveKit's worker on an
// RTCPeerConnection) plus signalling over this page's own server.
import '/peer/peer.mjs';

const peer = window.e2eePeer;
const show = (text) => { document.getElementById('counts').textContent = text; };

async function join() {
  const config = await (await fetch('/config')).json();
  const passphrase = new URLSearchParams(location.hash.slice(1)).get('passphrase') ??
    prompt('The passphrase the GStreamer side uses');
  await peer.setup({
    identity: 'browser', remote: 'gst', api: config.api, media: config.media,
    keys: [{ passphrase }],
  });
  const offer = await fetch('/offer', { method: 'POST' });
  if (!offer.ok) throw new Error(await offer.text());
  const answer = await peer.answer(await offer.text());
  await fetch('/answer', { method: 'POST', body: answer });
  setInterval(update, 1000);
}

async function update() {
  const r = await peer.report();
  const video = r.inbound.video?.framesDecoded;
  const audio = r.inbound.audio?.audioFramesDecoded;
  const decoded = video ?? audio ?? 0;
  const pair = r.selectedPair;
  show([
    `connection: ${r.connectionState}` + (pair ? ` (${pair.local.address}:${pair.local.port} <-> ${pair.remote.address}:${pair.remote.port})` : ''),
    `decoded from GStreamer: ${video !== undefined ? `${video} video frames` : audio !== undefined ? `${audio} audio frames, tone ${r.tone.freq} Hz` : 'nothing yet'}`,
    `sent: ${JSON.stringify(r.outbound)}`,
    `LiveKit worker errors: ${r.workerErrors.length}${r.workerErrors.length ? ` (${r.workerErrors.at(-1).message})` : ''}`,
    `transforms: ${r.transforms.join(', ')}`,
  ].join('\n'));
  await fetch('/report', {
    method: 'POST',
    body: JSON.stringify({ decoded, workerErrors: r.workerErrors.length, connection: r.connectionState }),
  }).catch(() => {});
}

join().catch((e) => { document.getElementById('status').textContent = `failed: ${e.message}`; });
