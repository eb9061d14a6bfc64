/**
 * Client unary: each client library runs closed-loop GetUserInfo calls (concurrency 1 and 64, fixed time) from its
 * own process on the load core against the same raw node:http2 server on the server core, so only the client
 * differs. QPS and p50/p99 latency. "wiregrpc (own h2)" is the same wiregrpc client on wiregrpc's own HTTP/2
 * (src/h2; WIREGRPC_TRANSPORT=wiregrpc in its environment) instead of node:http2. grpc-go
 * (bench/peers/go/bench_client, one ClientConn, a goroutine per call in flight) is a reference row.
 */
import { foreignMissing, goClient } from '../lib/foreign.js';
import { peerScript } from '../lib/paths.js';
import { probeUnary } from '../lib/probe.js';
import { runNode, runProgram } from '../lib/proc.js';
import type { Metric } from '../lib/results.js';
import { startServer } from '../lib/servers.js';
import { alternate, profileFlags, type Suite } from '../lib/suite.js';

const CLIENT_PEERS: Record<string, string> = {
  wiregrpc: 'wiregrpc-client',
  'wiregrpc (own h2)': 'wiregrpc-client',
  'grpc-js': 'grpcjs-client',
  raw: 'raw-client',
};

/** What a subject's process gets in its environment besides ours. */
const CLIENT_ENV: Record<string, NodeJS.ProcessEnv> = {
  'wiregrpc (own h2)': { WIREGRPC_TRANSPORT: 'wiregrpc' },
};

const METRICS = {
  qps: { name: 'calls/s', unit: 'calls/s', better: 'higher' },
  p50: { name: 'p50', unit: 'ms', better: 'lower' },
  p99: { name: 'p99', unit: 'ms', better: 'lower' },
} satisfies Record<string, Metric>;

export const clientUnary: Suite = {
  name: 'client-unary',
  title: 'Client unary (client → raw node:http2 server)',
  impls: ['wiregrpc', 'wiregrpc (own h2)', 'grpc-js', 'raw', 'grpc-go'],
  async run(ctx) {
    const suite = this.name;
    const info = ctx.results.suite(suite, this.title, this.impls);
    info.notes.push('closed loop on one channel/connection; the server is the raw node:http2 one in its own process');
    const goMissing = foreignMissing(ctx, 'grpc-go');
    if (goMissing) info.notes.push(`grpc-go row skipped: ${goMissing}`);
    const server = await startServer(ctx, 'raw', probeUnary);
    const durationMs = ctx.quick ? 1500 : 5000;
    const warmupMs = ctx.quick ? 500 : 1000;
    try {
      await alternate(ctx, {
        suite,
        cases: [1, 64],
        impls: goMissing ? this.impls.filter((i) => i !== 'grpc-go') : this.impls,
        caseName: (c) => `c${c}`,
        metrics: METRICS,
        async measure(concurrency, impl, round) {
          const args = [
            '--target',
            server.target,
            '--concurrency',
            String(concurrency),
            '--duration',
            String(durationMs),
            '--warmup',
            String(warmupMs),
          ];
          if (impl === 'raw') args.push('--mode', 'unary');
          const r =
            impl === 'grpc-go'
              ? await runGo(await goClient(ctx), args, ctx.cpu.load, durationMs + warmupMs)
              : await runNode(peerScript(CLIENT_PEERS[impl]!), args, {
                  cpu: ctx.cpu.load,
                  env: { ...process.env, WIREGRPC_TRANSPORT: 'node:http2', ...CLIENT_ENV[impl] },
                  timeoutMs: durationMs + warmupMs + 30_000,
                  nodeFlags: profileFlags(ctx, `client-unary-c${concurrency}-${impl.replace(/\W+/g, '-')}-r${round}`),
                });
          if (r.errors > 0) throw new Error(`${r.errors} failed calls: ${r.firstError}`);
          if (r.calls === 0) throw new Error('no calls completed');
          return { qps: r.qps, p50: r.p50Ms, p99: r.p99Ms };
        },
      });
    } finally {
      await server.peer.stop();
    }
  },
};

/** The grpc-go client with the Node peers' flags (Go's flag package takes `--name value` too); its RESULT line. */
async function runGo(
  binary: string,
  args: string[],
  cpu: number | undefined,
  runMs: number,
): Promise<{ qps: number; p50Ms: number; p99Ms: number; errors: number; calls: number; firstError?: string }> {
  const done = await runProgram(binary, args, { cpu, timeoutMs: runMs + 30_000 });
  if (done.code !== 0 || done.result === undefined) {
    throw new Error(
      `bench_client exited ${done.code}: ${(done.stderr || done.stdout).trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  return done.result;
}
