// Our Server, driven by @grpc/grpc-js as an independent client: the four call
// shapes, metadata both ways, status and errors, deadlines, cancellation,
// compression, limits and interceptors.
import t, { type Test } from 'tap';
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server, type ServerOptions } from '../../src/service/server.js';
import type { ServerContext } from '../../src/service/context.js';
import {
  authServerInterceptor,
  loggingServerInterceptor,
  metricsServerInterceptor,
  type ServerCallRecord,
  type ServerInterceptor,
} from '../../src/service/interceptors.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';
import { makeCerts } from '../helpers/certs.js';
import { collect, grpc, grpcjsService, unaryCall, type GrpcJsClient } from '../helpers/grpcjs.js';

const PROTO = 'test/protos/echo.proto';
const Echo = loadProtoSync(PROTO).service('wiregrpc.test.Echo');
const EchoClient = grpcjsService(PROTO, 'wiregrpc.test.Echo');

interface EchoRequest {
  text: string;
  count: number;
  payload: Uint8Array;
  delayMs: number;
}
interface EchoReply {
  text: string;
  index: number;
  payload?: Uint8Array;
}

/** What the handlers saw, for the tests to check. */
const seen: {
  metadata?: Metadata;
  deadline?: number | undefined;
  aborted?: Promise<unknown>;
  peer?: string;
  encoding?: string;
} = {};

function abortedPromise(ctx: ServerContext): Promise<unknown> {
  return new Promise((resolve) => {
    if (ctx.signal.aborted) resolve(ctx.signal.reason);
    else ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true });
  });
}

const impl = {
  async unary(req: EchoRequest, ctx: ServerContext): Promise<EchoReply> {
    seen.metadata = ctx.metadata;
    seen.deadline = ctx.deadline;
    seen.peer = ctx.peer;
    seen.encoding = ctx.stream.requestEncoding;
    seen.aborted = abortedPromise(ctx);
    if (req.delayMs > 0) await sleep(req.delayMs, undefined, { signal: ctx.signal }).catch(() => {});
    switch (req.text) {
      case 'grpc-error':
        throw new GrpcError(Code.NOT_FOUND, 'no such thing: 100% ✓', {
          metadata: new Metadata({ 'x-why': 'because', 'x-why-bin': new Uint8Array([0, 1, 2]) }),
        });
      case 'plain-error':
        throw new Error('boom');
      case 'echo-metadata': {
        const token = ctx.metadata.get('x-token');
        const bin = ctx.metadata.get('x-data-bin');
        ctx.sendHeader({ 'x-header': `got ${token}`, 'x-header-bin': bin as Uint8Array });
        ctx.setTrailer({ 'x-trailer': 'bye' });
        ctx.trailers.add('x-trailer-bin', new Uint8Array([9, 8, 7]));
        return { text: String(token), index: 0 };
      }
      case 'big':
        return { text: 'x'.repeat(req.count), index: 0 };
      case 'nothing':
        return undefined as unknown as EchoReply;
    }
    return { text: req.text, index: 0, payload: req.payload };
  },

  async *serverStream(req: EchoRequest, ctx: ServerContext): AsyncGenerator<EchoReply> {
    seen.aborted = abortedPromise(ctx);
    for (let i = 0; i < req.count; i++) {
      if (req.delayMs > 0) await sleep(req.delayMs);
      if (req.text === 'fail-midway' && i === 2) throw new GrpcError(Code.ABORTED, 'stopped at 2');
      yield { text: req.text, index: i };
    }
  },

  async clientStream(requests: AsyncIterable<EchoRequest>, ctx: ServerContext): Promise<EchoReply> {
    seen.aborted = abortedPromise(ctx);
    const texts: string[] = [];
    for await (const r of requests) texts.push(r.text);
    return { text: texts.join(','), index: texts.length };
  },

  async *Bidi(requests: AsyncIterable<EchoRequest>, ctx: ServerContext): AsyncGenerator<EchoReply> {
    seen.aborted = abortedPromise(ctx);
    let i = 0;
    for await (const r of requests) {
      if (r.text === 'throw') throw new Error('bidi broke');
      yield { text: r.text.toUpperCase(), index: i++ };
    }
  },
};

async function start(
  t: Test,
  options: ServerOptions = {},
  implementation: Record<string, unknown> = impl,
): Promise<{ server: Server; client: GrpcJsClient; port: number }> {
  const server = new Server(options);
  server.add(Echo, implementation);
  const address = await server.listen('127.0.0.1:0');
  if (!('port' in address)) throw new Error('expected a TCP address');
  const client = new EchoClient(`127.0.0.1:${address.port}`, grpc.credentials.createInsecure(), {
    'grpc.enable_retries': 0,
  });
  t.teardown(() => {
    client.close();
    server.forceShutdown();
  });
  return { server, client, port: address.port };
}

t.test('unary: request in, response out', async (t) => {
  const { client } = await start(t);
  const r = await unaryCall<EchoReply>(client, 'unary', { text: 'hello', payload: Buffer.from([1, 2, 3]) });
  t.equal(r.error, null);
  t.equal(r.response!.text, 'hello');
  t.same([...r.response!.payload!], [1, 2, 3]);
  t.match(seen.peer, /^127\.0\.0\.1:\d+$/, 'ctx.peer is the client address');
  t.equal(seen.deadline, undefined, 'no deadline when the client sets none');
});

t.test('handlers may be keyed by the .proto name or the localName', async (t) => {
  const { client } = await start(t, {}, { Unary: async (r: EchoRequest) => ({ text: `proto-name ${r.text}` }) });
  const r = await unaryCall<EchoReply>(client, 'unary', { text: 'x' });
  t.equal(r.response?.text, 'proto-name x');
});

t.test('a method without a handler answers UNIMPLEMENTED', async (t) => {
  const { client } = await start(t, {}, { unary: impl.unary });
  const call = client.serverStream({ text: 'x', count: 1 });
  const { error } = await collect(call);
  t.equal(error?.code, grpc.status.UNIMPLEMENTED);
});

t.test(
  'one dispatch point: unknown service, unknown method and a method without a handler are told apart',
  async (t) => {
    const { port } = await start(t, {}, { unary: impl.unary });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    t.teardown(() => session.close());
    const statusOf = (path: string) =>
      new Promise<{ code: number; message: string; trailersOnly: boolean }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc' });
        stream.on('response', (headers, flags) =>
          resolve({
            code: Number(headers['grpc-status']),
            message: decodeURIComponent(String(headers['grpc-message'])),
            trailersOnly: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0,
          }),
        );
        stream.on('error', reject);
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    const rows: [string, RegExp][] = [
      ['/nope.Service/Unary', /^unknown service nope\.Service \(\/nope\.Service\/Unary\)$/],
      ['/wiregrpc.test.Echo/Nope', /^unknown method Nope for service wiregrpc\.test\.Echo/],
      [
        '/wiregrpc.test.Echo/ServerStream',
        /^method ServerStream of service wiregrpc\.test\.Echo is not implemented here/,
      ],
      ['/no-slash', /^malformed method name "\/no-slash"$/],
    ];
    for (const [path, message] of rows) {
      const r = await statusOf(path);
      t.equal(r.code, Code.UNIMPLEMENTED, `${path}: UNIMPLEMENTED`);
      t.match(r.message, message, `${path}: ${r.message}`);
      t.ok(r.trailersOnly, `${path}: Trailers-Only`);
    }
  },
);

t.test('add() of the same service twice is an error, naming it', async (t) => {
  const server = new Server();
  server.add(Echo, { unary: impl.unary });
  t.throws(
    () => server.add(Echo, { serverStream: impl.serverStream }),
    /wiregrpc\.test\.Echo is already served by this server/,
  );
  t.same(
    server.services.map((s) => s.typeName),
    ['wiregrpc.test.Echo'],
  );
});

t.test('listen(): a TCP target resolves a typed { host, port }; a bind failure names the address', async (t) => {
  const server = new Server();
  t.teardown(() => server.forceShutdown());
  const port: number = (await server.listen(0)).port; // compiles: listen(0) is typed TcpAddress
  t.ok(port > 0);
  const { host } = await server.listen('127.0.0.1:0');
  t.equal(host, '127.0.0.1');
  const target: string = '127.0.0.1:0';
  // @ts-expect-error a string only known at run time may be 'unix:…': check which address came back
  void (await server.listen(target)).port;
  const other = new Server();
  t.teardown(() => other.forceShutdown());
  await t.rejects(other.listen(port), {
    code: Code.UNAVAILABLE,
    message: `cannot listen on [::]:${port}: the address is in use`,
  });
  await t.rejects(other.listen({ host: '127.0.0.1', port }), {
    message: `cannot listen on 127.0.0.1:${port}: the address is in use`,
  });
});

t.test('add() refuses an implementation key that names no method', async (t) => {
  const server = new Server();
  t.throws(() => server.add(Echo, { unery: async () => ({}) }), /no method "unery"/);
});

t.test('metadata both ways, -bin included; response headers and trailers', async (t) => {
  const { client } = await start(t);
  const md = new grpc.Metadata();
  md.set('x-token', 'abc');
  md.set('x-data-bin', Buffer.from([0xff, 0x00, 0x10]));
  const r = await unaryCall<EchoReply>(client, 'unary', { text: 'echo-metadata' }, md);
  t.equal(r.error, null);
  t.equal(r.response!.text, 'abc');
  t.same(
    [...(seen.metadata!.get('x-data-bin') as Uint8Array)],
    [0xff, 0x00, 0x10],
    'the handler gets -bin values as bytes',
  );
  t.equal(r.headers!.get('x-header')[0], 'got abc');
  t.same([...(r.headers!.get('x-header-bin')[0] as Buffer)], [0xff, 0x00, 0x10]);
  t.equal(r.trailers!.get('x-trailer')[0], 'bye');
  t.same([...(r.trailers!.get('x-trailer-bin')[0] as Buffer)], [9, 8, 7]);
});

t.test('errors: a GrpcError travels as is; anything else is UNKNOWN with its message', async (t) => {
  const { client } = await start(t);
  const a = await unaryCall(client, 'unary', { text: 'grpc-error' });
  t.equal(a.error?.code, grpc.status.NOT_FOUND);
  t.equal(a.error?.details, 'no such thing: 100% ✓', 'message percent-encoded on the wire, decoded by grpc-js');
  t.equal(a.trailers?.get('x-why')[0], 'because', "the error's metadata goes out as trailers");
  t.same([...(a.trailers!.get('x-why-bin')[0] as Buffer)], [0, 1, 2]);
  const b = await unaryCall(client, 'unary', { text: 'plain-error' });
  t.equal(b.error?.code, grpc.status.UNKNOWN);
  t.equal(b.error?.details, 'boom');
  const c = await unaryCall(client, 'unary', { text: 'nothing' });
  t.equal(c.error?.code, grpc.status.INTERNAL, 'a unary handler that returns nothing is a server bug');
});

t.test('a request that is not valid protobuf → INTERNAL', async (t) => {
  const { port } = await start(t);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.teardown(() => session.destroy());
  const stream = session.request({
    ':method': 'POST',
    ':path': '/wiregrpc.test.Echo/Unary',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => {
    stream.on('response', (h) => h['grpc-status'] !== undefined && resolve(h));
    stream.on('trailers', resolve);
  });
  stream.resume();
  stream.end(Buffer.from([0, 0, 0, 0, 2, 0x0a, 0x05])); // field 1, length 5, no bytes
  t.equal((await trailers)['grpc-status'], String(Code.INTERNAL));
});

t.test(
  'metadata: a field sent more than once keeps each value, in order; reserved fields are not metadata',
  async (t) => {
    const { port } = await start(t);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    t.teardown(() => session.destroy());
    const stream = session.request({
      ':method': 'POST',
      ':path': '/wiregrpc.test.Echo/Unary',
      'content-type': 'application/grpc',
      te: 'trailers',
      'x-multi': ['one', 'two, three'],
      'x-multi-bin': [Buffer.from([1]).toString('base64'), Buffer.from([2]).toString('base64')],
      'x-single': 'only',
      'user-agent': 'test-agent',
    });
    const request = Object.values(Echo.methods)
      .find((m) => m.name === 'Unary')!
      .input.encode({ text: 'md' });
    const framed = Buffer.alloc(5 + request.length);
    framed.writeUInt32BE(request.length, 1);
    framed.set(request, 5);
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
    stream.resume();
    stream.end(framed);
    t.equal((await trailers)['grpc-status'], '0');
    const md = seen.metadata!;
    t.same(md.getAll('x-multi'), ['one', 'two, three'], 'two fields, two values (not joined into one)');
    t.same(
      md.getAll('x-multi-bin').map((v) => [...(v as Uint8Array)]),
      [[1], [2]],
    );
    t.same(md.getAll('x-single'), ['only']);
    t.notOk(
      md.has('user-agent') || md.has('content-type') || md.has('te') || md.has(':path'),
      'protocol fields stay out',
    );
  },
);

t.test('server streaming: every message, then OK; an error midway ends the stream with its status', async (t) => {
  const { client } = await start(t);
  const ok = await collect<EchoReply>(client.serverStream({ text: 's', count: 5 }));
  t.equal(ok.status.code, grpc.status.OK);
  t.same(
    ok.messages.map((m) => m.index),
    [0, 1, 2, 3, 4],
  );
  const none = await collect<EchoReply>(client.serverStream({ text: 's', count: 0 }));
  t.equal(none.status.code, grpc.status.OK, 'zero messages is fine');
  t.equal(none.messages.length, 0);
  const broken = await collect<EchoReply>(client.serverStream({ text: 'fail-midway', count: 5 }));
  t.equal(broken.status.code, grpc.status.ABORTED);
  t.equal(broken.status.details, 'stopped at 2');
  t.same(
    broken.messages.map((m) => m.index),
    [0, 1],
  );
});

t.test('server streaming: many messages through flow control', async (t) => {
  const { client } = await start(
    t,
    {},
    {
      async *serverStream(req: EchoRequest) {
        const payload = new Uint8Array(16 * 1024).fill(7);
        for (let i = 0; i < req.count; i++) yield { index: i, payload };
      },
    },
  );
  const got = await collect<EchoReply>(client.serverStream({ count: 400 }));
  t.equal(got.status.code, grpc.status.OK);
  t.equal(got.messages.length, 400, '6.4 MB, far past the 64 KiB window');
  t.ok(got.messages.every((m, i) => m.index === i && m.payload!.length === 16 * 1024));
});

t.test('client streaming: the handler iterates the requests', async (t) => {
  const { client } = await start(t);
  const result = await new Promise<{ err: grpc.ServiceError | null; res: EchoReply }>((resolve) => {
    const call = client.clientStream((err: grpc.ServiceError | null, res: EchoReply) => resolve({ err, res }));
    for (const text of ['a', 'b', 'c']) call.write({ text });
    call.end();
  });
  t.equal(result.err, null);
  t.same({ text: result.res.text, index: result.res.index }, { text: 'a,b,c', index: 3 });

  const empty = await new Promise<{ err: grpc.ServiceError | null; res: EchoReply }>((resolve) => {
    const call = client.clientStream((err: grpc.ServiceError | null, res: EchoReply) => resolve({ err, res }));
    call.end();
  });
  t.equal(empty.err, null);
  t.equal(empty.res.index, 0, 'zero requests is a valid client stream');
});

t.test('bidi: ping-pong, one reply per request, in order', async (t) => {
  const { client } = await start(t);
  const call = client.bidi();
  const replies: EchoReply[] = [];
  const done = collect<EchoReply>(call);
  for (const text of ['one', 'two', 'three']) {
    const got = new Promise<EchoReply>((resolve) => call.once('data', resolve));
    call.write({ text });
    replies.push(await got);
  }
  call.end();
  const end = await done;
  t.equal(end.status.code, grpc.status.OK);
  t.same(
    replies.map((r) => r.text),
    ['ONE', 'TWO', 'THREE'],
  );

  const bad = client.bidi();
  const badEnd = collect(bad);
  bad.write({ text: 'throw' });
  const r = await badEnd;
  t.equal(r.status.code, grpc.status.UNKNOWN);
  t.equal(r.status.details, 'bidi broke');
});

t.test('deadline: DEADLINE_EXCEEDED, and the handler signal aborts', async (t) => {
  const { client, port } = await start(t);
  const before = Date.now();
  const r = await unaryCall(client, 'unary', { text: 'slow', delayMs: 2000 }, undefined, {
    deadline: Date.now() + 150,
  });
  t.equal(r.error?.code, grpc.status.DEADLINE_EXCEEDED);
  t.ok(seen.deadline! >= before + 100 && seen.deadline! <= Date.now() + 200, 'ctx.deadline comes from grpc-timeout');
  // The client's own timer races the server's: grpc-js resets the stream (RST_STREAM(CANCEL)) at its
  // deadline, so the handler sees DEADLINE_EXCEEDED if the server's timer fired first, CANCELLED if
  // the reset came first — both right (grpc-go: the context's error is DeadlineExceeded or Canceled).
  const raced = await seen.aborted;
  t.ok(
    raced instanceof GrpcError && (raced.code === Code.DEADLINE_EXCEEDED || raced.code === Code.CANCELLED),
    `signal reason is DEADLINE_EXCEEDED or CANCELLED (${(raced as Error)?.message})`,
  );

  // A client that sends grpc-timeout and never cancels leaves only the server's timer: DEADLINE_EXCEEDED,
  // for the handler and as the status the client receives.
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.teardown(() => session.destroy());
  session.on('error', () => {});
  const stream = session.request({
    ':method': 'POST',
    ':path': '/wiregrpc.test.Echo/Unary',
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-timeout': '150m',
  });
  stream.on('error', () => {});
  const request = Object.values(Echo.methods)
    .find((m) => m.name === 'Unary')!
    .input.encode({ text: 'slow', delayMs: 2000 });
  const framed = Buffer.alloc(5 + request.length);
  framed.writeUInt32BE(request.length, 1);
  framed.set(request, 5);
  stream.end(framed);
  const status = await new Promise<string | undefined>((resolve) => {
    let block: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => (block = h));
    stream.on('trailers', (h) => (block = h));
    stream.on('close', () => resolve(block['grpc-status'] as string | undefined));
    stream.resume();
  });
  t.equal(status, String(Code.DEADLINE_EXCEEDED), 'the status on the wire');
  const reason = await seen.aborted;
  t.ok(reason instanceof GrpcError && reason.code === Code.DEADLINE_EXCEEDED, 'signal reason is DEADLINE_EXCEEDED');
});

t.test('cancellation: the client cancels, the handler signal aborts with CANCELLED', async (t) => {
  const { client } = await start(t);
  const call = client.serverStream({ text: 'tick', count: 1000, delayMs: 20 });
  const done = collect(call);
  await new Promise((resolve) => call.once('data', resolve));
  call.cancel();
  const reason = await seen.aborted;
  t.ok(reason instanceof GrpcError && reason.code === Code.CANCELLED, 'CANCELLED');
  t.equal((await done).status.code, grpc.status.CANCELLED);

  const unary = client.unary({ text: 'slow', delayMs: 5000 }, () => {});
  await sleep(50);
  unary.cancel();
  const unaryReason = await seen.aborted;
  t.ok(unaryReason instanceof GrpcError && unaryReason.code === Code.CANCELLED, 'unary: CANCELLED');
});

t.test('compression: gzip and deflate requests, compressed responses', async (t) => {
  for (const algorithm of ['gzip', 'deflate'] as const) {
    const { client: plain } = await start(t, { compression: algorithm });
    const big = 'compress me '.repeat(1000);
    const r = await unaryCall<EchoReply>(plain, 'unary', { text: big });
    t.equal(r.error, null, `${algorithm} responses`);
    t.equal(r.response?.text, big);

    const { port } = await start(t);
    const code = algorithm === 'gzip' ? 2 : 1; // grpc-js: compressionAlgorithms { identity: 0, deflate: 1, gzip: 2 }
    const compressing = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.default_compression_algorithm': code,
    });
    t.teardown(() => compressing.close());
    const c = await unaryCall<EchoReply>(compressing, 'unary', { text: big });
    t.equal(c.error, null, `${algorithm} requests`);
    t.equal(seen.encoding, algorithm, `the request came ${algorithm}-compressed`);
    t.equal(c.response?.text, big);
    const s = await collect<EchoReply>(compressing.serverStream({ text: big, count: 3 }));
    t.equal(s.status.code, grpc.status.OK);
    t.equal(s.messages.length, 3);
  }
});

t.test('limits: RESOURCE_EXHAUSTED past the receive or send limit', async (t) => {
  const { client } = await start(t, { maxReceiveMessageLength: 1024, maxSendMessageLength: 2048 });
  const small = await unaryCall(client, 'unary', { text: 'x'.repeat(500) });
  t.equal(small.error, null);
  const tooBig = await unaryCall(client, 'unary', { text: 'x'.repeat(2000) });
  t.equal(tooBig.error?.code, grpc.status.RESOURCE_EXHAUSTED, 'receive limit');
  const answerTooBig = await unaryCall(client, 'unary', { text: 'big', count: 4000 });
  t.equal(answerTooBig.error?.code, grpc.status.RESOURCE_EXHAUSTED, 'send limit');
});

t.test('interceptors: logging, auth, metrics', async (t) => {
  const log: string[] = [];
  const metrics = new Map<string, number>();
  const logging: ServerInterceptor = async (ctx, next) => {
    log.push(`> ${ctx.method.path}`);
    try {
      await next();
      log.push(`< ${ctx.method.name} OK`);
    } catch (err) {
      log.push(`< ${ctx.method.name} ${Code[GrpcError.from(err).code]}`);
      throw err;
    }
  };
  const auth: ServerInterceptor = (ctx, next) => {
    if (ctx.metadata.get('authorization') !== 'Bearer good') throw new GrpcError(Code.UNAUTHENTICATED, 'bad token');
    return next();
  };
  const count: ServerInterceptor = async (ctx, next) => {
    metrics.set(ctx.method.name, (metrics.get(ctx.method.name) ?? 0) + 1);
    await next();
    ctx.setTrailer({ 'x-served': 'yes' });
  };
  const { client } = await start(t, { interceptors: [logging, auth, count] });
  const good = new grpc.Metadata();
  good.set('authorization', 'Bearer good');

  const r = await unaryCall<EchoReply>(client, 'unary', { text: 'hi' }, good);
  t.equal(r.response?.text, 'hi');
  t.equal(r.trailers?.get('x-served')[0], 'yes', 'an interceptor adds trailers after next()');

  const denied = await unaryCall(client, 'unary', { text: 'hi' });
  t.equal(denied.error?.code, grpc.status.UNAUTHENTICATED);
  t.equal(denied.error?.details, 'bad token');

  const failed = await unaryCall(client, 'unary', { text: 'grpc-error' }, good);
  t.equal(failed.error?.code, grpc.status.NOT_FOUND);

  const stream = await collect<EchoReply>(client.serverStream({ text: 's', count: 3 }, good));
  t.equal(stream.messages.length, 3, 'streaming handlers run inside the chain too');
  t.equal(stream.status.metadata.get('x-served')[0], 'yes');

  t.same(log, [
    '> /wiregrpc.test.Echo/Unary',
    '< Unary OK',
    '> /wiregrpc.test.Echo/Unary',
    '< Unary UNAUTHENTICATED',
    '> /wiregrpc.test.Echo/Unary',
    '< Unary NOT_FOUND',
    '> /wiregrpc.test.Echo/ServerStream',
    '< ServerStream OK',
  ]);
  t.same(
    Object.fromEntries(metrics),
    { Unary: 2, ServerStream: 1 },
    'auth stops the chain before the metrics interceptor',
  );
});

t.test('interceptor helpers: logging, auth (Bearer), metrics — the server twins of the client ones', async (t) => {
  const lines: string[] = [];
  const records: ServerCallRecord[] = [];
  const auth = authServerInterceptor(async (token, ctx) => {
    if (token === 'crash') throw new Error('token store down');
    if (token === 'guest' && ctx.method.name === 'ServerStream')
      throw new GrpcError(Code.PERMISSION_DENIED, 'guests may not stream');
    return token === 's3cret' || token === 'guest';
  });
  const { client } = await start(t, {
    interceptors: [
      loggingServerInterceptor((l) => lines.push(l)),
      metricsServerInterceptor((r) => records.push(r)),
      auth,
    ],
  });
  const md = (value?: string) => {
    const m = new grpc.Metadata();
    if (value !== undefined) m.set('authorization', value);
    return m;
  };
  t.equal((await unaryCall<EchoReply>(client, 'unary', { text: 'in' }, md('Bearer s3cret'))).response?.text, 'in');
  t.equal(
    (await unaryCall<EchoReply>(client, 'unary', { text: 'x' }, md('bearer s3cret'))).error,
    null,
    'scheme case-insensitive',
  );
  const none = await unaryCall(client, 'unary', { text: 'x' }, md());
  t.equal(none.error?.code, grpc.status.UNAUTHENTICATED);
  t.match(none.error?.details, /no credential \(authorization metadata\)/);
  const basic = await unaryCall(client, 'unary', { text: 'x' }, md('Basic abc'));
  t.match(basic.error?.details, /is not "Bearer <token>"/);
  const wrong = await unaryCall(client, 'unary', { text: 'x' }, md('Bearer nope'));
  t.equal(wrong.error?.code, grpc.status.UNAUTHENTICATED);
  t.match(wrong.error?.details, /the credential was not accepted/);
  const crash = await unaryCall(client, 'unary', { text: 'x' }, md('Bearer crash'));
  t.equal(crash.error?.code, grpc.status.INTERNAL, "the verifier's own failure is the server's: INTERNAL");
  const guest = await collect(client.serverStream({ text: 's', count: 1 }, md('Bearer guest')));
  t.equal(guest.error?.code, grpc.status.PERMISSION_DENIED, "the verifier's GrpcError goes out as is");

  t.equal(lines.length, 7);
  t.match(lines[0], /^\/wiregrpc\.test\.Echo\/Unary OK \d+\.\dms 127\.0\.0\.1:\d+$/);
  t.match(
    lines[2],
    /^\/wiregrpc\.test\.Echo\/Unary UNAUTHENTICATED \d+\.\dms 127\.0\.0\.1:\d+ \/wiregrpc\.test\.Echo\/Unary: no credential/,
  );
  t.same(
    records.map((r) => [r.method, Code[r.code]]),
    [
      ['/wiregrpc.test.Echo/Unary', 'OK'],
      ['/wiregrpc.test.Echo/Unary', 'OK'],
      ['/wiregrpc.test.Echo/Unary', 'UNAUTHENTICATED'],
      ['/wiregrpc.test.Echo/Unary', 'UNAUTHENTICATED'],
      ['/wiregrpc.test.Echo/Unary', 'UNAUTHENTICATED'],
      ['/wiregrpc.test.Echo/Unary', 'INTERNAL'],
      ['/wiregrpc.test.Echo/ServerStream', 'PERMISSION_DENIED'],
    ],
  );
  t.ok(records.every((r) => r.durationMs >= 0 && r.durationMs < 10_000));
});

t.test('interceptors: next() runs the handler once; a second call is an error', async (t) => {
  let runs = 0;
  const twice: ServerInterceptor = async (_ctx, next) => {
    await next();
    await next();
  };
  const { client } = await start(t, { interceptors: [twice] }, { unary: async () => ({ text: `run ${++runs}` }) });
  const r = await unaryCall(client, 'unary', { text: 'x' });
  t.equal(r.error?.code, grpc.status.UNKNOWN);
  t.match(r.error?.details, 'next() twice');
  t.equal(runs, 1);
});

t.test('TLS and mutual TLS with grpc-js', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const server = new Server();
  server.add(Echo, {
    unary: async (r: EchoRequest, ctx: ServerContext) => ({
      text: `${r.text} from ${ctx.peerCertificate?.subject.CN ?? 'anonymous'}`,
    }),
  });
  t.teardown(() => server.forceShutdown());
  const address = await server.listen('127.0.0.1:0', {
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true },
  });
  const target = `localhost:${'port' in address ? address.port : 0}`;
  const override = { 'grpc.ssl_target_name_override': 'localhost' };
  const good = new EchoClient(
    target.replace('localhost', '127.0.0.1'),
    grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert),
    override,
  );
  const anonymous = new EchoClient(
    target.replace('localhost', '127.0.0.1'),
    grpc.credentials.createSsl(certs.ca),
    override,
  );
  t.teardown(() => {
    good.close();
    anonymous.close();
  });
  const r = await unaryCall<EchoReply>(good, 'unary', { text: 'hi' });
  t.equal(r.error, null);
  t.equal(r.response?.text, 'hi from client', "the handler sees the client certificate's CN");
  const refused = await unaryCall(anonymous, 'unary', { text: 'hi' }, undefined, { deadline: Date.now() + 2000 });
  t.equal(refused.error?.code, grpc.status.UNAVAILABLE, 'no client certificate: the handshake fails');
});

t.test('graceful shutdown: the call in flight finishes, new calls are refused', async (t) => {
  const { server, client, port } = await start(t);
  const inFlight = unaryCall<EchoReply>(client, 'unary', { text: 'late', delayMs: 300 });
  await sleep(100);
  const stopped = server.shutdown();
  const r = await inFlight;
  t.equal(r.error, null, 'the call in flight completes');
  t.equal(r.response?.text, 'late');
  await stopped;
  const fresh = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  t.teardown(() => fresh.close());
  const after = await unaryCall(fresh, 'unary', { text: 'x' }, undefined, { deadline: Date.now() + 1000 });
  t.equal(after.error?.code, grpc.status.UNAVAILABLE, 'nothing listens any more');
});
