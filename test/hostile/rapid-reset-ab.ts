/**
 * The distributed rapid reset, A/B: the server-wide reset budget off
 * (`maxResetsPerSecond: Infinity`, what the server did before it existed) and
 * at its default (1000), alternating, in one process with the attacker.
 *
 *   npm run build && node dist/test/hostile/rapid-reset-ab.js [rounds]
 *
 * Attack: 10 connections × 900 streams, each a whole Echo "hang" request (a
 * call that runs until cancelled), reset 20 ms after it was sent, 50 streams
 * per connection per round. Meanwhile a normal unary call on a fresh
 * connection every 10 ms. Prints, per run: the normal calls' median and worst
 * latency, how many attacking connections were sent away (GOAWAY
 * ENHANCE_YOUR_CALM), RSS growth and the process's CPU time. The attacker
 * shares the event loop, so absolute latencies include its own work; the A/B
 * difference is the server's.
 */
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from '../../src/service/server.js';
import { Echo, echoImpl, encodeRequest, PATHS } from './echo-service.js';
import { grpcFrame } from './raw-client.js';
import { Flag, FrameType, grpcRequestFields, h2frame, headerBlock, RawH2 } from './raw-h2.js';

const ROUNDS = Number(process.argv[2] ?? 3);

async function normalCall(port: number): Promise<number> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const start = performance.now();
  const ok = await new Promise<boolean>((resolve) => {
    const stream = session.request({ ':method': 'POST', ':path': PATHS.unary, 'content-type': 'application/grpc' });
    stream.on('error', () => {});
    stream.on('trailers', (h) => resolve(h['grpc-status'] === '0'));
    stream.on('close', () => resolve(false));
    stream.end(grpcFrame(encodeRequest({ text: 'x' })));
    stream.resume();
  });
  session.destroy();
  return ok ? performance.now() - start : NaN;
}

async function run(budget: number): Promise<string> {
  const server = new Server({ maxResetsPerSecond: budget });
  server.add(Echo, echoImpl());
  const { port } = await server.listen('127.0.0.1:0');
  await normalCall(port);
  const rss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const attackers = await Promise.all(Array.from({ length: 10 }, () => RawH2.connect(port)));
  for (const a of attackers) a.handshake();
  const block = headerBlock(grpcRequestFields(PATHS.unary));
  const body = grpcFrame(encodeRequest({ text: 'hang' }));
  const rst = Buffer.alloc(4);
  rst.writeUInt32BE(http2.constants.NGHTTP2_CANCEL);
  const latencies: number[] = [];
  let attacking = true;
  const probes = (async () => {
    while (attacking) {
      latencies.push(await normalCall(port));
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
  const ok = latencies.filter((l) => !Number.isNaN(l)).sort((x, y) => x - y);
  const calmed = attackers.filter((a) => a.goawayCode() === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM).length;
  const used = process.cpuUsage(cpu);
  attackers.forEach((a) => a.destroy());
  server.forceShutdown();
  await sleep(200);
  return (
    `| ${budget} | ${latencies.length} (${latencies.length - ok.length} failed) | ` +
    `${ok[Math.floor(ok.length / 2)]?.toFixed(1)} ms | ${ok[ok.length - 1]?.toFixed(1)} ms | ${calmed} of 10 | ` +
    `+${((process.memoryUsage().rss - rss) / 2 ** 20).toFixed(0)} MB | ${((used.user + used.system) / 1e6).toFixed(2)} s |`
  );
}

console.log(
  '| maxResetsPerSecond | normal calls | median | worst | sent away | RSS | CPU |\n|---|---|---|---|---|---|---|',
);
for (let i = 0; i < ROUNDS; i++) {
  console.log(await run(Infinity));
  console.log(await run(1000));
}
process.exit(0);
