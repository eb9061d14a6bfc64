/**
 * One HTTP/2 stream (RFC 9113 §5): skeleton — the API of /work/notes/h2-api.md, bodies to come.
 */
import { H2Error } from './errors.js';
import type { Settings } from './settings.js';
import type { StreamState } from './stream-state.js';

/** The public face of a Connection, as a stream sees it (connection.ts implements it). */
export interface H2Connection {
  readonly role: 'server' | 'client';
  readonly remoteSettings: Readonly<Settings>;
  readonly openStreams: number;
  readonly goingAway: boolean;
  request(headers: readonly string[], endStream: boolean): H2Stream;
  ping(data?: Uint8Array): void;
  goaway(code?: number, debug?: string): void;
  destroy(error?: Error): void;
}

const notYet = (): never => {
  throw H2Error.local('not yet');
};

export class H2Stream {
  readonly id: number;
  readonly connection: H2Connection;
  onHeaders: (headers: readonly string[], endStream: boolean) => void = () => {};
  onData: (chunk: Uint8Array, endStream: boolean) => void = () => {};
  onReset: (code: number, byPeer: boolean, connectionError?: Error) => void = () => {};
  onDrain: () => void = () => {};

  constructor(connection: H2Connection, id: number) {
    this.connection = connection;
    this.id = id;
  }

  get state(): StreamState {
    return 'idle';
  }
  get bufferedBytes(): number {
    return 0;
  }
  respond(headers: readonly string[], endStream: boolean): void {
    void headers;
    void endStream;
    notYet();
  }
  write(data: Uint8Array, endStream?: boolean): boolean {
    void data;
    void endStream;
    return notYet();
  }
  trailers(headers: readonly string[]): void {
    void headers;
    notYet();
  }
  end(): void {
    notYet();
  }
  reset(code: number): void {
    void code;
    notYet();
  }
  pause(): void {
    notYet();
  }
  resume(): void {
    notYet();
  }
}
