// The server transport (src/http2/server-transport.ts, server-stream.ts) seen
// from a raw node:http2 client: the bytes and header blocks the spec
// prescribes. The transport knows no message types, so these tests hand each
// call to a CallHandler of their own that moves raw payloads.
import t, { type Test } from 'tap';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GrpcServerTransport,
  type CallHandler,
  type ServerTransportOptions,
} from '../../src/http2/server-transport.js';
import type { ServerStream } from '../../src/http2/server-stream.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';
import { makeCerts } from '../helpers/certs.js';

// ─── A call handler over raw payloads──────────────────────────────────────

interface TestRoute {
  singleRequest: boolean;
  run(call: ServerStream, request: Uint8Array | undefined): void | Promise<void>;
}

const last: {
  call?: ServerStream;
  sends?: (Promise<void> | undefined)[];
  peer?: string;
  cert?: string;
  reads?: Promise<string>[];
} = {};

/** How a read() settled: `message`, `end` (undefined), or `rejected <code>`. */
function outcome(read: Promise<Uint8Array | undefined>): Promise<string> {
  return read.then(
    (m) => (m === undefined ? 'end' : 'message'),
    (err: GrpcError) => `rejected ${err.code}`,
  );
}

const routes: Record<string, TestRoute> = {
  // Answers the request bytes reversed.
  '/test.Raw/Unary': {
    singleRequest: true,
    run(call, request) {
      last.call = call;
      last.peer = call.peer;
      last.cert = call.peerCertificate?.subject.CN as string | undefined;
      void call.sendLastMessage(Buffer.from(request!).reverse());
    },
  },
  // Never answers: for deadlines, cancellation and shutdown.
  '/test.Raw/Hang': {
    singleRequest: true,
    run(call) {
      last.call = call;
    },
  },
  // Echoes each request as it is read; waits `pause` ms before reading.
  '/test.Raw/Echo': {
    singleRequest: false,
    async run(call) {
      last.call = call;
      const pause = Number(call.metadata.get('x-pause') ?? 0);
      if (pause > 0) await sleep(pause);
      try {
        for (let m = await call.read(); m !== undefined; m = await call.read()) await call.sendMessage(m);
        call.finish(undefined, new Metadata({ 'x-done': 'yes' }));
      } catch (err) {
        call.finish(err as GrpcError);
      }
    },
  },
  // Answers after the first request, however many the client still sends.
  '/test.Raw/First': {
    singleRequest: false,
    async run(call) {
      const first = await call.read();
      void call.sendLastMessage(first ?? new Uint8Array(0));
    },
  },
  // Answers OK after the first request while another read() waits; reads once more after the end.
  // With x-read-all, reads every request (to the end) first.
  '/test.Raw/EndWhileReading': {
    singleRequest: false,
    async run(call) {
      last.call = call;
      const first = await call.read();
      if (call.metadata.has('x-read-all')) {
        while ((await call.read()) !== undefined);
        call.finish();
        last.reads = [outcome(call.read())];
        return;
      }
      const waiting = outcome(call.read());
      await call.sendMessage(first ?? new Uint8Array(0));
      call.finish();
      last.reads = [waiting, outcome(call.read())];
    },
  },
  // A small streamed message, then a large last one with the status (the end path takes the gathered frame along).
  '/test.Raw/SmallThenLarge': {
    singleRequest: true,
    run(call) {
      void call.sendMessage(Buffer.from('small'));
      void call.sendLastMessage(new Uint8Array(100 * 1024).fill(7));
    },
  },
  // Answers the first request with a 1 MiB message and the status, however many the client still sends.
  '/test.Raw/FirstBig': {
    singleRequest: false,
    async run(call) {
      await call.read();
      void call.sendLastMessage(new Uint8Array(1024 * 1024).fill(5));
    },
  },
  // Sends `count` messages of `size` bytes as fast as flow control lets it.
  '/test.Raw/Flood': {
    singleRequest: true,
    async run(call, request) {
      last.call = call;
      last.sends = [];
      const [count, size] = Buffer.from(request!).toString().split(',').map(Number) as [number, number];
      const message = new Uint8Array(size).fill(42);
      for (let i = 0; i < count && !call.done; i++) {
        const sent = call.sendMessage(message);
        last.sends.push(sent);
        if (sent !== undefined) await sent;
      }
      call.finish();
    },
  },
  // Fails with a status, after headers carrying metadata.
  '/test.Raw/Fail': {
    singleRequest: true,
    run(call) {
      call.sendHeaders(new Metadata({ 'x-early': '1' }));
      call.finish(new GrpcError(Code.FAILED_PRECONDITION, 'nope', { metadata: new Metadata({ 'x-why': 'because' }) }));
    },
  },
};

const handler: CallHandler = {
  handleCall(call) {
    const route = routes[call.path];
    if (route === undefined) call.finish(new GrpcError(Code.UNIMPLEMENTED, `unknown method ${call.path}`));
    else if (!route.singleRequest) void route.run(call, undefined);
    else call.singleRequest(runRoute, route);
  },
};

function runRoute(route: TestRoute, request: Uint8Array, call: ServerStream): void {
  void route.run(call, request);
}

async function serve(
  t: Test,
  options: ServerTransportOptions = {},
  target = '127.0.0.1:0',
  tls?: Parameters<GrpcServerTransport['listen']>[1],
): Promise<{ server: GrpcServerTransport; url: string; address: any }> {
  const server = new GrpcServerTransport(handler, options);
  const address = await server.listen(target, tls);
  t.teardown(() => server.forceShutdown());
  const host = 'port' in address ? (address.host.includes(':') ? `[${address.host}]` : address.host) : 'localhost';
  return { server, url: `${tls ? 'https' : 'http'}://${host}:${'port' in address ? address.port : 0}`, address };
}

function connect(t: Test, url: string, options: http2.SecureClientSessionOptions = {}): ClientHttp2Session {
  const session = http2.connect(url, options);
  session.on('error', () => {});
  t.teardown(() => session.destroy());
  return session;
}

// ─── A raw gRPC client ─────────────────────────────────────────────────────

function frame(payload: Uint8Array | string, flag = 0): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const out = Buffer.alloc(5 + data.length);
  out[0] = flag;
  out.writeUInt32BE(data.length, 1);
  data.copy(out, 5);
  return out;
}

function parseFrames(body: Buffer): { flag: number; data: Buffer }[] {
  const out: { flag: number; data: Buffer }[] = [];
  let pos = 0;
  while (pos < body.length) {
    const length = body.readUInt32BE(pos + 1);
    out.push({ flag: body[pos]!, data: body.subarray(pos + 5, pos + 5 + length) });
    pos += 5 + length;
  }
  return out;
}

interface Result {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | undefined;
  body: Buffer;
  rstCode: number;
  /** The response was Trailers-Only: status in the headers, no body. */
  trailersOnly: boolean;
}

function call(
  session: ClientHttp2Session,
  path: string,
  body?: Buffer | Buffer[],
  extra: http2.OutgoingHttpHeaders = {},
  end = true,
): { stream: ClientHttp2Stream; done: Promise<Result> } {
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...extra,
  });
  const done = new Promise<Result>((resolve) => {
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    let endStreamOnHeaders = false;
    const chunks: Buffer[] = [];
    stream.on('response', (h, flags) => {
      headers = h;
      endStreamOnHeaders = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('close', () =>
      resolve({
        headers,
        trailers,
        body: Buffer.concat(chunks),
        rstCode: stream.rstCode ?? 0,
        trailersOnly: endStreamOnHeaders,
      }),
    );
  });
  for (const chunk of body === undefined ? [] : Array.isArray(body) ? body : [body]) stream.write(chunk);
  if (end) stream.end();
  return { stream, done };
}

/** The status of a response, wherever it came (trailers, or Trailers-Only headers). */
function status(r: Result): { code: number; message: string | undefined } {
  const block = r.trailers ?? r.headers;
  return { code: Number(block['grpc-status']), message: block['grpc-message'] as string | undefined };
}

// ─── Tests ─────────────────────────────────────────────────────────────────

t.test('unary: response headers, one message, trailers', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const r = await call(session, '/test.Raw/Unary', frame('abc')).done;
  t.equal(r.headers[':status'], 200);
  t.equal(r.headers['content-type'], 'application/grpc');
  t.equal(r.headers['grpc-accept-encoding'], 'identity,gzip,deflate');
  t.equal(r.headers.date, undefined, 'no date header: gRPC has no use for it');
  t.notOk(r.trailersOnly);
  t.same(
    parseFrames(r.body).map((f) => [f.flag, f.data.toString()]),
    [[0, 'cba']],
  );
  t.equal(r.trailers?.['grpc-status'], '0');
});

t.test('the first checks: 405 for non-POST, 415 for a non-gRPC content-type', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const get = await call(session, '/test.Raw/Unary', undefined, { ':method': 'GET' }).done;
  t.equal(get.headers[':status'], 405);
  t.equal(get.headers.allow, 'POST');
  const json = await call(session, '/test.Raw/Unary', frame('x'), { 'content-type': 'application/json' }).done;
  t.equal(json.headers[':status'], 415);
  const none = await call(session, '/test.Raw/Unary', frame('x'), { 'content-type': undefined }).done;
  t.equal(none.headers[':status'], 415, 'no content-type');
  const plus = await call(session, '/test.Raw/Unary', frame('x'), { 'content-type': 'application/grpc+proto' }).done;
  t.equal(status(plus).code, 0, 'application/grpc+proto is gRPC');
  const json2 = await call(session, '/test.Raw/Unary', frame('x'), { 'content-type': 'application/grpc+json' }).done;
  t.equal(json2.headers[':status'], 415, 'a codec we do not speak');
});

t.test('unknown method: UNIMPLEMENTED, Trailers-Only', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const r = await call(session, '/test.Raw/Nope', frame('x')).done;
  t.ok(r.trailersOnly, 'one HEADERS frame with END_STREAM');
  t.equal(r.headers[':status'], 200);
  t.equal(r.headers['content-type'], 'application/grpc');
  t.equal(Number(r.headers['grpc-status']), Code.UNIMPLEMENTED);
  t.match(decodeURIComponent(String(r.headers['grpc-message'])), '/test.Raw/Nope');
  t.equal(r.body.length, 0);
});

t.test('status with metadata after headers: trailers carry status and metadata', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const r = await call(session, '/test.Raw/Fail', frame('x')).done;
  t.equal(r.headers['x-early'], '1');
  t.equal(r.trailers?.['grpc-status'], String(Code.FAILED_PRECONDITION));
  t.equal(r.trailers?.['grpc-message'], 'nope');
  t.equal(r.trailers?.['x-why'], 'because');
});

t.test('cardinality: a one-request method given zero or two requests → UNIMPLEMENTED', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const zero = await call(session, '/test.Raw/Unary').done;
  t.equal(status(zero).code, Code.UNIMPLEMENTED);
  t.match(decodeURIComponent(status(zero).message!), 'none');
  const two = await call(session, '/test.Raw/Unary', [frame('a'), frame('b')]).done;
  t.equal(status(two).code, Code.UNIMPLEMENTED);
  t.equal(two.body.length, 0, 'no response message');
});

t.test('framing errors: a truncated frame → INTERNAL; reserved flag bits → INTERNAL', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const truncated = await call(session, '/test.Raw/Unary', frame('abcdef').subarray(0, 7)).done;
  t.equal(status(truncated).code, Code.INTERNAL);
  const flagged = await call(session, '/test.Raw/Unary', frame('abc', 0x80)).done;
  t.equal(status(flagged).code, Code.INTERNAL, 'a gRPC-Web trailer flag is not valid on plain gRPC');
});

t.test('receive limit: a prefix announcing too much → RESOURCE_EXHAUSTED before the payload arrives', async (t) => {
  const { url } = await serve(t, { maxReceiveMessageLength: 100 });
  const session = connect(t, url);
  const ok = await call(session, '/test.Raw/Unary', frame('x'.repeat(100))).done;
  t.equal(status(ok).code, 0, 'exactly the limit is fine');
  const prefix = Buffer.from([0, 0, 0x10, 0, 0]); // announces 1 MiB
  const { done } = call(session, '/test.Raw/Unary', prefix, {}, false);
  const r = await Promise.race([done, sleep(3000).then(() => undefined)]);
  t.ok(r, 'answered although the client never sent the payload nor half-closed');
  t.equal(status(r!).code, Code.RESOURCE_EXHAUSTED);
  t.equal(
    r!.rstCode,
    http2.constants.NGHTTP2_NO_ERROR,
    'the server reset the stream with NO_ERROR so the client stops sending',
  );
});

t.test('a handler that answers before the client half-closes: status, then RST_STREAM(NO_ERROR)', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const { done } = call(session, '/test.Raw/First', [frame('one'), frame('two')], {}, false);
  const r = await Promise.race([done, sleep(3000).then(() => undefined)]);
  t.ok(r, 'the stream closed although the client never half-closed');
  t.equal(status(r!).code, 0);
  t.same(
    parseFrames(r!.body).map((f) => f.data.toString()),
    ['one'],
  );
});

t.test(
  'status, then RST_STREAM(NO_ERROR), while the client is still sending: the reset never overtakes what precedes it',
  async (t) => {
    const { url } = await serve(t);
    const session = connect(t, url);
    // Trailers-Only (UNIMPLEMENTED: a second request to a one-request method), the client still sending.
    for (let i = 0; i < 5; i++) {
      const r = await call(session, '/test.Raw/Unary', [frame('one'), frame('two')], {}, false).done;
      t.equal(status(r).code, Code.UNIMPLEMENTED, `Trailers-Only status arrives (${i})`);
      t.ok(r.trailersOnly);
      t.equal(r.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    }
    // Trailers after 1 MiB held back by flow control: the client reads only after 200 ms.
    for (let i = 0; i < 3; i++) {
      const { stream, done } = call(session, '/test.Raw/FirstBig', [frame('one')], {}, false);
      stream.pause();
      await sleep(200);
      stream.resume();
      const r = await done;
      t.equal(status(r).code, 0, `trailers arrive after the whole message (${i})`);
      t.same(
        parseFrames(r.body).map((f) => f.data.length),
        [1024 * 1024],
      );
      t.equal(r.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    }
  },
);

t.test('grpc-encoding: unsupported → UNIMPLEMENTED listing what we accept', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const r = await call(session, '/test.Raw/Unary', frame('x', 1), { 'grpc-encoding': 'br' }).done;
  t.equal(status(r).code, Code.UNIMPLEMENTED);
  t.equal(r.headers['grpc-accept-encoding'], 'identity,gzip,deflate');
});

t.test('compressed flag without grpc-encoding → INTERNAL', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const r = await call(session, '/test.Raw/Unary', frame(zlib.gzipSync('abc'), 1)).done;
  t.equal(status(r).code, Code.INTERNAL);
  const id = await call(session, '/test.Raw/Unary', frame(zlib.gzipSync('abc'), 1), { 'grpc-encoding': 'identity' })
    .done;
  t.equal(status(id).code, Code.INTERNAL, 'identity is no encoding either');
});

t.test('compressed requests: gzip and deflate, per message', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  for (const [name, fn] of [
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
  ] as const) {
    const r = await call(session, '/test.Raw/Unary', frame(fn('hello'), 1), { 'grpc-encoding': name }).done;
    t.equal(status(r).code, 0, name);
    t.equal(parseFrames(r.body)[0]?.data.toString(), 'olleh');
    const mixed = await call(session, '/test.Raw/Echo', [frame(fn('one'), 1), frame('two', 0)], {
      'grpc-encoding': name,
    }).done;
    t.same(
      parseFrames(mixed.body).map((f) => f.data.toString()),
      ['one', 'two'],
      `${name}: the flag is per message`,
    );
    const corrupt = await call(session, '/test.Raw/Unary', frame('not compressed', 1), { 'grpc-encoding': name }).done;
    t.equal(status(corrupt).code, Code.INTERNAL, `${name}: corrupt data → INTERNAL`);
  }
});

t.test('a gzip bomb: RESOURCE_EXHAUSTED, inflation stops at the limit', async (t) => {
  const limit = 64 * 1024;
  const { url } = await serve(t, { maxReceiveMessageLength: limit });
  const session = connect(t, url);
  const small = zlib.gzipSync(Buffer.alloc(1000));
  const r = await call(session, '/test.Raw/Echo', frame(zlib.gzipSync(Buffer.alloc(limit + 1)), 1), {
    'grpc-encoding': 'gzip',
  }).done;
  t.equal(status(r).code, Code.RESOURCE_EXHAUSTED, 'one byte over the limit after inflation');
  const tiny = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024)); // 20 KB on the wire, 20 MiB inflated
  t.ok(tiny.length < limit);
  const before = process.memoryUsage().arrayBuffers;
  const r2 = await call(session, '/test.Raw/Unary', frame(tiny, 1), { 'grpc-encoding': 'gzip' }).done;
  t.equal(status(r2).code, Code.RESOURCE_EXHAUSTED);
  t.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024, 'memory stayed far below the inflated size');
  const ok = await call(session, '/test.Raw/Unary', frame(small, 1), { 'grpc-encoding': 'gzip' }).done;
  t.equal(status(ok).code, 0, 'within the limit: fine');
});

t.test('compressed responses: only to clients that accept the encoding', async (t) => {
  const { url } = await serve(t, { compression: 'gzip' });
  const session = connect(t, url);
  const text = 'z'.repeat(1000);
  const r = await call(session, '/test.Raw/Unary', frame(text), { 'grpc-accept-encoding': 'identity, gzip' }).done;
  t.equal(r.headers['grpc-encoding'], 'gzip');
  const [f] = parseFrames(r.body);
  t.equal(f!.flag, 1, 'compressed flag set');
  t.ok(f!.data.length < 100);
  t.equal(zlib.gunzipSync(f!.data).toString(), text);
  const plain = await call(session, '/test.Raw/Unary', frame(text), { 'grpc-accept-encoding': 'deflate' }).done;
  t.equal(plain.headers['grpc-encoding'], undefined, 'a client that does not accept gzip gets identity');
  t.equal(parseFrames(plain.body)[0]!.flag, 0);
  const tiny = await call(session, '/test.Raw/Unary', frame('ab'), { 'grpc-accept-encoding': 'gzip' }).done;
  t.equal(parseFrames(tiny.body)[0]!.flag, 0, 'a message compression would grow is sent as is');
  t.equal(parseFrames(tiny.body)[0]!.data.toString(), 'ba');
});

t.test('grpc-timeout: malformed → INTERNAL; expiry → DEADLINE_EXCEEDED and the call aborts', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const bad = await call(session, '/test.Raw/Unary', frame('x'), { 'grpc-timeout': '1000000000S' }).done;
  t.equal(status(bad).code, Code.INTERNAL);
  const start = Date.now();
  const r = await call(session, '/test.Raw/Hang', frame('x'), { 'grpc-timeout': '100m' }).done;
  t.equal(status(r).code, Code.DEADLINE_EXCEEDED);
  t.ok(Date.now() - start >= 90, 'not before the deadline');
  const c = last.call!;
  t.ok(c.signal.aborted, 'signal aborted');
  t.equal((c.signal.reason as GrpcError).code, Code.DEADLINE_EXCEEDED);
  t.ok(c.deadline! >= start + 90 && c.deadline! <= start + 200);
  t.equal(c.sendLastMessage(new Uint8Array(1)), undefined, 'a late response is dropped, not thrown');
});

t.test('the client resets the stream: the call aborts with CANCELLED, nothing more is written', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const { stream, done } = call(session, '/test.Raw/Hang', frame('x'));
  while (last.call === undefined || last.call.path !== '/test.Raw/Hang' || last.call.done) await sleep(5);
  const c = last.call;
  const aborted = new Promise((resolve) => c.signal.addEventListener('abort', () => resolve(c.signal.reason)));
  stream.close(http2.constants.NGHTTP2_CANCEL);
  const reason = await aborted;
  t.equal((reason as GrpcError).code, Code.CANCELLED);
  t.ok(c.done);
  t.doesNotThrow(() => c.sendMessage(new Uint8Array(3)));
  t.doesNotThrow(() => c.finish());
  await done;
});

t.test(
  'a read() waiting when the handler ends the call settles (CANCELLED: the requests were cut short); after the end, reads see the end',
  async (t) => {
    const { url } = await serve(t);
    const session = connect(t, url);
    const within = (p: Promise<string>) => Promise.race([p, sleep(1000).then(() => 'still pending after 1 s')]);
    const reads = async (): Promise<string[]> => {
      for (let i = 0; i < 200 && last.reads === undefined; i++) await sleep(5);
      return Promise.all((last.reads ?? []).map(within));
    };

    last.reads = undefined;
    const open = call(session, '/test.Raw/EndWhileReading', frame('a'), {}, false); // the client keeps its side open
    const r = await open.done;
    t.equal(status(r).code, 0, 'the client gets OK');
    t.same(
      await reads(),
      [`rejected ${Code.CANCELLED}`, `rejected ${Code.CANCELLED}`],
      'the waiting read and a read after the end reject: the requests were cut short, not complete',
    );

    last.reads = undefined;
    const closed = call(session, '/test.Raw/EndWhileReading', [frame('b'), frame('c')], { 'x-read-all': '1' }); // then END_STREAM
    t.equal(status(await closed.done).code, 0);
    t.same(await reads(), ['end'], 'the handler had read to the end: a read after it sees the end again');
  },
);

t.test('a small message, then a large last one with the status: both arrive, in order', async (t) => {
  const { url } = await serve(t);
  const r = await call(connect(t, url), '/test.Raw/SmallThenLarge', frame('x')).done;
  t.equal(status(r).code, 0);
  const frames = parseFrames(r.body);
  t.same(
    frames.map((f) => f.data.length),
    [5, 100 * 1024],
  );
  t.equal(String(frames[0]!.data), 'small');
  t.ok(frames[1]!.data.every((b) => b === 7));
});

t.test('an upload cut short (RST_STREAM(CANCEL), no END_STREAM) is never taken for a complete one', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const ac = new AbortController();
  const stream = session.request(
    { ':method': 'POST', ':path': '/test.Raw/Echo', 'content-type': 'application/grpc', te: 'trailers' },
    { signal: ac.signal },
  );
  stream.on('error', () => {});
  stream.write(Buffer.concat([frame('a'), frame('b')]));
  while (last.call === undefined || last.call.path !== '/test.Raw/Echo' || last.call.done) await sleep(5);
  const c = last.call;
  await sleep(50);
  ac.abort(); // RST_STREAM(CANCEL) alone: the client never half-closes
  for (let i = 0; i < 200 && !c.done; i++) await sleep(5);
  t.equal(c.cancelReason?.code, Code.CANCELLED, "the handler's read() rejected: it did not see an end and answer OK");
});

t.test('streaming requests are pulled: unread messages stay in flow control', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const chunk = frame(Buffer.alloc(16 * 1024, 1));
  const { stream, done } = call(session, '/test.Raw/Echo', undefined, { 'x-pause': 400 }, false);
  for (let i = 0; i < 64; i++) stream.write(chunk);
  stream.end();
  await sleep(250);
  t.ok(
    stream.writableLength > 256 * 1024,
    `the server is not reading: ${stream.writableLength} bytes wait on the client`,
  );
  const r = await done;
  t.equal(status(r).code, 0);
  t.equal(parseFrames(r.body).length, 64, 'every message arrives once the handler reads');
  t.equal(r.trailers?.['x-done'], 'yes');
});

t.test('sending waits for flow control ("drain") when the client does not read', async (t) => {
  const { url } = await serve(t);
  const session = connect(t, url);
  const { stream, done } = call(session, '/test.Raw/Flood', frame('200,16384'));
  stream.pause();
  await sleep(200);
  const pending = last.sends!.filter((s) => s !== undefined).length;
  t.ok(pending >= 1, 'sendMessage returned a promise once the window was full');
  t.ok(last.sends!.length < 200, `the handler is held back (${last.sends!.length} of 200 sent)`);
  stream.resume();
  const r = await done;
  t.equal(parseFrames(r.body).length, 200);
  t.equal(status(r).code, 0);
});

t.test('graceful shutdown: GOAWAY, the call in flight completes, new streams are refused', async (t) => {
  const { server, url } = await serve(t);
  const session = connect(t, url);
  const goaway = new Promise((resolve) => session.once('goaway', resolve));
  const { stream, done } = call(session, '/test.Raw/Echo', frame('first'), {}, false);
  await new Promise((resolve) => stream.once('data', resolve));
  const stopped = server.shutdown();
  await goaway;
  t.pass('the client got GOAWAY');
  let refused: boolean;
  try {
    const late = await call(session, '/test.Raw/Unary', frame('x')).done;
    refused = late.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM || status(late).code === Code.UNAVAILABLE;
  } catch {
    refused = true; // node's client will not even open a stream after GOAWAY
  }
  t.ok(refused, 'a new stream is refused');
  stream.write(frame('second'));
  stream.end();
  const r = await done;
  t.equal(status(r).code, 0, 'the call in flight finishes');
  t.same(
    parseFrames(r.body).map((f) => f.data.toString()),
    ['first', 'second'],
  );
  await stopped;
  t.pass('shutdown resolves once the last call is done');
});

t.test('forced shutdown: calls in flight abort', async (t) => {
  const { server, url } = await serve(t);
  const session = connect(t, url);
  const { done } = call(session, '/test.Raw/Hang', frame('x'));
  while (last.call?.path !== '/test.Raw/Hang' || last.call.done) await sleep(5);
  const c = last.call;
  server.forceShutdown();
  await done;
  t.ok(c.signal.aborted);
  t.equal((c.signal.reason as GrpcError).code, Code.CANCELLED);
});

t.test('keepalive pings and SETTINGS_MAX_CONCURRENT_STREAMS', async (t) => {
  const { url } = await serve(t, { keepalive: { timeMs: 50, timeoutMs: 1000 }, maxConcurrentStreams: 7 });
  const session = connect(t, url);
  const pinged = new Promise((resolve) => session.once('ping', resolve));
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  t.equal(session.remoteSettings.maxConcurrentStreams, 7);
  await pinged;
  t.pass('the server pinged');
});

t.test(
  "SETTINGS_MAX_CONCURRENT_STREAMS defaults to 100 (RFC 9113 §6.5.2 floor), not node:http2's unlimited",
  async (t) => {
    const { url } = await serve(t);
    const session = connect(t, url);
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    t.equal(session.remoteSettings.maxConcurrentStreams, 100);
  },
);

t.test('IPv6 [::1]', async (t) => {
  const { url, address } = await serve(t, {}, '[::1]:0');
  t.equal(address.host, '::1');
  const session = connect(t, url);
  const r = await call(session, '/test.Raw/Unary', frame('v6')).done;
  t.equal(parseFrames(r.body)[0]?.data.toString(), '6v');
  t.match(last.peer, /^\[::1\]:\d+$/, 'peer: the address in brackets, and the port');
});

t.test('unix domain socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wiregrpc-sock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 's.sock');
  const { address } = await serve(t, {}, `unix:${path}`);
  t.same(address, { path });
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
  session.on('error', () => {});
  t.teardown(() => session.destroy());
  const r = await call(session, '/test.Raw/Unary', frame('unix')).done;
  t.equal(parseFrames(r.body)[0]?.data.toString(), 'xinu');
});

t.test('TLS and mutual TLS', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);

  const tls = await serve(t, {}, '127.0.0.1:0', { tls: { key: certs.serverKey, cert: certs.serverCert } });
  const s1 = connect(t, tls.url, { ca: certs.ca, servername: 'localhost' });
  const r1 = await call(s1, '/test.Raw/Unary', frame('tls')).done;
  t.equal(parseFrames(r1.body)[0]?.data.toString(), 'slt', 'h2 over TLS');
  t.equal(last.cert, undefined, 'no client certificate');

  const mtls = await serve(t, {}, '127.0.0.1:0', {
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true },
  });
  const good = connect(t, mtls.url, {
    ca: certs.ca,
    servername: 'localhost',
    key: certs.clientKey,
    cert: certs.clientCert,
  });
  const r2 = await call(good, '/test.Raw/Unary', frame('mtls')).done;
  t.equal(parseFrames(r2.body)[0]?.data.toString(), 'sltm', 'a client with a certificate from our CA');
  t.equal(last.cert, 'client', "the handler sees the client's certificate");

  for (const [name, options] of [
    ['no certificate', {}],
    ['a certificate from another CA', { key: certs.strangerKey, cert: certs.strangerCert }],
  ] as const) {
    const session = http2.connect(mtls.url, { ca: certs.ca, servername: 'localhost', ...options });
    t.teardown(() => session.destroy());
    const failed = await new Promise<boolean>((resolve) => {
      session.on('error', () => resolve(true));
      session.on('close', () => resolve(true));
      const s = session.request({ ':method': 'POST', ':path': '/test.Raw/Unary', 'content-type': 'application/grpc' });
      s.on('error', () => resolve(true));
      s.on('response', () => resolve(false));
      s.on('close', () => resolve(true));
      s.end(frame('x'));
    });
    t.ok(failed, `refused: ${name}`);
  }
});
