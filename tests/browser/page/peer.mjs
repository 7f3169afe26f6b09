// gst-e2ee's browser peer. LiveKit's own E2EE worker
// (livekit-client/dist/livekit-client.e2ee.worker.mjs, loaded unchanged)
// on a plain RTCPeerConnection, driven with the messages LiveKit's
// E2EEManager posts to it, and attached through either API LiveKit uses:
//
//   'encoded-streams'   RTCPeerConnection({encodedInsertableStreams: true})
//                       and createEncodedStreams(), streams transferred to
//                       the worker in 'encode'/'decode' messages (what
//                       LiveKit 2.23.0 does on Chromium);
//   'script-transform'  RTCRtpScriptTransform(worker, options), answered by
//                       the worker's onrtctransform (Safari, Firefox).
//
// Key material comes from LiveKit's createKeyMaterialFromString (PBKDF2)
// and createKeyMaterialFromBuffer (HKDF). Data packets are LiveKit's
// DataPacket / EncryptedPacket / EncryptedPacketPayload from
// @livekit/protocol, encrypted and decrypted by the worker's DataCryptor
// ('encryptDataRequest' / 'decryptDataRequest'), as RTCEngine does.
//
// The test harness (tests/browser/harness/*.mjs) calls window.e2eePeer.*
// through Playwright; nothing here talks to the network but WebRTC.

import { createKeyMaterialFromBuffer, createKeyMaterialFromString } from 'livekit-client';
import { DataPacket, DataPacket_Kind, EncryptedPacket, EncryptedPacketPayload, UserPacket } from '@livekit/protocol';

const WORKER_URL = '/npm/livekit-client/dist/livekit-client.e2ee.worker.mjs';
// videotestsrc pattern=smpte's upper bars: 75 % white, yellow, cyan, green,
// magenta, red, blue. The browser sends the same bars.
const SMPTE_BARS = [[191, 191, 191], [191, 191, 0], [0, 191, 191], [0, 191, 0],
  [191, 0, 191], [191, 0, 0], [0, 0, 191]];
const MIME = { vp8: 'video/VP8', vp9: 'video/VP9', h264: 'video/H264', opus: 'audio/opus' };

const state = {
  cfg: null, pc: null, worker: null, audioCtx: null,
  workerErrors: [], workerRatchets: [], workerLogs: [], pending: new Map(),
  channel: null, dataReceived: [], dataErrors: [], dataSent: 0,
  analyser: null, bars: [], barSamples: 0, localTracks: {}, timers: [],
  transforms: [], digests: {},
};

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

async function keyMaterial(key) {
  return key.passphrase !== undefined
    ? createKeyMaterialFromString(key.passphrase)
    : createKeyMaterialFromBuffer(hexToBytes(key.raw));
}

// -- the worker, as E2EEManager drives it ---------------------------------

function onWorkerMessage(ev) {
  const { kind, data } = ev.data;
  switch (kind) {
    case 'initAck': state.pending.get('init')?.resolve(data); break;
    case 'enable': state.pending.get(`enable-${data.participantIdentity}`)?.resolve(data); break;
    case 'error': {
      const message = data.error?.message ?? String(data.error);
      const future = data.uuid && state.pending.get(data.uuid);
      if (future) future.reject(new Error(message));
      else state.workerErrors.push({ message, participant: data.participantIdentity, t: performance.now() });
      break;
    }
    case 'ratchetKey':
      state.workerRatchets.push({ participant: data.participantIdentity, keyIndex: data.keyIndex });
      break;
    case 'encryptDataResponse':
    case 'decryptDataResponse':
      state.pending.get(data.uuid)?.resolve(data);
      break;
    case 'log':
      if (data.level === 'warn' || data.level === 'error') {
        state.workerLogs.push(`${data.level}: ${data.msg}`);
      }
      break;
    default: break;
  }
}

function request(id, message, transfer = []) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker: no answer to ${message.kind}`)), 10000);
    state.pending.set(id, {
      resolve: (v) => { clearTimeout(timer); state.pending.delete(id); resolve(v); },
      reject: (e) => { clearTimeout(timer); state.pending.delete(id); reject(e); },
    });
    state.worker.postMessage(message, transfer);
  });
}

async function startWorker(cfg) {
  state.worker = new Worker(WORKER_URL, { type: 'module' });
  state.worker.onmessage = onWorkerMessage;
  state.worker.onerror = (e) => state.workerErrors.push({ message: `worker error: ${e.message}` });
  const keyProviderOptions = {
    sharedKey: true, ratchetSalt: 'LKFrameEncryptionKey', ratchetWindowSize: 0,
    failureTolerance: -1, keyringSize: 16, keySize: 128, ...cfg.keyProvider,
  };
  await request('init', { kind: 'init', data: { keyProviderOptions, loglevel: 'warn' } });
  for (const key of cfg.keys ?? []) await setKey(key);
  // E2EEManager enables the local participant on SignalConnected and each
  // remote participant whose tracks are published encrypted.
  for (const identity of [cfg.identity, cfg.remote]) {
    await request(`enable-${identity}`, { kind: 'enable', data: { enabled: true, participantIdentity: identity } });
  }
}

async function setKey(key) {
  const material = await keyMaterial(key);
  state.worker.postMessage({
    kind: 'setKey',
    data: {
      participantIdentity: key.participant ?? undefined,
      isPublisher: key.participant === state.cfg.identity,
      key: material,
      keyIndex: key.index ?? 0,
      updateCurrentKeyIndex: key.current ?? true,
    },
  });
}

// Hands a sender's or receiver's encoded frames to the worker, as
// E2EEManager.handleSender/handleReceiver do. The codec goes to receivers
// always (E2EEManager takes it from trackInfo), to senders only for H.264.
function attachTransform(operation, senderOrReceiver, kind, codec) {
  if (state.cfg.api === 'none') return;
  const encode = operation === 'encode';
  const trackId = encode ? `local-${kind}` : `remote-${kind}-${state.transforms.length}`;
  const options = {
    kind: operation,
    participantIdentity: encode ? state.cfg.identity : state.cfg.remote,
    trackId,
    codec: encode ? (codec === 'h264' ? 'h264' : undefined) : (kind === 'video' ? codec : undefined),
    hasPacketTrailer: false,
  };
  if (state.cfg.api === 'script-transform') {
    senderOrReceiver.transform = new RTCRtpScriptTransform(state.worker, options);
  } else {
    const { readable, writable } = senderOrReceiver.createEncodedStreams();
    const { kind: _, ...data } = options;
    const out = !encode && state.cfg.digests ? digestTap(kind, writable) : writable;
    state.worker.postMessage({
      kind: operation,
      data: { ...data, readableStream: readable, writableStream: out },
    }, [readable, out]);
  }
  state.transforms.push(`${operation} ${kind} (${state.cfg.api})`);
}

// cfg.digests: the SHA-256 of every frame LiveKit's worker hands back
// decrypted, per kind, for comparison with the sender's encoder output
// (the demo's "byte-exact" figure). The worker writes into this stream
// instead of the receiver's own; each frame goes on unchanged.
function digestTap(kind, writable) {
  const list = state.digests[kind] ?? (state.digests[kind] = []);
  const tap = new TransformStream({
    transform(frame, controller) {
      // digest() copies the bytes before the frame moves on.
      list.push(crypto.subtle.digest('SHA-256', frame.data).then(hex));
      controller.enqueue(frame);
    },
  });
  tap.readable.pipeTo(writable).catch(() => {});
  return tap.writable;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

const attachSender = (sender, kind, codec) => attachTransform('encode', sender, kind, codec);
const attachReceiver = (receiver, kind, codec) => attachTransform('decode', receiver, kind, codec);

// -- local media: known bars and a known tone -----------------------------

function localVideoTrack() {
  const canvas = document.getElementById('local-canvas');
  const ctx = canvas.getContext('2d');
  let frame = 0;
  const draw = () => {
    const w = canvas.width;
    const h = canvas.height;
    SMPTE_BARS.forEach(([r, g, b], i) => {
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(Math.floor((i * w) / 7), 0, Math.ceil(w / 7) + 1, (2 * h) / 3);
    });
    // The lower third moves, so the encoder always has something to send.
    ctx.fillStyle = '#101010';
    ctx.fillRect(0, (2 * h) / 3, w, h / 3);
    ctx.fillStyle = '#e0e0e0';
    ctx.fillRect((frame * 4) % w, (2 * h) / 3 + 10, 40, h / 3 - 20);
    frame++;
  };
  draw();
  state.timers.push(setInterval(draw, 33));
  return canvas.captureStream(30).getVideoTracks()[0];
}

function localAudioTrack(freq) {
  const ctx = audioContext();
  const osc = new OscillatorNode(ctx, { frequency: freq, type: 'sine' });
  const gain = new GainNode(ctx, { gain: 0.4 });
  const dest = new MediaStreamAudioDestinationNode(ctx, { channelCount: 1 });
  osc.connect(gain).connect(dest);
  osc.start();
  return dest.stream.getAudioTracks()[0];
}

function audioContext() {
  if (!state.audioCtx) state.audioCtx = new AudioContext({ sampleRate: 48000 });
  return state.audioCtx;
}

function localTrack(media) {
  if (!state.localTracks[media.kind]) {
    state.localTracks[media.kind] = media.kind === 'video'
      ? localVideoTrack() : localAudioTrack(media.tone ?? 880);
  }
  return state.localTracks[media.kind];
}

// -- remote media: pixels and tone ----------------------------------------

function onRemoteTrack(ev) {
  const media = state.cfg.media.find((m) => m.kind === ev.track.kind);
  attachReceiver(ev.receiver, ev.track.kind, media?.codec);
  const stream = new MediaStream([ev.track]);
  if (ev.track.kind === 'video') {
    const video = document.getElementById('remote-video');
    video.srcObject = stream;
    video.play().catch(() => {});
    state.timers.push(setInterval(() => sampleBars(video), 250));
  } else {
    // Chromium feeds a remote track to WebAudio only while a media element
    // plays it too.
    const audio = new Audio();
    audio.muted = true;
    audio.srcObject = stream;
    audio.play().catch(() => {});
    const ctx = audioContext();
    const source = new MediaStreamAudioSourceNode(ctx, { mediaStream: stream });
    state.analyser = new AnalyserNode(ctx, { fftSize: 8192, smoothingTimeConstant: 0 });
    source.connect(state.analyser);
  }
}

function sampleBars(video) {
  if (!video.videoWidth || video.readyState < 2) return;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0);
  const y = Math.floor(canvas.height / 3);
  const bars = SMPTE_BARS.map((_, i) => {
    const x = Math.floor(((i + 0.5) * canvas.width) / 7);
    return Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
  });
  state.bars = bars;
  state.barSamples++;
}

function tone() {
  if (!state.analyser) return { freq: 0, peakDb: -Infinity };
  const bins = new Float32Array(state.analyser.frequencyBinCount);
  state.analyser.getFloatFrequencyData(bins);
  let peak = 1;
  for (let i = 1; i < bins.length; i++) if (bins[i] > bins[peak]) peak = i;
  return {
    freq: Math.round((peak * state.audioCtx.sampleRate) / state.analyser.fftSize),
    peakDb: Math.round(bins[peak]),
  };
}

// -- data packets, as RTCEngine sends and receives them -------------------

let uuidCounter = 0;

async function sendData(text) {
  const payload = new EncryptedPacketPayload({
    value: { case: 'user', value: new UserPacket({ payload: new TextEncoder().encode(text), topic: 'e2ee-test' }) },
  });
  const uuid = `enc-${++uuidCounter}`;
  const encrypted = await request(uuid, {
    kind: 'encryptDataRequest',
    data: { uuid, payload: payload.toBinary(), participantIdentity: state.cfg.identity },
  });
  const packet = new DataPacket({
    kind: DataPacket_Kind.RELIABLE,
    participantIdentity: state.cfg.identity,
    value: {
      case: 'encryptedPacket',
      value: new EncryptedPacket({ encryptedValue: encrypted.payload, iv: encrypted.iv, keyIndex: encrypted.keyIndex }),
    },
  });
  state.channel.send(packet.toBinary());
  state.dataSent++;
  return { keyIndex: encrypted.keyIndex };
}

async function onDataMessage(ev) {
  try {
    const bytes = new Uint8Array(ev.data instanceof Blob ? await ev.data.arrayBuffer() : ev.data);
    const dp = DataPacket.fromBinary(bytes);
    if (dp.value?.case !== 'encryptedPacket') throw new Error(`not encrypted: ${dp.value?.case}`);
    const enc = dp.value.value;
    const uuid = `dec-${++uuidCounter}`;
    const decrypted = await request(uuid, {
      kind: 'decryptDataRequest',
      data: {
        uuid, payload: enc.encryptedValue, iv: enc.iv,
        participantIdentity: dp.participantIdentity, keyIndex: enc.keyIndex,
      },
    });
    const inner = EncryptedPacketPayload.fromBinary(decrypted.payload);
    if (inner.value?.case !== 'user') throw new Error(`unexpected payload ${inner.value?.case}`);
    state.dataReceived.push({
      text: new TextDecoder().decode(inner.value.value.payload),
      topic: inner.value.value.topic, identity: dp.participantIdentity, keyIndex: enc.keyIndex,
    });
  } catch (e) {
    state.dataErrors.push(String(e.message ?? e));
  }
}

// Resolves once the data channel (opened by the offerer) is open.
async function dataReady(timeoutMs = 10000) {
  const deadline = performance.now() + timeoutMs;
  while (state.channel?.readyState !== 'open') {
    if (performance.now() > deadline) throw new Error('the data channel did not open');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function setupChannel(channel) {
  state.channel = channel;
  channel.binaryType = 'arraybuffer';
  channel.onmessage = onDataMessage;
}

// -- signalling -----------------------------------------------------------

function gatheringComplete(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => { if (pc.iceGatheringState === 'complete') resolve(); };
    pc.addEventListener('icegatheringstatechange', check);
    setTimeout(resolve, 5000);
  });
}

async function setup(cfg) {
  state.cfg = cfg;
  if (cfg.api !== 'none') await startWorker(cfg);
  state.pc = new RTCPeerConnection({
    bundlePolicy: 'max-bundle',
    ...(cfg.api === 'encoded-streams' ? { encodedInsertableStreams: true } : {}),
  });
  state.pc.ontrack = onRemoteTrack;
  state.pc.ondatachannel = (ev) => setupChannel(ev.channel);
  document.getElementById('status').textContent = `ready (${cfg.api})`;
}

function preferCodec(transceiver, media) {
  const caps = RTCRtpReceiver.getCapabilities(media.kind).codecs;
  const wanted = caps.filter((c) => c.mimeType.toLowerCase() === MIME[media.codec].toLowerCase() &&
    (media.codec !== 'h264' || /packetization-mode=1/.test(c.sdpFmtpLine ?? '') &&
      /profile-level-id=42e01f/.test(c.sdpFmtpLine ?? '')) &&
    (media.codec !== 'vp9' || !/profile-id=[123]/.test(c.sdpFmtpLine ?? '')));
  const rest = caps.filter((c) => /rtx|red|ulpfec/i.test(c.mimeType));
  transceiver.setCodecPreferences([...wanted, ...rest]);
}

// Answers an offer (from webrtcbin or Janus): our tracks go on the offered
// m-lines of their kind that we are to send on.
async function answer(offerSdp) {
  const pc = state.pc;
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  for (const t of pc.getTransceivers()) {
    const kind = t.receiver.track.kind;
    const media = state.cfg.media.find((m) => m.kind === kind);
    if (media?.send) {
      attachSender(t.sender, kind, media.codec);
      await t.sender.replaceTrack(localTrack(media));
      t.direction = media.recv === false ? 'sendonly' : 'sendrecv';
    } else {
      t.direction = 'recvonly';
    }
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await gatheringComplete(pc);
  return pc.localDescription.sdp;
}

// Makes an offer (publishing to Janus): send-only m-lines in the order of
// cfg.media, each limited to its codec.
async function offer() {
  const pc = state.pc;
  for (const media of state.cfg.media) {
    const t = pc.addTransceiver(localTrack(media), { direction: media.recv ? 'sendrecv' : 'sendonly' });
    preferCodec(t, media);
    attachSender(t.sender, media.kind, media.codec);
  }
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc);
  return pc.localDescription.sdp;
}

async function acceptAnswer(sdp) {
  await state.pc.setRemoteDescription({ type: 'answer', sdp });
}

function ratchet(participant, index) {
  // KeyProvider.ratchetKey() -> E2EEManager.postRatchetRequest()
  state.worker.postMessage({ kind: 'ratchetRequest', data: { participantIdentity: participant ?? undefined, keyIndex: index ?? 0 } });
}

// -- the report -----------------------------------------------------------

async function report() {
  const stats = await state.pc.getStats();
  const byId = new Map();
  stats.forEach((s) => byId.set(s.id, s));
  const out = {
    inbound: {}, outbound: {}, candidates: { local: [], remote: [] }, selectedPair: null,
    workerErrors: state.workerErrors, workerRatchets: state.workerRatchets,
    workerLogs: state.workerLogs.slice(-20), transforms: state.transforms,
    bars: state.bars, barSamples: state.barSamples, tone: tone(),
    data: { received: state.dataReceived, errors: state.dataErrors, sent: state.dataSent },
    connectionState: state.pc.connectionState,
    digests: Object.fromEntries(await Promise.all(Object.entries(state.digests)
      .map(async ([kind, list]) => [kind, await Promise.all(list)]))),
  };
  const candidate = (c) => c && { address: c.address ?? c.ip, port: c.port, protocol: c.protocol, type: c.candidateType };
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp') {
      out.inbound[s.kind] = {
        packetsReceived: s.packetsReceived, framesReceived: s.framesReceived,
        framesDecoded: s.framesDecoded, keyFramesDecoded: s.keyFramesDecoded,
        totalSamplesReceived: s.totalSamplesReceived, concealedSamples: s.concealedSamples,
        codec: byId.get(s.codecId)?.mimeType, pliCount: s.pliCount, firCount: s.firCount,
        // Audio: samples NetEq produced from decoded packets, in 20 ms frames.
        audioFramesDecoded: s.kind === 'audio'
          ? Math.round(((s.totalSamplesReceived ?? 0) - (s.concealedSamples ?? 0)) / 960) : undefined,
      };
    } else if (s.type === 'outbound-rtp') {
      out.outbound[s.kind] = {
        packetsSent: s.packetsSent, framesEncoded: s.framesEncoded,
        codec: byId.get(s.codecId)?.mimeType, pliCount: s.pliCount, firCount: s.firCount,
      };
    } else if (s.type === 'local-candidate') {
      out.candidates.local.push(candidate(s));
    } else if (s.type === 'remote-candidate') {
      out.candidates.remote.push(candidate(s));
    } else if (s.type === 'transport' && s.selectedCandidatePairId) {
      const pair = byId.get(s.selectedCandidatePairId);
      out.selectedPair = pair && {
        local: candidate(byId.get(pair.localCandidateId)),
        remote: candidate(byId.get(pair.remoteCandidateId)),
        state: pair.state,
      };
    }
  });
  return out;
}

function stop() {
  state.timers.forEach(clearInterval);
  state.pc?.close();
  state.worker?.terminate();
  state.audioCtx?.close();
}

window.e2eePeer = { setup, answer, offer, acceptAnswer, setKey, ratchet, sendData, dataReady, report, stop, SMPTE_BARS };
document.getElementById('status').textContent = 'loaded';
