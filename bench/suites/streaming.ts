/**
 * Streaming: the same raw node:http2 client (on the load core) drives each server (on the server core), so only the
 * server differs. Server streaming with empty, 1 KiB and 64 KiB messages (messages/s and MiB/s of payload),
 * client streaming of 1 KiB messages, and bidi ping-pong round trips (one message in flight). grpc-go
 * (bench/peers/go/bench_server) is a reference row.
 */
import { addGoServer } from '../lib/foreign.js';
import { peerScript } from '../lib/paths.js';
import { probeDownload } from '../lib/probe.js';
import { runNode } from '../lib/proc.js';
import type { Metric } from '../lib/results.js';
import { OWN_H2, startServers, stopServers } from '../lib/servers.js';
import { alternate, failAll, profileFlags, type Suite } from '../lib/suite.js';

interface StreamCase {
  name: string;
  mode: 'download' | 'upload' | 'pingpong';
  count: number;
  quickCount: number;
  size: number;
}

export const STREAM_CASES: readonly StreamCase[] = [
  { name: 'server-stream empty', mode: 'download', count: 1_000_000, quickCount: 100_000, size: 0 },
  { name: 'server-stream 1 KiB', mode: 'download', count: 200_000, quickCount: 20_000, size: 1024 },
  { name: 'server-stream 64 KiB', mode: 'download', count: 10_000, quickCount: 1_000, size: 65536 },
  { name: 'client-stream 1 KiB', mode: 'upload', count: 200_000, quickCount: 20_000, size: 1024 },
  { name: 'bidi ping-pong 64 B', mode: 'pingpong', count: 200_000, quickCount: 20_000, size: 64 },
];

const METRICS = {
  msgs: { name: 'msgs/s', unit: 'msg/s', better: 'higher' },
  mib: { name: 'MiB/s', unit: 'MiB/s', better: 'higher' },
  trips: { name: 'round trips/s', unit: 'rt/s', better: 'higher' },
  chunks: { name: 'bytes per read', unit: 'B', better: 'higher' },
} satisfies Record<string, Metric>;

export const streaming: Suite = {
  name: 'streaming',
  title: 'Streaming (raw node:http2 client → server)',
  impls: ['wiregrpc', OWN_H2, 'grpc-js', 'raw', 'grpc-go'],
  async run(ctx) {
    const suite = this.name;
    const info = ctx.results.suite(suite, this.title, this.impls);
    const counts = STREAM_CASES.map((c) => `${c.name}: ${ctx.quick ? c.quickCount : c.count}`);
    info.notes.push(
      `messages per run: ${counts.join(', ')}; ping-pong bounded to ${ctx.quick ? 1 : 3} s; ` +
        'MiB/s counts payload bytes; each run is preceded by a warm-up of a tenth of its size on the same connection',
    );
    const onFail = (impl: string, err: string): void => {
      for (const c of STREAM_CASES) {
        failAll(ctx, suite, [c.name], c.mode === 'pingpong' ? [METRICS.trips] : [METRICS.msgs], impl, err);
      }
    };
    const servers = await startServers(
      ctx,
      this.impls.filter((i) => i !== 'grpc-go'),
      probeDownload,
      onFail,
      'streaming',
    );
    await addGoServer(ctx, servers, probeDownload, info.notes, onFail);
    try {
      await alternate(ctx, {
        suite,
        cases: STREAM_CASES,
        impls: [...servers.keys()],
        caseName: (c) => c.name,
        metrics: METRICS,
        metricsOf: (c) => (c.mode === 'pingpong' ? ['trips'] : c.size > 0 ? ['msgs', 'mib'] : ['msgs']),
        async measure(c, impl, round): Promise<Record<string, number>> {
          const count = ctx.quick ? c.quickCount : c.count;
          const durationMs = ctx.quick ? 1000 : 3000;
          const r = await runNode(
            peerScript('raw-client'),
            [
              '--mode',
              c.mode,
              '--target',
              servers.get(impl)!.target,
              '--count',
              String(count),
              '--size',
              String(c.size),
              '--duration',
              String(durationMs),
            ],
            {
              cpu: ctx.cpu.load,
              timeoutMs: 120_000,
              nodeFlags: profileFlags(ctx, `streaming-client-${c.name}-${impl}-r${round}`),
            },
          );
          if (c.mode === 'pingpong') return { trips: r.tripsPerSec };
          const out: Record<string, number> = { msgs: r.msgsPerSec };
          if (c.size > 0) out.mib = r.mibPerSec;
          // How the server's writes arrive: gRPC bytes per 'data' event at the client (one per DATA frame or read).
          if (c.mode === 'download') out.chunks = r.bytesPerRead;
          return out;
        },
      });
    } finally {
      await stopServers(servers);
    }
  },
};
