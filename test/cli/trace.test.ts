// The wire tracer (src/http2/trace.ts): every header block and every message,
// both directions, both sides — in process (enableTracing with a sink) and as
// users turn it on: WIREGRPC_TRACE=1 for any process, `wiregrpc call --trace`.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createClient, defineService, loadProtoSync, Server } from '../../src/service/index.js';
import { disableTracing, enableTracing, tracing } from '../../src/http2/trace.js';
import { killChildren, wiregrpc } from './spawn-cli.js';
import { protos as protosLoadedBeforeTracing, startServer } from './test-server.js';

t.teardown(killChildren);

/** The suite runs on wiregrpc's own HTTP/2 (package.json test:own-h2-server, test:h2-client), else on node:http2. */
const OWN_H2 = process.env.WIREGRPC_TRANSPORT === 'wiregrpc';

// Defined while tracing is off, and never while it is on: the tracer cannot know its types.
const Opaque = defineService('trace.test.Opaque', [
  {
    name: 'Call',
    shape: 'unary',
    input: protosLoadedBeforeTracing.message('proto.UserRequest'),
    output: protosLoadedBeforeTracing.message('proto.UserRequest'),
  },
]);

/** What a client traces of one unary call, block by block (each block's first line, up to its colon). */
const UNARY_BLOCKS = [
  '→ HEADERS',
  '→ DATA message 1',
  '→ END_STREAM (half-close',
  '← HEADERS',
  '← DATA message 1',
  '← TRAILERS (END_STREAM)',
];

/** The trace so far, split into blocks (one per header block / message / note). */
let traced = '';
const blocks = (): string[] => traced.split(/^(?=\[wiregrpc\] )/m).filter((b) => b !== '');

t.test('off unless asked: nothing is traced', async (t) => {
  t.equal(tracing, false, 'WIREGRPC_TRACE is not set for the tests');
  const { target, server } = await startServer();
  t.teardown(() => server.forceShutdown());
  traced = '';
  const client = createClient(protosLoadedBeforeTracing.service('proto.UserInfo'), target);
  t.teardown(() => client.close());
  await client.getUserInfo({ name: 'foo' });
  t.equal(traced, '');
});

t.test('in process: both sides, every block, messages as JSON once the method is known', async (t) => {
  enableTracing((text) => {
    traced += text;
  });
  t.teardown(disableTracing);
  // Definitions made while tracing is on register their codecs with the tracer.
  const protos = loadProtoSync(['proto/userinfo.proto', 'test/protos/echo.proto']);
  const { target, server } = await startServer();
  t.teardown(() => server.forceShutdown());
  const client = createClient(protos.service('proto.UserInfo'), target);
  t.teardown(() => client.close());
  traced = '';
  await client.getUserInfo({ name: 'foo' });
  const b = blocks();
  const first = (re: RegExp) => b.find((block) => re.test(block));
  t.match(
    first(/^\[wiregrpc\] client stream \d+ → HEADERS\n/),
    /\n  :method: POST\n[^]*  :path: \/proto\.UserInfo\/GetUserInfo\n[^]*  content-type: application\/grpc\n  te: trailers\n/,
  );
  t.match(first(/^\[wiregrpc\] server stream \d+ ← HEADERS\n/), /  :path: \/proto\.UserInfo\/GetUserInfo\n/);
  // The server shows the block as it arrived: every field the client sent, in its order (not only what a call reads).
  const fieldsOf = (block: string | undefined) => block?.split('\n').slice(1);
  t.same(
    fieldsOf(first(/^\[wiregrpc\] server stream \d+ ← HEADERS\n/)),
    fieldsOf(first(/^\[wiregrpc\] client stream \d+ → HEADERS\n/)),
    'the request headers, the same on both sides',
  );
  t.same(
    fieldsOf(first(/^\[wiregrpc\] client stream \d+ ← HEADERS\n/)),
    fieldsOf(first(/^\[wiregrpc\] server stream \d+ → HEADERS\n/)),
    'the response headers, the same on both sides (no field the HTTP/2 layer adds, on either transport)',
  );
  t.equal(
    first(/client stream \d+ → DATA/)?.replace(/stream \d+/, 'stream N'),
    [
      '[wiregrpc] client stream N → DATA message 1: prefix 00 00 00 00 05 (not compressed, length 5)',
      '  proto.UserRequest {"name":"foo"}',
      '  payload 0a 03 66 6f 6f',
      '',
    ].join('\n'),
  );
  t.ok(first(/^\[wiregrpc\] client stream \d+ → END_STREAM/), 'the half-close');
  t.match(first(/server stream \d+ ← DATA/), /prefix 00 00 00 00 05 [^]*proto\.UserRequest \{"name":"foo"\}/);
  t.match(first(/server stream \d+ → HEADERS\n/), /  :status: 200\n[^]*  x-user-lookup: foo\n/);
  t.match(
    first(/server stream \d+ → DATA/),
    /prefix 00 00 00 00 18 [^]*proto\.UserResponse \{"id":1,"name":"foo","age":12,"hobby":\["eating","sleep"\]\}\n  payload 08 01 12 03 66 6f 6f 18 0c 22 06 65 61 74 69 6e 67 22 05 73 6c 65 65 70\n/,
  );
  t.match(
    first(/server stream \d+ → TRAILERS/),
    /^\[wiregrpc\] server stream \d+ → TRAILERS \(END_STREAM\)\n  x-served-by: test\n  grpc-status: 0\n$/,
  );
  t.match(first(/client stream \d+ ← TRAILERS/), /  grpc-status: 0\n/);
  t.match(first(/client stream \d+ ← DATA/), /proto\.UserResponse \{"id":1/);
  // The order on the client: headers, message, half-close, then the answer.
  const order = b
    .filter((block) => block.startsWith('[wiregrpc] client'))
    .map((block) =>
      block
        .split('\n')[0]!
        .replace(/^\[wiregrpc\] client stream \d+ /, '')
        .replace(/:.*/, ''),
    );
  t.same(order, UNARY_BLOCKS);
});

t.test('in process: unknown codecs → raw dump; gzip inflated; Trailers-Only; a cancelled stream', async (t) => {
  enableTracing((text) => {
    traced += text;
  });
  t.teardown(disableTracing);
  const { target, server } = await startServer();
  t.teardown(() => server.forceShutdown());
  server.add(Opaque, { Call: async (request: unknown) => request });
  const client = createClient(Opaque, target);
  t.teardown(() => client.close());
  traced = '';
  await client.Call({ name: 'foo' }, { compression: 'gzip' });
  const request = blocks().find((b) => /client stream \d+ → DATA/.test(b))!;
  t.match(
    request,
    /prefix 01 [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} \(compressed, length \d+\)\n  inflated \(gzip\) to 5 bytes\n/,
  );
  t.match(request, /\n  offset  bytes           field  type  value\n       0  0a 03 66 6f 6f  1      LEN   "foo"\n$/);

  const nobody = createClient(
    defineService('nope.Nobody', [
      {
        name: 'Call',
        shape: 'unary',
        input: protosLoadedBeforeTracing.message('proto.UserRequest'),
        output: protosLoadedBeforeTracing.message('proto.UserRequest'),
      },
    ]),
    target,
  );
  t.teardown(() => nobody.close());
  traced = '';
  await t.rejects(nobody.Call({ name: 'x' }), { code: 12 });
  t.match(
    blocks().find((b) => /server stream \d+ → HEADERS/.test(b)),
    /HEADERS \(Trailers-Only: the status, END_STREAM\)\n  :status: 200\n  content-type: application\/grpc\n(  grpc-accept-encoding: .*\n)?  grpc-status: 12\n  grpc-message: unknown service nope\.Nobody \(\/nope\.Nobody\/Call\)\n/,
  );
  t.match(
    blocks().find((b) => /client stream \d+ ← HEADERS/.test(b)),
    /Trailers-Only/,
  );

  const echo = createClient(protosLoadedBeforeTracing.service('wiregrpc.test.Echo'), target);
  t.teardown(() => echo.close());
  traced = '';
  await t.rejects(echo.unary({ text: 'slow', delayMs: 5000 }, { timeout: 100 }), { code: 4 });
  t.match(
    traced,
    /\[wiregrpc\] client stream \d+ → RST_STREAM \(code 8\)\n/,
    'the client cancels with RST_STREAM CANCEL',
  );

  // Cancelled by the client with no deadline on the server: the server sees the reset arrive.
  traced = '';
  const controller = new AbortController();
  const cancelled = echo.unary({ text: 'slow', delayMs: 5000 }, { signal: controller.signal });
  for (let i = 0; i < 100 && !/server stream \d+ ← END_STREAM/.test(traced); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await t.rejects(cancelled, { code: 1 });
  for (let i = 0; i < 100 && !/server stream \d+ ← stream closed/.test(traced); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  t.match(traced, /\[wiregrpc\] client stream (\d+) → RST_STREAM \(code 8\)\n/);
  t.match(
    traced,
    /\[wiregrpc\] server stream \d+ ← stream closed: RST_STREAM or connection lost \(code 8\)\n/,
    'the server traces the CANCEL it received',
  );
});

t.test("in process: a stream that waits for a slot under the server's MAX_CONCURRENT_STREAMS", async (t) => {
  enableTracing((text) => {
    traced += text;
  });
  t.teardown(disableTracing);
  const protos = loadProtoSync(['test/protos/echo.proto']);
  const server = new Server({ maxConcurrentStreams: 1 });
  t.teardown(() => server.forceShutdown());
  server.add(protos.service('wiregrpc.test.Echo'), {
    async Unary(request: { text: string; delayMs: number }) {
      await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      return { text: request.text };
    },
  });
  const address = await server.listen('127.0.0.1:0');
  if (!('port' in address)) throw new Error('expected a TCP address');
  const echo = createClient(protos.service('wiregrpc.test.Echo'), `127.0.0.1:${address.port}`);
  t.teardown(() => echo.close());
  await echo.unary({ text: 'warm-up' }); // the connection is up and the server's SETTINGS are known
  traced = '';
  const [a, b] = await Promise.all([
    echo.unary({ text: 'first', delayMs: 50 }),
    echo.unary({ text: 'second', delayMs: 0 }),
  ]);
  t.same([a.text, b.text], ['first', 'second']);
  // Each stream's blocks carry its id, in the order they were on the wire: the second one's HEADERS left
  // only when the first stream closed, and still come before its message.
  t.notMatch(traced, /never opened/);
  const lines = (id: number) =>
    blocks()
      .filter((block) => block.startsWith(`[wiregrpc] client stream ${id} `))
      .map((block) =>
        block
          .split('\n')[0]!
          .replace(/^\[wiregrpc\] client stream \d+ /, '')
          .replace(/:.*/, ''),
      );
  const expected = UNARY_BLOCKS;
  t.same(lines(3), expected, 'the first call, stream 3 (stream 1 was the warm-up)');
  t.same(lines(5), expected, 'the second call, stream 5');
  t.match(
    blocks().find((block) => /^\[wiregrpc\] client stream 5 → DATA/.test(block)),
    /wiregrpc\.test\.EchoRequest \{"text":"second"\}/,
  );
  const server3Done = traced.indexOf('[wiregrpc] server stream 3 → TRAILERS');
  const server5Starts = traced.indexOf('[wiregrpc] server stream 5 ← HEADERS');
  t.ok(server3Done >= 0 && server5Starts > server3Done, 'the server saw the second stream only after the first');

  // A stream cancelled while it waits never reaches the server.
  traced = '';
  const slow = echo.unary({ text: 'slow', delayMs: 300 });
  await t.rejects(echo.unary({ text: 'waits', delayMs: 0 }, { timeout: 50 }), { code: 4 });
  await slow;
  t.notMatch(traced, /server stream \d+ ← HEADERS\n(  .*\n)*  grpc-timeout/, 'the server never saw it');
  if (OWN_H2) {
    // The own HTTP/2 gives a stream its id when it opens: this one never did, and the trace says nothing left.
    t.match(traced, /\[wiregrpc\] client stream \(never opened\) → HEADERS\n/);
    t.match(
      traced,
      /\[wiregrpc\] client stream \(never opened\) → cancelled \(code 8\) before the stream opened: none of it is sent\n/,
    );
  } else {
    // node:http2 (nghttp2) numbers a stream when it is asked for, queued or not, and resets it by that number.
    t.match(traced, /\[wiregrpc\] client stream 9 → HEADERS\n(  .*\n)*  grpc-timeout: /);
    t.match(traced, /\[wiregrpc\] client stream 9 → RST_STREAM \(code 8\)\n/);
  }
});

/** Starts the example userinfo server with WIREGRPC_TRACE=1; resolves its target and a way to read its stderr. */
function tracedServer(): Promise<{ target: string; stderr: () => string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/examples/userinfo/server.js'], {
      env: { ...process.env, WIREGRPC_TRACE: '1', PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const m = /listening on (\S+)/.exec(stdout);
      if (m) resolve({ target: m[1]!, stderr: () => stderr, stop: () => child.kill('SIGKILL') });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
    setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('server did not start'));
    }, 20_000).unref();
  });
}

t.test('WIREGRPC_TRACE=1 in a server process, --trace on the CLI', async (t) => {
  const server = await tracedServer();
  t.teardown(server.stop);
  const r = await wiregrpc([
    'call',
    server.target,
    'proto.UserInfo/GetUserInfo',
    '{"name":"foo"}',
    '--proto',
    'proto/userinfo.proto',
    '--trace',
  ]);
  t.equal(r.code, 0);
  t.equal(r.stdout, '{"id":1,"name":"foo","age":12,"hobby":["eating","sleep"]}\n', 'stdout keeps only the answer');
  t.match(r.stderr, /^\[wiregrpc\] client stream 1 → HEADERS\n/);
  t.match(
    r.stderr,
    /\[wiregrpc\] client stream 1 → DATA message 1: prefix 00 00 00 00 05 \(not compressed, length 5\)\n  proto\.UserRequest \{"name":"foo"\}\n/,
  );
  t.match(r.stderr, /\[wiregrpc\] client stream 1 ← TRAILERS \(END_STREAM\)\n  grpc-status: 0\n/);
  // The server process traced its side of the same call.
  for (let i = 0; i < 50 && !server.stderr().includes('TRAILERS'); i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  const s = server.stderr();
  t.match(s, /\[wiregrpc\] server stream 1 ← HEADERS\n[^]*  :path: \/proto\.UserInfo\/GetUserInfo\n/);
  t.match(
    s,
    /\[wiregrpc\] server stream 1 ← DATA message 1: prefix 00 00 00 00 05 \(not compressed, length 5\)\n  proto\.UserRequest \{"name":"foo"\}\n/,
  );
  t.match(s, /\[wiregrpc\] server stream 1 ← END_STREAM\n/);
  t.match(
    s,
    /\[wiregrpc\] server stream 1 → DATA message 1: prefix 00 00 00 00 18 \(not compressed, length 24\)\n  proto\.UserResponse /,
  );
  t.match(s, /\[wiregrpc\] server stream 1 → TRAILERS \(END_STREAM\)\n  grpc-status: 0\n/);

  // An error status, traced on the way out: the environment variable works for the CLI too.
  const bad = await wiregrpc(
    ['call', server.target, 'proto.UserInfo/GetUserInfo', '{"name":"bar"}', '--proto', 'proto/userinfo.proto'],
    { env: { WIREGRPC_TRACE: '1' } },
  );
  t.equal(bad.code, 2);
  t.match(bad.stderr, /  grpc-status: 2\n  grpc-message: unknown user: name = bar\n/);
  t.match(bad.stderr, /\nUNKNOWN: unknown user: name = bar \(target /, 'the error line still comes last');
});
