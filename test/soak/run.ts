/**
 * The soak: a mixed load against one server process for a while, then a leak check.
 *
 *   npm run soak -- --seconds 600 [--clients 4] [--workers 8] [--children 2]
 *
 * - The server is test/hostile/fault-server.ts in its own process, run with
 *   --expose-gc so that it can be asked (over IPC) to collect and report memory.
 * - Load: `--clients` Channel objects in this process and `--children` child
 *   processes with one each, `--workers` concurrent call loops per client, all
 *   four call shapes, some cancelled midway, some with deadlines that may expire
 *   (up to 25 a second per client: see load.ts). Any other error is unexpected.
 * - Leak check: a warm-up (a quarter of the time, at least 5 s), the load stopped,
 *   the server collected and measured; then the main run, stopped, collected,
 *   measured again. Heap and RSS after the run must stay within a few percent of
 *   their level after warm-up (limits below; small absolute slack for noise).
 *
 * Prints a report and one `SOAK_RESULT {json}` line; exits non-zero on any
 * unexpected error or a growth over the limits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { addResults, emptyResult, makeClient, runLoad, type LoadResult } from './load.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.resolve(HERE, '../hostile/fault-server.js');
const LOAD = path.resolve(HERE, 'load.js');

/** After GC, growth allowed between warm-up and the end: a fraction plus an absolute slack. */
export const LIMITS = { heap: { fraction: 0.05, slackMiB: 1 }, rss: { fraction: 0.1, slackMiB: 8 } };

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function request<T>(child: ChildProcess, message: unknown, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (m[key] === undefined) return;
      child.off('message', onMessage);
      resolve(m[key] as T);
    };
    child.on('message', onMessage);
    child.once('exit', () => reject(new Error(`process ${child.pid} exited`)));
    child.send(message as never);
  });
}

function localGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    for (let i = 0; i < 4; i++) gc();
  };
}

function withinMs(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

const MiB = 2 ** 20;
const mib = (n: number) => (n / MiB).toFixed(1);

async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const clients = arg('clients', 4);
  const workers = arg('workers', 8);
  const children = arg('children', 2);
  const warmupMs = Math.max(5000, seconds * 250);
  const mainMs = Math.max(1000, seconds * 1000 - warmupMs);

  const server = fork(SERVER, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.once('data', (c: Buffer) =>
      resolve((JSON.parse(c.toString().split('\n')[0]!) as { port: number }).port),
    );
    server.once('exit', () => reject(new Error('the server exited')));
  });
  const loaders = await Promise.all(
    Array.from({ length: children }, async (_, i) => {
      const child = fork(
        LOAD,
        ['--soak-child', '--port', String(port), '--workers', String(workers), '--seed', String(100 + i)],
        { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
      );
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      return child;
    }),
  );
  const locals = Array.from({ length: clients }, () => makeClient(port));
  const gc = localGc();

  const phase = async (ms: number, seedBase: number): Promise<LoadResult> => {
    const until = Date.now() + ms;
    const results = await Promise.all([
      ...locals.map(({ client }, i) => runLoad(client, workers, until, seedBase + i)),
      ...loaders.map((child) => request<LoadResult>(child, { runMs: ms }, 'result')),
    ]);
    return results.reduce(addResults, emptyResult());
  };
  const measure = async (): Promise<{ server: Memory; client: Memory }> => {
    await new Promise((r) => setTimeout(r, 200)); // let cancelled streams finish closing
    gc();
    return { server: await request<Memory>(server, 'gc', 'memory'), client: process.memoryUsage() };
  };

  console.log(
    `soak: ${seconds} s against 127.0.0.1:${port}; ${clients} clients here + ${children} child processes, ${workers} workers each`,
  );
  const started = Date.now();
  const warm = await phase(warmupMs, 1);
  const atWarm = await measure();
  console.log(
    `warm-up: ${warm.calls} calls in ${(warmupMs / 1000).toFixed(0)} s; server RSS ${mib(atWarm.server.rss)} MiB, heap ${mib(atWarm.server.heapUsed)} MiB`,
  );
  console.log(`main run: ${(mainMs / 1000).toFixed(0)} s`);
  const run = await phase(mainMs, 1000);
  const atEnd = await measure();
  const stats = await request<Record<string, unknown>>(server, 'stats', 'stats');
  const total = addResults(addResults(emptyResult(), warm), run);

  // Closing must not hang: a channel that never closes, or a server whose graceful
  // shutdown never ends, means a call that never finished — a leak of its own kind.
  const closing = Date.now();
  for (const child of loaders) child.send({ exit: true });
  const closedChannels = await withinMs(Promise.all(locals.map(({ channel }) => channel.close())), 10_000);
  server.send('shutdown');
  const serverClosed = await withinMs(new Promise<void>((resolve) => server.once('exit', () => resolve())), 10_000);
  const loadersClosed = await withinMs(
    Promise.all(loaders.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r)))),
    10_000,
  );
  if (!serverClosed) server.kill('SIGKILL');
  for (const c of loaders) if (c.exitCode === null) c.kill('SIGKILL');
  const closedCleanly = closedChannels && serverClosed && loadersClosed;
  console.log(
    `close: channels ${closedChannels ? 'closed' : 'STUCK'}, server ${serverClosed ? 'shut down' : 'STUCK'}, load processes ${loadersClosed ? 'exited' : 'STUCK'} (${Date.now() - closing} ms)`,
  );

  const growth = (a: number, b: number) => (b - a) / a;
  const within = (a: number, b: number, limit: { fraction: number; slackMiB: number }) =>
    b <= a * (1 + limit.fraction) + limit.slackMiB * MiB;
  const heapOk = within(atWarm.server.heapUsed, atEnd.server.heapUsed, LIMITS.heap);
  const rssOk = within(atWarm.server.rss, atEnd.server.rss, LIMITS.rss);
  const clientHeapOk = within(atWarm.client.heapUsed, atEnd.client.heapUsed, LIMITS.heap);
  const seconds_ = (Date.now() - started) / 1000;
  const summary = {
    seconds: seconds_,
    calls: total.calls,
    callsPerSecond: Math.round(total.calls / seconds_),
    ok: total.ok,
    cancelled: total.cancelled,
    deadlineExceeded: total.deadlineExceeded,
    unexpected: total.unexpected,
    byShape: total.byShape,
    samples: total.samples,
    server: {
      warm: { rss: atWarm.server.rss, heapUsed: atWarm.server.heapUsed },
      end: { rss: atEnd.server.rss, heapUsed: atEnd.server.heapUsed },
      rssGrowth: growth(atWarm.server.rss, atEnd.server.rss),
      heapGrowth: growth(atWarm.server.heapUsed, atEnd.server.heapUsed),
      handlerCalls: (stats as { calls?: unknown }).calls,
    },
    client: {
      warm: { rss: atWarm.client.rss, heapUsed: atWarm.client.heapUsed },
      end: { rss: atEnd.client.rss, heapUsed: atEnd.client.heapUsed },
      heapGrowth: growth(atWarm.client.heapUsed, atEnd.client.heapUsed),
    },
    limits: LIMITS,
    closedCleanly,
    pass: total.unexpected === 0 && heapOk && rssOk && clientHeapOk && closedCleanly,
  };
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
  console.log(
    `calls: ${summary.calls} (${summary.callsPerSecond}/s) — ok ${summary.ok}, cancelled ${summary.cancelled}, deadline exceeded ${summary.deadlineExceeded}, unexpected ${summary.unexpected}`,
  );
  console.log(
    `shapes: ${Object.entries(summary.byShape)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(
    `server RSS   ${mib(atWarm.server.rss)} → ${mib(atEnd.server.rss)} MiB (${pct(summary.server.rssGrowth)})${rssOk ? '' : '  OVER THE LIMIT'}`,
  );
  console.log(
    `server heap  ${mib(atWarm.server.heapUsed)} → ${mib(atEnd.server.heapUsed)} MiB (${pct(summary.server.heapGrowth)})${heapOk ? '' : '  OVER THE LIMIT'}`,
  );
  console.log(
    `client heap  ${mib(atWarm.client.heapUsed)} → ${mib(atEnd.client.heapUsed)} MiB (${pct(summary.client.heapGrowth)})${clientHeapOk ? '' : '  OVER THE LIMIT'}; client RSS ${mib(atWarm.client.rss)} → ${mib(atEnd.client.rss)} MiB`,
  );
  for (const s of summary.samples) console.log(`  unexpected: ${s}`);
  console.log(`SOAK_RESULT ${JSON.stringify(summary)}`);
  process.exit(summary.pass ? 0 : 1);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
