// The server under hostile input: a catalogue, one row per way a client can
// get a request wrong (or attack the server), driven by node:http2's raw
// client and by hand-written HTTP/2 over node:net — never by our client.
// Every row is followed by a good call on a fresh connection that must
// succeed: whatever a client does, the server keeps serving.
//
// Where the right answer is debatable, the row says whom we follow: the spec
// (grpc/grpc doc/PROTOCOL-HTTP2.md, doc/statuscodes.md, doc/compression.md)
// first, then grpc-go (internal/transport/http2_server.go, http_util.go).
import t, { type Test } from 'tap';
import http2, { type ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import zlib from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from '../../src/service/server.js';
import { Code } from '../../src/wire/grpc/code.js';
import { echoImpl, Echo, encodeRequest, decodeReply, newStats, PATHS, type EchoStats } from './echo-service.js';
import { connectRaw, grpcFrame, parseFrames, rawCall, type RawResult } from './raw-client.js';
import { Flag, FrameType, grpcRequestFields, h2frame, RawH2 } from './raw-h2.js';

const LIMIT = 64 * 1024; // the server's receive limit in these tests
const MAX_STREAMS = 8;
const { NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL } = http2.constants;

interface Ctx {
  url: string;
  port: number;
  stats: EchoStats;
  server: Server;
  /** A fresh raw session for this row (closed after it). */
  session: ClientHttp2Session;
}

interface Row {
  name: string;
  run(t: Test, ctx: Ctx): Promise<void>;
}

function req(text: string, more: Partial<{ count: number; payload: Uint8Array; delayMs: number }> = {}): Buffer {
  return grpcFrame(encodeRequest({ text, ...more }));
}

function expectStatus(
  t: Test,
  r: RawResult,
  code: Code,
  opts: { trailersOnly?: boolean; message?: RegExp } = {},
): void {
  t.equal(r.code, code, `grpc-status ${Code[code]} (got ${r.code}: ${r.message})`);
  t.equal(r.headers[':status'], 200, 'HTTP 200: a gRPC answer');
  if (opts.trailersOnly) t.ok(r.trailersOnly, 'Trailers-Only');
  if (opts.message) t.match(decodeURIComponent(r.message ?? ''), opts.message);
}

/** A good unary call on a new connection: the server is still serving. */
async function goodCall(t: Test, url: string): Promise<void> {
  const session = connectRaw(url);
  try {
    const r = await rawCall(session, PATHS.unary, req('still serving')).done;
    t.equal(r.code, Code.OK, 'the next call succeeds');
    t.equal(decodeReply(parseFrames(r.body)[0] ?? new Uint8Array()).text, 'still serving');
  } finally {
    session.destroy();
  }
}

const gzip = (b: Uint8Array) => zlib.gzipSync(b);

const rows: Row[] = [
  // ── HTTP level: refused before gRPC starts ────────────────────────────────
  ...['GET', 'PUT', 'DELETE', 'OPTIONS'].map((method): Row => ({
    name: `${method} → HTTP 405 with allow: POST (not a gRPC status: the peer may not speak gRPC)`,
    async run(t, { session }) {
      const r = await rawCall(session, PATHS.unary, [], { ':method': method }, { end: true }).done;
      t.equal(r.headers[':status'], 405);
      t.equal(r.headers.allow, 'POST');
      t.equal(r.headers['grpc-status'], undefined);
    },
  })),
  ...[
    undefined,
    'text/html',
    'application/json',
    'application/grpcx',
    'application/grpc+json',
    'application/grpc-web+json',
  ].map((type): Row => ({
    name: `content-type ${type ?? '(none)'} → HTTP 415`,
    async run(t, { session }) {
      const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', te: 'trailers' };
      if (type !== undefined) headers['content-type'] = type;
      const r = await rawCall(session, PATHS.unary, req('x'), headers, { bare: true }).done;
      t.equal(r.headers[':status'], 415);
    },
  })),
  {
    // grpc-go and grpc-java accept a request without `te: trailers` (grpc-java only
    // logs a warning): it tells proxies to keep trailers, the server needs nothing from it.
    name: 'no te header → served normally (as grpc-go and grpc-java do)',
    async run(t, { session }) {
      const r = await rawCall(
        session,
        PATHS.unary,
        req('no te'),
        { ':method': 'POST', 'content-type': 'application/grpc' },
        { bare: true },
      ).done;
      expectStatus(t, r, Code.OK);
    },
  },
  {
    // RFC 9113 §8.3.1: :path starts with "/" (or is "*" for OPTIONS): nghttp2 resets the stream.
    name: ':path without a leading slash → RST_STREAM(PROTOCOL_ERROR) from HTTP/2, no handler runs',
    async run(t, { session, stats }) {
      const before = JSON.stringify(stats.calls);
      const r = await rawCall(session, 'no-slash', req('x')).done;
      t.equal(r.rstCode, http2.constants.NGHTTP2_PROTOCOL_ERROR);
      t.equal(JSON.stringify(stats.calls), before);
    },
  },
  ...[
    '/',
    '/wiregrpc.test.Echo',
    '/wiregrpc.test.Echo/',
    '//Unary',
    '/wiregrpc.test.Echo/Unary/extra',
    '/wiregrpc.test.Echo/Unary?x=1',
    '/%2e%2e/x',
  ].map((p): Row => ({
    // grpc-go (server.go handleStream): a path without "/service/method" shape is
    // "malformed method name" → UNIMPLEMENTED.
    name: `malformed :path ${JSON.stringify(p)} → UNIMPLEMENTED, Trailers-Only`,
    async run(t, { session }) {
      const r = await rawCall(session, p, req('x')).done;
      expectStatus(t, r, Code.UNIMPLEMENTED, { trailersOnly: true });
    },
  })),
  {
    name: 'unknown service and unknown method → UNIMPLEMENTED, Trailers-Only, naming the path',
    async run(t, { session }) {
      for (const p of ['/nope.Service/Unary', '/wiregrpc.test.Echo/Nope']) {
        const r = await rawCall(session, p, req('x')).done;
        expectStatus(t, r, Code.UNIMPLEMENTED, { trailersOnly: true, message: new RegExp(p.replace(/\./g, '\\.')) });
      }
    },
  },

  // ── Framing and limits ─────────────────────────────────────────────────────
  {
    name: 'a frame prefix promising 4 GiB → RESOURCE_EXHAUSTED at once (nothing buffered)',
    async run(t, { session }) {
      const r = await rawCall(session, PATHS.unary, Buffer.from([0, 0xff, 0xff, 0xff, 0xff]), {}, { end: false }).done;
      expectStatus(t, r, Code.RESOURCE_EXHAUSTED);
    },
  },
  {
    name: 'a message over the receive limit → RESOURCE_EXHAUSTED before its bytes arrive (prefix only, stream left open)',
    async run(t, { session }) {
      // Only the prefix is sent: the answer cannot have waited for the payload.
      const r = await rawCall(session, PATHS.clientStream, Buffer.from([0, 0, 1, 0, 1]), {}, { end: false }).done;
      expectStatus(t, r, Code.RESOURCE_EXHAUSTED, { message: /limit|larger|exceed/i });
    },
  },
  {
    name: 'a message of exactly the receive limit is accepted',
    async run(t, { session }) {
      const payload = new Uint8Array(LIMIT - 8).fill(7); // + text tag/len + payload tag/len ≤ LIMIT
      const bytes = encodeRequest({ text: 'e', payload });
      t.ok(bytes.length <= LIMIT);
      const r = await rawCall(session, PATHS.unary, grpcFrame(bytes)).done;
      expectStatus(t, r, Code.OK);
    },
  },
  {
    name: 'a truncated message, then END_STREAM → INTERNAL',
    async run(t, { session }) {
      const whole = req('truncated');
      const r = await rawCall(session, PATHS.unary, whole.subarray(0, whole.length - 3)).done;
      expectStatus(t, r, Code.INTERNAL);
    },
  },
  {
    name: 'a truncated prefix (3 bytes), then END_STREAM → INTERNAL',
    async run(t, { session }) {
      const r = await rawCall(session, PATHS.clientStream, Buffer.from([0, 0, 0])).done;
      expectStatus(t, r, Code.INTERNAL);
    },
  },
  {
    // PROTOCOL-HTTP2.md: the flag is 0 or 1; gRPC-Web's 0x80 (trailers) is not gRPC.
    name: 'reserved flag bits (0x02, 0x80) → INTERNAL',
    async run(t, { session }) {
      for (const flag of [2, 0x80]) {
        const r = await rawCall(session, PATHS.unary, grpcFrame(encodeRequest({ text: 'f' }), flag)).done;
        expectStatus(t, r, Code.INTERNAL);
      }
    },
  },
  {
    // grpc-go: "grpc: compressed flag set with identity or empty encoding" → INTERNAL.
    name: 'compressed flag without grpc-encoding → INTERNAL',
    async run(t, { session }) {
      const r = await rawCall(session, PATHS.unary, grpcFrame(gzip(encodeRequest({ text: 'z' })), 1)).done;
      expectStatus(t, r, Code.INTERNAL, { message: /grpc-encoding/ });
    },
  },
  {
    // compression.md: "the server MUST respond with UNIMPLEMENTED ... and include grpc-accept-encoding".
    name: 'an unsupported grpc-encoding → UNIMPLEMENTED with grpc-accept-encoding',
    async run(t, { session }) {
      for (const enc of ['br', 'snappy', 'x-gzip', '']) {
        const r = await rawCall(session, PATHS.unary, grpcFrame(encodeRequest({ text: 'z' }), 1), {
          'grpc-encoding': enc,
        }).done;
        expectStatus(t, r, Code.UNIMPLEMENTED, { trailersOnly: true });
        t.match(String(r.headers['grpc-accept-encoding']), /gzip/);
      }
    },
  },
  {
    name: 'compressed messages with a supported encoding are served (gzip, deflate; flag 0 too)',
    async run(t, { session }) {
      const msg = encodeRequest({ text: 'zipped' });
      for (const [enc, bytes, flag] of [
        ['gzip', gzip(msg), 1],
        ['deflate', zlib.deflateSync(msg), 1],
        ['gzip', Buffer.from(msg), 0],
      ] as const) {
        const r = await rawCall(session, PATHS.unary, grpcFrame(bytes, flag), { 'grpc-encoding': enc }).done;
        expectStatus(t, r, Code.OK);
      }
    },
  },
  {
    name: 'corrupt gzip data → INTERNAL',
    async run(t, { session }) {
      const good = gzip(encodeRequest({ text: 'corrupt me' }));
      const bad = Buffer.from(good);
      bad.fill(0x55, 10, bad.length - 8);
      for (const body of [bad, Buffer.from('not gzip at all'), good.subarray(0, good.length - 5)]) {
        const r = await rawCall(session, PATHS.unary, grpcFrame(body, 1), { 'grpc-encoding': 'gzip' }).done;
        expectStatus(t, r, Code.INTERNAL, { message: /decompress/ });
      }
    },
  },
  {
    name: 'a gzip bomb (64 MiB of zeros in ~64 KB) → RESOURCE_EXHAUSTED, memory stays bounded',
    async run(t, { session }) {
      const bomb = gzip(new Uint8Array(64 * 1024 * 1024));
      t.ok(bomb.length < LIMIT, `the bomb (${bomb.length} bytes) fits under the receive limit`);
      global.gc?.();
      const before = process.memoryUsage();
      const results = await Promise.all(
        Array.from(
          { length: 8 },
          () => rawCall(session, PATHS.unary, grpcFrame(bomb, 1), { 'grpc-encoding': 'gzip' }).done,
        ),
      );
      const after = process.memoryUsage();
      for (const r of results) expectStatus(t, r, Code.RESOURCE_EXHAUSTED);
      // 8 bombs × 64 MiB = 512 MiB if inflated; bounded, each stops at the 64 KiB limit.
      const grew = (after.rss - before.rss) / 2 ** 20;
      t.ok(grew < 64, `RSS grew ${grew.toFixed(1)} MiB for 8 bombs of 64 MiB each`);
    },
  },

  // ── The message itself ──────────────────────────────────────────────────────
  {
    name: 'garbage protobuf → INTERNAL',
    async run(t, { session }) {
      for (const junk of [
        [0xff, 0xff, 0xff],
        [0x0a, 0x7f, 0x41],
        [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        [0x00],
        [0x0f],
      ]) {
        const r = await rawCall(session, PATHS.unary, grpcFrame(Buffer.from(junk))).done;
        expectStatus(t, r, Code.INTERNAL);
      }
    },
  },
  {
    // proto3 strings must be UTF-8; grpc-go's proto.Unmarshal fails them → INTERNAL.
    name: 'invalid UTF-8 in a string field → INTERNAL',
    async run(t, { session }) {
      for (const bad of [[0xc3], [0xff, 0xfe], [0xed, 0xa0, 0x80] /* a surrogate */, [0xc0, 0xaf] /* overlong */]) {
        const r = await rawCall(session, PATHS.unary, grpcFrame(Buffer.from([0x0a, bad.length, ...bad]))).done;
        expectStatus(t, r, Code.INTERNAL, { message: /UTF-8/ });
      }
    },
  },
  {
    // doc/statuscodes.md: request cardinality violation → UNIMPLEMENTED.
    name: 'a unary method sent two messages, or none → UNIMPLEMENTED',
    async run(t, { session }) {
      const two = await rawCall(session, PATHS.unary, [req('one'), req('two')]).done;
      expectStatus(t, two, Code.UNIMPLEMENTED);
      const none = await rawCall(session, PATHS.unary, []).done;
      expectStatus(t, none, Code.UNIMPLEMENTED);
      const streamNone = await rawCall(session, PATHS.serverStream, []).done;
      expectStatus(t, streamNone, Code.UNIMPLEMENTED);
    },
  },
  {
    name: 'an empty message (zero-length frame) is a valid request',
    async run(t, { session }) {
      const r = await rawCall(session, PATHS.unary, grpcFrame(new Uint8Array(0))).done;
      expectStatus(t, r, Code.OK);
    },
  },

  // ── Headers ────────────────────────────────────────────────────────────────
  ...['', '1', 'S', 'abc', '-1S', '1.5S', '123456789S', '1x', '1 S', '+1S', '0x1S', '99999999999999999999H', '1s'].map(
    (value): Row => ({
      // grpc-go (http_util.go decodeState): "malformed time-out" → INTERNAL.
      name: `grpc-timeout ${JSON.stringify(value)} → INTERNAL`,
      async run(t, { session }) {
        const r = await rawCall(session, PATHS.unary, req('x'), { 'grpc-timeout': value }).done;
        expectStatus(t, r, Code.INTERNAL, { trailersOnly: true, message: /grpc-timeout/ });
      },
    }),
  ),
  {
    name: 'grpc-timeout at the extremes: 0n expires at once, 99999999H is a fine (long) deadline',
    async run(t, { session }) {
      const zero = await rawCall(session, PATHS.unary, req('hang'), { 'grpc-timeout': '0n' }).done;
      expectStatus(t, zero, Code.DEADLINE_EXCEEDED);
      const long = await rawCall(session, PATHS.unary, req('long'), { 'grpc-timeout': '99999999H' }).done;
      expectStatus(t, long, Code.OK);
    },
  },
  {
    name: 'an oversized header list: the stream (or connection) is refused, nothing reaches a handler',
    async run(t, { session, stats }) {
      const before = stats.calls.unary ?? 0;
      const big = 'v'.repeat(1024);
      const headers: http2.OutgoingHttpHeaders = {};
      for (let i = 0; i < 200; i++) headers[`x-h${i}`] = big; // 200 KB of header fields
      const r = await rawCall(session, PATHS.unary, req('big headers'), headers).done;
      t.not(r.code, Code.OK, `refused (HTTP ${r.headers[':status'] ?? '-'}, RST ${r.rstCode}, ${r.notSent ?? ''})`);
      t.equal(stats.calls.unary ?? 0, before, 'no handler ran');
    },
  },
  {
    name: 'too many header fields (1000 small ones): refused, nothing reaches a handler',
    async run(t, { session, stats }) {
      const before = stats.calls.unary ?? 0;
      const headers: http2.OutgoingHttpHeaders = {};
      for (let i = 0; i < 1000; i++) headers[`x-${i}`] = '1';
      const r = await rawCall(session, PATHS.unary, req('many headers'), headers).done;
      t.not(r.code, Code.OK, `refused (HTTP ${r.headers[':status'] ?? '-'}, RST ${r.rstCode})`);
      t.equal(stats.calls.unary ?? 0, before, 'no handler ran');
    },
  },
  {
    // Metadata lives in a Map: these keys are ordinary keys and never reach a prototype.
    name: 'metadata keys __proto__, constructor, prototype, hasOwnProperty are plain keys',
    async run(t, { session }) {
      // A computed key: `{ __proto__: 'p' }` would set the literal's prototype instead.
      const r = await rawCall(session, PATHS.unary, req('metadata'), {
        ['__proto__']: 'p',
        constructor: 'c',
        prototype: 'q',
        hasownproperty: 'h',
      }).done;
      expectStatus(t, r, Code.OK);
      const seen = JSON.parse(decodeReply(parseFrames(r.body)[0]!).text);
      t.same(seen.constructor, ['c']);
      t.same(seen.prototype, ['q']);
      t.same(seen.hasownproperty, ['h']);
      t.same(Object.getOwnPropertyDescriptor(seen, '__proto__')?.value, ['p'], '__proto__ arrived as a key');
      t.equal(Object.getPrototypeOf({}), Object.prototype, 'no prototype was touched');
    },
  },
  {
    // HTTP/2 forbids upper-case field names (RFC 9113 §8.2.1): nghttp2 resets the stream
    // before any handler sees it. Sent by hand: node:http2's client lower-cases names.
    name: 'an upper-case metadata key (hand-written HPACK) → the stream is reset, no handler runs',
    async run(t, { port, stats }) {
      const before = stats.calls.unary ?? 0;
      const raw = await RawH2.connect(port);
      try {
        raw.handshake();
        raw.headers(1, grpcRequestFields(PATHS.unary, [['X-Upper', 'yes']]), false);
        raw.data(1, req('upper'), true);
        t.ok(
          await raw.until(() => raw.rstCode(1) !== undefined || raw.goawayCode() !== undefined || raw.closed, 2000),
          'refused',
        );
        t.equal(raw.rstCode(1) ?? raw.goawayCode(), http2.constants.NGHTTP2_PROTOCOL_ERROR, 'PROTOCOL_ERROR');
        t.equal(stats.calls.unary ?? 0, before, 'no handler ran');
      } finally {
        raw.destroy();
      }
    },
  },
  {
    // Legal HTTP tokens that gRPC metadata does not allow (Header-Name: 0-9 a-z _ - .).
    // The metadata is parsed when the handler first reads it: then INTERNAL (as
    // grpc-go's stricter newer transports answer for malformed metadata).
    name: 'metadata keys with characters gRPC does not allow (x!y, x$y, x~y) → INTERNAL when read',
    async run(t, { session }) {
      for (const key of ['x!y', 'x$y', 'x~y', "x'y"]) {
        const r = await rawCall(session, PATHS.unary, req('metadata'), { [key]: 'v' }).done;
        expectStatus(t, r, Code.INTERNAL, { message: /metadata key/ });
      }
    },
  },
  {
    // nghttp2 drops header fields whose names are not HTTP tokens (RFC 9113 §8.2.1
    // lets a server ignore them) and serves the rest of the request.
    name: 'header field names with a space, colon or NUL inside (hand-written HPACK) → dropped by HTTP/2, the call is served without them',
    async run(t, { port, stats }) {
      const raw = await RawH2.connect(port);
      try {
        raw.handshake();
        let id = 1;
        for (const name of ['x bad', 'x:bad', 'x\0bad']) {
          const before = stats.calls.unary ?? 0;
          stats.lastMetadataKeys = [];
          raw.headers(
            id,
            grpcRequestFields(PATHS.unary, [
              [name, 'v'],
              ['x-good', 'g'],
            ]),
            false,
          );
          raw.data(id, req('metadata'), true);
          const stream = id;
          t.ok(
            await raw.until(
              () => raw.received(FrameType.HEADERS, stream).length > 0 || raw.rstCode(stream) !== undefined,
              2000,
            ),
            `answered ${JSON.stringify(name)}`,
          );
          if (raw.rstCode(stream) === undefined) {
            t.equal(stats.calls.unary, before + 1, 'served');
            t.same(stats.lastMetadataKeys, ['x-good'], 'without the bad field');
          }
          id += 2;
        }
      } finally {
        raw.destroy();
      }
    },
  },
  {
    // grpc-go (http2_server.go operateHeaders): "malformed binary metadata" → INTERNAL.
    name: 'binary metadata that is not base64 → INTERNAL',
    async run(t, { session }) {
      for (const value of ['!!!', 'a', 'AAAA=A', 'AA AA']) {
        const r = await rawCall(session, PATHS.unary, req('metadata'), { 'x-data-bin': value }).done;
        expectStatus(t, r, Code.INTERNAL, { message: /base64/ });
      }
      const ok = await rawCall(session, PATHS.unary, req('metadata'), { 'x-data-bin': 'AQID, BAU=' }).done; // padded, unpadded, comma-joined
      expectStatus(t, ok, Code.OK);
    },
  },
  {
    name: 'non-ASCII bytes in a metadata value → INTERNAL when read',
    async run(t, { port }) {
      const raw = await RawH2.connect(port);
      try {
        raw.handshake();
        raw.headers(1, grpcRequestFields(PATHS.unary, [['x-text', 'caf\xe9']]), false);
        raw.data(1, req('metadata'), true);
        t.ok(
          await raw.until(() => raw.received(FrameType.HEADERS, 1).length > 0 || raw.rstCode(1) !== undefined, 2000),
          'answered',
        );
      } finally {
        raw.destroy();
      }
    },
  },

  // ── Streams and connections ─────────────────────────────────────────────────
  {
    // Regression: node:http2 emits 'end' after 'aborted' for a reset stream; the
    // call must abort first, or the handler takes a truncated request stream for a
    // whole one (grpc-go's RecvMsg returns the reset, never io.EOF).
    name: 'RST_STREAM(CANCEL) in the middle of a request stream: the handler sees CANCELLED, not the end of its requests',
    async run(t, { session, stats }) {
      const aborts = stats.aborted.length;
      const ends = stats.requestEnds.length;
      const abort = new AbortController();
      const { done } = rawCall(
        session,
        PATHS.clientStream,
        [req('one'), req('two')],
        {},
        { end: false, signal: abort.signal },
      );
      await until(() => stats.calls.clientStream !== undefined, 1000);
      await sleep(50);
      abort.abort();
      const r = await done;
      t.equal(r.rstCode, NGHTTP2_CANCEL);
      t.ok(await until(() => stats.requestEnds.length > ends, 2000), 'the handler saw its requests end');
      t.equal(stats.requestEnds.at(-1), String(Code.CANCELLED), 'with CANCELLED, not as a complete stream');
      t.equal(stats.aborted[aborts], String(Code.CANCELLED), 'and its signal aborted');
      const again = await rawCall(session, PATHS.unary, req('same session')).done;
      expectStatus(t, again, Code.OK);
    },
  },
  {
    // What node:http2's `stream.close(CANCEL)` (and so grpc-js) sends: END_STREAM, then
    // RST_STREAM. The server cannot tell that END_STREAM from a real one; it must
    // still notice the reset and stay well.
    name: 'END_STREAM then RST_STREAM(CANCEL) (node:http2 close()): the server copes, the session goes on',
    async run(t, { session, stats }) {
      const { stream, done } = rawCall(session, PATHS.clientStream, req('one'), {}, { end: false });
      await until(() => stats.calls.clientStream !== undefined, 1000);
      await sleep(20);
      stream!.close(NGHTTP2_CANCEL);
      await done;
      const again = await rawCall(session, PATHS.unary, req('same session')).done;
      expectStatus(t, again, Code.OK);
    },
  },
  {
    name: 'a client that opens streams and never reads: flow control holds the handler, memory bounded',
    async run(t, { url, stats }) {
      const session = connectRaw(url, { settings: { initialWindowSize: 65535 } });
      try {
        const streamed = stats.streamed;
        const payload = new Uint8Array(16 * 1024);
        const calls = Array.from({ length: 4 }, () =>
          rawCall(session, PATHS.serverStream, grpcFrame(encodeRequest({ text: 's', count: 10_000, payload }))),
        );
        for (const c of calls) c.stream!.pause();
        await sleep(500);
        const produced = stats.streamed - streamed;
        // 4 × 10 000 × 16 KiB = 640 MiB if nothing held it back; the windows hold a few hundred KiB.
        t.ok(produced < 4 * 40, `${produced} replies of 16 KiB produced for 4 streams that are not read`);
        await sleep(300);
        t.equal(stats.streamed - streamed, produced, 'and no more while nobody reads');
      } finally {
        session.destroy();
      }
      t.ok(await until(() => stats.generatorsOpen === 0, 2000), 'the handlers stopped when the connection went');
    },
  },
  {
    // nghttp2 refuses streams beyond SETTINGS_MAX_CONCURRENT_STREAMS with
    // REFUSED_STREAM (before our SETTINGS are acknowledged) or ends the
    // connection with PROTOCOL_ERROR (after): either way no handler runs for them.
    name: `more concurrent streams than allowed (${MAX_STREAMS}): the extra ones are refused, unprocessed`,
    async run(t, { port, stats }) {
      const before = stats.calls.unary ?? 0;
      const raw = await RawH2.connect(port);
      try {
        raw.handshake(false);
        for (let i = 0; i < MAX_STREAMS + 4; i++)
          raw.headers(1 + 2 * i, grpcRequestFields(PATHS.unary, [['grpc-timeout', '5S']]), false);
        t.ok(
          await raw.until(() => raw.received(FrameType.RST_STREAM).length >= 4 || raw.goawayCode() !== undefined, 2000),
          'refused',
        );
        const refused = raw
          .received(FrameType.RST_STREAM)
          .filter((f) => f.payload.readUInt32BE(0) === NGHTTP2_REFUSED_STREAM);
        t.ok(
          refused.length === 4 || raw.goawayCode() !== undefined,
          `${refused.length} REFUSED_STREAM, GOAWAY ${raw.goawayCode()}`,
        );
        for (const f of refused) t.ok(f.streamId > 2 * MAX_STREAMS - 1, `stream ${f.streamId} was one too many`);
        t.equal(stats.calls.unary ?? 0, before, 'the requests never completed, so no unary handler ran');
      } finally {
        raw.destroy();
      }
    },
  },
  {
    name: 'a connection that sends the preface and stalls: others are served; shutdown does not wait for it',
    async run(t, { port, url }) {
      const stalled = await RawH2.connect(port);
      const half = await RawH2.connect(port);
      stalled.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'));
      half.write(Buffer.from('PRI * HTTP/2.0\r\n', 'latin1'));
      try {
        await goodCall(t, url);
        t.notOk(stalled.closed, 'a quiet connection is not cut at once (grpc-go allows 120 s)');
      } finally {
        stalled.destroy();
        half.destroy();
      }
    },
  },
  {
    name: 'a flood of PINGs the client never reads: the server stays up, others are served',
    async run(t, { port, url }) {
      const raw = await RawH2.connect(port);
      try {
        raw.handshake();
        raw.socket.pause();
        const ping = h2frame(FrameType.PING, 0, 0, Buffer.alloc(8));
        raw.write(Buffer.concat(Array.from({ length: 20_000 }, () => ping)));
        await sleep(200);
        await goodCall(t, url);
        raw.socket.resume();
        // nghttp2 keeps at most 1000 unsent ACKs, then GOAWAY(ENHANCE_YOUR_CALM).
        t.ok(
          await raw.until(
            () => raw.goawayCode() !== undefined || raw.closed || raw.received(FrameType.PING).length >= 20_000,
            3000,
          ),
          'the flood was cut or answered',
        );
        t.comment(`PING flood: ${raw.received(FrameType.PING).length} acks, GOAWAY ${raw.goawayCode()}`);
      } finally {
        raw.destroy();
      }
    },
  },
  {
    name: 'a flood of SETTINGS frames: the server stays up, others are served',
    async run(t, { port, url }) {
      const raw = await RawH2.connect(port);
      try {
        raw.handshake();
        raw.socket.pause();
        const settings = h2frame(FrameType.SETTINGS, 0, 0, Buffer.from([0, 3, 0, 0, 0, 100])); // MAX_CONCURRENT_STREAMS=100
        raw.write(Buffer.concat(Array.from({ length: 20_000 }, () => settings)));
        await sleep(200);
        await goodCall(t, url);
        raw.socket.resume();
        t.ok(
          await raw.until(
            () => raw.goawayCode() !== undefined || raw.closed || raw.received(FrameType.SETTINGS).length > 20_000,
            3000,
          ),
          'the flood was cut or answered',
        );
        t.comment(`SETTINGS flood: ${raw.received(FrameType.SETTINGS).length} frames back, GOAWAY ${raw.goawayCode()}`);
      } finally {
        raw.destroy();
      }
    },
  },
  {
    name: 'a plain HTTP/1.1 request to the h2c port: the connection is closed, nothing served',
    async run(t, { port }) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      let answer = '';
      socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
      const closed = new Promise<boolean>((resolve) => {
        socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 3000).unref();
      });
      socket.write(
        'POST /wiregrpc.test.Echo/Unary HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n',
      );
      t.ok(await closed, 'closed');
      t.notMatch(answer, /^HTTP\/1\.1 200/, 'not served');
      socket.destroy();
    },
  },
  {
    name: 'DATA on a stream that was never opened, and a WINDOW_UPDATE of 0: a connection error, the server goes on',
    async run(t, { port }) {
      const raw = await RawH2.connect(port);
      try {
        raw.handshake();
        raw.write(h2frame(FrameType.DATA, Flag.END_STREAM, 5, req('x')));
        t.ok(
          await raw.until(() => raw.goawayCode() !== undefined || raw.closed || raw.rstCode(5) !== undefined, 2000),
          'refused',
        );
      } finally {
        raw.destroy();
      }
    },
  },

  // ── Handlers that misbehave ────────────────────────────────────────────────
  {
    name: 'a handler that throws → UNKNOWN with its message',
    async run(t, { session }) {
      const r = await rawCall(session, PATHS.unary, req('throw')).done;
      expectStatus(t, r, Code.UNKNOWN, { message: /the handler threw/ });
    },
  },
  {
    name: 'a handler that rejects → UNKNOWN with its message',
    async run(t, { session }) {
      const r = await rawCall(session, PATHS.unary, req('reject')).done;
      expectStatus(t, r, Code.UNKNOWN, { message: /the handler rejected/ });
    },
  },
  {
    name: 'a handler that never returns: the deadline answers DEADLINE_EXCEEDED and aborts its signal',
    async run(t, { session, stats }) {
      const aborts = stats.aborted.length;
      const started = Date.now();
      const r = await rawCall(session, PATHS.unary, req('hang'), { 'grpc-timeout': '200m' }).done;
      expectStatus(t, r, Code.DEADLINE_EXCEEDED);
      t.ok(Date.now() - started < 1500, 'promptly');
      t.ok(await until(() => stats.aborted.length > aborts, 1000));
      t.equal(stats.aborted.at(-1), String(Code.DEADLINE_EXCEEDED));
    },
  },
];

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

t.test('server catalogue', async (t) => {
  const stats = newStats();
  const server = new Server({ maxReceiveMessageLength: LIMIT, maxConcurrentStreams: MAX_STREAMS });
  server.add(Echo, echoImpl(stats));
  const address = await server.listen('127.0.0.1:0');
  if (!('port' in address)) throw new Error('expected TCP');
  const url = `http://127.0.0.1:${address.port}`;
  t.teardown(() => server.forceShutdown());
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  t.teardown(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  for (const row of rows) {
    await t.test(row.name, async (t) => {
      const session = connectRaw(url);
      try {
        await row.run(t, { url, port: address.port, stats, server, session });
      } finally {
        session.destroy();
      }
      await goodCall(t, url);
    });
  }
  t.same(uncaught, [], 'no uncaught exception or unhandled rejection in the whole catalogue');
});
