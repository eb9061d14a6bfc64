/**
 * Issue #13's table, measured: each connection attack against the example
 * server (dist/examples/userinfo/server.js) in its own process, from raw
 * sockets on 127.0.0.1, with the server's default options.
 *
 *   npm run build && node dist/test/hostile/attack-table.js [path/to/dist] [--hold-ms N]
 *
 * Give another checkout's dist/ to measure "before" (the same script, the
 * same attacks, its servers). Prints one markdown row per attack. Bounded: every
 * attack ends by its hold time, every socket and the server are closed.
 *
 *   silent TCP        100 connections that never send a byte, held `hold` ms: how many the server closed
 *   HTTP/1.1 head     100 requests whose head never ends, held `hold` ms: how many closed / got 408; SIGTERM exits?
 *   ping flood        PINGs, 100 every 10 ms for 3 s: acks, GOAWAY
 *   rapid reset       10 connections × 900 streams opened and reset: a normal call's worst latency meanwhile,
 *                     the server's RSS growth and CPU time; against the example server (whose handler answers
 *                     at once, so most resets come after the answer) and against the Echo fault server
 *                     (test/hostile/fault-server.ts) with calls that run until cancelled, which the resets abandon
 *   metadata          100 KB of metadata in 16 KiB frames (7), then 1 MB (62): stream or connection?
 *   WINDOW_UPDATE     zero increment on a stream: the GOAWAY code
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Flag, FrameType, grpcRequestFields, h2frame, headerBlock, RawH2 } from './raw-h2.js';
import { grpcFrame } from './raw-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const holdAt = args.indexOf('--hold-ms');
const HOLD_MS = holdAt >= 0 ? Number(args[holdAt + 1]) : 25_000;
const dist = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--hold-ms') ?? path.resolve(here, '../..');
const EXAMPLE = path.join(dist, 'examples/userinfo/server.js');
const ECHO = path.join(dist, 'test/hostile/fault-server.js');
const PATH = '/proto.UserInfo/GetUserInfo';
const REQUEST = grpcFrame(Buffer.from([0x0a, 0x03, 0x66, 0x6f, 0x6f])); // UserRequest{name:"foo"}
const HANG_PATH = '/wiregrpc.test.Echo/Unary';
const HANG = grpcFrame(Buffer.from([0x0a, 0x04, 0x68, 0x61, 0x6e, 0x67])); // EchoRequest{text:"hang"}

interface Running {
  child: ChildProcess;
  port: number;
}

async function startServer(serverJs = EXAMPLE): Promise<Running> {
  const child = spawn(process.execPath, [serverJs], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on .*:(\d+)|"port":\s*(\d+)/.exec(out);
      if (m) resolve(Number(m[1] ?? m[2]));
    });
    child.once('exit', () => reject(new Error(`server exited: ${out}`)));
  });
  return { child, port };
}

function stop(server: Running): Promise<void> {
  if (server.child.exitCode !== null) return Promise.resolve();
  server.child.kill('SIGKILL');
  return new Promise((resolve) => server.child.once('exit', () => resolve()));
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
    s.once('error', reject);
  });
}

/** One normal unary call on a fresh connection: its latency in ms, or NaN if it failed (bounded by 10 s). */
async function normalCall(port: number, path = PATH, request = REQUEST): Promise<number> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const start = performance.now();
  try {
    return await new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(NaN), 10_000);
      const stream = session.request({
        ':method': 'POST',
        ':path': PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => {});
      stream.on('trailers', (h) => {
        clearTimeout(timer);
        resolve(h['grpc-status'] === '0' ? performance.now() - start : NaN);
      });
      stream.on('close', () => resolve(NaN));
      stream.end(request);
      stream.resume();
    });
  } finally {
    session.destroy();
  }
}

async function silentTcp(): Promise<string> {
  const server = await startServer();
  const sockets = await Promise.all(Array.from({ length: 100 }, () => connect(server.port)));
  let closed = 0;
  for (const s of sockets) s.once('close', () => closed++);
  await sleep(HOLD_MS);
  const result = `${closed} of 100 closed within ${HOLD_MS / 1000} s`;
  sockets.forEach((s) => s.destroy());
  await stop(server);
  return result;
}

async function http1Head(): Promise<string> {
  const server = await startServer();
  const sockets = await Promise.all(Array.from({ length: 100 }, () => connect(server.port)));
  let closed = 0;
  let got408 = 0;
  for (const s of sockets) {
    s.once('close', () => closed++);
    s.on('data', (c: Buffer) => {
      if (c.toString('latin1').startsWith('HTTP/1.1 408')) got408++;
    });
    s.write('POST /proto.UserInfo/GetUserInfo HTTP/1.1\r\nhost: x\r\ncontent-type: application/grpc-web');
  }
  await sleep(HOLD_MS);
  const held = `${closed} of 100 closed (${got408} with 408) within ${HOLD_MS / 1000} s`;
  const extra = await Promise.all(Array.from({ length: 5 }, () => connect(server.port)));
  for (const s of extra) s.write('POST / HTTP/1.1\r\nhost: x\r\n');
  await sleep(100);
  const start = Date.now();
  server.child.kill('SIGTERM');
  const exited = await Promise.race([
    new Promise<boolean>((r) => server.child.once('exit', () => r(true))),
    sleep(15_000).then(() => false),
  ]);
  const sigterm = exited
    ? `SIGTERM with 5 unfinished heads open: exited in ${Date.now() - start} ms`
    : 'SIGTERM: still running after 15 s';
  sockets.concat(extra).forEach((s) => s.destroy());
  await stop(server);
  return `${held}; ${sigterm}`;
}

async function pingFlood(): Promise<string> {
  const server = await startServer();
  const raw = await RawH2.connect(server.port);
  raw.handshake();
  let sent = 0;
  const end = Date.now() + 3000;
  while (Date.now() < end && !raw.closed) {
    const burst: Buffer[] = [];
    for (let i = 0; i < 100; i++) burst.push(h2frame(FrameType.PING, 0, 0, Buffer.alloc(8, i)));
    raw.write(...burst);
    sent += 100;
    await sleep(10);
  }
  await sleep(200);
  const acks = raw.received(FrameType.PING).filter((f) => f.flags & Flag.ACK).length;
  const goaway = raw.received(FrameType.GOAWAY)[0];
  const said = goaway
    ? `GOAWAY ${goaway.payload.readUInt32BE(4)} "${goaway.payload.subarray(8).toString('latin1')}"`
    : 'no GOAWAY';
  raw.destroy();
  await stop(server);
  return `${acks} of ${sent} answered; ${said}`;
}

async function rapidReset(serverJs: string, path: string, request: Buffer): Promise<string> {
  const server = await startServer(serverJs);
  const probeRequest = serverJs === ECHO ? grpcFrame(Buffer.from([0x0a, 0x01, 0x78])) : REQUEST; // EchoRequest{text:"x"}
  const pid = server.child.pid!;
  await normalCall(server.port, path, probeRequest); // warm
  const rss = rssMb(pid);
  const cpu = cpuSeconds(pid);
  const attackers = await Promise.all(Array.from({ length: 10 }, () => RawH2.connect(server.port)));
  for (const a of attackers) a.handshake();
  const block = headerBlock(grpcRequestFields(path));
  const rst = Buffer.alloc(4);
  rst.writeUInt32BE(http2.constants.NGHTTP2_CANCEL);
  const latencies: number[] = [];
  let attacking = true;
  const probe = (async () => {
    while (attacking) {
      latencies.push(await normalCall(server.port, path, probeRequest));
      await sleep(20);
    }
  })();
  for (let round = 0; round < 18 && attackers.some((a) => !a.closed); round++) {
    const ids = Array.from({ length: 50 }, (_, i) => 1 + 2 * (round * 50 + i));
    for (const a of attackers)
      a.write(
        ...ids.flatMap((id) => [
          h2frame(FrameType.HEADERS, Flag.END_HEADERS, id, block),
          h2frame(FrameType.DATA, Flag.END_STREAM, id, REQUEST),
        ]),
      );
    await sleep(20);
    for (const a of attackers) a.write(...ids.map((id) => h2frame(FrameType.RST_STREAM, 0, id, rst)));
  }
  await sleep(500);
  attacking = false;
  await probe;
  const calmed = attackers.filter((a) => a.goawayCode() === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM).length;
  const worst = Math.max(...latencies.filter((l) => !Number.isNaN(l)));
  const failed = latencies.filter((l) => Number.isNaN(l)).length;
  const result =
    `normal call worst ${worst.toFixed(0)} ms over ${latencies.length} probes (${failed} failed); ` +
    `RSS +${(rssMb(pid) - rss).toFixed(0)} MB; CPU ${(cpuSeconds(pid) - cpu).toFixed(2)} s; ${calmed} of 10 attackers got GOAWAY ENHANCE_YOUR_CALM`;
  attackers.forEach((a) => a.destroy());
  await stop(server);
  return result;
}

async function metadata(): Promise<string> {
  const server = await startServer();
  const outcomes: string[] = [];
  for (const size of [100_000, 1_000_000]) {
    const raw = await RawH2.connect(server.port);
    raw.handshake();
    await raw.until(() => raw.received(FrameType.SETTINGS).length > 0, 1000);
    const fields = grpcRequestFields(
      PATH,
      [...Array(Math.ceil(size / 16000))].map((_, i) => [`x-m${i}`, 'a'.repeat(16000)]),
    );
    const block = headerBlock(fields);
    const frames: Buffer[] = [];
    for (let at = 0; at < block.length; at += 16384) {
      const last = at + 16384 >= block.length;
      frames.push(
        h2frame(
          at === 0 ? FrameType.HEADERS : 9,
          (last ? Flag.END_HEADERS : 0) | (at === 0 ? Flag.END_STREAM : 0),
          1,
          block.subarray(at, at + 16384),
        ),
      );
    }
    raw.write(...frames);
    raw.headers(3, grpcRequestFields(PATH));
    raw.data(3, REQUEST, true);
    await raw.until(() => raw.closed || raw.received(FrameType.HEADERS, 3).length >= 2, 2000);
    const other =
      raw.received(FrameType.HEADERS, 3).length >= 2 ? 'the next call on it answered' : 'the next call on it lost';
    const what =
      raw.goawayCode() !== undefined || raw.closed
        ? `connection closed (GOAWAY ${raw.goawayCode() ?? 'lost'})`
        : raw.rstCode(1) !== undefined
          ? `stream: RST_STREAM ${raw.rstCode(1)}`
          : `stream answered (HEADERS ${raw.received(FrameType.HEADERS, 1).length})`;
    outcomes.push(`${size / 1000} KB in ${frames.length} frames → ${what}, ${other}`);
    raw.destroy();
  }
  await stop(server);
  return outcomes.join('; ');
}

async function windowUpdate(): Promise<string> {
  const server = await startServer();
  const raw = await RawH2.connect(server.port);
  raw.handshake();
  raw.headers(1, grpcRequestFields(PATH));
  raw.write(h2frame(FrameType.WINDOW_UPDATE, 0, 1, Buffer.alloc(4)));
  await raw.closedWithin(2000);
  const result = `stream zero increment → ${raw.goawayCode() === undefined ? 'no GOAWAY' : `GOAWAY ${raw.goawayCode()}`}, RST_STREAM ${raw.rstCode(1) ?? '-'}`;
  raw.destroy();
  await stop(server);
  return result;
}

console.log(`servers: ${EXAMPLE}, ${ECHO}\n`);
console.log('| attack | result |\n|---|---|');
for (const [name, run] of [
  ['100 silent TCP connections', silentTcp],
  ['100 unfinished HTTP/1.1 heads', http1Head],
  ['PING flood (100 / 10 ms, 3 s)', pingFlood],
  ['rapid reset, 10 connections × 900 streams (example server)', () => rapidReset(EXAMPLE, PATH, REQUEST)],
  [
    'rapid reset, 10 connections × 900 streams (Echo, calls that run until cancelled)',
    () => rapidReset(ECHO, HANG_PATH, HANG),
  ],
  ['oversized metadata', metadata],
  ['WINDOW_UPDATE', windowUpdate],
] as const) {
  console.log(`| ${name} | ${await run()} |`);
}
