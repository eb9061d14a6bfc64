/**
 * Our client against our own Server: the two halves of wiregrpc agree on
 * every call shape, metadata, statuses, deadlines, cancellation and
 * compression, and a graceful shutdown (GOAWAY) is survived by the client.
 */
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { createClient, type Client } from '../../src/service/client.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Server } from '../../src/service/server.js';
import type { ServerContext } from '../../src/service/context.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import type { Metadata } from '../../src/wire/grpc/metadata.js';
import { rejection } from '../helpers/rejection.js';

const Echo = loadProtoSync(new URL('../protos/echo.proto', import.meta.url).pathname).service('wiregrpc.test.Echo');

interface Req {
  text: string;
  count: number;
  payload: Uint8Array;
  delayMs: number;
}

const aborted: string[] = [];
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

const impl = {
  async unary(req: Req, ctx: ServerContext) {
    const echo = ctx.metadata.get('x-echo');
    if (echo !== undefined) {
      ctx.sendHeader({ 'x-head': echo });
      ctx.setTrailer({ 'x-trail': echo });
    }
    // Metadata naming protocol fields: the transport must leave them out.
    if (req.text === 'forge-headers') ctx.sendHeader({ 'grpc-status': '0', 'grpc-encoding': 'gzip', 'x-head': 'kept' });
    if (req.text === 'forge-trailers') {
      ctx.setTrailer({ 'content-type': 'text/html', 'x-trail': 'kept' });
      throw new GrpcError(Code.NOT_FOUND, 'nf');
    }
    if (req.delayMs > 0) {
      ctx.signal.addEventListener('abort', () => aborted.push(`unary:${GrpcError.from(ctx.signal.reason).code}`));
      await sleep(req.delayMs, ctx.signal);
    }
    if (req.text.startsWith('fail:')) throw new GrpcError(Code.ABORTED, req.text.slice(5), { metadata: undefined });
    return {
      text: req.text,
      index: ctx.deadline === undefined ? -1 : Math.round((ctx.deadline - Date.now()) / 1000),
      payload: req.payload,
    };
  },
  async *serverStream(req: Req, ctx: ServerContext) {
    ctx.signal.addEventListener('abort', () => aborted.push('stream'));
    for (let i = 0; i < req.count; i++) {
      if (req.delayMs) await sleep(req.delayMs, ctx.signal);
      if (ctx.signal.aborted) return;
      yield { text: req.text, index: i };
    }
  },
  async clientStream(requests: AsyncIterable<Req>) {
    const texts: string[] = [];
    for await (const r of requests) texts.push(r.text);
    return { text: texts.join('+'), index: texts.length };
  },
  async *bidi(requests: AsyncIterable<Req>) {
    let i = 0;
    for await (const r of requests) yield { text: r.text.toUpperCase(), index: i++ };
  },
};

async function setup(t: any, options = {}) {
  const server = new Server();
  server.add(Echo, impl);
  const addr = (await server.listen('127.0.0.1:0')) as { port: number };
  const client: Client = createClient(Echo, `127.0.0.1:${addr.port}`, options);
  t.teardown(async () => {
    await client.close();
    server.forceShutdown();
  });
  return { server, client, port: addr.port };
}

t.test('four call shapes', async (t) => {
  const { client } = await setup(t);
  t.equal((await client.unary({ text: 'u' })).text, 'u');
  const stream: string[] = [];
  for await (const r of client.serverStream({ text: 's', count: 4 })) stream.push(`${r.text}${r.index}`);
  t.same(stream, ['s0', 's1', 's2', 's3']);
  t.same(await client.clientStream([{ text: 'a' }, { text: 'b' }]), {
    text: 'a+b',
    index: 2,
    payload: new Uint8Array(),
  });
  async function* words() {
    yield { text: 'x' };
    yield { text: 'y' };
  }
  const bidi: string[] = [];
  for await (const r of client.bidi(words())) bidi.push(r.text);
  t.same(bidi, ['X', 'Y']);
});

t.test('a unary or server-streaming request leaves with END_STREAM without an end-of-tick batching pass', async (t) => {
  const { client } = await setup(t);
  t.equal((await client.unary({ text: 'warm' })).text, 'warm'); // connected: the request is written during the call
  const scheduled: string[] = [];
  const nextTick = process.nextTick;
  process.nextTick = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    scheduled.push(fn.name);
    return nextTick(fn, ...args);
  }) as typeof process.nextTick;
  let unary: Promise<unknown>;
  let stream: AsyncIterable<unknown>;
  try {
    unary = client.unary({ text: 'u' });
    stream = client.serverStream({ text: 's', count: 1 });
  } finally {
    process.nextTick = nextTick;
  }
  t.same(
    scheduled.filter((name) => name === 'flushAtTickEnd'),
    [],
    'no MessageWriter flush scheduled (nothing is gathered)',
  );
  t.equal(((await unary) as { text: string }).text, 'u');
  let n = 0;
  for await (const _ of stream) n++;
  t.equal(n, 1);
});

t.test('request messages that already wait are handed to the handler without a read() promise each', async (t) => {
  const server = new Server();
  let reads = 0;
  server.add(Echo, {
    ...impl,
    async clientStream(requests: AsyncIterable<Req>, ctx: ServerContext) {
      const call = ctx.stream;
      const read = call.read.bind(call);
      call.read = () => (reads++, read());
      await sleep(150); // the client's messages arrive meanwhile and wait, queued
      const texts: string[] = [];
      for await (const r of requests) texts.push(r.text);
      return { text: texts.join('+'), index: texts.length };
    },
  });
  const addr = (await server.listen('127.0.0.1:0')) as { port: number };
  const client: Client = createClient(Echo, `127.0.0.1:${addr.port}`);
  t.teardown(async () => {
    await client.close();
    server.forceShutdown();
  });
  const reply = await client.clientStream([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
  t.equal(reply.text, 'a+b+c', 'every message, in order');
  t.equal(reads, 1, 'one read() in all: for the end of the requests, none for the three queued messages');
});

t.test('metadata, statuses, deadline propagation', async (t) => {
  const { client } = await setup(t);
  let head: Metadata | undefined;
  let trail: Metadata | undefined;
  await client.unary(
    { text: 'm' },
    { metadata: { 'x-echo': 'e1' }, onHeader: (m: Metadata) => (head = m), onTrailer: (m: Metadata) => (trail = m) },
  );
  t.equal(head?.get('x-head'), 'e1');
  t.equal(trail?.get('x-trail'), 'e1');
  const err = await rejection(client.unary({ text: 'fail:ça% va' }));
  t.equal(err.code, Code.ABORTED);
  t.equal(err.rawMessage, 'ça% va');
  // HTTP/2 trims white space at the ends of a field value: the encoder must protect it.
  const spaced = await rejection(client.unary({ text: 'fail: unknown user: name = ' }));
  t.equal(spaced.rawMessage, ' unknown user: name = ', 'edge spaces of a status message survive the trip');
  const r = await client.unary({ text: 'd' }, { timeout: 30_000 });
  t.equal(r.index, 30, 'the server sees a 30 s deadline');
  t.equal((await client.unary({ text: 'n' })).index, -1, 'no deadline sent when none set');
});

t.test(
  'metadata naming protocol fields (grpc-status, grpc-encoding, content-type) never reaches the wire',
  async (t) => {
    const { client } = await setup(t);
    let head: Metadata | undefined;
    const r = await client.unary({ text: 'forge-headers' }, { onHeader: (m: Metadata) => (head = m) });
    t.equal(r.text, 'forge-headers', 'a grpc-status in the response headers does not end the call early');
    t.equal(head?.get('x-head'), 'kept');
    let trail: Metadata | undefined;
    const err = await rejection(client.unary({ text: 'forge-trailers' }, { onTrailer: (m: Metadata) => (trail = m) }));
    t.equal(err.code, Code.NOT_FOUND, 'Trailers-Only keeps content-type application/grpc, so the status is read');
    t.equal(err.rawMessage, 'nf');
    t.equal((trail ?? err.metadata).get('x-trail'), 'kept');
  },
);

t.test('a response stream: a second next() while one is pending → FAILED_PRECONDITION, the call goes on', async (t) => {
  const { client } = await setup(t);
  const responses = client.serverStream({ text: 'p', count: 2, delayMs: 50 }) as AsyncIterableIterator<{
    text: string;
    index: number;
  }>;
  const first = responses.next();
  const again = await rejection(responses.next());
  t.ok(again instanceof GrpcError, 'a GrpcError, like every other failure of a call');
  t.equal(again.code, Code.FAILED_PRECONDITION);
  t.match(again.message, 'before the previous next() settled');
  t.same((await first).value?.index, 0, 'the pending next() still gets its message');
  t.same((await responses.next()).value?.index, 1);
  t.ok((await responses.next()).done);
});

t.test('deadline and cancellation reach the server handler', async (t) => {
  const { client } = await setup(t);
  aborted.length = 0;
  const err = await rejection(client.unary({ text: 'slow', delayMs: 3000 }, { timeout: 100 }));
  t.equal(err.code, Code.DEADLINE_EXCEEDED);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const cancelled = await rejection(client.unary({ text: 'slow', delayMs: 3000 }, { signal: ac.signal }));
  t.equal(cancelled.code, Code.CANCELLED);
  for await (const _ of client.serverStream({ text: 'b', count: 100, delayMs: 5 })) break;
  for (let i = 0; i < 100 && aborted.length < 3; i++) await sleep(10);
  t.equal(aborted.length, 3, `the server saw every abort: ${aborted.join(', ')}`);
  t.ok(aborted.slice(0, 2).every((a) => a.startsWith('unary:')));
});

t.test('compression both ways', async (t) => {
  const { client } = await setup(t, { compression: 'gzip' });
  const payload = new Uint8Array(100_000).fill(7);
  const r = await client.unary({ text: 'z', payload });
  t.same(r.payload, payload);
  const r2 = await client.unary({ text: 'z', payload }, { compression: 'deflate' });
  t.equal(r2.payload.length, payload.length);
});

t.test('graceful server shutdown: calls in flight finish, then UNAVAILABLE; a new server is found again', async (t) => {
  const { server, client, port } = await setup(t, { backoff: { initialMs: 50, maxMs: 100 } });
  t.equal((await client.unary({ text: 'warm' })).text, 'warm');
  const inflight = client.unary({ text: 'in flight', delayMs: 200 });
  await sleep(50);
  const stopping = server.shutdown();
  t.equal((await inflight).text, 'in flight', 'the call in flight completes');
  await stopping;
  const down = await rejection(client.unary({ text: 'x' }));
  t.equal(down.code, Code.UNAVAILABLE);
  const again = new Server();
  again.add(Echo, impl);
  await again.listen(`127.0.0.1:${port}`);
  t.teardown(() => again.forceShutdown());
  t.equal((await client.unary({ text: 'back' }, { waitForReady: true, timeout: 5000 })).text, 'back');
});

t.test(
  'a request stream of many messages of mixed sizes arrives whole and in order (frames share batches)',
  async (t) => {
    const { client } = await setup(t);
    // Empty, tiny, around the 16 KiB direct-write line, and big: frames from the writer's arena and frames of their own.
    const sizes = [0, 1, 7, 120, 1500, 16_379, 16_380, 17_000, 4, 300, 70_000, 9];
    const texts = Array.from({ length: 600 }, (_, i) =>
      `m${i}-`.padEnd(sizes[i % sizes.length]!, 'abcdefghij'.charAt(i % 10)),
    );
    const expected = texts.map((text, index) => ({ text: text.toUpperCase(), index }));

    const fromArray: { text: string; index: number }[] = [];
    for await (const r of client.bidi(texts.map((text) => ({ text }))))
      fromArray.push({ text: r.text, index: r.index });
    t.equal(fromArray.length, texts.length, 'every message of an array source answered');
    t.ok(
      fromArray.every((r, i) => r.text === expected[i]!.text && r.index === i),
      'an array source: same bytes, same order',
    );

    async function* generated() {
      for (let i = 0; i < texts.length; i++) {
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve)); // some frames in a later tick
        yield { text: texts[i]! };
      }
    }
    const fromGenerator: { text: string; index: number }[] = [];
    for await (const r of client.bidi(generated())) fromGenerator.push({ text: r.text, index: r.index });
    t.equal(fromGenerator.length, texts.length, 'every message of an async generator answered');
    t.ok(
      fromGenerator.every((r, i) => r.text === expected[i]!.text && r.index === i),
      'an async generator source: same bytes, same order',
    );

    t.same(await client.clientStream(texts.slice(0, 40).map((text) => ({ text }))), {
      text: texts.slice(0, 40).join('+'),
      index: 40,
      payload: new Uint8Array(),
    });
  },
);
