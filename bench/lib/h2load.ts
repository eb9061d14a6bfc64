/**
 * Runs h2load (nghttp2-client) against a gRPC unary method: POST of one pre-encoded request frame with the gRPC
 * headers. h2load sees HTTP status only, never trailers, so callers probe grpc-status separately (probe.ts).
 */
import { spawnSync } from 'node:child_process';
import { runProgram } from './proc.js';

export interface H2loadRun {
  url: string;
  dataFile: string;
  clients: number;
  streams: number;
  durationMs: number;
  warmupMs: number;
  cpu: number | undefined;
}

export interface H2loadResult {
  reqPerSec: number;
  total: number;
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
  status2xx: number;
  meanLatencyMs: number;
}

export function h2loadVersion(): string | undefined {
  const r = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : n * 1000;
}

export function parseH2load(out: string): H2loadResult {
  const rps = /finished in [^,]+, ([\d.]+) req\/s/.exec(out);
  const req =
    /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      out,
    );
  const codes = /status codes: (\d+) 2xx/.exec(out);
  const lat = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(out);
  if (!rps || !req) throw new Error(`cannot parse h2load output: ${out.slice(-600)}`);
  return {
    reqPerSec: Number(rps[1]),
    total: Number(req[1]),
    succeeded: Number(req[2]),
    failed: Number(req[3]),
    errored: Number(req[4]),
    timeout: Number(req[5]),
    status2xx: codes ? Number(codes[1]) : NaN,
    meanLatencyMs: lat ? toMs(lat[3]!) : NaN,
  };
}

/** Run h2load; throws if any request failed, errored or timed out, or none succeeded. */
export async function h2load(run: H2loadRun): Promise<H2loadResult> {
  const args = [
    '-t',
    '1',
    '-c',
    String(run.clients),
    '-m',
    String(run.streams),
    '-D',
    `${Math.round(run.durationMs)}ms`,
    '--warm-up-time',
    `${Math.round(run.warmupMs)}ms`,
    '-d',
    run.dataFile,
    '-H',
    'content-type: application/grpc',
    '-H',
    'te: trailers',
    run.url,
  ];
  const done = await runProgram('h2load', args, { cpu: run.cpu, timeoutMs: run.durationMs + run.warmupMs + 30_000 });
  if (done.code !== 0) throw new Error(`h2load exited ${done.code}: ${(done.stderr || done.stdout).slice(-400)}`);
  const r = parseH2load(done.stdout);
  if (r.succeeded === 0 || r.failed > 0 || r.errored > 0 || r.timeout > 0) {
    throw new Error(`h2load: ${r.succeeded} succeeded, ${r.failed} failed, ${r.errored} errored, ${r.timeout} timeout`);
  }
  return r;
}
