/**
 * One HTTP/2 connection (RFC 9113), either role: skeleton — the API of /work/notes/h2-api.md, bodies to come.
 */
import type { ByteStream } from './byte-stream.js';
import { H2Error } from './errors.js';
import { DEFAULT_SETTINGS, type Settings } from './settings.js';
import { H2Stream, type H2Connection } from './stream.js';

export interface PingPolicy {
  minIntervalMs: number;
  permitWithoutCalls: boolean;
  maxStrikes: number;
}

export interface ConnectionOptions {
  role: 'server' | 'client';
  settings?: Partial<Settings>;
  connectionWindow?: number;
  handshakeTimeoutMs?: number;
  maxHeaderListSize?: number;
  maxResetsPerSecond?: number;
  ping?: PingPolicy;
  onStream?(stream: H2Stream, headers: readonly string[], endStream: boolean): void;
  onStreamError?(stream: H2Stream, error: H2Error): void;
  onGoaway?(lastStreamId: number, code: number, debug: Uint8Array): void;
  onPingAck?(data: Uint8Array): void;
  onError?(error: H2Error): void;
  onClose?(): void;
  onRemoteSettings?(settings: Settings): void;
}

export class Connection implements H2Connection {
  readonly role: 'server' | 'client';
  private readonly bytes: ByteStream;
  private readonly options: ConnectionOptions;

  constructor(bytes: ByteStream, options: ConnectionOptions) {
    this.bytes = bytes;
    this.options = options;
    this.role = options.role;
  }
  get remoteSettings(): Readonly<Settings> {
    return DEFAULT_SETTINGS;
  }
  get openStreams(): number {
    return 0;
  }
  get goingAway(): boolean {
    return false;
  }
  request(headers: readonly string[], endStream: boolean): H2Stream {
    void headers;
    void endStream;
    throw H2Error.local('not yet');
  }
  ping(data?: Uint8Array): void {
    void data;
    throw H2Error.local('not yet');
  }
  goaway(code?: number, debug?: string): void {
    void code;
    void debug;
    throw H2Error.local('not yet');
  }
  destroy(error?: Error): void {
    this.bytes.destroy(error);
  }
  ref(): void {
    this.bytes.ref?.();
  }
  unref(): void {
    this.bytes.unref?.();
  }
}
