/**
 * Helpers for the Connection tests: a server and a client Connection over the
 * memory pipe, an echo handler, and a call that collects a whole response.
 */
import { joinPieces } from '../../src/h2/byte-stream.js';
import { Connection, type ConnectionOptions } from '../../src/h2/connection.js';
import type { H2Error } from '../../src/h2/errors.js';
import { memoryPipe, type MemoryPipeOptions } from '../../src/h2/memory-pipe.js';
import type { H2Stream } from '../../src/h2/stream.js';

export interface Pair {
  server: Connection;
  client: Connection;
  errors: H2Error[];
  /** Resolves when both connections have closed. */
  closed: Promise<void>;
}

export function pair(
  server: Partial<ConnectionOptions> = {},
  client: Partial<ConnectionOptions> = {},
  pipe: MemoryPipeOptions = {},
): Pair {
  const [a, b] = memoryPipe(pipe);
  const errors: H2Error[] = [];
  let closes = 0;
  let resolve!: () => void;
  const closed = new Promise<void>((r) => (resolve = r));
  const onClose = (): void => {
    if (++closes === 2) resolve();
  };
  const s = new Connection(a, {
    role: 'server',
    onStream: echo,
    onError: (e) => errors.push(e),
    onClose,
    ...server,
  });
  const c = new Connection(b, { role: 'client', onError: (e) => errors.push(e), onClose, ...client });
  return { server: s, client: c, errors, closed };
}

/** The parts in one buffer: the engine's own joinPieces (byte-stream.ts). */
export const concat = joinPieces;

/**
 * Server handler: answers 200 with the request body back and trailers
 * `x-request-bytes`, `x-path`; a request header `x-trailers-only` answers with headers alone.
 */
export function echo(stream: H2Stream, headers: readonly string[], endStream: boolean): void {
  const path = header(headers, ':path') ?? '';
  if (header(headers, 'x-trailers-only') !== undefined) {
    stream.respond([':status', '200', 'x-path', path], true);
    return;
  }
  const chunks: Uint8Array[] = [];
  const finish = (): void => {
    const body = concat(chunks);
    stream.respond([':status', '200', 'content-type', 'application/octet-stream'], false);
    if (body.length > 0) stream.write(body);
    stream.trailers(['x-request-bytes', String(body.length), 'x-path', path]);
  };
  stream.onData = (chunk, end) => {
    chunks.push(chunk);
    if (end) finish();
  };
  stream.onHeaders = (_trailers, end) => {
    if (end) finish(); // the request's trailers end it
  };
  if (endStream) finish();
}

export function header(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

export interface Response {
  headers: readonly string[];
  body: Uint8Array;
  trailers: readonly string[] | undefined;
  reset: { code: number; byPeer: boolean; connectionError: Error | undefined } | undefined;
  stream: H2Stream;
}

export const REQUEST = [':method', 'POST', ':scheme', 'http', ':path', '/echo', ':authority', 'test'];

/** Opens a stream, sends `body` (then END_STREAM), and collects the response until END_STREAM or a reset. */
export function call(
  client: Connection,
  body?: Uint8Array,
  options: { path?: string; method?: string; extra?: readonly string[]; chunk?: number } = {},
): Promise<Response> {
  const headers = [
    ':method',
    options.method ?? 'POST',
    ':scheme',
    'http',
    ':path',
    options.path ?? '/echo',
    ':authority',
    'test',
    ...(options.extra ?? []),
  ];
  const stream = client.request(headers, body === undefined);
  return new Promise((resolve) => {
    const response: Response = { headers: [], body: new Uint8Array(0), trailers: undefined, reset: undefined, stream };
    const chunks: Uint8Array[] = [];
    const done = (): void => {
      response.body = concat(chunks);
      resolve(response);
    };
    stream.onHeaders = (h, end) => {
      if (response.headers.length === 0) response.headers = h;
      else response.trailers = h;
      if (end) done();
    };
    stream.onData = (c, end) => {
      chunks.push(c);
      if (end) done();
    };
    stream.onReset = (code, byPeer, connectionError) => {
      response.reset = { code, byPeer, connectionError };
      done();
    };
    if (body !== undefined) {
      const step = options.chunk ?? body.length;
      let at = 0;
      const pump = (): void => {
        while (at < body.length) {
          const piece = body.subarray(at, at + step);
          at += piece.length;
          if (!stream.write(piece, at >= body.length)) {
            stream.onDrain = pump;
            return;
          }
        }
        if (body.length === 0) stream.end();
      };
      pump();
    }
  });
}

/** Bytes 0, 1, …, 250, 0, 1, … — a body whose corruption or reordering shows. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i + seed) % 251;
  return out;
}

export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
