/**
 * What the fetch-handler runtime suites share (fetch-workerd, fetch-deno, fetch-bun, fetch-browser): the app
 * (fetch-app.ts) built for a runtime, and the calls made to it from Node with the wiregrpc/web client.
 *
 *   prepareApp(t)        a temp dir with the userinfo service generated as a user would —
 *                        `wiregrpc gen userinfo.proto --runtime-import <src/fetch>` (dist/ must be built: the npm
 *                        scripts build first) — and `entryFor(kind)`: a small entry module for a Worker, for
 *                        Deno.serve, for Bun.serve or for a browser's service worker, importing the app and that
 *                        service
 *   startServe(t, …)     Deno or Bun running the bundled entry on 127.0.0.1:0 (it prints `listening on …`)
 *   webCases(t, base)    the calls: unary OK, UNKNOWN with its message, metadata both ways, -text, server
 *                        streaming (streamed, not buffered), the client leaving a stream (the server stops the
 *                        handler), deadlines (the client's, and grpc-timeout enforced by the server), a CORS
 *                        preflight, and refusals (415, UNIMPLEMENTED)
 *
 * A runtime binary that is missing is a skip, and under CI=true a failure (`runtimeMissing`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import type { Test } from 'tap';
import { UserInfo } from '../../examples/userinfo/gen/userinfo.js';
import { createWebClient } from '../../src/web/client.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { spawnPeer, type RunningPeer } from '../helpers/peers.js';
import { Echo } from './browser/echo-service.js';
import { ROOT } from './workerd.js';

const CLI = path.join(ROOT, 'dist/src/cli/main.js');

/** True (after telling `t`) when `what` is not there: a skip, and under CI=true a failure. */
export function runtimeMissing(t: Test, file: string, why: string): boolean {
  if (existsSync(file)) return false;
  if (process.env.CI === 'true') t.fail(why);
  else t.plan(0, why);
  return true;
}

export type EntryKind = 'worker' | 'deno' | 'bun' | 'service-worker';

export interface PreparedApp {
  readonly dir: string;
  /** Writes the entry module for `kind` into the dir; returns its path. */
  entryFor(kind: EntryKind): string;
}

/** The generated service and the entries, in a temp dir removed at teardown. Throws if the CLI is not built. */
export function prepareApp(t: Test): PreparedApp {
  if (!existsSync(CLI))
    throw new Error(`needs ${path.relative(ROOT, CLI)}: run the suite's npm script (it builds first)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'wiregrpc-fetch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const runtime = path.join(ROOT, 'src/fetch/index.js');
  const gen = spawnSync(
    process.execPath,
    [CLI, 'gen', 'userinfo.proto', '-I', 'proto', '--out', dir, '--runtime-import', runtime],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (gen.status !== 0) throw new Error(`wiregrpc gen failed: ${gen.stderr}`);
  const app = JSON.stringify(path.join(ROOT, 'test/runtimes/fetch-app.js'));
  const head = [
    `import { fetchApp } from ${app};`,
    `import { UserInfo } from './userinfo.js';`,
    'const app = fetchApp(UserInfo);',
  ];
  const bodies: Record<EntryKind, string[]> = {
    // A Worker: fetch(request, env, ctx); the env is no FetchRequestInfo, so it is not passed on.
    worker: ['export default { fetch: (request) => app(request) };'],
    // Deno.serve's second argument is its ServeHandlerInfo: the handler reads remoteAddr from it as it is.
    deno: [
      'Deno.serve(',
      "  { hostname: '127.0.0.1', port: 0, onListen: ({ hostname, port }) => console.log(`listening on ${hostname}:${port}`) },",
      '  (request, info) => app(request, info),',
      ');',
    ],
    bun: [
      'const server = Bun.serve({',
      "  hostname: '127.0.0.1',",
      '  port: 0,',
      '  fetch(request, server) {',
      '    const ip = server.requestIP(request);',
      '    return app(request, ip ? { peer: `${ip.address}:${ip.port}` } : undefined);',
      '  },',
      '});',
      'console.log(`listening on 127.0.0.1:${server.port}`);',
    ],
    'service-worker': [
      // A browser's service worker: the gRPC calls of the pages it controls are answered inside the browser.
      'const own = new Set(["/", "/bundle.js", "/sw.js"]);',
      'self.addEventListener("install", () => self.skipWaiting());',
      'self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));',
      'self.addEventListener("fetch", (event) => {',
      '  const url = new URL(event.request.url);',
      '  if (url.origin === self.location.origin && !own.has(url.pathname)) event.respondWith(app(event.request));',
      '});',
    ],
  };
  return {
    dir,
    entryFor(kind) {
      const file = path.join(dir, `${kind}-entry.ts`);
      writeFileSync(file, [...head, ...bodies[kind], ''].join('\n'));
      return file;
    },
  };
}

/** Bundles `entry` (esbuild, ES module, web platform) to `outfile`. */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
  });
}

/** Deno or Bun serving the bundled entry on loopback; stopped at teardown. */
export async function startServe(
  t: Test,
  app: PreparedApp,
  kind: 'deno' | 'bun',
  bin: string,
): Promise<RunningPeer & { url: string }> {
  const out = path.join(app.dir, `${kind}-server.mjs`);
  await bundle(app.entryFor(kind), out);
  const args = kind === 'deno' ? ['run', '--allow-net', out] : [out];
  const peer = await spawnPeer(t, bin, args, {
    env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    timeoutMs: 30_000,
  });
  return Object.assign(peer, { url: `http://127.0.0.1:${peer.port}` });
}

/** The runtime's version line. */
export function versionOf(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } });
  return (r.stdout || r.stderr).split('\n')[0]!.trim();
}

/** How the server saw its calls end, since the last look (fetch-app.ts's GET /outcomes). */
async function outcomes(base: string): Promise<string[]> {
  return (await (await fetch(`${base}/outcomes`)).json()) as string[];
}

/** Polls the server's outcomes (bounded) until one matches; returns what it saw. */
async function waitForOutcome(base: string, pattern: RegExp): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 50; i++) {
    seen.push(...(await outcomes(base)));
    if (seen.some((o) => pattern.test(o))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

async function failure(promise: Promise<unknown>): Promise<GrpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GrpcError) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

/**
 * The calls, from Node, to a fetch handler serving fetch-app.ts at `base`. `peer`: what `ctx.peer` should say
 * there (Deno and Bun tell the client's address; a Worker's fetch is given none).
 */
export async function webCases(t: Test, base: string, peer: RegExp): Promise<void> {
  const users = createWebClient(UserInfo, base);
  const echo = createWebClient(Echo, base);
  await outcomes(base); // start from nothing

  await t.test('unary: the user, and UNKNOWN for another name with its message', async (t) => {
    t.same(await users.getUserInfo({ name: 'foo' }), { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
    const err = await failure(users.getUserInfo({ name: 'bar' }));
    t.equal(err.code, Code.UNKNOWN);
    t.equal(err.rawMessage, 'unknown user: name = bar');
  });

  await t.test('metadata both ways; binary and text', async (t) => {
    for (const format of ['binary', 'text'] as const) {
      let header: Record<string, unknown> = {};
      let trailer: Record<string, unknown> = {};
      const client = createWebClient(Echo, { baseUrl: base, format });
      const reply = await client.unary(
        { text: 'héllo', blob: new Uint8Array([0, 1, 254, 255]) },
        {
          metadata: { 'x-token': 'from-node' },
          onHeader: (md) => (header = md.toJSON()),
          onTrailer: (md) => (trailer = md.toJSON()),
        },
      );
      t.same(reply, { text: 'héllo', index: 0, blob: new Uint8Array([0, 1, 254, 255]) }, format);
      t.same(header['x-token-seen'], ['from-node'], `${format}: request metadata reached the handler`);
      t.same(header['x-echo-header'], ['h'], `${format}: header metadata`);
      t.same(trailer['x-echo-trailer'], ['t'], `${format}: trailer metadata`);
      t.match(trailer['x-peer'], [peer], `${format}: ctx.peer in an interceptor: ${String(trailer['x-peer'])}`);
    }
  });

  await t.test('server streaming: every message in order, then the status', async (t) => {
    const got: string[] = [];
    for await (const reply of echo.stream({ text: 'm', count: 5 })) got.push(reply.text);
    t.same(got, ['m 0', 'm 1', 'm 2', 'm 3', 'm 4']);
    const err = await failure(
      (async () => {
        for await (const reply of echo.stream({ text: 'e', count: 2, code: Code.DATA_LOSS })) got.push(reply.text);
      })(),
    );
    t.equal(err.code, Code.DATA_LOSS, 'an error after messages, in the trailers frame');
    t.same(got.slice(5), ['e 0', 'e 1']);
  });

  await t.test('server streaming streams, and a client that leaves stops the handler', async (t) => {
    // 1000 messages 50 ms apart: only a body that streams hands over the first ones before the test times out.
    const got: number[] = [];
    for await (const reply of echo.stream({ text: 's', count: 1000, delayMs: 50 })) {
      got.push(reply.index);
      if (got.length === 3) break;
    }
    t.same(got, [0, 1, 2]);
    const seen = await waitForOutcome(base, /^stream aborted/);
    t.match(seen, [/^stream aborted: CANCELLED: the client cancelled the call$/], seen.join('; '));
  });

  await t.test('deadline: the client’s, and grpc-timeout enforced by the server itself', async (t) => {
    const err = await failure(echo.unary({ text: 'slow', delayMs: 5000 }, { timeout: 300 }));
    t.equal(err.code, Code.DEADLINE_EXCEEDED);
    await waitForOutcome(base, /^unary aborted/); // (cancelled or past its deadline: whichever the server saw first)
    // No client-side timer: only the server's.
    const response = await fetch(`${base}/wiregrpc.web.Echo/Unary`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'grpc-timeout': '200m' },
      body: frame(
        Echo.methods.Unary!.input.encode({ text: 'slow', count: 0, code: 0, delayMs: 5000, blob: new Uint8Array() }),
      ),
    });
    await response.arrayBuffer();
    t.equal(response.headers.get('grpc-status'), String(Code.DEADLINE_EXCEEDED), 'the server answered');
    t.equal(response.headers.get('grpc-message'), 'deadline exceeded');
    const seen = await waitForOutcome(base, /^unary aborted: DEADLINE_EXCEEDED/);
    t.match(seen, [/^unary aborted: DEADLINE_EXCEEDED: deadline exceeded$/], 'and stopped the handler');
  });

  await t.test('CORS: a preflight gets the grants; answers expose the status and metadata', async (t) => {
    const preflight = await fetch(`${base}/wiregrpc.web.Echo/Unary`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-grpc-web,x-token',
      },
    });
    t.equal(preflight.status, 204);
    t.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
    t.equal(preflight.headers.get('access-control-allow-methods'), 'POST');
    t.match(preflight.headers.get('access-control-allow-headers'), /x-token/);
    const call = await fetch(`${base}/proto.UserInfo/GetUserInfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', origin: 'https://app.example' },
      body: frame(UserInfo.methods.GetUserInfo!.input.encode({ name: 'nobody' })),
    });
    await call.arrayBuffer();
    t.equal(call.headers.get('access-control-allow-origin'), 'https://app.example');
    t.match(call.headers.get('access-control-expose-headers'), /grpc-status, grpc-message, grpc-status-details-bin/);
  });

  await t.test('refusals: 415 for another content-type, UNIMPLEMENTED for an unknown service', async (t) => {
    const plain = await fetch(`${base}/proto.UserInfo/GetUserInfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await plain.arrayBuffer();
    t.equal(plain.status, 415);
    const unknown = await fetch(`${base}/nope.Service/Method`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto' },
      body: frame(new Uint8Array()),
    });
    await unknown.arrayBuffer();
    t.equal(unknown.headers.get('grpc-status'), String(Code.UNIMPLEMENTED));
    t.equal(unknown.headers.get('grpc-message'), 'unknown service nope.Service (/nope.Service/Method)');
  });
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}
