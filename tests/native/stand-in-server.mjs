// The project's own stand-in for a LiveKit server, as far as LiveKit's
// native SDK (@livekit/rtc-node over the Rust SDK) needs one to join a room,
// publish and subscribe: test code only, not a product feature. It speaks
// LiveKit's signalling (protobuf SignalRequest / SignalResponse from
// @livekit/protocol over a WebSocket at /rtc) and, where an SFU would
// terminate the SDK's two peer connections, hands their SDP and ICE
// candidates to GStreamer webrtcbin peers (tests/browser/gst_peer.py):
//
//   SDK publisher PC  (SDK offers)   <-> onPublisherOffer / onPublisherCandidate
//   SDK subscriber PC (server offers) <-> offerSubscriber() / onSubscriberAnswer
//                                         / onSubscriberCandidate
//
// What it does, message by message (the SDK's side is
// livekit/rust-sdks livekit/src/rtc_engine/rtc_session.rs and
// livekit-api/src/signal_client/mod.rs):
//   - GET /rtc/v1 (single peer connection) answers 404, so the SDK uses the
//     two-PC path /rtc, as it does against servers without it;
//   - on connect: a JoinResponse (room, the participant from the token,
//     server info, subscriberPrimary, ping interval/timeout, the other
//     participants with their tracks);
//   - ping_req / ping -> pong_resp / pong;
//   - add_track -> TrackPublishedResponse with a TrackInfo (sid TR_...,
//     the request's type, name, source, size and encryption);
//   - offer (publisher) -> onPublisherOffer(sdp) -> answer;
//   - answer (subscriber) -> onSubscriberAnswer(sdp);
//   - trickle {candidateInit: JSON {candidate, sdpMid, sdpMLineIndex},
//     target} -> onPublisherCandidate / onSubscriberCandidate;
//   - leave -> closes.
// A subscriber offer gets LiveKit's msid "PA_participant|TR_track TR_track"
// on each media section, which is how the SDK finds the remote track's
// participant and publication (room/mod.rs, handle_media_track).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, protocol } from './npm-packages.mjs';

const {
  ClientConfiguration, Encryption_Type, JoinResponse, ParticipantInfo, ParticipantInfo_State,
  ParticipantPermission, Pong, Room, ServerInfo, ServerInfo_Edition, SessionDescription,
  SignalRequest, SignalResponse, SignalTarget, TrackInfo, TrackPublishedResponse, TrackSource,
  TrackType, TrickleRequest,
} = protocol;

const sid = (prefix) => `${prefix}_${randomBytes(6).toString('hex')}`;

// A token as the SDK sends it (it only checks that it fits an HTTP header):
// header.payload.signature with the identity in the payload's "sub", as in
// LiveKit's access tokens. The stand-in signs nothing and checks nothing
// but the room name.
export function makeToken(identity, room) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: identity, video: { room, roomJoin: true } })}.stand-in`;
}

function identityFromToken(token) {
  try {
    return JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString()).sub;
  } catch {
    return null;
  }
}

// A remote participant the SDK sees in the room: {identity, tracks: [{kind,
// codec, name}]}. Returns its ParticipantInfo; the track sids are kept on
// the spec (spec.tracks[i].sid) for the subscriber offer's msid.
function remoteParticipantInfo(spec) {
  spec.sid ??= sid('PA');
  const tracks = (spec.tracks ?? []).map((t) => {
    t.sid ??= sid('TR');
    const video = t.kind === 'video';
    return new TrackInfo({
      sid: t.sid,
      type: video ? TrackType.VIDEO : TrackType.AUDIO,
      name: t.name ?? `${spec.identity}-${t.kind}`,
      source: video ? TrackSource.CAMERA : TrackSource.MICROPHONE,
      mimeType: `${t.kind}/${t.codec === 'h264' ? 'H264' : t.codec.toUpperCase()}`,
      width: video ? (t.width ?? 320) : 0,
      height: video ? (t.height ?? 240) : 0,
      encryption: t.encrypted === false ? Encryption_Type.NONE : Encryption_Type.GCM,
      stream: 'camera',
    });
  });
  return new ParticipantInfo({
    sid: spec.sid,
    identity: spec.identity,
    name: spec.identity,
    state: ParticipantInfo_State.ACTIVE,
    tracks,
    joinedAt: BigInt(Math.floor(Date.now() / 1000)),
    isPublisher: tracks.length > 0,
    permission: new ParticipantPermission({ canSubscribe: true, canPublish: true, canPublishData: true }),
  });
}

// Puts LiveKit's msid on every audio/video section of an SDP whose track
// the spec names, in section order per kind: "a=msid:PA_x|TR_y TR_y", also
// in "a=ssrc:N msid:" lines, replacing what webrtcbin wrote.
export function withLiveKitMsid(sdp, spec) {
  const byKind = { audio: [], video: [] };
  for (const t of spec.tracks ?? []) byKind[t.kind]?.push(t);
  const out = [];
  let msid = null;
  let hadMsid = false;
  const endSection = () => { if (msid && !hadMsid) out.push(`a=msid:${msid}`); };
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith('m=')) {
      endSection();
      const track = byKind[line.slice(2).split(' ')[0]]?.shift();
      msid = track ? `${spec.sid}|${track.sid} ${track.sid}` : null;
      hadMsid = false;
      out.push(line);
    } else if (msid && line.startsWith('a=msid:')) {
      out.push(`a=msid:${msid}`);
      hadMsid = true;
    } else if (msid && /^a=ssrc:\d+ msid:/.test(line)) {
      out.push(line.replace(/msid:.*/, `msid:${msid}`));
    } else {
      out.push(line);
    }
  }
  endSection();
  return `${out.join('\r\n')}\r\n`;
}

export class StandInServer {
  // hooks: onPublisherOffer(sdp) -> Promise<answer sdp>,
  //   onPublisherCandidate({candidate, sdpMid, sdpMLineIndex}),
  //   onSubscriberAnswer(sdp), onSubscriberCandidate(init),
  //   onTrackPublished(trackInfo), onJoined(identity)
  // remote: the other participants [{identity, tracks: [{kind, codec}]}]
  // subscriberPrimary: the JoinResponse's flag
  constructor({ room = 'gst-e2ee-native', remote = [], subscriberPrimary = true, log = () => {}, hooks = {} } = {}) {
    this.roomName = room;
    this.remote = remote;
    this.subscriberPrimary = subscriberPrimary;
    this.log = log;
    this.hooks = hooks;
    this.published = [];
    this.messages = {};
    this.socket = null;
    this.participant = null;
    this.closed = false;
  }

  async listen(host = '127.0.0.1') {
    this.http = http.createServer((req, res) => {
      // The SDK calls /rtc/validate only to explain a failed WebSocket.
      this.log(`stand-in: HTTP ${req.method} ${req.url.split('?')[0]}`);
      res.writeHead(req.url.startsWith('/rtc/validate') ? 200 : 404);
      res.end();
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url, 'ws://stand-in');
      if (url.pathname !== '/rtc') {
        // /rtc/v1 is the single-PC path; a 404 makes the SDK fall back.
        this.log(`stand-in: refusing WebSocket at ${url.pathname} (404)`);
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('access_token');
      const identity = identityFromToken(token);
      if (!identity) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, identity, url.searchParams));
    });
    await new Promise((resolve) => this.http.listen(0, host, resolve));
    this.url = `ws://${host}:${this.http.address().port}`;
    return this.url;
  }

  send(message) {
    if (!this.socket || this.socket.readyState !== 1) return;
    this.socket.send(new SignalResponse({ message }).toBinary());
  }

  onConnection(ws, identity, params) {
    this.socket = ws;
    this.participant = new ParticipantInfo({
      sid: sid('PA'), identity, name: identity, state: ParticipantInfo_State.JOINED,
      joinedAt: BigInt(Math.floor(Date.now() / 1000)),
      permission: new ParticipantPermission({ canSubscribe: true, canPublish: true, canPublishData: true }),
    });
    this.log(`stand-in: ${identity} joins (sdk=${params.get('sdk')}, protocol=${params.get('protocol')})`);
    ws.on('message', (data) => {
      let request;
      try {
        request = SignalRequest.fromBinary(new Uint8Array(data));
      } catch (e) {
        this.log(`stand-in: undecodable request: ${e.message}`);
        return;
      }
      this.onRequest(request.message).catch((e) => this.log(`stand-in: ${request.message.case}: ${e.stack}`));
    });
    ws.on('close', () => { this.log('stand-in: signal connection closed'); this.socket = null; });
    this.send({
      case: 'join',
      value: new JoinResponse({
        room: new Room({ sid: sid('RM'), name: this.roomName, creationTime: BigInt(Math.floor(Date.now() / 1000)) }),
        participant: this.participant,
        otherParticipants: this.remote.map(remoteParticipantInfo),
        serverVersion: '1.9.0',
        serverInfo: new ServerInfo({ edition: ServerInfo_Edition.Standard, version: '1.9.0', protocol: 16, nodeId: 'stand-in' }),
        subscriberPrimary: this.subscriberPrimary,
        pingInterval: 5,
        pingTimeout: 20,
        clientConfiguration: new ClientConfiguration({}),
      }),
    });
    this.hooks.onJoined?.(identity);
  }

  async onRequest(message) {
    this.messages[message.case] = (this.messages[message.case] ?? 0) + 1;
    switch (message.case) {
      case 'pingReq':
        this.send({ case: 'pongResp', value: new Pong({ lastPingTimestamp: message.value.timestamp, timestamp: BigInt(Date.now()) }) });
        break;
      case 'ping':
        this.send({ case: 'pong', value: BigInt(Date.now()) });
        break;
      case 'addTrack': {
        const req = message.value;
        const info = new TrackInfo({
          sid: sid('TR'), type: req.type, name: req.name, source: req.source,
          width: req.width, height: req.height, muted: req.muted, encryption: req.encryption,
          stream: req.stream, audioFeatures: req.audioFeatures,
        });
        this.published.push(info);
        this.log(`stand-in: add_track ${req.name} (${TrackType[req.type]}, encryption ${Encryption_Type[req.encryption]}) -> ${info.sid}`);
        this.send({ case: 'trackPublished', value: new TrackPublishedResponse({ cid: req.cid, track: info }) });
        this.hooks.onTrackPublished?.(info);
        break;
      }
      case 'offer': {
        const answer = await this.hooks.onPublisherOffer?.(message.value.sdp);
        if (answer) this.send({ case: 'answer', value: new SessionDescription({ type: 'answer', sdp: answer, id: message.value.id }) });
        break;
      }
      case 'answer':
        this.hooks.onSubscriberAnswer?.(message.value.sdp);
        break;
      case 'trickle': {
        const init = JSON.parse(message.value.candidateInit);
        if (message.value.target === SignalTarget.SUBSCRIBER) this.hooks.onSubscriberCandidate?.(init);
        else this.hooks.onPublisherCandidate?.(init);
        break;
      }
      case 'leave':
        this.log('stand-in: leave');
        this.socket?.close();
        break;
      default:
        break;
    }
  }

  // Sends the subscriber PC an offer made by a GStreamer peer that publishes
  // as participant `spec` (one of `remote`), with LiveKit's msid.
  offerSubscriber(sdp, spec) {
    this.send({ case: 'offer', value: new SessionDescription({ type: 'offer', sdp: withLiveKitMsid(sdp, spec), id: 1 }) });
  }

  // Candidates of the GStreamer peers, trickled to the SDK (gst_peer.py puts
  // all of them in its SDP already; this is for completeness of the path).
  trickle(init, target) {
    this.send({ case: 'trickle', value: new TrickleRequest({ candidateInit: JSON.stringify(init), target }) });
  }

  async close() {
    this.closed = true;
    this.socket?.terminate();
    await new Promise((resolve) => this.wss.close(() => resolve()));
    await new Promise((resolve) => this.http.close(() => resolve()));
  }
}
