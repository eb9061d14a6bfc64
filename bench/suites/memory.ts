/**
 * Memory: (1) peak RSS (VmHWM) of a fresh server process after h2load's heaviest setting (-c4 -m100);
 * (2) server RSS growth per 1,000 idle client connections (each made one call, then left open). grpc-go
 * (bench/peers/go/bench_server) is a reference row.
 */
import { foreignMissing, startForeign } from '../lib/foreign.js';
import { h2load } from '../lib/h2load.js';
import { peerScript } from '../lib/paths.js';
import { probeUnary } from '../lib/probe.js';
import { sleep, startPeer } from '../lib/proc.js';
import type { Metric } from '../lib/results.js';
import { OWN_H2, startServer } from '../lib/servers.js';
import { alternate, type Suite } from '../lib/suite.js';
import { UNARY_PATH } from '../lib/fixtures.js';
import { requestFile, requireH2load } from './server-unary.js';

const METRICS = {
  hwm: { name: 'peak RSS', unit: 'MiB', better: 'lower' },
  idle: { name: 'RSS per 1k idle conns', unit: 'MiB', better: 'lower' },
} satisfies Record<string, Metric>;

const IDLE_CONNECTIONS = 1000;

export const memory: Suite = {
  name: 'memory',
  title: 'Server memory',
  impls: ['wiregrpc', OWN_H2, 'grpc-js', 'raw', 'grpc-go'],
  async run(ctx) {
    const suite = this.name;
    const info = ctx.results.suite(suite, this.title, this.impls);
    const durationMs = ctx.quick ? 2000 : 5000;
    info.notes.push(
      `peak RSS: VmHWM of a fresh server after ${durationMs / 1000} s of h2load -c4 -m100; ` +
        `idle: VmRSS growth with ${IDLE_CONNECTIONS} connections open (one call each), scaled to 1,000`,
    );
    const haveH2load = requireH2load(ctx);
    const goMissing = foreignMissing(ctx, 'grpc-go');
    if (goMissing) info.notes.push(`grpc-go row skipped: ${goMissing}`);
    const dataFile = requestFile();
    await alternate(ctx, {
      suite,
      cases: ['peak RSS -c4 -m100', '1k idle connections'],
      impls: goMissing ? this.impls.filter((i) => i !== 'grpc-go') : this.impls,
      caseName: (c) => c,
      metrics: METRICS,
      metricsOf: (kase) => (kase.startsWith('peak') ? ['hwm'] : ['idle']),
      async measure(kase, impl): Promise<Record<string, number>> {
        const server =
          impl === 'grpc-go' ? await startForeign(ctx, impl, probeUnary) : await startServer(ctx, impl, probeUnary);
        try {
          if (kase.startsWith('peak')) {
            if (!haveH2load) throw new Error('h2load not installed');
            await h2load({
              url: server.url + UNARY_PATH,
              dataFile,
              clients: 4,
              streams: 100,
              durationMs,
              warmupMs: 0,
              cpu: ctx.cpu.load,
            });
            await probeUnary(server.url);
            return { hwm: server.peer.memory().hwmKiB / 1024 };
          }
          await sleep(300);
          const before = server.peer.memory().rssKiB;
          const clients = await startPeer(
            peerScript('raw-client'),
            ['--mode', 'idle', '--target', server.target, '--connections', String(IDLE_CONNECTIONS)],
            { cpu: ctx.cpu.load, timeoutMs: 60_000 },
          );
          try {
            if (clients.info.connections !== IDLE_CONNECTIONS)
              throw new Error(`only ${clients.info.connections} connected`);
            await sleep(500);
            const after = server.peer.memory().rssKiB;
            return { idle: ((after - before) / 1024) * (1000 / IDLE_CONNECTIONS) };
          } finally {
            await clients.stop();
          }
        } finally {
          await server.peer.stop();
        }
      },
    });
  },
};
