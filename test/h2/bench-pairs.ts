/**
 * Micro-bench (not a tap test, nothing asserted): unary gRPC-shaped request/response
 * pairs between our server and our client Connection over the memory pipe — no
 * sockets, so what is measured is src/h2 alone: HPACK both ways, frames, flow
 * control, the output buffer.
 *
 *     request   HEADERS (8 fields) + DATA (15 bytes, END_STREAM)
 *     response  HEADERS (:status, content-type) + DATA (15 bytes) + HEADERS (grpc-status, grpc-message)
 *
 * `IN_FLIGHT` calls at a time, `N` in all; prints CPU ns per pair (user + system, best of
 * 5 rounds: CPU time rather than wall time, so a busy machine skews it less).
 *
 *   TS_NODE_TRANSPILE_ONLY=1 node --import @tapjs/typescript/import test/h2/bench-pairs.ts [N] [IN_FLIGHT]
 */
import { Connection } from '../../src/h2/connection.js';
import { memoryPipe } from '../../src/h2/memory-pipe.js';
import type { H2Stream } from '../../src/h2/stream.js';

const N = Number(process.argv[2] ?? 200_000);
const IN_FLIGHT = Number(process.argv[3] ?? 64);

const REQUEST = [
  ':method',
  'POST',
  ':scheme',
  'http',
  ':path',
  '/grpc.testing.TestService/UnaryCall',
  ':authority',
  '127.0.0.1:50051',
  'content-type',
  'application/grpc',
  'te',
  'trailers',
  'user-agent',
  'wiregrpc/0.1.0',
  'grpc-accept-encoding',
  'identity',
];
const RESPONSE = [':status', '200', 'content-type', 'application/grpc'];
const TRAILERS = ['grpc-status', '0', 'grpc-message', ''];
const MESSAGE = new Uint8Array([0, 0, 0, 0, 10, 10, 8, 104, 101, 108, 108, 111, 32, 119, 114]);

function serve(stream: H2Stream): void {
  stream.onData = (_chunk, end) => {
    if (!end) return;
    stream.respond(RESPONSE, false);
    stream.write(MESSAGE);
    stream.trailers(TRAILERS);
  };
}

async function round(n: number): Promise<number> {
  const [a, b] = memoryPipe({ highWaterMark: 1 << 20 });
  new Connection(a, { role: 'server', settings: { maxConcurrentStreams: 1000 }, onStream: serve });
  const client = new Connection(b, { role: 'client' });
  await new Promise((r) => setTimeout(r, 1));
  let started = 0;
  let done = 0;
  const c0 = process.cpuUsage();
  await new Promise<void>((resolve) => {
    const start = (): void => {
      started++;
      const stream = client.request(REQUEST, false);
      stream.onHeaders = (_h, end) => {
        if (!end) return;
        if (++done === n) resolve();
        else if (started < n) start();
      };
      stream.write(MESSAGE, true);
    };
    for (let i = 0; i < Math.min(IN_FLIGHT, n); i++) start();
  });
  const cpu = process.cpuUsage(c0);
  const ns = ((cpu.user + cpu.system) * 1000) / n;
  client.destroy();
  return ns;
}

const results: number[] = [];
for (let i = 0; i < 5; i++) results.push(await round(N));
console.log(
  `${N} pairs, ${IN_FLIGHT} in flight: best ${Math.min(...results).toFixed(0)} CPU ns/pair ` +
    `(rounds: ${results.map((r) => r.toFixed(0)).join(', ')})`,
);
