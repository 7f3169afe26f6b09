// gst-e2ee interop harness: LiveKit's own E2EE worker, run inside Node.
//
// The worker bundle that livekit-client ships for browsers
// (dist/livekit-client.e2ee.worker.js) is evaluated unchanged in a fresh
// `vm` context that plays the part of a DedicatedWorkerGlobalScope. We talk
// to it with the same messages LiveKit's E2eeManager posts (init, enable,
// setKey, ratchetRequest, setSifTrailer, encode/decode) and hand it WHATWG
// streams of encoded frames, exactly as Chrome's insertable streams do.
// Nothing of LiveKit's logic is re-implemented here: every byte a
// LiveKitCryptor produces or accepts was decided by LiveKit's code.

import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

export const LIVEKIT_CLIENT_VERSION = '2.23.0';

// Node 18 has WebCrypto only as crypto.webcrypto; livekit-client's main
// bundle (the key-material helpers) uses the global one, as browsers have.
if (globalThis.crypto?.subtle === undefined)
  globalThis.crypto = webcrypto;

let livekitPackage = null;

/**
 * Loads livekit-client from NODE_MODULES_DIR (the folder `npm ci` filled)
 * and checks that it is the pinned version. Returns the main bundle's
 * exports (for the key-material helpers) and the worker's source text.
 */
export async function loadLiveKit (nodeModulesDir) {
  if (livekitPackage)
    return livekitPackage;
  const root = path.join(nodeModulesDir, 'livekit-client');
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'),
      'utf8'));
  if (manifest.version !== LIVEKIT_CLIENT_VERSION) {
    throw new Error(`livekit-client ${manifest.version} installed in ` +
        `${nodeModulesDir}, the tests pin ${LIVEKIT_CLIENT_VERSION}`);
  }
  const workerFile = path.join(root, 'dist', 'livekit-client.e2ee.worker.js');
  const main = await import(pathToFileURL(path.join(root, 'dist',
      'livekit-client.esm.mjs')).href);
  livekitPackage = {
    version: manifest.version,
    main,
    workerScript: new vm.Script(readFileSync(workerFile, 'utf8'),
        { filename: workerFile }),
  };
  return livekitPackage;
}

// The encoded-frame objects Chrome hands to insertable streams. The worker
// tells video from audio with `'type' in frame`, reads `timestamp` (the RTP
// timestamp, part of the IV) and getMetadata(), and replaces `data`.
class RTCEncodedVideoFrame {
  constructor (data, type, timestamp, metadata) {
    this.data = data;
    this.type = type;
    this.timestamp = timestamp;
    this.metadata = metadata;
  }

  getMetadata () {
    return { ...this.metadata };
  }
}

class RTCEncodedAudioFrame {
  constructor (data, timestamp, metadata) {
    this.data = data;
    this.timestamp = timestamp;
    this.metadata = metadata;
  }

  getMetadata () {
    return { ...this.metadata };
  }
}

const MIME_TYPES = {
  opus: 'audio/opus',
  vp8: 'video/VP8',
  vp9: 'video/VP9',
  h264: 'video/H264',
  h265: 'video/H265',
};

function unrefTimer (timer) {
  if (timer && typeof timer.unref === 'function')
    timer.unref();
  return timer;
}

function copyToArrayBuffer (bytes) {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * One LiveKit E2EE worker (one key provider's worth of keys) and the tracks
 * (FrameCryptors) attached to it.
 *
 * Usage: create(), setKey()/ratchet()/setSifTrailer() as needed,
 * openTrack('encode'|'decode', ...), then process() frames one at a time.
 * process() returns the bytes LiveKit passed on, or null when LiveKit
 * dropped the frame. Everything the worker posted is kept in `events`.
 */
export class LiveKitCryptor {
  static async create (nodeModulesDir, { keyProviderOptions = {},
      logLevel = 'warn' } = {}) {
    const lk = await loadLiveKit(nodeModulesDir);
    const cryptor = new LiveKitCryptor(lk);
    await cryptor.post('init', {
      keyProviderOptions: {
        sharedKey: true,
        ratchetSalt: 'LKFrameEncryptionKey',
        ratchetWindowSize: 8,
        failureTolerance: 10,
        keyringSize: 16,
        keySize: 128,
        ...keyProviderOptions,
      },
      loglevel: logLevel,
    });
    if (!cryptor.events.some((e) => e.kind === 'initAck'))
      throw new Error('LiveKit worker did not acknowledge init');
    return cryptor;
  }

  constructor (lk) {
    this.lk = lk;
    this.events = [];
    this.inflight = new Set();
    this.tracks = 0;
    this.dataRequests = 0;
    this.context = this.makeWorkerScope();
    lk.workerScript.runInContext(this.context);
    if (typeof this.context.onmessage !== 'function')
      throw new Error('LiveKit worker bundle did not install onmessage');
  }

  // The worker's global scope. Binary types, streams and WebCrypto are the
  // host's own: Node's WebCrypto refuses buffers from another realm, and a
  // browser worker has a single realm anyway.
  makeWorkerScope () {
    const inflight = this.inflight;
    const track = (promise) => {
      inflight.add(promise);
      const forget = () => inflight.delete(promise);
      promise.then(forget, forget);
      return promise;
    };
    // Counting every pending WebCrypto call is how settle() knows that the
    // worker has finished with a frame, including frames it drops silently.
    const subtle = new Proxy(webcrypto.subtle, {
      get (target, name) {
        const member = Reflect.get(target, name, target);
        if (typeof member !== 'function')
          return member;
        return (...args) => track(member.apply(target, args));
      },
    });
    const scope = {
      onmessage: null,
      postMessage: (message) => this.onWorkerMessage(message),
      console,
      crypto: {
        subtle,
        getRandomValues: (array) => webcrypto.getRandomValues(array),
        randomUUID: () => webcrypto.randomUUID(),
      },
      TextEncoder, TextDecoder,
      ReadableStream, WritableStream, TransformStream,
      ArrayBuffer, SharedArrayBuffer, DataView,
      Uint8Array, Uint8ClampedArray, Int8Array, Uint16Array, Int16Array,
      Uint32Array, Int32Array, Float32Array, Float64Array,
      Error, TypeError, RangeError,
      setTimeout: (...args) => unrefTimer(setTimeout(...args)),
      setInterval: (...args) => unrefTimer(setInterval(...args)),
      clearTimeout, clearInterval, queueMicrotask,
      performance,
      RTCEncodedVideoFrame, RTCEncodedAudioFrame,
    };
    scope.self = scope;
    return vm.createContext(scope);
  }

  onWorkerMessage (message) {
    const { kind, data } = message;
    if (kind === 'error') {
      const text = String(data?.error?.message ?? data?.error);
      const reason = text.split(':')[0];
      this.events.push({ kind, reason, message: text, uuid: data?.uuid });
    } else if (kind === 'encryptDataResponse' ||
        kind === 'decryptDataResponse') {
      this.events.push({ kind, uuid: data.uuid, payload: data.payload,
        iv: data.iv, keyIndex: data.keyIndex });
    } else if (kind === 'ratchetKey') {
      this.events.push({ kind, keyIndex: data.keyIndex,
        participant: data.participantIdentity });
    } else if (kind === 'log') {
      this.events.push({ kind, level: data.level, message: String(data.msg) });
    } else {
      this.events.push({ kind });
    }
  }

  /** Waits until the worker has no WebCrypto call pending and is idle. */
  async settle () {
    for (let idleTurns = 0; idleTurns < 3;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.inflight.size > 0) {
        idleTurns = 0;
        await Promise.allSettled([...this.inflight]);
      } else {
        idleTurns++;
      }
    }
  }

  async post (kind, data) {
    this.context.onmessage({ data: { kind, data } });
    await this.settle();
  }

  /**
   * Sets key material as LiveKit's key providers do: a passphrase becomes
   * PBKDF2 material, raw bytes HKDF material (livekit-client's own helpers).
   */
  async setKey ({ participant, passphrase, raw, keyIndex = 0,
      makeCurrent = true }) {
    const helpers = this.lk.main;
    const material = passphrase !== undefined
      ? await helpers.createKeyMaterialFromString(passphrase)
      : await helpers.createKeyMaterialFromBuffer(copyToArrayBuffer(raw));
    await this.post('setKey', {
      participantIdentity: participant,
      isPublisher: false,
      key: material,
      keyIndex,
      updateCurrentKeyIndex: makeCurrent,
    });
  }

  /** What KeyProvider.ratchetKey() asks the worker to do. */
  async ratchet ({ participant, keyIndex }) {
    await this.post('ratchetRequest', { participantIdentity: participant,
      keyIndex });
  }

  async setSifTrailer (trailer) {
    await this.post('setSifTrailer', { trailer: new Uint8Array(trailer) });
  }

  /**
   * Attaches a track to this worker. `participant` is the identity
   * whose track it is: the local participant when encoding, the sender when
   * decoding. The codec is passed as E2eeManager does: always to receivers,
   * only for H.264/H.265 to senders; the frames' metadata carries the MIME
   * type as Chrome's does.
   */
  async openTrack (operation, { participant, codec }) {
    const track = { operation, codec, isVideo: codec !== 'opus',
      ssrc: 0x11223344 + this.tracks, output: [], controller: null };
    track.payloadType = track.isVideo ? 96 : 111;
    this.tracks++;
    await this.post('enable', { enabled: true,
      participantIdentity: participant });
    const readableStream = new ReadableStream({
      start: (controller) => { track.controller = controller; },
    }, { highWaterMark: 0 });
    const writableStream = new WritableStream({
      write: (frame) => { track.output.push(frame); },
    });
    const tellCodec = operation === 'decode' || codec === 'h264' ||
        codec === 'h265';
    await this.post(operation, {
      participantIdentity: participant,
      readableStream,
      writableStream,
      trackId: `TR_interop_${this.tracks}`,
      codec: track.isVideo && tellCodec ? codec : undefined,
      hasPacketTrailer: false,
    });
    return track;
  }

  /**
   * Runs one frame through LiveKit's transform on `t` (from openTrack()).
   * `frame.data` is a Uint8Array, `frame.key` tells a video key frame from
   * a delta frame. Returns a Uint8Array, or null when LiveKit dropped it.
   */
  async process (t, { data, key = true, timestamp = 0 }) {
    const metadata = {
      synchronizationSource: t.ssrc,
      payloadType: t.payloadType,
      mimeType: MIME_TYPES[t.codec],
      contributingSources: [],
      rtpTimestamp: timestamp,
    };
    const buffer = copyToArrayBuffer(data);
    const frame = t.isVideo
      ? new RTCEncodedVideoFrame(buffer, key ? 'key' : 'delta', timestamp,
          metadata)
      : new RTCEncodedAudioFrame(buffer, timestamp, metadata);
    const before = t.output.length;
    t.controller.enqueue(frame);
    await this.settle();
    if (t.output.length === before)
      return null;
    if (t.output.length !== before + 1)
      throw new Error('LiveKit emitted more than one frame for one frame');
    return new Uint8Array(t.output[before].data.slice(0));
  }

  /**
   * Encrypts a data-channel payload as E2EEManager.encryptData() does
   * (LiveKit's DataCryptor: 'encryptDataRequest' for the local
   * participant). Returns { payload, iv, keyIndex } as EncryptedPacket
   * carries them, or { error } with the worker's message.
   */
  async encryptData ({ participant, payload }) {
    return this.dataRequest('encryptDataRequest', {
      payload: new Uint8Array(payload), participantIdentity: participant,
    });
  }

  /**
   * Decrypts an EncryptedPacket's fields as RTCEngine does for a received
   * DataPacket ('decryptDataRequest' with the sender's identity). Returns
   * { payload } or { error }.
   */
  async decryptData ({ participant, iv, keyIndex, payload }) {
    return this.dataRequest('decryptDataRequest', {
      payload: new Uint8Array(payload), iv: new Uint8Array(iv),
      participantIdentity: participant, keyIndex,
    });
  }

  async dataRequest (kind, data) {
    const uuid = `data-${++this.dataRequests}`;
    await this.post(kind, { uuid, ...data });
    const answer = this.events.find((e) => e.uuid === uuid);
    if (!answer)
      return { error: `LiveKit worker did not answer ${kind}` };
    if (answer.kind === 'error')
      return { error: answer.message };
    return { payload: new Uint8Array(answer.payload),
      iv: answer.iv && new Uint8Array(answer.iv), keyIndex: answer.keyIndex };
  }

  /** Error events (CryptorError reasons) posted since index `from`. */
  errorsSince (from = 0) {
    return this.events.slice(from).filter((e) => e.kind === 'error');
  }
}
