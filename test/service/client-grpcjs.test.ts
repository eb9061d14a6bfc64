/**
 * Our client against @grpc/grpc-js as the server: a real, independent peer.
 * All four call shapes, metadata both ways, errors, deadlines, cancellation,
 * compression, limits, reconnection, TLS and mTLS, unix sockets, IPv6,
 * interceptors.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { Channel } from '../../src/http2/channel.js';
import { createClient, type Client } from '../../src/service/client.js';
import {
  authInterceptor,
  loggingInterceptor,
  metricsInterceptor,
  type CallRecord,
  type ClientInterceptor,
} from '../../src/service/client-interceptors.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';
import { makeCerts } from '../helpers/certs.js';
import { rejection } from '../helpers/rejection.js';

const PROTO = join(import.meta.dirname, '../protos/echo.proto');
const Echo = loadProtoSync(PROTO).service('wiregrpc.test.Echo');
const pkg = grpc.loadPackageDefinition(
  protoLoader.loadSync(PROTO, { keepCase: false, longs: String, defaults: true }),
) as any;
const EchoService = pkg.wiregrpc.test.Echo.service as grpc.ServiceDefinition;

interface Req {
  text?: string;
  count?: number;
  payload?: Uint8Array;
  delayMs?: number;
}
interface Reply {
  text: string;
  index: number;
  payload: Uint8Array;
}

/** What the grpc-js server saw, for assertions. */
const seen = {
  metadata: undefined as grpc.Metadata | undefined,
  cancelled: 0,
  deadline: undefined as grpc.Deadline | undefined,
};

function echoMetadata(call: { metadata: grpc.Metadata; sendMetadata(md: grpc.Metadata): void }): grpc.Metadata {
  seen.metadata = call.metadata;
  const head = new grpc.Metadata();
  const trail = new grpc.Metadata();
  const text = call.metadata.get('x-echo')[0];
  const bin = call.metadata.get('x-echo-bin')[0];
  if (text !== undefined) {
    head.set('x-head', String(text));
    trail.set('x-trail', String(text));
  }
  if (bin !== undefined) {
    head.set('x-head-bin', bin as Buffer);
    trail.set('x-trail-bin', bin as Buffer);
  }
  call.sendMetadata(head);
  return trail;
}

function failure(text: string, trailers: grpc.Metadata): Partial<grpc.StatusObject> | undefined {
  if (!text.startsWith('fail:')) return undefined;
  trailers.set('x-failed', 'yes');
  return { code: grpc.status.FAILED_PRECONDITION, details: text.slice(5), metadata: trailers };
}

const impl: grpc.UntypedServiceImplementation = {
  unary(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
    const trailers = echoMetadata(call);
    seen.deadline = call.getDeadline();
    call.on('cancelled', () => seen.cancelled++);
    const req = call.request;
    const answer = () => {
      const fail = failure(req.text, trailers);
      if (fail) callback(fail);
      else callback(null, { text: req.text, index: 0, payload: req.payload }, trailers);
    };
    if (req.delayMs > 0) setTimeout(answer, req.delayMs);
    else answer();
  },
  serverStream(call: grpc.ServerWritableStream<any, any>) {
    const trailers = echoMetadata(call);
    call.on('cancelled', () => seen.cancelled++);
    const req = call.request;
    let i = 0;
    const tick = () => {
      if (call.cancelled) return;
      if (i >= req.count) {
        const fail = failure(req.text, trailers);
        if (fail) call.emit('error', fail);
        else call.end(trailers);
        return;
      }
      call.write({ text: req.text, index: i++, payload: req.payload });
      if (req.delayMs > 0) setTimeout(tick, req.delayMs);
      else setImmediate(tick);
    };
    tick();
  },
  clientStream(call: grpc.ServerReadableStream<any, any>, callback: grpc.sendUnaryData<any>) {
    const trailers = echoMetadata(call);
    const texts: string[] = [];
    let bytes = 0;
    call.on('data', (m: any) => {
      texts.push(m.text);
      bytes += m.payload.length;
    });
    call.on('end', () =>
      callback(
        null,
        { text: texts.join(','), index: texts.length + bytes * 0, payload: Buffer.from(String(bytes)) },
        trailers,
      ),
    );
  },
  bidi(call: grpc.ServerDuplexStream<any, any>) {
    const trailers = echoMetadata(call);
    call.on('cancelled', () => seen.cancelled++);
    let i = 0;
    call.on('data', (m: any) => call.write({ text: m.text.toUpperCase(), index: i++, payload: m.payload }));
    call.on('end', () => call.end(trailers));
  },
};

async function startServer(
  address: string,
  credentials = grpc.ServerCredentials.createInsecure(),
  options: grpc.ServerOptions = {},
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server(options);
  server.addService(EchoService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port };
}

type EchoClient = Client<any>;

async function setup(
  t: any,
  address = '127.0.0.1:0',
  clientOptions = {},
  credentials?: grpc.ServerCredentials,
  serverOptions?: grpc.ServerOptions,
) {
  const { server, port } = await startServer(address, credentials, serverOptions);
  const target = address.startsWith('unix:') ? address : address.replace(/:0$/, `:${port}`);
  const client: EchoClient = createClient(Echo, target, clientOptions);
  t.teardown(async () => {
    await client.close();
    server.forceShutdown();
  });
  return { server, port, client, target };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

t.test('unary: both method names, bytes, empty message', async (t) => {
  const { client } = await setup(t);
  const payload = randomBytes(1000);
  const r1: Reply = await client.unary({ text: 'hello', payload });
  t.equal(r1.text, 'hello');
  t.same([...r1.payload], [...payload]);
  const r2: Reply = await client.Unary({});
  t.equal(r2.text, '');
  t.equal(typeof client.close, 'function');
});

t.test('unary: many concurrent calls share one connection', async (t) => {
  const { client } = await setup(t);
  const replies: Reply[] = await Promise.all(Array.from({ length: 200 }, (_, i) => client.unary({ text: `m${i}` })));
  t.same(
    replies.map((r) => r.text),
    Array.from({ length: 200 }, (_, i) => `m${i}`),
  );
});

t.test('metadata both ways, text and -bin, onHeader / onTrailer', async (t) => {
  const { client } = await setup(t);
  let headers: Metadata | undefined;
  let trailers: Metadata | undefined;
  const bin = new Uint8Array([0, 1, 2, 250, 255]);
  await client.unary(
    { text: 'x' },
    {
      metadata: { 'x-echo': 'v1', 'x-echo-bin': bin },
      onHeader: (md: Metadata) => (headers = md),
      onTrailer: (md: Metadata) => (trailers = md),
    },
  );
  t.equal(seen.metadata!.get('x-echo')[0], 'v1');
  t.same([...(seen.metadata!.get('x-echo-bin')[0] as Buffer)], [...bin]);
  t.match(String(seen.metadata!.get('user-agent')[0]), /wiregrpc\//);
  t.equal(headers?.get('x-head'), 'v1');
  t.same([...(headers?.get('x-head-bin') as Uint8Array)], [...bin]);
  t.equal(trailers?.get('x-trail'), 'v1');
  t.same([...(trailers?.get('x-trail-bin') as Uint8Array)], [...bin]);

  const md = new Metadata().add('x-echo', 'v2');
  await client.unary({}, { metadata: md });
  t.equal(seen.metadata!.get('x-echo')[0], 'v2', 'a Metadata object works too');
});

t.test('errors: code, decoded message, trailers as metadata', async (t) => {
  const { client } = await setup(t);
  const err = await rejection(client.unary({ text: 'fail:100% wrong ✗ \n line' }));
  t.equal(err.code, Code.FAILED_PRECONDITION);
  t.equal(err.rawMessage, '100% wrong ✗ \n line');
  t.equal(err.metadata.get('x-failed'), 'yes');
  t.equal(err.message, 'FAILED_PRECONDITION: 100% wrong ✗ \n line');
});

t.test('unimplemented method → UNIMPLEMENTED', async (t) => {
  const server = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client: EchoClient = createClient(Echo, `127.0.0.1:${port}`);
  t.teardown(async () => {
    await client.close();
    server.forceShutdown();
  });
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.UNIMPLEMENTED);
});

t.test('server streaming: messages, headers and trailers promises, errors', async (t) => {
  const { client } = await setup(t);
  const responses = client.serverStream({ text: 's', count: 5 }, { metadata: { 'x-echo': 'sv' } });
  const replies: Reply[] = await collect(responses);
  t.same(
    replies.map((r) => r.index),
    [0, 1, 2, 3, 4],
  );
  t.equal((await responses.headers).get('x-head'), 'sv');
  t.equal((await responses.trailers).get('x-trail'), 'sv');

  const failing = client.serverStream({ text: 'fail:after two', count: 2 });
  const got: number[] = [];
  const err = await rejection(
    (async () => {
      for await (const r of failing) got.push((r as Reply).index);
    })(),
  );
  t.same(got, [0, 1], 'messages before the error arrive');
  t.equal(err.code, Code.FAILED_PRECONDITION);
  t.equal(err.rawMessage, 'after two');
  t.equal((await failing.trailers).get('x-failed'), 'yes');
});

t.test('server streaming: a slow consumer still gets everything in order', async (t) => {
  const { client } = await setup(t);
  const payload = randomBytes(8 * 1024);
  let n = 0;
  for await (const r of client.serverStream({ text: 'big', count: 300, payload })) {
    t.equal((r as Reply).index, n++);
    if (n % 50 === 0) await new Promise((res) => setTimeout(res, 20));
  }
  t.equal(n, 300);
});

t.test('client streaming: array and async generator', async (t) => {
  const { client } = await setup(t);
  const r1: Reply = await client.clientStream([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
  t.equal(r1.text, 'a,b,c');
  async function* gen() {
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
      yield { text: String(i), payload: new Uint8Array(100) };
    }
  }
  const r2: Reply = await client.ClientStream(gen());
  t.equal(r2.text.split(',').length, 50);
  t.equal(String(Buffer.from(r2.payload)), '5000');
  const r3: Reply = await client.clientStream([]);
  t.equal(r3.text, '', 'no messages at all');
});

t.test('client streaming: a source that throws cancels the call', async (t) => {
  const { client } = await setup(t);
  async function* bad() {
    yield { text: 'a' };
    throw new Error('disk on fire');
  }
  const err = await rejection(client.clientStream(bad()));
  t.equal(err.code, Code.CANCELLED);
  t.match(err.message, 'disk on fire');
});

t.test('bidi: interleaved request and response streams', async (t) => {
  const { client } = await setup(t);
  // A request stream that waits for each response before sending the next (a real conversation).
  let answered: () => void = () => {};
  async function* requests() {
    for (const word of ['one', 'two', 'three']) {
      const next = new Promise<void>((r) => (answered = r));
      yield { text: word };
      await next;
    }
  }
  const responses = client.bidi(requests(), { metadata: { 'x-echo': 'b' } });
  const texts: string[] = [];
  for await (const r of responses) {
    texts.push((r as Reply).text);
    answered();
  }
  t.same(texts, ['ONE', 'TWO', 'THREE']);
  t.equal((await responses.trailers).get('x-trail'), 'b');
  t.same(await collect(client.Bidi([])), [], 'empty both ways');
});

t.test('deadline: grpc-timeout reaches the server; DEADLINE_EXCEEDED', async (t) => {
  const { client } = await setup(t);
  const start = Date.now();
  const err = await rejection(client.unary({ text: 'slow', delayMs: 2000 }, { timeout: 150 }));
  t.equal(err.code, Code.DEADLINE_EXCEEDED);
  t.ok(Date.now() - start < 1500, 'well before the server would answer');
  const d = seen.deadline instanceof Date ? seen.deadline.getTime() : Number(seen.deadline);
  t.ok(Math.abs(d - (start + 150)) < 100, 'the server knows the deadline');
  const ok: Reply = await client.unary({ text: 'fast' }, { deadline: new Date(Date.now() + 5000) });
  t.equal(ok.text, 'fast');
});

t.test('cancellation: AbortSignal and break; the server sees it', async (t) => {
  const { client } = await setup(t);
  seen.cancelled = 0;
  const ac = new AbortController();
  const responses = client.serverStream({ text: 'c', count: 1000, delayMs: 10 }, { signal: ac.signal });
  let n = 0;
  const err = await rejection(
    (async () => {
      for await (const _ of responses) if (++n === 3) ac.abort();
    })(),
  );
  t.equal(err.code, Code.CANCELLED);
  const unaryErr = await rejection(client.unary({ text: 'x', delayMs: 1000 }, { signal: AbortSignal.timeout(50) }));
  t.equal(unaryErr.code, Code.CANCELLED);
  for await (const _ of client.serverStream({ text: 'b', count: 1000, delayMs: 10 })) break;
  for (let i = 0; i < 100 && seen.cancelled < 3; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(seen.cancelled, 3, 'abort (stream), abort (unary), break: each seen by the server');
});

t.test('compression both ways', async (t) => {
  const { client } = await setup(t, '127.0.0.1:0', { compression: 'gzip' }, undefined, {
    'grpc.default_compression_algorithm': 2,
  } as grpc.ServerOptions);
  const payload = Buffer.alloc(200_000, 'z');
  const r: Reply = await client.unary({ text: 'gz', payload });
  t.equal(r.payload.length, payload.length);
  const r2: Reply = await client.unary({ text: 'df', payload }, { compression: 'deflate' });
  t.equal(r2.payload.length, payload.length);
  const replies = await collect(client.serverStream({ text: 'gz', count: 3, payload: Buffer.alloc(10, 1) }));
  t.equal(replies.length, 3);
  const sum: Reply = await client.clientStream([{ payload }, { payload }]);
  t.equal(String(Buffer.from(sum.payload)), String(2 * payload.length));
});

t.test('limits: receive limit → RESOURCE_EXHAUSTED', async (t) => {
  const { client } = await setup(t, '127.0.0.1:0', { maxReceiveMessageLength: 1024 });
  const ok: Reply = await client.unary({ payload: new Uint8Array(500) });
  t.equal(ok.payload.length, 500);
  const err = await rejection(client.unary({ payload: new Uint8Array(5000) }));
  t.equal(err.code, Code.RESOURCE_EXHAUSTED);
});

t.test('unavailable target: the message names the cause and the target', async (t) => {
  const { server, port } = await startServer('127.0.0.1:0');
  server.forceShutdown();
  const client: EchoClient = createClient(Echo, `localhost:${port}`);
  t.teardown(() => client.close());
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.UNAVAILABLE);
  t.match(
    err.message,
    /^UNAVAILABLE: connect ECONNREFUSED .*:\d+ \(target localhost:\d+, method \/wiregrpc.test.Echo\/Unary\)$/,
  );
});

t.test('reconnect: the same client works after the server restarts', async (t) => {
  const first = await startServer('127.0.0.1:0');
  const port = first.port;
  const client: EchoClient = createClient(Echo, `127.0.0.1:${port}`, { backoff: { initialMs: 50, maxMs: 200 } });
  t.teardown(() => client.close());
  t.equal((await client.unary({ text: 'before' })).text, 'before');
  first.server.forceShutdown();
  const down = await rejection(client.unary({ text: 'down' }));
  t.equal(down.code, Code.UNAVAILABLE);
  const second = await startServer(`127.0.0.1:${port}`);
  t.teardown(() => second.server.forceShutdown());
  const r: Reply = await client.unary({ text: 'after' }, { waitForReady: true, timeout: 5000 });
  t.equal(r.text, 'after');
});

t.test('unix socket and IPv6', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wiregrpc-client-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const unix = await setup(t, `unix:${join(dir, 's.sock')}`);
  t.equal((await unix.client.unary({ text: 'unix' })).text, 'unix');
  const v6 = await setup(t, '[::1]:0');
  t.equal((await v6.client.unary({ text: 'v6' })).text, 'v6');
});

t.test('TLS and mutual TLS', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const tlsCreds = grpc.ServerCredentials.createSsl(
    null,
    [{ private_key: certs.serverKey, cert_chain: certs.serverCert }],
    false,
  );
  const { client, port } = await setup(t, '127.0.0.1:0', {}, tlsCreds);
  void client;
  const secure: EchoClient = createClient(Echo, `localhost:${port}`, { tls: { ca: certs.ca } });
  t.teardown(() => secure.close());
  t.equal((await secure.unary({ text: 'tls' })).text, 'tls');

  const wrongCa: EchoClient = createClient(Echo, `localhost:${port}`, { tls: { ca: certs.otherCa } });
  t.teardown(() => wrongCa.close());
  const err = await rejection(wrongCa.unary({}));
  t.equal(err.code, Code.UNAVAILABLE);
  t.match(err.message, /certificate/i);

  const override: EchoClient = createClient(Echo, `127.0.0.1:${port}`, {
    tls: { ca: certs.ca, servername: 'localhost' },
  });
  t.teardown(() => override.close());
  t.equal((await override.unary({ text: 'sni' })).text, 'sni');

  const mtlsCreds = grpc.ServerCredentials.createSsl(
    certs.ca,
    [{ private_key: certs.serverKey, cert_chain: certs.serverCert }],
    true,
  );
  const m = await startServer('127.0.0.1:0', mtlsCreds);
  t.teardown(() => m.server.forceShutdown());
  const withCert: EchoClient = createClient(Echo, `localhost:${m.port}`, {
    tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
  });
  const withoutCert: EchoClient = createClient(Echo, `localhost:${m.port}`, { tls: { ca: certs.ca } });
  t.teardown(() => Promise.all([withCert.close(), withoutCert.close()]));
  t.equal((await withCert.unary({ text: 'mtls' })).text, 'mtls');
  const refused = await rejection(withoutCert.unary({}));
  t.equal(refused.code, Code.UNAVAILABLE);
});

t.test('interceptors: auth, logging, metrics, order, errors', async (t) => {
  const records: CallRecord[] = [];
  const lines: string[] = [];
  const order: string[] = [];
  const tracer =
    (name: string): ClientInterceptor =>
    async (call, next) => {
      order.push(`${name}>`);
      await next();
      order.push(`<${name}`);
    };
  const { client } = await setup(t, '127.0.0.1:0', {
    interceptors: [
      metricsInterceptor((r) => records.push(r)),
      loggingInterceptor((l) => lines.push(l)),
      tracer('a'),
      tracer('b'),
      authInterceptor(async () => 's3cret'),
    ],
  });
  const r: Reply = await client.unary({ text: 'hi' });
  t.equal(r.text, 'hi');
  t.equal(seen.metadata!.get('authorization')[0], 'Bearer s3cret');
  t.same(order, ['a>', 'b>', '<b', '<a']);
  const err = await rejection(client.unary({ text: 'fail:nope' }));
  t.equal(err.code, Code.FAILED_PRECONDITION);
  t.same(
    records.map((x) => x.code),
    [Code.OK, Code.FAILED_PRECONDITION],
  );
  t.match(lines[0], /^\/wiregrpc.test.Echo\/Unary OK /);
  t.match(lines[1], /FAILED_PRECONDITION .* nope$/);

  const replies = await collect(client.serverStream({ text: 's', count: 3 }));
  t.equal(replies.length, 3, 'streaming calls pass through interceptors too');
  t.equal(seen.metadata!.get('authorization')[0], 'Bearer s3cret');
  t.equal((await client.clientStream([{ text: 'x' }, { text: 'y' }])).text, 'x,y');
  t.same(
    (await collect(client.bidi([{ text: 'q' }]))).map((x: any) => x.text),
    ['Q'],
  );
  t.equal(records.length, 5);

  // An interceptor that refuses: the call is not sent.
  const deny: ClientInterceptor = async () => {
    throw new GrpcError(Code.PERMISSION_DENIED, 'not today');
  };
  const denied: EchoClient = createClient(Echo, client.channel, { interceptors: [deny] });
  seen.metadata = undefined;
  t.equal((await rejection(denied.unary({}))).code, Code.PERMISSION_DENIED);
  const streamErr = await rejection(collect(denied.serverStream({ count: 1 })));
  t.equal(streamErr.code, Code.PERMISSION_DENIED);
  t.equal(seen.metadata, undefined, 'nothing reached the server');
  const failingToken = createClient(Echo, client.channel, {
    interceptors: [
      authInterceptor(() => {
        throw new Error('expired');
      }),
    ],
  });
  const unauth = await rejection(failingToken.unary({}));
  t.equal(unauth.code, Code.UNAUTHENTICATED);
  t.match(unauth.message, 'expired');
});

t.test('a shared Channel: client.close() leaves it open', async (t) => {
  const { port, server } = await startServer('127.0.0.1:0');
  t.teardown(() => server.forceShutdown());
  const channel = new Channel(`127.0.0.1:${port}`);
  const a: EchoClient = createClient(Echo, channel);
  const b: EchoClient = createClient(Echo, channel);
  t.equal((await a.unary({ text: 'a' })).text, 'a');
  await a.close();
  t.equal((await b.unary({ text: 'b' })).text, 'b');
  await channel.close();
  const err = await rejection(b.unary({}));
  t.equal(err.code, Code.UNAVAILABLE);
  t.match(err.message, 'channel closed');
});
