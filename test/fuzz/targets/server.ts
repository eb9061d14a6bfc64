/**
 * The server's request path under mutated requests: a real Server (the Echo
 * service, in this process) and node:http2's raw client sending mutated
 * header sets and mutated frames. Every stream must end with a valid answer —
 * a gRPC status 0–16, a plain 405/415, or an HTTP/2 reset of a request HTTP/2
 * itself forbids — within a few seconds, and a good call must succeed after
 * every case. Anything thrown inside the server process is a failure too
 * (the runner watches uncaught exceptions).
 */
import http2, { type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import zlib from 'node:zlib';
import { Server } from '../../../src/service/server.js';
import { Echo, encodeRequest, PATHS } from '../../hostile/echo-service.js';
import { connectRaw, grpcFrame, rawCall, type RawResult } from '../../hostile/raw-client.js';
import { fromHex, mutate, toHex, type Rng } from '../rng.js';
import { check, type FuzzTarget } from '../target.js';

interface ServerInput {
  headers: [string, string][];
  /** Body chunks, hex. */
  chunks: string[];
  end: boolean;
  /** Reset the stream (CANCEL) after writing, instead of waiting for the answer. */
  reset: boolean;
}

/** No sleeps, no hangs: whatever the mutated request says, every handler ends quickly. */
const impl = {
  unary: (req: { text: string }) => ({ text: req.text, index: 0 }),
  async *serverStream(req: { text: string; count: number }) {
    for (let i = 0; i < Math.min(Math.max(req.count, 0), 5); i++) yield { text: req.text, index: i };
  },
  async clientStream(requests: AsyncIterable<{ text: string }>) {
    let n = 0;
    for await (const _ of requests) n++;
    return { text: 'n', index: n };
  },
  async *bidi(requests: AsyncIterable<{ text: string }>) {
    for await (const r of requests) yield { text: r.text, index: 0 };
  },
};

let server: Server | undefined;
let url = '';
let session: ClientHttp2Session | undefined;
let cases = 0;

const PATH_CHOICES = [
  ...Object.values(PATHS),
  '/wiregrpc.test.Echo/Nope',
  '/nope.X/Y',
  '/',
  '/wiregrpc.test.Echo/Unary/x',
  '*',
];
const CONTENT_TYPES = [
  'application/grpc',
  'application/grpc+proto',
  'application/grpc; charset=utf-8',
  'application/grpc+json',
  'text/plain',
  'application/grpc-web',
  '',
];
const ENCODINGS = ['gzip', 'deflate', 'identity', 'br', 'GZIP', ' gzip ', ''];
const TIMEOUTS = ['1S', '0n', '100m', '99999999H', '1', 'x', '-1S', '123456789S', '5u'];
const METADATA: [string, string][] = [
  ['x-a', 'b'],
  ['x-data-bin', 'AQID'],
  ['x-data-bin', '!!'],
  ['__proto__', 'x'],
  ['constructor', 'y'],
  ['a!b', 'c'],
  ['x-long', 'v'.repeat(2000)],
  ['grpc-status', '0'],
  ['user-agent', 'fuzz'],
  ['te', 'gzip'],
];

function randomRequest(rng: Rng): Uint8Array {
  const bytes = encodeRequest({
    text: rng.chance(0.5) ? 'fuzz' : String.fromCharCode(...rng.bytes(rng.int(8))),
    count: rng.int(8),
    payload: rng.bytes(rng.size(64)),
  });
  return rng.chance(0.4) ? mutate(rng, bytes) : bytes;
}

export const serverTarget: FuzzTarget<ServerInput> = {
  name: 'server',
  async setup() {
    server = new Server({ maxReceiveMessageLength: 16 * 1024, maxConcurrentStreams: 32 });
    server.add(Echo, impl);
    const address = await server.listen('127.0.0.1:0');
    if (!('port' in address)) throw new Error('expected TCP');
    url = `http://127.0.0.1:${address.port}`;
  },
  async teardown() {
    session?.destroy();
    session = undefined;
    server?.forceShutdown();
    server = undefined;
  },
  generate(rng) {
    const encoding = rng.chance(0.2) ? rng.pick(ENCODINGS) : undefined;
    const headers: [string, string][] = [
      [':method', rng.chance(0.9) ? 'POST' : rng.pick(['GET', 'PUT', 'HEAD', 'PATCH'])],
      [':path', rng.chance(0.85) ? rng.pick(Object.values(PATHS)) : rng.pick(PATH_CHOICES)],
      ['content-type', rng.chance(0.85) ? 'application/grpc' : rng.pick(CONTENT_TYPES)],
      ['te', 'trailers'],
    ];
    if (rng.chance(0.1)) headers.splice(rng.int(headers.length), 1);
    if (encoding !== undefined) headers.push(['grpc-encoding', encoding]);
    if (rng.chance(0.2)) headers.push(['grpc-accept-encoding', rng.pick(['gzip', 'deflate', 'identity,gzip', 'x'])]);
    if (rng.chance(0.3)) headers.push(['grpc-timeout', rng.pick(TIMEOUTS)]);
    for (let i = rng.chance(0.3) ? rng.int(4) : 0; i > 0; i--) headers.push(rng.pick(METADATA));
    // The body: frames of valid, mutated or compressed requests, then maybe mutated as a whole.
    const frames: Uint8Array[] = [];
    for (let i = rng.int(4); i > 0; i--) {
      const message = randomRequest(rng);
      const compress = encoding !== undefined && rng.chance(0.6);
      const payload = compress
        ? encoding!.trim().toLowerCase() === 'deflate'
          ? zlib.deflateSync(message)
          : zlib.gzipSync(message)
        : message;
      frames.push(grpcFrame(payload, compress ? 1 : rng.chance(0.05) ? rng.int(256) : 0));
    }
    let body: Uint8Array = Buffer.concat(frames);
    if (rng.chance(0.3)) body = mutate(rng, body, undefined, 64 * 1024);
    const chunks: string[] = [];
    for (let at = 0; at < body.length;) {
      const n = 1 + rng.int(rng.chance(0.5) ? 8 : body.length);
      chunks.push(toHex(body.subarray(at, at + n)));
      at += n;
    }
    return { headers, chunks, end: rng.chance(0.97), reset: rng.chance(0.05) };
  },
  async execute(input) {
    if (session === undefined || session.closed || session.destroyed) session = connectRaw(url);
    const headers: OutgoingHttpHeaders = Object.create(null);
    for (const [k, v] of input.headers) {
      const prev = headers[k];
      headers[k] = prev === undefined ? v : ([] as string[]).concat(prev as string, v);
    }
    const { stream, done } = rawCall(
      session,
      undefined,
      input.chunks.map((c) => Buffer.from(fromHex(c))),
      headers,
      { bare: true, end: input.end },
    );
    if (stream === undefined) return; // node:http2 would not send it: the server never sees it
    if (input.reset || !input.end)
      setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), input.reset ? 5 : 300);
    const result = await withTimeout(done, 5000, 'the server never answered the stream');
    checkAnswer(result, input);
    if (++cases % 25 === 0) await goodCall();
  },
};

function checkAnswer(r: RawResult, input: ServerInput): void {
  if (input.reset || !input.end) return; // we cancelled: any ending is fine, as long as it ended
  if (r.rstCode !== 0 && r.headers[':status'] === undefined) {
    // Only HTTP/2 itself resets a request we sent whole: check it was one HTTP/2 forbids.
    const method = input.headers.find(([k]) => k === ':method')?.[1];
    const path = input.headers.find(([k]) => k === ':path')?.[1];
    check(
      r.rstCode === http2.constants.NGHTTP2_PROTOCOL_ERROR &&
        (r.headers[':status'] as unknown) === undefined &&
        (path === undefined ||
          !path.startsWith('/') ||
          method === undefined ||
          method === 'HEAD' ||
          input.headers.some(([k, v]) => k === 'te' && v !== 'trailers') ||
          input.headers.filter(([k]) => k === 'content-type').length > 1),
      `stream reset with ${r.rstCode} and no answer`,
    );
    return;
  }
  const status = r.headers[':status'] as number | undefined;
  if (status === 405 || status === 415) return;
  check(status === 200, `HTTP status ${status}`);
  const type = String(r.headers['content-type'] ?? '');
  if (type.startsWith('application/grpc-web') && !Number.isInteger(r.code)) {
    const code = grpcWebStatus(r.body, type.startsWith('application/grpc-web-text'));
    check(
      code !== undefined && code >= 0 && code <= 16,
      `gRPC-Web answer without a valid grpc-status in its trailer frame`,
    );
    return;
  }
  check(
    Number.isInteger(r.code) && r.code >= 0 && r.code <= 16,
    `no valid grpc-status (got ${JSON.stringify((r.trailers ?? r.headers)['grpc-status'])})`,
  );
}

/** gRPC-Web puts the status in a body frame flagged 0x80 ("grpc-status: N\r\n..."); -text is base64, chunk by chunk. */
function grpcWebStatus(body: Buffer, text: boolean): number | undefined {
  let bytes = body;
  if (text)
    bytes = Buffer.concat(
      body
        .toString('latin1')
        .split(/(?<==)(?=[^=])/)
        .map((part) => Buffer.from(part, 'base64')),
    );
  for (let pos = 0; pos + 5 <= bytes.length;) {
    const length = bytes.readUInt32BE(pos + 1);
    if (bytes[pos]! & 0x80) {
      const match = /(?:^|\r\n)grpc-status:\s*(\d+)/i.exec(
        bytes.subarray(pos + 5, pos + 5 + length).toString('latin1'),
      );
      return match ? Number(match[1]) : undefined;
    }
    pos += 5 + length;
  }
  return undefined;
}

async function goodCall(): Promise<void> {
  const s = connectRaw(url);
  try {
    const r = await withTimeout(
      rawCall(s, PATHS.unary, grpcFrame(encodeRequest({ text: 'good' }))).done,
      5000,
      'the good call never finished',
    );
    check(r.code === 0, `a good call failed after the fuzz cases: ${r.code} ${r.message}`);
  } finally {
    s.destroy();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms))),
  ]);
}
