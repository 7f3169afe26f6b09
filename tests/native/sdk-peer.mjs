// LiveKit's native SDK as a call's other end: @livekit/rtc-node 1.1.0, the
// Node binding of LiveKit's Rust SDK, whose E2EE is libwebrtc's
// FrameCryptor and DataPacketCryptor (LiveKit's WebRTC fork), the code the
// Swift and Android SDKs use too. A NativePeer joins the stand-in server's
// room, publishes a VideoSource of SMPTE bars or an AudioSource tone
// through the SDK's own encoders and frame cryptor, and counts what it
// decodes of the GStreamer peer's track, with the picture's bars and the
// tone's frequency, so that garbage cannot pass as frames.
import { barsMatch } from '../browser/harness/checks.mjs';
import { ffi, ffiClient, rtc } from './npm-packages.mjs';

const {
  AudioFrame, AudioSource, AudioStream, EncryptionType, LocalAudioTrack, LocalVideoTrack, Room,
  RoomEvent, TrackKind, TrackPublishOptions, TrackSource, VideoBufferType, VideoCodec, VideoFrame,
  VideoSource, VideoStream,
} = rtc;
const { E2eeRequest, EncryptionState, FrameCryptorSetKeyIndexRequest, KeyDerivationFunction, SetKeyRequest } = ffi;

// rtc-node 1.1.0's public API cannot set a participant's key (its
// KeyProvider.setKey sends no key bytes) nor switch a sender's key index
// (FrameCryptor.setKeyIndex sends no track sid, which the FFI server needs
// to find the cryptor), and does not pass the FFI's e2eeStateChanged room
// events on: this suite sends those requests and reads those events on the
// FFI client itself, as rtc-node does internally.
const { FfiClient, FfiClientEvent } = ffiClient;

export const STATE_NAMES = Object.fromEntries(Object.entries(EncryptionState).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]));

// videotestsrc pattern=smpte's upper bars, 75 % white, yellow, cyan, green,
// magenta, red, blue (as gst_peer.py's SMPTE_BARS), in I420 with BT.601's
// limited-range matrix, which libwebrtc's encoders assume.
const BARS_RGB = [[191, 191, 191], [191, 191, 0], [0, 191, 191], [0, 191, 0], [191, 0, 191], [191, 0, 0], [0, 0, 191]];
function rgbToYuv([r, g, b]) {
  const y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  const u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
  const v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
  return [y, u, v].map((c) => Math.max(0, Math.min(255, Math.round(c))));
}

export function smpteBarsI420(width, height) {
  const yuv = BARS_RGB.map(rgbToYuv);
  const cw = width >> 1;
  const ch = height >> 1;
  const data = new Uint8Array(width * height + 2 * cw * ch);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = yuv[Math.floor((x * 7) / width)][0];
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const bar = yuv[Math.floor((x * 2 * 7) / width)];
      data[width * height + y * cw + x] = bar[1];
      data[width * height + cw * ch + y * cw + x] = bar[2];
    }
  }
  return data;
}

// The 7 bars of a decoded I420 frame as RGB (BT.601 limited range), sampled
// in the upper third as gst_peer.py samples its RGB frames, for barsMatch().
export function sampleBarsI420(frame) {
  const { width: w, height: h, data } = frame;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const y0 = Math.floor(h / 3);
  const clamp = (c) => Math.max(0, Math.min(255, Math.round(c)));
  return [0, 1, 2, 3, 4, 5, 6].map((i) => {
    const x = Math.floor(((i + 0.5) * w) / 7);
    const Y = data[y0 * w + x] - 16;
    const U = data[w * h + (y0 >> 1) * cw + (x >> 1)] - 128;
    const V = data[w * h + cw * ch + (y0 >> 1) * cw + (x >> 1)] - 128;
    return [clamp(1.164 * Y + 1.596 * V), clamp(1.164 * Y - 0.392 * U - 0.813 * V), clamp(1.164 * Y + 2.017 * U)];
  });
}

// The tone's frequency from crossings of a quarter of its peak, with
// hysteresis, and its RMS: gst_peer.py's Peer.tone(), on Int16 samples.
export function toneOf(samples, rate = 48000) {
  if (samples.length < rate / 10) return { freq: 0, rms: 0 };
  let peak = 0;
  let sum = 0;
  for (const v of samples) { peak = Math.max(peak, Math.abs(v)); sum += v * v; }
  const threshold = Math.floor(peak / 4);
  if (threshold === 0) return { freq: 0, rms: 0 };
  let level = 0;
  let swings = 0;
  for (const v of samples) {
    if (v > threshold && level <= 0) { level = 1; swings++; } else if (v < -threshold && level >= 0) { level = -1; swings++; }
  }
  return { freq: swings / 2 / (samples.length / rate), rms: Math.sqrt(sum / samples.length) };
}

// A 10 ms frame whose RMS is above this carries sound (the tones are sent
// at 0.4 of full scale, RMS ~9000; silence and concealment stay far below).
const LOUD_RMS = 1000;

const utf8 = (s) => new TextEncoder().encode(s);
export const keyBytes = (key) => (key.passphrase !== undefined ? utf8(key.passphrase) : Uint8Array.from(Buffer.from(key.raw, 'hex')));

export class NativePeer {
  // e2ee: {sharedKey: {passphrase|raw} | undefined (per-participant rings),
  //   keys: [{identity, passphrase|raw, index}] (set after connect),
  //   keyDerivation: 'pbkdf2' | 'hkdf' (the SDK's default: pbkdf2),
  //   ratchetWindowSize, failureTolerance (the SDK's defaults when absent)}
  constructor({ identity = 'native', e2ee, log = () => {} }) {
    this.identity = identity;
    this.e2ee = e2ee;
    this.log = log;
    this.room = new Room();
    this.states = [];
    this.sent = { video: 0, audio: 0 };
    this.video = { frames: 0, withBars: 0, bars: null, size: null, types: {} };
    this.audio = { frames: 0, loud: 0, samples: [] };
    this.data = { received: [], sent: 0 };
    this.timers = [];
    this.streams = [];
    this.subscribed = [];
    this.firstFrame = {};
    this.t0 = Date.now();
    this.onFfiEvent = (ev) => this.handleFfiEvent(ev);
  }

  handleFfiEvent(ev) {
    if (ev.message.case !== 'roomEvent' || !this.roomHandle) return;
    const roomEvent = ev.message.value;
    if (roomEvent.roomHandle !== this.roomHandle || roomEvent.message.case !== 'e2eeStateChanged') return;
    const { participantIdentity, state } = roomEvent.message.value;
    const entry = { participant: participantIdentity, state: STATE_NAMES[state] ?? String(state), t: (Date.now() - this.t0) / 1000 };
    this.states.push(entry);
    this.log(`native: e2ee state of ${entry.participant}: ${entry.state}`);
  }

  async connect(url, token) {
    const e = this.e2ee;
    const keyProviderOptions = {};
    if (e.sharedKey) keyProviderOptions.sharedKey = keyBytes(e.sharedKey);
    if (e.keyDerivation) keyProviderOptions.keyDerivationFunction = e.keyDerivation === 'hkdf' ? KeyDerivationFunction.HKDF : KeyDerivationFunction.PBKDF2;
    if (e.ratchetWindowSize !== undefined) keyProviderOptions.ratchetWindowSize = e.ratchetWindowSize;
    if (e.failureTolerance !== undefined) keyProviderOptions.failureTolerance = e.failureTolerance;
    this.room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => this.onTrack(track, publication, participant));
    // rtc-node 1.1.0 hands on what the SDK decrypted (the FFI's data
    // packet event has no encryption type, so neither has this).
    this.room.on(RoomEvent.DataReceived, (payload, participant, kind, topic) => {
      this.data.received.push({ text: new TextDecoder().decode(payload), identity: participant?.identity, topic });
    });
    FfiClient.instance.on(FfiClientEvent.FfiEvent, this.onFfiEvent);
    await this.room.connect(url, token, {
      autoSubscribe: true, dynacast: false,
      encryption: { keyProviderOptions, encryptionType: EncryptionType.GCM },
    });
    this.roomHandle = this.room.ffiHandle.handle;
    for (const key of e.keys ?? []) this.setKey(key.identity, keyBytes(key), key.index ?? 0);
  }

  e2eeRequest(message) {
    return FfiClient.instance.request({
      message: { case: 'e2ee', value: new E2eeRequest({ roomHandle: this.roomHandle, message }) },
    });
  }

  get keyProvider() { return this.room.e2eeManager.keyProvider; }

  // A participant's key in its own ring (per-participant mode).
  setKey(identity, key, index) {
    this.e2eeRequest({ case: 'setKey', value: new SetKeyRequest({ participantIdentity: identity, key, keyIndex: index }) });
  }

  // A shared key at `index`, then the local senders switched to it.
  setSharedKeyCurrent(key, index) {
    this.keyProvider.setSharedKey(key, index);
    for (const cryptor of this.localCryptors()) {
      this.e2eeRequest({
        case: 'cryptorSetKeyIndex',
        value: new FrameCryptorSetKeyIndexRequest({ participantIdentity: this.identity, trackSid: cryptor.trackSid, keyIndex: index }),
      });
    }
  }

  localCryptors() {
    const res = this.e2eeRequest({ case: 'managerGetFrameCryptors', value: {} });
    return res.message.value.frameCryptors.filter((c) => c.participantIdentity === this.identity);
  }

  ratchetSharedKey(index) { return this.keyProvider.ratchetSharedKey(index); }

  async publish(kind, codec, { width = 320, height = 240, tone = 880 } = {}) {
    const lp = this.room.localParticipant;
    if (kind === 'video') {
      const source = new VideoSource(width, height);
      const track = LocalVideoTrack.createVideoTrack('native-video', source);
      const publication = await lp.publishTrack(track, new TrackPublishOptions({
        source: TrackSource.SOURCE_CAMERA, simulcast: false,
        videoCodec: codec === 'h264' ? VideoCodec.H264 : VideoCodec.VP8,
      }));
      const frame = new VideoFrame(smpteBarsI420(width, height), width, height, VideoBufferType.I420);
      const start = Date.now();
      this.timers.push(setInterval(() => {
        source.captureFrame(frame, BigInt((Date.now() - start) * 1000));
        this.sent.video++;
      }, 33));
      return publication;
    }
    const source = new AudioSource(48000, 1);
    const track = LocalAudioTrack.createAudioTrack('native-audio', source);
    const publication = await lp.publishTrack(track, new TrackPublishOptions({
      source: TrackSource.SOURCE_MICROPHONE, red: false, dtx: false,
    }));
    // 10 ms frames of a sine, as many as the clock says are due.
    const start = Date.now();
    let n = 0;
    let phase = 0;
    this.timers.push(setInterval(() => {
      while (n < (Date.now() - start) / 10) {
        const pcm = new Int16Array(480);
        for (let i = 0; i < 480; i++) { pcm[i] = Math.round(Math.sin(phase) * 12000); phase += (2 * Math.PI * tone) / 48000; }
        source.captureFrame(new AudioFrame(pcm, 48000, 1, 480)).catch(() => {});
        n++;
        this.sent.audio++;
      }
    }, 20));
    return publication;
  }

  async onTrack(track, publication, participant) {
    this.subscribed.push({ kind: track.kind === TrackKind.KIND_VIDEO ? 'video' : 'audio', sid: publication.sid, from: participant.identity, encryption: publication.encryptionType });
    this.log(`native: subscribed to ${participant.identity}'s ${publication.sid}`);
    if (track.kind === TrackKind.KIND_VIDEO) {
      const stream = new VideoStream(track);
      this.streams.push(stream);
      for await (const { frame } of stream) {
        this.video.frames++;
        this.firstFrame.video ??= Date.now();
        this.video.size = [frame.width, frame.height];
        const type = VideoBufferType[frame.type] ?? frame.type;
        this.video.types[type] = (this.video.types[type] ?? 0) + 1;
        // libwebrtc's decoders give I420; anything else is converted (and
        // counted in video.types, for a failing case's log).
        let i420 = frame;
        if (frame.type !== VideoBufferType.I420) {
          try { i420 = frame.convert(VideoBufferType.I420); } catch { i420 = null; }
        }
        if (i420) {
          this.video.bars = sampleBarsI420(i420);
          if (barsMatch(this.video.bars) === 7) this.video.withBars++;
        }
      }
    } else {
      const stream = new AudioStream(track, { sampleRate: 48000, numChannels: 1 });
      this.streams.push(stream);
      for await (const frame of stream) {
        // libwebrtc plays silence and concealment where nothing decodes:
        // frames count when they carry the tone's level.
        this.audio.frames++;
        let sum = 0;
        for (const v of frame.data) sum += v * v;
        if (Math.sqrt(sum / frame.data.length) > LOUD_RMS) {
          this.audio.loud++;
          this.firstFrame.audio ??= Date.now();
        }
        this.audio.samples.push(...frame.data);
        if (this.audio.samples.length > 48000) this.audio.samples.splice(0, this.audio.samples.length - 48000);
      }
    }
  }

  async sendData(text) {
    await this.room.localParticipant.publishData(utf8(text), { reliable: true, topic: 'e2ee-test' });
    this.data.sent++;
  }

  // The SDK's own RTP statistics (libwebrtc's getStats).
  async stats() {
    try {
      const s = await this.room.getRtcStats();
      const of = (list, type) => list.filter((x) => x.stats?.case === type).map((x) => x.stats.value);
      const sum = (values, get) => values.reduce((n, v) => n + Number(get(v) ?? 0), 0);
      const inbound = of(s.subscriberStats, 'inboundRtp');
      const outbound = of(s.publisherStats, 'outboundRtp');
      return {
        packetsReceived: sum(inbound, (v) => v.received?.packetsReceived),
        framesDecoded: sum(inbound, (v) => v.inbound?.framesDecoded),
        packetsSent: sum(outbound, (v) => v.sent?.packetsSent),
        framesSent: sum(outbound, (v) => v.outbound?.framesSent),
      };
    } catch (e) {
      return { error: e.message };
    }
  }

  async report() {
    const tone = toneOf(this.audio.samples);
    return {
      sent: { ...this.sent },
      video: { ...this.video },
      audio: { frames: this.audio.frames, loud: this.audio.loud, freq: Math.round(tone.freq * 10) / 10, rms: Math.round(tone.rms) },
      states: [...this.states],
      data: { received: [...this.data.received], sent: this.data.sent },
      subscribed: [...this.subscribed],
      rtp: await this.stats(),
    };
  }

  async close() {
    for (const t of this.timers) clearInterval(t);
    FfiClient.instance.off(FfiClientEvent.FfiEvent, this.onFfiEvent);
    await this.room.disconnect().catch(() => {});
  }
}
