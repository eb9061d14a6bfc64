/**
 * Closed-loop load: `concurrency` workers each issue a call, await it, and issue the next, for a fixed time after a
 * warm-up. Latency samples go into a preallocated buffer (bounded), so measurement allocates nothing per call.
 */
import { performance } from 'node:perf_hooks';
import { percentile } from './stats.js';

export interface LoopOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Upper bound on measured calls (the sample buffer's size). */
  maxCalls?: number;
}

export interface LoopResult {
  calls: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  firstError?: string;
}

export async function closedLoop(call: () => Promise<unknown>, opts: LoopOptions): Promise<LoopResult> {
  const cap = opts.maxCalls ?? 4_000_000;
  const samples = new Float64Array(cap);
  let n = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const measureFrom = start + opts.warmupMs;
  const end = measureFrom + opts.durationMs;
  let stopped = false;

  async function worker(): Promise<void> {
    while (!stopped) {
      const t0 = performance.now();
      try {
        await call();
      } catch (err) {
        errors++;
        firstError ??= String((err as Error)?.message ?? err);
        if (errors > 100) {
          stopped = true;
          return;
        }
      }
      const t1 = performance.now();
      if (t1 >= end) {
        stopped = true;
        return;
      }
      if (t0 >= measureFrom) {
        samples[n++] = t1 - t0;
        if (n === cap) {
          stopped = true;
          return;
        }
      }
    }
  }

  const workers: Promise<void>[] = [];
  for (let i = 0; i < opts.concurrency; i++) workers.push(worker());
  await Promise.all(workers);
  const elapsed = Math.min(performance.now(), end) - measureFrom;
  const out: LoopResult = {
    calls: n,
    qps: n / (elapsed / 1000),
    p50Ms: percentile(samples, n, 50),
    p99Ms: percentile(samples, n, 99),
    errors,
  };
  if (firstError !== undefined) out.firstError = firstError;
  return out;
}
