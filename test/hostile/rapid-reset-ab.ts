/**
 * The distributed rapid reset, A/B, with the server in a process of its own
 * (its CPU time and memory are its own; the attacker and the probes run here):
 *
 *   npm run build && node dist/test/hostile/rapid-reset-ab.js [--rounds N] [TREE...]
 *
 * For each TREE (a checkout with dist/ built; default: this one), two servers:
 * the reset budget off (`maxResetsPerSecond: Infinity`, what the server did
 * before it existed) and at its default (1000). And once per round the floor:
 * a bare node:http2 server whose 'stream' handler only closes each attacking
 * stream (RST_STREAM(CANCEL), the cheapest close) — what node:http2 itself
 * costs per stream (nghttp2's stream, the Http2Stream, the 'stream' event),
 * which no server above it can avoid. (`--floors`: also with
 * RST_STREAM(REFUSED_STREAM), with a Trailers-Only status (UNAVAILABLE), and
 * with a handler that does nothing at all, the attacker's own reset closing
 * each stream; `--floors-only`: those alone.) Rounds alternate the order.
 *
 * Attack: 10 connections × 900 streams, each a whole Echo "hang" request (a
 * call that runs until cancelled), reset 20 ms after it was sent, 50 streams
 * per connection per round. Meanwhile a normal unary call on a fresh
 * connection every 10 ms, open loop (not waiting for the one before). Prints,
 * per run: the normal calls' median and worst
 * latency, how many attacking connections were sent away (GOAWAY
 * ENHANCE_YOUR_CALM), the server's RSS growth (peak, sampled with each probe)
 * and its CPU time from the attack's start to 300 ms after its end.
 * RAPID_RESET_NODE_FLAGS are given to the servers' node (e.g. "--cpu-prof").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { encodeRequest, PATHS } from './echo-service.js';
import { grpcFrame } from './raw-client.js';
import { Flag, FrameType, grpcRequestFields, h2frame, headerBlock, RawH2 } from './raw-h2.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** This checkout: dist/test/hostile → the root. */
const OWN_TREE = resolve(HERE, '..', '..', '..');
/** The normal calls carry it; the floor server answers them and closes everything else. */
const PROBE_HEADER = 'x-probe';

// ─── The server side (a child process) ──────────────────────────────────────

async function serve(what: string, budget: number): Promise<void> {
  let port: number;
  if (what.startsWith('floor')) {
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      if (headers[PROBE_HEADER] !== undefined) {
        stream.on('error', noop);
        const ok = { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' };
        return stream.respond(ok, { endStream: true });
      }
      // floor: RST_STREAM(CANCEL), as the server refuses (server-connection.ts shedStream). floor-refused:
      // RST_STREAM(REFUSED_STREAM), which node reports back as the stream's 'error'. floor-status: Trailers-Only
      // UNAVAILABLE. floor-none: nothing — the attacker's own reset closes the stream.
      if (what === 'floor-none') return;
      if (what === 'floor') return stream.close(http2.constants.NGHTTP2_CANCEL);
      stream.on('error', noop);
      if (what === 'floor-refused') return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      const unavailable = { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' };
      stream.respond(unavailable, { endStream: true });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as { port: number }).port;
  } else {
    const { Server } = (await import(
      join(what, 'dist', 'src', 'service', 'server.js')
    )) as typeof import('../../src/service/server.js');
    const echo = (await import(
      join(what, 'dist', 'test', 'hostile', 'echo-service.js')
    )) as typeof import('./echo-service.js');
    const server = new Server({ maxResetsPerSecond: budget });
    server.add(echo.Echo, echo.echoImpl());
    port = (await server.listen('127.0.0.1:0')).port;
  }
  process.on('SIGTERM', () => process.exit(0)); // an orderly exit: `node --cpu-prof` writes its profile
  process.stdout.write(`READY ${JSON.stringify({ port })}\n`);
}

function noop(): void {}

// ─── The attacker and the probes ────────────────────────────────────────────

interface Child {
  child: ChildProcess;
  port: number;
}

function start(what: string, budget: number): Promise<Child> {
  const flags = process.env.RAPID_RESET_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...flags, fileURLToPath(import.meta.url), '--serve', what, String(budget)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what}: no READY in 20 s`)), 20_000);
    child.once('exit', (code) => fail(new Error(`${what}: exited ${code} before READY`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      ok({ child, port: (JSON.parse(line.slice(6)) as { port: number }).port });
    });
  });
}

async function stop(c: Child): Promise<void> {
  if (c.child.exitCode !== null) return;
  const gone = new Promise((ok) => c.child.once('exit', ok));
  c.child.kill('SIGTERM');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, in 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function normalCall(port: number): Promise<number> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', noop);
  const start = performance.now();
  const ok = await new Promise<boolean>((resolve) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': PATHS.unary,
      'content-type': 'application/grpc',
      [PROBE_HEADER]: '1',
    });
    stream.on('error', noop);
    // Trailers, or (the floor server) a Trailers-Only response.
    stream.on('response', (h) => h['grpc-status'] !== undefined && resolve(h['grpc-status'] === '0'));
    stream.on('trailers', (h) => resolve(h['grpc-status'] === '0'));
    stream.on('close', () => resolve(false));
    stream.end(grpcFrame(encodeRequest({ text: 'x' })));
    stream.resume();
  });
  session.destroy();
  return ok ? performance.now() - start : NaN;
}

async function run(label: string, what: string, budget: number): Promise<string> {
  const server = await start(what, budget);
  try {
    const { port } = server;
    const pid = server.child.pid!;
    await normalCall(port);
    const attackers = await Promise.all(Array.from({ length: 10 }, () => RawH2.connect(port)));
    for (const a of attackers) a.handshake();
    await sleep(50);
    const rss = rssMb(pid);
    let peak = rss;
    const cpu = cpuSeconds(pid);
    const block = headerBlock(grpcRequestFields(PATHS.unary));
    const body = grpcFrame(encodeRequest({ text: 'hang' }));
    const rst = Buffer.alloc(4);
    rst.writeUInt32BE(http2.constants.NGHTTP2_CANCEL);
    // Open loop: a new normal call every 10 ms whether or not the last one has been answered.
    const calls: Promise<number>[] = [];
    let attacking = true;
    const probes = (async () => {
      while (attacking) {
        calls.push(normalCall(port));
        peak = Math.max(peak, rssMb(pid));
        await sleep(10);
      }
    })();
    for (let round = 0; round < 18; round++) {
      const ids = Array.from({ length: 50 }, (_, i) => 1 + 2 * (round * 50 + i));
      for (const a of attackers)
        a.write(
          ...ids.flatMap((id) => [
            h2frame(FrameType.HEADERS, Flag.END_HEADERS, id, block),
            h2frame(FrameType.DATA, Flag.END_STREAM, id, body),
          ]),
        );
      await sleep(20);
      for (const a of attackers) a.write(...ids.map((id) => h2frame(FrameType.RST_STREAM, 0, id, rst)));
    }
    await sleep(300);
    attacking = false;
    await probes;
    const latencies = await Promise.all(calls);
    const used = cpuSeconds(pid) - cpu;
    const ok = latencies.filter((l) => !Number.isNaN(l)).sort((x, y) => x - y);
    const calmed = attackers.filter((a) => a.goawayCode() === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM).length;
    attackers.forEach((a) => a.destroy());
    return (
      `| ${label} | ${latencies.length} (${latencies.length - ok.length} failed) | ` +
      `${ok[Math.floor(ok.length / 2)]?.toFixed(1)} ms | ${ok[ok.length - 1]?.toFixed(1)} ms | ${calmed} of 10 | ` +
      `+${(peak - rss).toFixed(0)} MB | ${used.toFixed(2)} s |`
    );
  } finally {
    await stop(server);
  }
}

const ALL_FLOORS = ['floor', 'floor-refused', 'floor-status', 'floor-none'];

async function main(argv: string[]): Promise<void> {
  let rounds = 3;
  let floors = ['floor'];
  let floorsOnly = false;
  const trees: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else if (argv[i] === '--floors') floors = ALL_FLOORS;
    else if (argv[i] === '--floors-only') ((floors = ALL_FLOORS), (floorsOnly = true));
    else trees.push(resolve(argv[i]!));
  }
  if (trees.length === 0 && !floorsOnly) trees.push(OWN_TREE);
  const runs: [string, string, number][] = floors.map((f) => [`node:http2 ${f}`, f, 0]);
  for (const tree of trees) {
    const name = relative(process.cwd(), tree) || '.';
    runs.push([`${name} budget off`, tree, Infinity], [`${name} budget 1000`, tree, 1000]);
  }
  console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log(
    '| server | normal calls | median | worst | sent away | server RSS | server CPU |\n|---|---|---|---|---|---|---|',
  );
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [...runs].reverse() : runs;
    for (const [label, what, budget] of order) console.log(await run(label, what, budget));
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3]!, Number(process.argv[4]));
else await main(process.argv.slice(2)).then(() => process.exit(0));
