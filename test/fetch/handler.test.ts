/**
 * The fetch handler (src/fetch), called directly with `new Request(...)` in Node: what a gRPC-Web call gets back
 * — unary and server-streaming, binary and text, metadata both ways, statuses with their details, interceptors,
 * deadlines, the client going away, backpressure. Bad input: refusals.test.ts; compression: compression.test.ts.
 */
import t from 'tap';
import { createFetchHandler } from '../../src/fetch/handler.js';
import { ErrorInfo, detail } from '../../src/service/rpc/error-details.js';
import { createWebClient } from '../../src/web/client.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Echo } from '../runtimes/browser/echo-service.js';
import { echoImplementation, outcomes } from '../runtimes/browser/echo-server.js';
import { answer, call, echoFrame, turns, URL_BASE } from './helpers.js';

const decodeReply = (bytes: Uint8Array) => Echo.methods.Unary!.output.decode(bytes);

t.test('unary, binary: headers, one message, then the trailers frame', async (t) => {
  const grpc = createFetchHandler().add(Echo, echoImplementation);
  const response = await call(grpc, '/wiregrpc.web.Echo/Unary', {
    body: echoFrame({ text: 'héllo', blob: new Uint8Array([0, 255]) }),
    headers: { 'x-token': 'abc' },
  });
  t.equal(response.headers.get('content-type'), 'application/grpc-web');
  t.equal(response.headers.get('x-echo-header'), 'h', 'response metadata in the headers');
  t.equal(response.headers.get('x-token-seen'), 'abc', 'request metadata reached the handler');
  t.equal(response.headers.get('grpc-accept-encoding'), 'identity,gzip,deflate');
  const a = await answer(response);
  t.equal(a.status, 200);
  t.equal(a.messages.length, 1);
  t.same(decodeReply(a.messages[0]!), { text: 'héllo', index: 0, blob: new Uint8Array([0, 255]) });
  t.same(a.trailers, { 'x-echo-trailer': 't', 'grpc-status': '0' }, 'trailing metadata, then the status');
});

t.test('unary, text: base64 both ways', async (t) => {
  const grpc = createFetchHandler().add(Echo, echoImplementation);
  const response = await call(grpc, '/wiregrpc.web.Echo/Unary', { body: echoFrame({ text: 'b64' }), text: true });
  t.equal(response.headers.get('content-type'), 'application/grpc-web-text');
  const raw = await response.clone().text();
  t.match(raw, /^[A-Za-z0-9+/=]+$/, 'the body is base64');
  const a = await answer(response);
  t.same(decodeReply(a.messages[0]!).text, 'b64');
  t.equal(a.code, 0);
});

t.test('an error before any message: Trailers-Only, with the error metadata; UNKNOWN for a plain Error', async (t) => {
  const grpc = createFetchHandler()
    .add(Echo, echoImplementation)
    .add(
      { ...Echo, typeName: 'other.Echo', methods: { Unary: { ...Echo.methods.Unary!, path: '/other.Echo/Unary' } } },
      {
        unary() {
          throw new Error('it broke');
        },
      },
    );
  const failed = await answer(
    await call(grpc, '/wiregrpc.web.Echo/Unary', { body: echoFrame({ code: 5, text: 'x' }) }),
  );
  t.equal(failed.messages.length, 0);
  t.equal(failed.trailers, undefined, 'no body at all');
  t.equal(failed.code, Code.NOT_FOUND);
  t.equal(failed.message, 'asked to fail: x');
  t.equal(failed.headers.get('x-error-detail'), 'yes');
  const plain = await answer(await call(grpc, '/other.Echo/Unary', { body: echoFrame({}) }));
  t.equal(plain.code, Code.UNKNOWN);
  t.equal(plain.message, 'it broke');
});

t.test('typed error details (grpc-status-details-bin) reach the wiregrpc/web client, either way', async (t) => {
  const grpc = createFetchHandler().add(Echo, {
    unary() {
      throw new GrpcError(Code.ABORTED, 'stopped', { details: [detail(ErrorInfo, { reason: 'EARLY' })] });
    },
    async *stream() {
      yield { text: 'one' };
      throw new GrpcError(Code.ABORTED, 'stopped', { details: [detail(ErrorInfo, { reason: 'LATE' })] });
    },
  });
  const client = createWebClient(Echo, { baseUrl: URL_BASE, fetch: (url, init) => grpc.fetch(new Request(url, init)) });
  const early = (await client.unary({}).catch((e: unknown) => e)) as GrpcError;
  t.equal(early.code, Code.ABORTED);
  t.same(
    early.findDetails(ErrorInfo).map((d) => d.reason),
    ['EARLY'],
    'Trailers-Only',
  );
  const seen: string[] = [];
  const late = await (async () => {
    for await (const reply of client.stream({})) seen.push(reply.text);
  })().catch((e: unknown) => e as GrpcError);
  t.same(seen, ['one']);
  t.equal(late!.code, Code.ABORTED);
  t.same(
    late!.findDetails(ErrorInfo).map((d) => d.reason),
    ['LATE'],
    'in the trailers frame',
  );
});

t.test('server streaming streams: each message is readable before the handler goes on', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let finished = false;
  const grpc = createFetchHandler().add(Echo, {
    async *stream() {
      yield { text: 'first' };
      await gate;
      yield { text: 'second' };
      finished = true;
    },
  });
  const response = await call(grpc, '/wiregrpc.web.Echo/Stream', { body: echoFrame({}) });
  const reader = response.body!.getReader();
  const first = await reader.read();
  t.notOk(first.done);
  t.notOk(finished, 'the first message came out while the handler was still waiting');
  t.equal(decodeReply(first.value!.subarray(5)).text, 'first');
  release();
  const rest: Uint8Array[] = [];
  for (let i = 0; i < 10; i++) {
    const next = await reader.read();
    if (next.done) break;
    rest.push(next.value);
  }
  const all = new Uint8Array(rest.reduce((n, c) => n + c.length, 0));
  rest.reduce((offset, c) => (all.set(c, offset), offset + c.length), 0);
  const a = await answer(new Response(all, { headers: response.headers }));
  t.same(
    a.messages.map((m) => decodeReply(m).text),
    ['second'],
  );
  t.equal(a.code, 0, 'then the status, last');
});

t.test('server streaming: text, many messages, each base64 on its own', async (t) => {
  const grpc = createFetchHandler().add(Echo, echoImplementation);
  const a = await answer(
    await call(grpc, '/wiregrpc.web.Echo/Stream', { body: echoFrame({ text: 'n', count: 5 }), text: true }),
  );
  t.same(
    a.messages.map((m) => decodeReply(m).text),
    ['n 0', 'n 1', 'n 2', 'n 3', 'n 4'],
  );
  t.equal(a.code, 0);
  t.equal(a.trailers?.['x-echo-trailer'], 't');
});

t.test('the client goes away mid-stream: the handler is stopped (signal, finally), nothing more is sent', async (t) => {
  for (const how of ['request signal', 'body cancelled'] as const) {
    let produced = 0;
    let closedWith: unknown;
    let cleanedUp = false;
    const grpc = createFetchHandler().add(Echo, {
      async *stream(_request, ctx) {
        ctx.signal.addEventListener('abort', () => (closedWith = ctx.signal.reason), { once: true });
        try {
          for (let i = 0; i < 1000; i++) {
            produced++;
            yield { text: String(i) };
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        } finally {
          cleanedUp = true;
        }
      },
    });
    const abort = new AbortController();
    const response = await call(grpc, '/wiregrpc.web.Echo/Stream', { body: echoFrame({}), signal: abort.signal });
    const reader = response.body!.getReader();
    await reader.read();
    if (how === 'request signal') abort.abort();
    else await reader.cancel();
    for (let i = 0; i < 50 && !cleanedUp; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    t.ok(cleanedUp, `${how}: the generator's finally ran`);
    t.type(closedWith, GrpcError, `${how}: ctx.signal aborted`);
    t.equal((closedWith as GrpcError).code, Code.CANCELLED);
    const at = produced;
    await new Promise((resolve) => setTimeout(resolve, 20));
    t.equal(produced, at, `${how}: no more messages are produced (${at} were)`);
    t.ok(at < 1000, `${how}: the stream was cut short`);
    if (how === 'request signal') {
      let read = await reader.read();
      for (let i = 0; i < 10 && !read.done; i++) read = await reader.read(); // what was queued before the cancel
      t.ok(read.done, 'the body ends (without a status): nothing is left waiting on it');
    }
  }
});

t.test('a unary handler sees the client go away', async (t) => {
  outcomes.length = 0;
  const grpc = createFetchHandler().add(Echo, echoImplementation);
  const abort = new AbortController();
  const pending = call(grpc, '/wiregrpc.web.Echo/Unary', { body: echoFrame({ delayMs: 5000 }), signal: abort.signal });
  await turns(5);
  abort.abort();
  const response = await pending;
  t.equal(response.headers.get('grpc-status'), String(Code.CANCELLED), 'the answer nobody reads is CANCELLED');
  t.same(outcomes, ['unary aborted: CANCELLED: the client cancelled the call']);
});

t.test('deadline: grpc-timeout aborts the handler with DEADLINE_EXCEEDED', async (t) => {
  outcomes.length = 0;
  const grpc = createFetchHandler().add(Echo, echoImplementation);
  const started = Date.now();
  const a = await answer(
    await call(grpc, '/wiregrpc.web.Echo/Unary', {
      body: echoFrame({ delayMs: 10_000 }),
      headers: { 'grpc-timeout': '50m' },
    }),
  );
  t.equal(a.code, Code.DEADLINE_EXCEEDED);
  t.equal(a.message, 'deadline exceeded');
  t.same(outcomes, ['unary aborted: DEADLINE_EXCEEDED: deadline exceeded']);
  t.ok(Date.now() - started < 5_000, 'well before the handler would have answered');
  const streamed = await answer(
    await call(grpc, '/wiregrpc.web.Echo/Stream', {
      body: echoFrame({ count: 100, delayMs: 20 }),
      headers: { 'grpc-timeout': '100m' },
    }),
  );
  t.ok(streamed.messages.length > 0 && streamed.messages.length < 100, `${streamed.messages.length} messages first`);
  t.equal(streamed.code, Code.DEADLINE_EXCEEDED, 'then the status in the trailers frame');
});

t.test('ctx: deadline, peer, metadata (-bin too)', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const grpc = createFetchHandler().add(Echo, {
    unary(_request, ctx) {
      seen.push({
        deadline: ctx.deadline === undefined ? 'none' : ctx.deadline > Date.now(),
        peer: ctx.peer,
        bin: ctx.metadata.get('trace-bin'),
        cert: ctx.peerCertificate,
      });
      return {};
    },
  });
  const request = (info?: Parameters<typeof grpc.fetch>[1]) =>
    grpc.fetch(
      new Request(`${URL_BASE}/wiregrpc.web.Echo/Unary`, {
        method: 'POST',
        headers: { 'content-type': 'application/grpc-web', 'trace-bin': 'AAEC', 'grpc-timeout': '10S' },
        body: echoFrame({}),
      }),
      info,
    );
  await request({ peer: '10.0.0.1:5' });
  await request({ remoteAddr: { hostname: '::1', port: 7 } });
  await request();
  t.same(seen, [
    { deadline: true, peer: '10.0.0.1:5', bin: new Uint8Array([0, 1, 2]), cert: undefined },
    { deadline: true, peer: '[::1]:7', bin: new Uint8Array([0, 1, 2]), cert: undefined },
    { deadline: true, peer: '', bin: new Uint8Array([0, 1, 2]), cert: undefined },
  ]);
});

t.test('interceptors: the Server’s, around unary and streaming handlers, in order', async (t) => {
  const log: string[] = [];
  const grpc = createFetchHandler({
    interceptors: [
      async (ctx, next) => {
        log.push(`outer ${ctx.method.name}`);
        await next();
        ctx.setTrailer({ 'x-outer': 'done' });
        log.push(`outer done ${ctx.method.name}`);
      },
      async (ctx, next) => {
        if (ctx.metadata.get('authorization') !== 'Bearer ok') throw new GrpcError(Code.UNAUTHENTICATED, 'no');
        return next();
      },
    ],
  }).add(Echo, echoImplementation);
  const denied = await answer(await call(grpc, '/wiregrpc.web.Echo/Unary', { body: echoFrame({}) }));
  t.equal(denied.code, Code.UNAUTHENTICATED);
  const ok = await answer(
    await call(grpc, '/wiregrpc.web.Echo/Stream', {
      body: echoFrame({ count: 2 }),
      headers: { authorization: 'Bearer ok' },
    }),
  );
  t.equal(ok.messages.length, 2);
  t.same(ok.trailers, { 'x-echo-trailer': 't', 'x-outer': 'done', 'grpc-status': '0' });
  t.same(log, ['outer Unary', 'outer Stream', 'outer done Stream']);
});

t.test('backpressure: a stream nobody reads stops at the body queue', async (t) => {
  let produced = 0;
  const grpc = createFetchHandler().add(Echo, {
    async *stream() {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield { blob: new Uint8Array(16 * 1024) };
      }
    },
  });
  const response = await call(grpc, '/wiregrpc.web.Echo/Stream', { body: echoFrame({}) });
  await turns(50);
  t.ok(produced > 0 && produced <= 8, `${produced} messages of 16 KiB produced against a 64 KiB queue`);
  const a = await answer(response);
  t.equal(a.messages.length, 1000, 'all of them once read');
  t.equal(a.code, 0);
});

t.test('add(): the Server’s checks', async (t) => {
  const grpc = createFetchHandler().add(Echo, echoImplementation);
  t.throws(() => grpc.add(Echo, echoImplementation), /already served/);
  // @ts-expect-error -- not a method of Echo
  t.throws(() => createFetchHandler().add(Echo, { unray() {} }), /has no method "unray"/);
  t.same(
    grpc.services.map((s) => s.typeName),
    ['wiregrpc.web.Echo'],
  );
  t.throws(() => createFetchHandler({ compression: 'br' as 'gzip' }), /compression "br" is not supported/);
});
