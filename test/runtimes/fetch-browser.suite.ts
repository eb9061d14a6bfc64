// gRPC-Web from a real browser to the fetch handler: Debian's Chromium (headless, through playwright-core) loads the
// page of browser.suite.ts (test/runtimes/browser/page.ts — src/web's fetch client, the Echo service, UserInfo
// generated with `--runtime-import src/web/index.js`) from one origin and calls a Worker in workerd (fetch-app.ts:
// wiregrpc/fetch, no compatibility flags) on another: CORS preflights for real, streaming through the body reader,
// deadlines and cancels seen by the Worker. Then the same handler inside the browser itself, as a service worker
// answering the gRPC calls of the page it controls. `npm run test:fetch` (builds dist/ first, for the CLI).
// Without /usr/bin/chromium (or $CHROMIUM) or workerd this is a skip, and under CI=true a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import t from 'tap';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { Code } from '../../src/wire/grpc/code.js';
import { prepareApp, runtimeMissing } from './fetch-runtimes.js';
import { expectErrors, expectStreamed } from './browser/page-expectations.js';
import { ROOT, startWorkerd, workerdMissing } from './workerd.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

if (
  !runtimeMissing(t, CHROMIUM, `needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`) &&
  !workerdMissing(t)
) {
  await main();
}

/** An origin serving the page (and `sw`, the service worker, at /sw.js); closed at teardown. */
async function servePages(bundle: string, sw: string | undefined): Promise<string> {
  const pages = http.createServer((req, res) => {
    if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    else if (req.url === '/sw.js' && sw !== undefined)
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(sw);
    else
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><meta charset="utf-8"><title>wiregrpc</title><script type="module" src="/bundle.js"></script>',
        );
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => pages.close(() => resolve())));
  return `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
}

async function main(): Promise<void> {
  // 1. The Worker, and the page bundle (its own generated code, for the web client).
  const app = prepareApp(t);
  const worker = await startWorkerd(t, { entry: app.entryFor('worker') });
  const web = path.join(app.dir, 'web');
  const gen = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'dist/src/cli/main.js'),
      'gen',
      'userinfo.proto',
      '-I',
      'proto',
      '--out',
      web,
      '--runtime-import',
      path.join(ROOT, 'src/web/index.js'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (gen.status !== 0) throw new Error(`wiregrpc gen failed: ${gen.stderr}`);
  const entry = path.join(web, 'entry.ts');
  writeFileSync(
    entry,
    [
      `import { install } from ${JSON.stringify(path.join(ROOT, 'test/runtimes/browser/page.js'))};`,
      `import * as userinfo from './userinfo.js';`,
      `install([userinfo], userinfo.UserInfo);`,
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

  // 2. The page's origin, and another whose pages a service worker running the fetch handler controls.
  const sw = await esbuild.build({
    entryPoints: [app.entryFor('service-worker')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const origin = await servePages(bundle, undefined);
  const swOrigin = await servePages(bundle, sw.outputFiles[0]!.text);

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
      ],
    });
  } catch (err) {
    if (process.env.CI === 'true') t.fail(`Chromium does not start: ${(err as Error).message}`);
    else t.plan(0, `Chromium at ${CHROMIUM} does not start: ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (globalThis as { wiregrpcTests?: unknown }).wiregrpcTests !== undefined, undefined, {
    timeout: 10_000,
  });
  t.comment(`browser: ${browser.version()}; page ${origin}; Worker ${worker.url}`);
  const run = <R>(name: string, ...args: unknown[]): Promise<R> =>
    page.evaluate(([n, a]) => (globalThis as any).wiregrpcTests[n as string](...(a as unknown[])), [
      name,
      args,
    ] as const) as Promise<R>;
  const base = worker.url;
  const outcomes = async (): Promise<string[]> => (await (await fetch(`${base}/outcomes`)).json()) as string[];
  const waitFor = async (pattern: RegExp, count: number): Promise<string[]> => {
    const seen: string[] = [];
    for (let i = 0; i < 50 && seen.filter((o) => pattern.test(o)).length < count; i++) {
      seen.push(...(await outcomes()));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return seen;
  };

  t.test('unary from the page: generated UserInfo, Echo with metadata both ways (CORS), text format', async (t) => {
    const r = await run<any>('unary', base);
    t.same(r.user, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
    t.same(r.reply, { text: 'héllo 😀', blob: [0, 1, 254, 255] });
    t.same(r.header['x-echo-header'], ['h'], 'response metadata readable: exposed by the Worker');
    t.same(r.header['x-token-seen'], ['from-the-page'], 'request metadata passed the preflight');
    t.same(r.trailer['x-echo-trailer'], ['t'], 'trailer metadata from the trailers frame');
    t.equal(r.text, 'as text', 'application/grpc-web-text');
  });

  for (const format of ['binary', 'text'] as const) {
    t.test(`server streaming (${format}): the messages arrive one by one`, async (t) => {
      const r = await run<{ got: string[]; times: number[] }>('stream', base, format);
      expectStreamed(t, r, 'the Worker');
    });
  }

  t.test('errors: UNKNOWN for another user, a status after messages with its metadata', async (t) => {
    const r = await run<any>('errors', base);
    expectErrors(t, r);
  });

  t.test('deadline: DEADLINE_EXCEEDED in the page, and the Worker stopped the handler', async (t) => {
    await outcomes();

    const r = await run<any>('deadline', base);
    t.equal(r.code, Code.DEADLINE_EXCEEDED);
    const seen = await waitFor(/^unary aborted/, 1);
    t.ok(
      seen.some((o) => o.startsWith('unary aborted')),
      seen.join('; '),
    );
  });

  t.test('cancel: an AbortSignal and an early break end the call in the Worker too', async (t) => {
    await outcomes();

    const r = await run<any>('cancel', base);
    t.equal(r.error?.code, Code.CANCELLED);
    t.ok(r.seen > 0 && r.seen < 100, `${r.seen} messages before the cancel`);
    t.equal(r.broke, 2);
    const seen = await waitFor(/^stream aborted/, 2);
    t.equal(seen.filter((o) => o.startsWith('stream aborted')).length, 2, seen.join('; '));
  });

  t.test('a service worker: the fetch handler inside the browser answers the page', async (t) => {
    const swPage = await browser.newPage();
    swPage.on('pageerror', (err) => pageErrors.push(String(err)));
    await swPage.goto(`${swOrigin}/`);
    await swPage.evaluate(async () => {
      await (globalThis as any).navigator.serviceWorker.register('/sw.js');
      await (globalThis as any).navigator.serviceWorker.ready;
      for (let i = 0; i < 100 && (globalThis as any).navigator.serviceWorker.controller === null; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
    });
    t.ok(
      await swPage.evaluate(() => (globalThis as any).navigator.serviceWorker.controller !== null),
      'the page is controlled',
    );
    await swPage.waitForFunction(() => (globalThis as { wiregrpcTests?: unknown }).wiregrpcTests !== undefined);
    const inPage = <R>(name: string, ...args: unknown[]): Promise<R> =>
      swPage.evaluate(([n, a]) => (globalThis as any).wiregrpcTests[n as string](...(a as unknown[])), [
        name,
        args,
      ] as const) as Promise<R>;
    const u = await inPage<any>('unary', swOrigin);
    t.same(u.user, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] }, 'unary: the generated UserInfo');
    t.same(u.header['x-token-seen'], ['from-the-page'], 'metadata both ways');
    t.equal(u.text, 'as text', 'application/grpc-web-text');
    for (const format of ['binary', 'text'] as const) {
      const r = await inPage<{ got: string[]; times: number[] }>('stream', swOrigin, format);
      t.same(r.got, ['0:m 0', '1:m 1', '2:m 2', '3:m 3', '4:m 4'], `streaming (${format})`);
      t.ok(r.times[4]! - r.times[0]! >= 300, `${format}: streamed, not buffered: ${r.times.join(', ')} ms`);
    }
    const e = await inPage<any>('errors', swOrigin);
    t.same(e.unknownUser, { code: Code.UNKNOWN, message: 'unknown user: name = nobody', name: 'GrpcError' });
    const d = await inPage<any>('deadline', swOrigin);
    t.equal(d.code, Code.DEADLINE_EXCEEDED);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen = await swPage.evaluate(async (base) => (await fetch(`${base}/outcomes`)).json(), swOrigin);
    t.ok(
      (seen as string[]).some((o) => o.startsWith('unary aborted')),
      `the handler was stopped: ${String(seen)}`,
    );
    const c = await inPage<any>('cancel', swOrigin);
    t.equal(c.error?.code, Code.CANCELLED);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cancelled = await swPage.evaluate(async (base) => (await fetch(`${base}/outcomes`)).json(), swOrigin);
    t.equal(
      (cancelled as string[]).filter((o) => o.startsWith('stream aborted: CANCELLED')).length,
      2,
      `an AbortSignal and an early break in the page stop the handler in the service worker: ${String(cancelled)}`,
    );
    await swPage.close();
  });

  t.test('the page threw nothing, the Worker logged no error', async (t) => {
    t.same(pageErrors, []);
    t.notMatch(worker.output(), /Uncaught|TypeError|ReferenceError/);
  });
}
