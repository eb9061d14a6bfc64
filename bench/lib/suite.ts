/**
 * What a suite gets to work with, and the alternation every measurement goes through: round 1 measures A, B, C for
 * every case, then round 2 does the same, and so on (never all rounds of A before B), so that drift on a shared
 * machine spreads over every contender instead of landing on one.
 */
import type { CpuPlan } from './proc.js';
import type { Metric, Results } from './results.js';
import { fmt } from './stats.js';

export interface Ctx {
  quick: boolean;
  rounds: number;
  cpu: CpuPlan;
  results: Results;
  /** Under CI a missing tool or peer is a failure, never a silent skip. */
  ci: boolean;
  /** Write a .cpuprofile for every Node peer into this directory (--profile). */
  profileDir?: string | undefined;
  /** Only run cases whose name contains this (--case). */
  caseFilter?: string | undefined;
  log(line: string): void;
}

/** node flags that make a peer write its CPU profile on exit, when profiling. */
export function profileFlags(ctx: Ctx, label: string): string[] {
  if (!ctx.profileDir) return [];
  const name = label.replace(/[^\w.-]+/g, '_');
  return ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`, `--cpu-prof-name=${name}.cpuprofile`];
}

export interface Suite {
  name: string;
  title: string;
  impls: string[];
  run(ctx: Ctx): Promise<void>;
}

export interface Alternation<C> {
  suite: string;
  cases: readonly C[];
  impls: readonly string[];
  caseName(c: C): string;
  metrics: Readonly<Record<string, Metric>>;
  /** Measure one (case, impl) pair once; returns a value per metric key. */
  measure(c: C, impl: string, round: number): Promise<Record<string, number>>;
  /** The metric keys a case reports (default: all); failures are recorded against these. */
  metricsOf?(c: C): readonly string[];
  rounds?: number;
}

export async function alternate<C>(ctx: Ctx, a: Alternation<C>): Promise<void> {
  const rounds = a.rounds ?? ctx.rounds;
  const broken = new Set<string>();
  for (let round = 1; round <= rounds; round++) {
    for (const c of a.cases) {
      const kase = a.caseName(c);
      if (ctx.caseFilter && !kase.includes(ctx.caseFilter)) continue;
      for (const impl of a.impls) {
        const key = `${kase}\u0000${impl}`;
        if (broken.has(key)) continue;
        try {
          const values = await a.measure(c, impl, round);
          const shown: string[] = [];
          for (const [k, metric] of Object.entries(a.metrics)) {
            const v = values[k];
            if (v === undefined || !Number.isFinite(v)) continue;
            ctx.results.add(a.suite, kase, metric, impl, v);
            shown.push(fmt(v, metric.unit));
          }
          ctx.log(`[${a.suite}] round ${round}/${rounds} ${kase} ${impl}: ${shown.join(', ')}`);
        } catch (err) {
          broken.add(key);
          const msg = errorText(err);
          const keys = a.metricsOf?.(c) ?? Object.keys(a.metrics);
          for (const k of keys) ctx.results.fail(a.suite, kase, a.metrics[k]!, impl, msg);
          ctx.log(`[${a.suite}] round ${round}/${rounds} ${kase} ${impl}: FAILED ${msg}`);
        }
      }
    }
  }
}

export function errorText(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 300);
}

/** Record that an implementation could not be measured at all in a suite (e.g. its server did not start). */
export function failAll(
  ctx: Ctx,
  suite: string,
  cases: readonly string[],
  metrics: readonly Metric[],
  impl: string,
  error: string,
): void {
  for (const kase of cases) for (const m of metrics) ctx.results.fail(suite, kase, m, impl, error);
  ctx.log(`[${suite}] ${impl}: unavailable: ${error}`);
}
