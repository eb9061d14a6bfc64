// The wire tracer (src/http2/trace.ts): every header block and every message,
// both directions, both sides — in process (enableTracing with a sink) and as
// users turn it on: WIREGRPC_TRACE=1 for any process, `wiregrpc call --trace`.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createClient, defineService, loadProtoSync } from '../../src/service/index.js';
import { disableTracing, enableTracing, tracing } from '../../src/http2/trace.js';
import { killChildren, wiregrpc } from './spawn-cli.js';
import { protos as protosLoadedBeforeTracing, startServer } from './test-server.js';

t.teardown(killChildren);

// Defined while tracing is off, and never while it is on: the tracer cannot know its types.
const Opaque = defineService('trace.test.Opaque', [
  {
    name: 'Call',
    shape: 'unary',
    input: protosLoadedBeforeTracing.message('proto.UserRequest'),
    output: protosLoadedBeforeTracing.message('proto.UserRequest'),
  },
]);

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
  t.same(order, [
    '→ HEADERS',
    '→ DATA message 1',
    '→ END_STREAM (half-close',
    '← HEADERS',
    '← DATA message 1',
    '← TRAILERS (END_STREAM)',
  ]);
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
