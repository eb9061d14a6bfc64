/**
 * grpc.health.v1.Health (src/service/health.ts): Check, Watch, the statuses
 * API and graceful shutdown — with our own client, and with grpcio's client
 * generated from the official health.proto.
 */
import t, { type Test as T } from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Server } from '../../src/service/server.js';
import { createClient } from '../../src/service/client.js';
import { addHealth, Health, HealthService, type HealthCheckResponse } from '../../src/service/health.js';
import {
  PEERS_DIR,
  PYTHON,
  buildGo,
  generatePython,
  goToolchain,
  peerTest,
  pythonToolchain,
  runPeer,
} from '../helpers/peers.js';

const SERVING = 1;
const NOT_SERVING = 2;
const SERVICE_UNKNOWN = 3;

async function start(t: T, statuses?: Parameters<typeof addHealth>[1]) {
  const server = new Server();
  const health = addHealth(server, statuses);
  const address = await server.listen('127.0.0.1:0');
  const target = `127.0.0.1:${'port' in address ? address.port : 0}`;
  const client = createClient(Health, target);
  t.teardown(async () => {
    await client.close();
    server.forceShutdown();
  });
  return { server, health, client, target };
}

/** The next `n` responses of a stream, with a bound on the wait. */
async function take(stream: AsyncIterator<HealthCheckResponse>, n = 1): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const next = await Promise.race([
      stream.next(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no Watch message within 5 s')), 5_000).unref(),
      ),
    ]);
    if (next.done) throw new Error('the Watch stream ended');
    out.push(next.value.status);
  }
  return out;
}

t.test('Check: "" is SERVING from the start; set statuses are answered; unknown is NOT_FOUND', async (t) => {
  const { health, client } = await start(t, { 'proto.UserInfo': 'NOT_SERVING' });
  t.same(await client.check({ service: '' }), { status: SERVING });
  t.same(await client.check({ service: 'proto.UserInfo' }), { status: NOT_SERVING });
  health.setStatus('proto.UserInfo', 'SERVING');
  t.same(await client.Check({ service: 'proto.UserInfo' }), { status: SERVING }, 'after setStatus');
  t.equal(health.getStatus('proto.UserInfo'), 'SERVING');

  const error = await client.check({ service: 'no.Such' }).catch((e: unknown) => e);
  t.type(error, GrpcError);
  t.equal((error as GrpcError).code, Code.NOT_FOUND, 'unknown service → NOT_FOUND');
  t.match((error as GrpcError).rawMessage, /no\.Such/, 'the message names the service');

  health.clearStatus('proto.UserInfo');
  t.equal(health.getStatus('proto.UserInfo'), undefined);
  t.equal(
    (await client.check({ service: 'proto.UserInfo' }).catch((e: GrpcError) => e)).code,
    Code.NOT_FOUND,
    'cleared → NOT_FOUND again',
  );
});

t.test('Watch: the current status at once, then every change; SERVICE_UNKNOWN for unknown services', async (t) => {
  const { health, client } = await start(t);
  const stream = client.watch({ service: 'svc' }, { timeout: 20_000 })[Symbol.asyncIterator]();
  t.same(await take(stream), [SERVICE_UNKNOWN], 'unknown: SERVICE_UNKNOWN, and the stream stays open');
  health.setStatus('svc', 'SERVING');
  t.same(await take(stream), [SERVING]);
  health.setStatus('svc', 'SERVING'); // no change: nothing sent
  health.setStatus('svc', 'NOT_SERVING');
  t.same(await take(stream), [NOT_SERVING], 'a repeated status is not re-sent');
  health.clearStatus('svc');
  t.same(await take(stream), [SERVICE_UNKNOWN], 'cleared → SERVICE_UNKNOWN');

  // Three changes before the watcher runs: it sends the latest, not a backlog.
  health.setStatus('svc', 'SERVING');
  health.setStatus('svc', 'NOT_SERVING');
  health.setStatus('svc', 'UNKNOWN');
  t.same(await take(stream), [0], 'coalesced to the latest (UNKNOWN = 0)');
  await stream.return?.();
});

t.test('Watch ends when the client cancels; shutdown then completes', async (t) => {
  const { server, client } = await start(t);
  const controller = new AbortController();
  const stream = client.watch({ service: '' }, { signal: controller.signal })[Symbol.asyncIterator]();
  t.same(await take(stream), [SERVING]);
  controller.abort();
  const error = await stream.next().catch((e: unknown) => e);
  t.equal((error as GrpcError).code, Code.CANCELLED, 'the client sees CANCELLED');
  // The server-side generator must have noticed: a graceful shutdown waits for nothing.
  await t.resolves(
    Promise.race([
      server.shutdown(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown hung')), 5_000).unref()),
    ]),
    'shutdown completes',
  );
});

t.test('graceful shutdown: every watcher sees NOT_SERVING, then its stream ends OK', async (t) => {
  const { server, health, client } = await start(t, { a: 'SERVING' });
  const whole = client.watch({ service: '' })[Symbol.asyncIterator]();
  const a = client.watch({ service: 'a' })[Symbol.asyncIterator]();
  t.same(await take(whole), [SERVING]);
  t.same(await take(a), [SERVING]);
  const done = server.shutdown();
  t.same(await take(whole), [NOT_SERVING], '"" flips to NOT_SERVING');
  t.same(await take(a), [NOT_SERVING], 'a flips to NOT_SERVING');
  t.same(await whole.next(), { done: true, value: undefined }, 'then the stream ends with OK');
  t.same(await a.next(), { done: true, value: undefined });
  await done;
  health.setStatus('a', 'SERVING');
  t.equal(health.getStatus('a'), 'NOT_SERVING', 'updates are ignored once shut down');
});

t.test('the statuses API without a server', async (t) => {
  const health = new HealthService({ x: 'SERVING' });
  t.equal(health.getStatus(''), 'SERVING');
  t.equal(health.getStatus('x'), 'SERVING');
  t.equal(health.getStatus('y'), undefined);
  t.throws(() => health.setStatus('x', 'SERVICE_UNKNOWN' as any), TypeError, 'SERVICE_UNKNOWN is not settable');
  t.throws(() => health.setStatus('x', 'serving' as any), TypeError);
  t.throws(() => new HealthService({ x: 'BUSY' as any }), TypeError);
  health.shutdown();
  t.equal(health.getStatus('x'), 'NOT_SERVING');
  t.equal(health.getStatus(''), 'NOT_SERVING');
  health.setStatus('x', 'SERVING');
  t.equal(health.getStatus('x'), 'NOT_SERVING', 'ignored while shut down');
  health.resume();
  t.equal(health.getStatus('x'), 'SERVING', 'resume: SERVING again');
  health.setStatus('x', 'NOT_SERVING');
  t.equal(health.getStatus('x'), 'NOT_SERVING', 'updates accepted again');
  t.same(Object.keys(health), [], 'no own enumerable keys: the instance is a valid implementation for server.add');
});

t.test('Server.onShutdown hooks run once, on shutdown or forceShutdown', async (t) => {
  const server = new Server();
  let runs = 0;
  server.onShutdown(() => void runs++);
  await server.listen('127.0.0.1:0');
  await server.shutdown();
  server.forceShutdown();
  t.equal(runs, 1);
  const forced = new Server();
  let forcedRuns = 0;
  forced.onShutdown(async () => void forcedRuns++);
  forced.forceShutdown();
  await new Promise((r) => setImmediate(r));
  t.equal(forcedRuns, 1);
});

// ─── grpcio ──────────────────────────────────────────────────────────────

const PY_CLIENT = join(PEERS_DIR, 'python/health_client.py');
const OFFICIAL_HEALTH = '/usr/share/grpc-proto/grpc/health/v1/health.proto';
const python = pythonToolchain();

peerTest(t, 'grpcio health client → our server: Check', [python], async (t) => {
  const { target } = await start(t, { 'proto.UserInfo': 'SERVING', down: 'NOT_SERVING' });
  const env = { PYTHONPATH: await generatePython([OFFICIAL_HEALTH]) };
  const result = await runPeer(
    PYTHON,
    [PY_CLIENT, '--target', target, 'check', '""', 'proto.UserInfo', 'down', 'nope'],
    { env },
  );
  t.equal(result.code, 0, `exit 0 (stderr: ${result.stderr})`);
  t.same(result.stdout.trim().split('\n'), [
    ': SERVING',
    'proto.UserInfo: SERVING',
    'down: NOT_SERVING',
    'nope: NOT_FOUND: unknown service: nope',
  ]);
  t.comment(`python printed:\n${result.stdout.trim()}`);
});

/** Starts a peer's watch client; `next` resolves with each line it prints. */
function watchPeer(t: T, cmd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((r) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      r(code);
    }),
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`the peer client ended early (stderr: ${stderr})`);
    return line.value;
  };
  return { next, exited, stderr: () => stderr };
}

async function pythonWatch(t: T, target: string, name: string, count: number) {
  const env = { PYTHONPATH: await generatePython([OFFICIAL_HEALTH]) };
  return watchPeer(t, PYTHON, [PY_CLIENT, '--target', target, 'watch', name, '--count', String(count)], env);
}

peerTest(t, 'grpcio health client → our server: Watch sees every change, then cancels', [python], async (t) => {
  const { health, target } = await start(t);
  const watch = await pythonWatch(t, target, 'late.Service', 3);
  const printed: string[] = [];
  printed.push(await watch.next());
  health.setStatus('late.Service', 'SERVING');
  printed.push(await watch.next());
  health.setStatus('late.Service', 'NOT_SERVING');
  printed.push(await watch.next());
  printed.push(await watch.next());
  t.same(printed, ['SERVICE_UNKNOWN', 'SERVING', 'NOT_SERVING', 'cancelled']);
  t.equal(await watch.exited, 0, `exit 0 (stderr: ${watch.stderr()})`);
  t.comment(`python printed: ${printed.join(' | ')}`);
});

peerTest(
  t,
  'grpcio health client → our server: graceful shutdown ends Watch with NOT_SERVING, then OK',
  [python],
  async (t) => {
    const { server, target } = await start(t);
    const watch = await pythonWatch(t, target, '""', 10);
    const printed = [await watch.next()];
    const done = server.shutdown();
    printed.push(await watch.next(), await watch.next());
    t.same(printed, ['SERVING', 'NOT_SERVING', 'end: OK']);
    await done;
    t.equal(await watch.exited, 0, `exit 0 (stderr: ${watch.stderr()})`);
    t.comment(`python printed: ${printed.join(' | ')}`);
  },
);

// ─── grpc-go (its own grpc_health_v1 stubs) ─────────────────────────────

const go = goToolchain();
const goClient = async () =>
  (await buildGo({ protos: [], mains: [join(PEERS_DIR, 'go/health_client')] })).health_client!;

peerTest(t, 'grpc-go health client → our server: Check and Watch', [go], async (t) => {
  const { health, target } = await start(t, { 'proto.UserInfo': 'SERVING' });
  const bin = await goClient();
  const check = await runPeer(bin, ['-target', target, '-check', '"",proto.UserInfo,nope']);
  t.equal(check.code, 0, `exit 0 (stderr: ${check.stderr})`);
  t.same(check.stdout.trim().split('\n'), [
    ': SERVING',
    'proto.UserInfo: SERVING',
    'nope: NotFound: unknown service: nope',
  ]);
  const watch = watchPeer(t, bin, ['-target', target, '-watch', 'late.Service', '-count', '2']);
  const printed = [await watch.next()];
  health.setStatus('late.Service', 'NOT_SERVING');
  printed.push(await watch.next(), await watch.next());
  t.same(printed, ['SERVICE_UNKNOWN', 'NOT_SERVING', 'cancelled']);
  t.equal(await watch.exited, 0, `exit 0 (stderr: ${watch.stderr()})`);
  t.comment(`go printed:\n${check.stdout.trim()}\n${printed.join(' | ')}`);
});
