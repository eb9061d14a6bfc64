/**
 * What a Connection is made with (connection.ts): its role, the SETTINGS it
 * announces, its limits and the callbacks it reports to — and the defaults,
 * each chosen for gRPC over HTTP/2:
 *
 *   handshake timeout        20 s      grpc-go's; no preface + SETTINGS by then → close
 *   SETTINGS ACK timeout     20 s      §6.5.3; our SETTINGS unacknowledged by then → GOAWAY SETTINGS_TIMEOUT
 *   connection window        1 MiB     WINDOW_UPDATE on stream 0 right after SETTINGS
 *   stream window            65,535    the protocol's (a slow reader holds at most this per stream)
 *   MAX_CONCURRENT_STREAMS   100       server; node:http2 transport of wiregrpc uses the same
 *   MAX_HEADER_LIST_SIZE     64 KiB    advertised; a larger request is refused on its stream
 *   early resets per second  200       server; beyond, GOAWAY ENHANCE_YOUR_CALM
 *
 * And the SETTINGS frame we send (§6.5): only what differs from the initial values.
 */
import { H2Error } from './errors.js';
import type { Setting } from './frame.js';
import type { PingPolicy } from './policy.js';
import { checkSetting, DEFAULT_SETTINGS, SettingId, type Settings } from './settings.js';
import type { H2Stream } from './stream.js';

export type { PingPolicy } from './policy.js';

export interface ConnectionOptions {
  role: 'server' | 'client';
  /** What we advertise; unset fields keep the protocol's initial values, except as noted on the defaults below. */
  settings?: Partial<Settings>;
  /** Our receive window for the whole connection (default 1 MiB; WINDOW_UPDATE on stream 0 at start). */
  connectionWindow?: number;
  /** No preface and first SETTINGS from the peer within this → GOAWAY (or, before any preface, just close). Default 20 s; 0: none. */
  handshakeTimeoutMs?: number;
  /** Our SETTINGS not acknowledged within this → GOAWAY SETTINGS_TIMEOUT (§6.5.3). Default 20 s; 0: none. */
  settingsTimeoutMs?: number;
  /** The largest header list accepted (RFC 7541 §4.1 octets), advertised as SETTINGS_MAX_HEADER_LIST_SIZE (default 64 KiB). */
  maxHeaderListSize?: number;
  /** Server: streams the client may reset before we finished them, per second; beyond, GOAWAY ENHANCE_YOUR_CALM (default 200). */
  maxResetsPerSecond?: number;
  /** Server: gRFC A8 ping enforcement; off when absent. */
  ping?: PingPolicy;
  /** The clock of the policies (default Date.now). */
  now?: () => number;
  /** Server: a new request. Set the stream's callbacks before returning. */
  onStream?(stream: H2Stream, headers: readonly string[], endStream: boolean): void;
  /**
   * Server: a request whose header block was refused on its own (over maxHeaderListSize: ENHANCE_YOUR_CALM;
   * a malformed field: PROTOCOL_ERROR). The stream is open and may be answered now (respond); when this
   * returns, a stream not answered is reset with error.code. Absent: the stream is reset.
   */
  onStreamError?(stream: H2Stream, error: H2Error): void;
  onGoaway?(lastStreamId: number, code: number, debug: Uint8Array): void;
  onPingAck?(data: Uint8Array): void;
  /** A connection error (sent as GOAWAY where possible), or a stream callback that threw (a stream error of fault local). */
  onError?(error: H2Error): void;
  /** The byte stream is gone; every open stream got onReset first. */
  onClose?(): void;
  /** The peer's SETTINGS arrived (the first one: the connection is ready) and were applied. */
  onRemoteSettings?(settings: Settings): void;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;
export const DEFAULT_SETTINGS_TIMEOUT_MS = 20_000;
export const DEFAULT_CONNECTION_WINDOW = 1 << 20;
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
export const DEFAULT_MAX_RESETS_PER_SECOND = 200;
/** After we half-close, the peer gets this long to close before the byte stream is destroyed. */
export const LINGER_MS = 5000;
/** Frames we emit in answer to the peer (PING ACK, SETTINGS ACK, RST_STREAM) while it does not read: beyond, ENHANCE_YOUR_CALM. */
export const MAX_CONTROL_WHILE_BLOCKED = 10_000;
/**
 * DATA frames in a row that carry nothing (no payload, or padding only) and do not end their stream: beyond,
 * ENHANCE_YOUR_CALM. Each costs a frame's work and moves nothing (CVE-2019-9518, the "empty frames" flood);
 * no sender has a reason for so many.
 */
export const MAX_EMPTY_DATA = 256;
/** A field block is kept whole until END_HEADERS; at least this much is accepted, or twice the header list limit. */
export const MIN_FIELD_BLOCK = 1 << 20;

/**
 * The SETTINGS parameters of `s` that differ from `since` (the last announcement; at
 * first the initial values, and then a client always says ENABLE_PUSH 0).
 */
export function settingsToSend(s: Settings, server: boolean, since?: Settings): Setting[] {
  const d = since ?? DEFAULT_SETTINGS;
  const out: Setting[] = [];
  if (s.headerTableSize !== d.headerTableSize) out.push({ id: SettingId.HEADER_TABLE_SIZE, value: s.headerTableSize });
  if (!server && since === undefined) out.push({ id: SettingId.ENABLE_PUSH, value: 0 });
  if (s.maxConcurrentStreams !== d.maxConcurrentStreams)
    out.push({ id: SettingId.MAX_CONCURRENT_STREAMS, value: s.maxConcurrentStreams });
  if (s.initialWindowSize !== d.initialWindowSize)
    out.push({ id: SettingId.INITIAL_WINDOW_SIZE, value: s.initialWindowSize });
  if (s.maxFrameSize !== d.maxFrameSize) out.push({ id: SettingId.MAX_FRAME_SIZE, value: s.maxFrameSize });
  if (s.maxHeaderListSize !== d.maxHeaderListSize)
    out.push({ id: SettingId.MAX_HEADER_LIST_SIZE, value: s.maxHeaderListSize });
  return out;
}

/** What we announce must be what §6.5.2 allows (our caller's mistake otherwise). */
export function checkSettings(list: readonly Setting[]): void {
  for (const setting of list) {
    if (!Number.isInteger(setting.value) || setting.value < 0 || setting.value > 0xffff_ffff)
      throw H2Error.local(`setting ${setting.id} = ${setting.value} is not a 32-bit number`);
    checkSetting(setting, 'local');
  }
}
