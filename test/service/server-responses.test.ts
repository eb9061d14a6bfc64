/**
 * How a streaming handler's responses are sent (src/service/server-call.ts,
 * sendAll): sync and async iterables, in order, and the iterator is closed
 * exactly as a `for await` loop would close it — when the call ends early,
 * when a response cannot be sent — and not when it failed on its own.
 */
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { createClient, type Client } from '../../src/service/client.js';
import type { ServerContext } from '../../src/service/context.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Server } from '../../src/service/server.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';

const Echo = loadProtoSync(new URL('../protos/echo.proto', import.meta.url).pathname).service('wiregrpc.test.Echo');

interface Req {
  text: string;
  count: number;
  payload: Uint8Array;
  delayMs: number;
}
interface Reply {
  text: string;
  index: number;
  payload: Uint8Array;
}

/** What the handlers' generators went through, by test. */
const events: string[] = [];
let closed: (() => void) | undefined;

function* syncReplies(count: number) {
  try {
    for (let i = 0; i < count; i++) yield { text: 'sync', index: i };
    yield null; // not a message: sending fails
  } finally {
    events.push('sync finally');
  }
}

async function* forever() {
  try {
    for (let i = 0; ; i++) yield { text: 'forever', index: i };
  } finally {
    events.push('forever finally');
    closed?.();
  }
}

async function* failing() {
  try {
    yield { text: 'a', index: 0 };
    throw new GrpcError(Code.FAILED_PRECONDITION, 'stopped on purpose');
  } finally {
    events.push('failing finally');
  }
}

/** An async iterator by hand, whose next() returns plain results, not promises. */
function plainResults(count: number): AsyncIterable<Reply> {
  let i = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        (i < count ? { done: false, value: { text: 'plain', index: i++ } } : { done: true, value: undefined }) as any,
    }),
  };
}

const impl = {
  serverStream(req: Req, ctx: ServerContext): unknown {
    switch (req.text) {
      case 'array':
        return [{ text: 'x', index: 0 }, Promise.resolve({ text: 'y', index: 1 }), { text: 'z', index: 2 }];
      case 'set':
        return new Set([
          { text: 's', index: 0 },
          { text: 's', index: 1 },
        ]);
      case 'sync-generator':
        return syncReplies(req.count);
      case 'forever':
        return forever();
      case 'failing':
        return failing();
      case 'plain':
        return plainResults(req.count);
      case 'mixed-compression':
        ctx.setCompression('gzip');
        return (async function* () {
          for (let i = 0; i < req.count; i++) {
            ctx.compressResponses = i % 3 === 0; // compressed frames between frames from the batch's arena
            yield { text: 't'.repeat(i % 50), index: i, payload: new Uint8Array(i % 700).fill(i & 0xff) };
          }
        })();
      case 'sizes':
        return (async function* () {
          // Small, large (past the size that is written on its own) and batch-filling sizes, in turn.
          const sizes = [0, 10, 20_000, 1, 70_000, 3000, 16_379, 16_380, 5];
          for (let i = 0; i < req.count; i++) {
            if (i % 97 === 0) await new Promise((r) => setImmediate(r)); // some ticks end mid-stream
            yield { text: '', index: i, payload: new Uint8Array(sizes[i % sizes.length]!).fill(i & 0xff) };
          }
        })();
    }
    return undefined;
  },
};

async function setup(t: any): Promise<Client> {
  const server = new Server();
  server.add(Echo, impl);
  const addr = (await server.listen('127.0.0.1:0')) as { port: number };
  const client: Client = createClient(Echo, `127.0.0.1:${addr.port}`);
  t.teardown(async () => {
    await client.close();
    server.forceShutdown();
  });
  return client;
}

async function collect(stream: AsyncIterable<Reply>): Promise<{ replies: Reply[]; error?: GrpcError }> {
  const replies: Reply[] = [];
  try {
    for await (const r of stream) replies.push(r);
  } catch (err) {
    return { replies, error: err as GrpcError };
  }
  return { replies };
}

t.test('sync iterables: every response in order; a promise among them is awaited', async (t) => {
  const client = await setup(t);
  const array = await collect(client.serverStream({ text: 'array' }));
  t.equal(array.error, undefined);
  t.same(
    array.replies.map((r) => `${r.text}${r.index}`),
    ['x0', 'y1', 'z2'],
  );
  const set = await collect(client.serverStream({ text: 'set' }));
  t.same(
    set.replies.map((r) => r.index),
    [0, 1],
  );
});

t.test('a sync generator whose response cannot be sent: INTERNAL, and the generator is closed', async (t) => {
  const client = await setup(t);
  events.length = 0;
  const { replies, error } = await collect(client.serverStream({ text: 'sync-generator', count: 5 }));
  t.same(
    replies.map((r) => r.index),
    [0, 1, 2, 3, 4],
  );
  t.equal(error?.code, Code.INTERNAL);
  t.match(error?.message, 'no response message');
  t.same(events, ['sync finally']);
});

t.test('an async iterator whose next() returns plain results', async (t) => {
  const client = await setup(t);
  const { replies, error } = await collect(client.serverStream({ text: 'plain', count: 3 }));
  t.equal(error, undefined);
  t.same(
    replies.map((r) => `${r.text}${r.index}`),
    ['plain0', 'plain1', 'plain2'],
  );
});

t.test('the client cancels an endless stream: the generator is closed (its finally runs)', async (t) => {
  const client = await setup(t);
  events.length = 0;
  const wasClosed = new Promise<void>((resolve) => (closed = resolve));
  let n = 0;
  for await (const r of client.serverStream({ text: 'forever' })) {
    t.equal(r.index, n, 'in order');
    if (++n === 1000) break;
  }
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    wasClosed.then(() => 'closed'),
    new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still open after 10 s'))),
  ]);
  clearTimeout(timer);
  t.equal(outcome, 'closed');
  t.same(events, ['forever finally'], 'closed once');
});

t.test('a generator that throws: its status, after the messages before it', async (t) => {
  const client = await setup(t);
  events.length = 0;
  const { replies, error } = await collect(client.serverStream({ text: 'failing' }));
  t.same(
    replies.map((r) => r.text),
    ['a'],
  );
  t.equal(error?.code, Code.FAILED_PRECONDITION);
  t.equal(error?.rawMessage, 'stopped on purpose');
  t.same(events, ['failing finally'], 'the generator finished on its own, once');
});

t.test('compressed and uncompressed responses interleaved: all arrive, in order, intact', async (t) => {
  const client = await setup(t);
  const count = 600;
  const { replies, error } = await collect(client.serverStream({ text: 'mixed-compression', count }));
  t.equal(error, undefined);
  t.equal(replies.length, count);
  let bad = 0;
  replies.forEach((r, i) => {
    const payload = r.payload ?? new Uint8Array(0);
    if (
      r.index !== i ||
      r.text !== 't'.repeat(i % 50) ||
      payload.length !== i % 700 ||
      payload.some((b) => b !== (i & 0xff))
    )
      bad++;
  });
  t.equal(bad, 0, 'every reply is the one sent at its place');
});

t.test('small and large responses, across ticks: all arrive, in order, intact', async (t) => {
  const client = await setup(t);
  const count = 2000;
  const { replies, error } = await collect(client.serverStream({ text: 'sizes', count }));
  t.equal(error, undefined);
  t.equal(replies.length, count);
  const sizes = [0, 10, 20_000, 1, 70_000, 3000, 16_379, 16_380, 5];
  let bad = 0;
  replies.forEach((r, i) => {
    const payload = r.payload ?? new Uint8Array(0);
    if (r.index !== i || payload.length !== sizes[i % sizes.length] || payload.some((b) => b !== (i & 0xff))) bad++;
  });
  t.equal(bad, 0, 'every reply is the one sent at its place');
});
