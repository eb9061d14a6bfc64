/**
 * Server unary: h2load POSTs one pre-encoded UserRequest{name:"foo"} frame (content-type application/grpc,
 * te: trailers) at several connection × stream settings against each server, all on the server core while h2load
 * runs on the other. Each server is probed first (grpc-status 0 and the decoded response), and every h2load run
 * must report zero failed/errored requests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { h2load, h2loadVersion } from '../lib/h2load.js';
import { TMP_DIR } from '../lib/paths.js';
import { procCpuMs, sleep } from '../lib/proc.js';
import { probeUnary } from '../lib/probe.js';
import { encoding } from '../lib/protos.js';
import type { Metric } from '../lib/results.js';
import { OWN_H2, startServers, stopServers } from '../lib/servers.js';
import { FOREIGN_SERVERS, MissingToolchain, startForeign } from '../lib/foreign.js';
import { alternate, errorText, failAll, type Ctx, type Suite } from '../lib/suite.js';
import { frame, UNARY_PATH, USER_REQUEST } from '../lib/fixtures.js';

export const LOADS = [
  { clients: 1, streams: 1 },
  { clients: 1, streams: 16 },
  { clients: 1, streams: 100 },
  { clients: 4, streams: 100 },
] as const;

export const loadName = (l: { clients: number; streams: number }): string => `-c${l.clients} -m${l.streams}`;

const METRICS = {
  rps: { name: 'req/s', unit: 'req/s', better: 'higher' },
  latency: { name: 'mean latency', unit: 'ms', better: 'lower' },
  cpu: { name: 'server CPU per request', unit: 'µs', better: 'lower' },
} satisfies Record<string, Metric>;

export function requestFile(): string {
  mkdirSync(TMP_DIR, { recursive: true });
  const file = join(TMP_DIR, 'user-request.bin');
  writeFileSync(file, frame(encoding().UserRequest.encode(USER_REQUEST).finish()));
  return file;
}

export function requireH2load(ctx: Ctx): boolean {
  if (h2loadVersion()) return true;
  if (ctx.ci) throw new Error('h2load (Debian nghttp2-client) is required under CI');
  return false;
}

export const serverUnary: Suite = {
  name: 'server-unary',
  title: 'Server unary (h2load → server)',
  impls: ['wiregrpc', OWN_H2, 'grpc-js', 'raw', ...FOREIGN_SERVERS],
  async run(ctx) {
    const suite = this.name;
    const cases = LOADS.map(loadName);
    if (!requireH2load(ctx)) {
      ctx.results.suite(suite, this.title, this.impls).notes.push('skipped: h2load not installed');
      return;
    }
    const info = ctx.results.suite(suite, this.title, this.impls);
    info.notes.push(
      `${h2loadVersion()}, one thread; UserRequest{name:"foo"} → UserResponse; ` +
        'each server probed for grpc-status 0 before load, every run checked for 0 failed/errored requests; ' +
        'grpc-go (Debian grpc-go 1.33) and grpcio (Debian python3-grpcio, 4 worker threads) are reference rows, ' +
        'pinned to the same single core',
    );
    const dataFile = requestFile();
    const servers = await startServers(
      ctx,
      ['wiregrpc', OWN_H2, 'grpc-js', 'raw'],
      probeUnary,
      (impl, err) => failAll(ctx, suite, cases, Object.values(METRICS), impl, err),
      'server-unary',
    );
    for (const impl of FOREIGN_SERVERS) {
      try {
        ctx.log(`  ${impl}: building and starting (reference row)…`);
        servers.set(impl, await startForeign(ctx, impl, probeUnary));
        ctx.log(`  ${impl} server up on ${servers.get(impl)!.target} (probe: grpc-status 0, response checked)`);
      } catch (err) {
        if (err instanceof MissingToolchain) {
          info.notes.push(`${impl} row skipped: ${err.message}`);
          ctx.log(`  ${impl} skipped: ${err.message}`);
        } else {
          failAll(ctx, suite, cases, Object.values(METRICS), impl, errorText(err));
        }
      }
    }
    const durationMs = ctx.quick ? 1000 : 5000;
    const warmupMs = ctx.quick ? 500 : 1000;
    try {
      await alternate(ctx, {
        suite,
        cases: LOADS,
        impls: [...servers.keys()],
        caseName: loadName,
        metrics: METRICS,
        async measure(load, impl) {
          const s = servers.get(impl)!;
          const running = h2load({
            url: s.url + UNARY_PATH,
            dataFile,
            clients: load.clients,
            streams: load.streams,
            durationMs,
            warmupMs,
            cpu: ctx.cpu.load,
          });
          // The server's CPU time over the measured part of the run (after h2load's warm-up) per request:
          // what a shared machine cannot skew the way it skews req/s.
          await sleep(warmupMs);
          const cpuBefore = procCpuMs(s.peer.pid);
          const r = await running;
          const cpuUs = ((procCpuMs(s.peer.pid) - cpuBefore) * 1000) / r.succeeded;
          return { rps: r.reqPerSec, latency: r.meanLatencyMs, cpu: cpuUs };
        },
      });
      // Still answering correctly after the load?
      for (const [impl, s] of servers) {
        await probeUnary(s.url).catch((err) =>
          failAll(ctx, suite, cases, [METRICS.rps], impl, `wrong answer after load: ${err.message}`),
        );
      }
    } finally {
      await stopServers(servers);
    }
  },
};
