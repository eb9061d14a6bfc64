// gRPC-Web in a real browser: Debian's Chromium (headless, through playwright-core) loads a page bundled by
// esbuild from test/runtimes/browser/page.ts — src/web's fetch client, the Echo test service, and code that
// `wiregrpc gen --runtime-import src/web/index.js` writes into a temp dir — and calls a wiregrpc server on
// another port (cross-origin: CORS for real). `npm run test:browser` (builds dist/ first, for the CLI).
// Without /usr/bin/chromium (or $CHROMIUM) this is a skip, and under CI=true a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { UserInfo, type UserResponse } from '../../examples/userinfo/gen/userinfo.js';
import { Server } from '../../src/service/server.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { makeCerts } from '../helpers/certs.js';
import { canon, fromHex, fromTyped, loadCases, ROOT } from '../golden/values.js';
import { Echo } from './browser/echo-service.js';
import { echoImplementation, outcomes } from './browser/echo-server.js';
import type { GoldenInput } from './browser/page.js';
import { expectErrors, expectStreamed } from './browser/page-expectations.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CLI = path.join(ROOT, 'dist/src/cli/main.js');

function missing(why: string): void {
  if (process.env.CI === 'true') t.fail(why);
  else t.plan(0, why); // a skip
}

if (!existsSync(CHROMIUM)) {
  missing(`needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
} else if (!existsSync(CLI)) {
  missing(`needs ${path.relative(ROOT, CLI)}: run \`npm run test:browser\` (it builds first)`);
} else {
  await main();
}

async function main(): Promise<void> {
  // 1. Generated code for the web runtime, and the page bundle.
  const dir = mkdtempSync(path.join(tmpdir(), 'wiregrpc-browser-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const runtime = path.join(ROOT, 'src/web/index.js');
  const gen = spawnSync(
    process.execPath,
    [
      CLI,
      'gen',
      'userinfo.proto',
      'golden.proto',
      'wkt.proto',
      '-I',
      'proto',
      '-I',
      'test/protos',
      '--out',
      dir,
      '--runtime-import',
      runtime,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (gen.status !== 0) throw new Error(`wiregrpc gen failed: ${gen.stderr}`);
  const entry = path.join(dir, 'entry.ts');
  writeFileSync(
    entry,
    [
      `import { install } from ${JSON.stringify(path.join(ROOT, 'test/runtimes/browser/page.js'))};`,
      `import * as userinfo from './userinfo.js';`,
      `import * as golden from './golden.js';`,
      `import * as wkt from './wkt.js';`,
      `install([userinfo, golden, wkt], userinfo.UserInfo);`,
    ].join('\n'),
  );
  const built = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const bundle = built.outputFiles[0]!.text;

  // 2. The page's origin and the gRPC servers (one allowing that origin, one allowing none).
  const pages = http.createServer((req, res) => {
    if (req.url === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><meta charset="utf-8"><title>wiregrpc</title><script type="module" src="/bundle.js"></script>',
        );
    }
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => pages.close(() => resolve())));
  const origin = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;

  const users = new Map<string, UserResponse>([['foo', { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] }]]);
  const start = async (origins: string[], own?: { tls: { key: Buffer; cert: Buffer } }) => {
    const server = new Server({
      grpcWeb: { origins },
      ...(own === undefined ? {} : { transport: 'wiregrpc' as const }),
    });
    server.add(Echo, echoImplementation);
    server.add(UserInfo, {
      async getUserInfo(request) {
        const user = users.get(request.name);
        if (!user) throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${request.name}`);
        return user;
      },
    });
    const { port } = (await server.listen('127.0.0.1:0', own)) as { port: number };
    t.teardown(() => server.forceShutdown());
    return own === undefined ? `http://127.0.0.1:${port}` : `https://localhost:${port}`;
  };
  const base = await start([origin]);
  const closedBase = await start([]);
  // gRPC-Web over HTTP/2: TLS (ALPN h2, the test CA's certificate for localhost), on wiregrpc's own HTTP/2.
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const h2Base = await start([origin], { tls: { key: certs.serverKey, cert: certs.serverCert } });

  // 3. The browser.
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--ignore-certificate-errors', // the TLS server's certificate is from a throwaway test CA
      ],
    });
  } catch (err) {
    return missing(`Chromium at ${CHROMIUM} does not start: ${(err as Error).message.split('\n')[0]}`);
  }
  t.teardown(() => browser.close());
  const page: Page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (globalThis as { wiregrpcTests?: unknown }).wiregrpcTests !== undefined, undefined, {
    timeout: 10_000,
  });
  t.comment(`browser: ${browser.version()}`);
  const run = <R>(name: string, ...args: unknown[]): Promise<R> =>
    page.evaluate(([n, a]) => (globalThis as any).wiregrpcTests[n as string](...(a as unknown[])), [
      name,
      args,
    ] as const) as Promise<R>;

  // (No assertion before this point: tap would take the root test for finished and run the teardowns.)
  t.test('the page bundle holds no Node module', async (t) => {
    t.notMatch(bundle, /from ["']node:|require\(["']/);
    t.comment(`page bundle: ${(bundle.length / 1024).toFixed(1)} KiB unminified`);
  });

  t.test('unary: generated UserInfo, Echo with metadata both ways, text format', async (t) => {
    const r = await run<any>('unary', base);
    t.same(r.user, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
    t.same(r.reply, { text: 'héllo 😀', blob: [0, 1, 254, 255] });
    t.same(r.header['x-echo-header'], ['h'], 'response header metadata readable (exposed by CORS)');
    t.same(r.header['x-token-seen'], ['from-the-page'], 'request metadata passed the preflight');
    t.same(r.trailer['x-echo-trailer'], ['t'], 'trailer metadata from the trailers frame');
    t.equal(r.text, 'as text', 'application/grpc-web-text');
  });

  for (const format of ['binary', 'text'] as const) {
    t.test(`server-streaming (${format}): messages arrive one by one through the body reader`, async (t) => {
      const r = await run<{ got: string[]; times: number[] }>('stream', base, format);
      t.same(r.got, ['0:m 0', '1:m 1', '2:m 2', '3:m 3', '4:m 4']);
      t.ok(r.times[4]! - r.times[0]! >= 300, `spread over time, not buffered: ${r.times.join(', ')} ms`);
    });
  }

  t.test("over TLS and HTTP/2 (ALPN h2) on wiregrpc's own HTTP/2: unary and server-streaming", async (t) => {
    // The protocol of each response, as Chromium's network stack reports it (DevTools protocol).
    const cdp = await page.context().newCDPSession(page);
    const protocols: string[] = [];
    cdp.on('Network.responseReceived', (e: { response: { url: string; protocol?: string } }) => {
      if (e.response.url.startsWith(h2Base)) protocols.push(e.response.protocol ?? '?');
    });
    await cdp.send('Network.enable');
    const r = await run<any>('unary', h2Base);
    t.same(r.user, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
    t.same(r.trailer['x-echo-trailer'], ['t'], 'trailer metadata from the trailers frame');
    const s = await run<{ got: string[]; times: number[] }>('stream', h2Base, 'binary');
    expectStreamed(t, s, 'the server');
    await cdp.detach();
    const calls = protocols.filter((p) => p !== '?');
    t.ok(calls.length > 0 && calls.every((p) => p === 'h2'), `the browser spoke HTTP/2: ${protocols.join(', ')}`);
  });

  t.test('errors: code, message and metadata reach the page', async (t) => {
    const r = await run<any>('errors', base);
    expectErrors(t, r);
  });

  t.test('deadline: DEADLINE_EXCEEDED on time', async (t) => {
    outcomes.length = 0;
    const r = await run<any>('deadline', base);
    t.equal(r.code, Code.DEADLINE_EXCEEDED);
    t.ok(r.ms >= 250 && r.ms < 2000, `after ${r.ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.ok(
      outcomes.some((o) => o.startsWith('unary aborted')),
      'the handler was stopped (grpc-timeout reached the server)',
    );
  });

  t.test('cancel: AbortSignal and an early break end the call at the server too', async (t) => {
    outcomes.length = 0;
    const r = await run<any>('cancel', base);
    t.equal(r.error?.code, Code.CANCELLED);
    t.ok(r.seen > 0 && r.seen < 100, `${r.seen} messages before the cancel`);
    t.equal(r.broke, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.equal(outcomes.filter((o) => o.startsWith('stream aborted')).length, 2, outcomes.join('; '));
  });

  t.test('CORS: a server that allows no origin is unreadable from the page', async (t) => {
    const r = await run<any>('blocked', closedBase);
    t.equal(r.code, Code.UNAVAILABLE, `the browser refused: ${r.message}`);
  });

  t.test('golden codec fixtures round-trip inside the page', async (t) => {
    const protos = loadProtoSync(['userinfo.proto', 'golden.proto', 'wkt.proto'], {
      includeDirs: [path.join(ROOT, 'proto'), path.join(ROOT, 'test/protos')],
    });
    const inputs: GoldenInput[] = [];
    const expected = new Map<string, { value: unknown; hex: string | undefined }>();
    for (const file of ['userinfo.json', 'golden.json', 'decode.json', 'wkt.json']) {
      for (const c of loadCases(file)) {
        const value = canon(fromTyped(protos.message(c.type), c.value!));
        inputs.push({ name: `${file}: ${c.name}`, type: c.type, hex: c.hex! });
        expected.set(`${file}: ${c.name}`, { value, hex: c.hex! });
        if (c.input !== undefined) {
          inputs.push({ name: `${file}: ${c.name} (input)`, type: c.type, hex: c.input });
          // Re-encoding a hand-made input keeps what the schema does not know (unknown fields are kept), so only
          // the decoded value is Python's here, as in test/wire/proto/golden.test.ts.
          expected.set(`${file}: ${c.name} (input)`, { value, hex: undefined });
        }
      }
    }
    const errors = loadCases('errors.json');
    for (const c of errors) inputs.push({ name: `errors.json: ${c.name}`, type: c.type, hex: c.input!, error: true });
    const results = await run<any[]>('golden', inputs);
    t.equal(results.length, inputs.length);
    let passed = 0;
    for (const r of results) {
      const want = expected.get(r.name);
      if (want === undefined) {
        if (r.error?.name === 'ProtoError' && r.error.kind === 'decode') passed++;
        else t.fail(`${r.name}: should fail with ProtoError('decode'), got ${JSON.stringify(r)}`);
      } else if (JSON.stringify(r.value) !== JSON.stringify(want.value)) {
        t.same(r.value, want.value, `${r.name}: decode(Python bytes) is the value`);
      } else if (want.hex !== undefined && r.hex !== want.hex) {
        t.equal(r.hex, want.hex, `${r.name}: encode is Python's bytes`);
      } else {
        passed++;
      }
    }
    t.equal(passed, inputs.length, `${passed} of ${inputs.length} fixtures (${errors.length} invalid inputs refused)`);
    t.ok(fromHex('00').length === 1);
  });

  t.test('measured in the page (reported, not asserted)', async (t) => {
    const m = await run<any>('measure', base, 200, 2000);
    t.comment(`unary over HTTP/1.1 keep-alive, sequential: p50 ${m.p50.toFixed(2)} ms, p90 ${m.p90.toFixed(2)} ms`);
    t.comment(`server-streaming, 100-byte messages: ${m.n} in one call, ${m.perSecond} messages/s`);
    t.equal(m.n, 2000);
  });

  t.test('the page threw nothing', async (t) => {
    t.same(pageErrors, []);
  });
}
