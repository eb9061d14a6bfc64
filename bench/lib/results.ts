/**
 * The result model: every figure is a Row (suite, case, metric, implementation) holding one sample per round;
 * the report shows the median with min–max. Targets compare wiregrpc's median with a baseline's.
 */
import { median, min, max } from './stats.js';

export interface Metric {
  name: string; // 'req/s', 'p99'
  unit: string; // 'req/s', 'ms', 'KiB'
  better: 'higher' | 'lower';
}

export interface Row {
  suite: string;
  case: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  impl: string;
  samples: number[];
  median: number;
  min: number;
  max: number;
  error?: string;
  note?: string;
}

export interface Target {
  suite: string;
  /** A case name, or '*' for every case of the suite where both sides have the metric. */
  case: string;
  metric: string;
  subject: string; // 'wiregrpc'
  baseline: string; // 'raw', 'grpc-js', 'protobufjs', ...
  op: '>=' | '<=' | '>';
  value: number;
}

export interface TargetResult extends Target {
  case: string;
  ratio: number; // subject median / baseline median
  pass: boolean | undefined; // undefined: a side is missing
}

export interface SuiteInfo {
  name: string;
  title: string;
  /** Implementations in display order. */
  impls: string[];
  /** Of those, the reference rows (floors): shown, but not compared in the "wiregrpc ÷" column. */
  references?: string[];
  notes: string[];
}

export class Results {
  readonly rows: Row[] = [];
  readonly suites: SuiteInfo[] = [];

  suite(name: string, title: string, impls: string[]): SuiteInfo {
    let info = this.suites.find((s) => s.name === name);
    if (!info) {
      info = { name, title, impls: [...impls], notes: [] };
      this.suites.push(info);
    }
    return info;
  }

  private row(suite: string, kase: string, metric: Metric, impl: string): Row {
    let row = this.rows.find(
      (r) => r.suite === suite && r.case === kase && r.metric === metric.name && r.impl === impl,
    );
    if (!row) {
      row = {
        suite,
        case: kase,
        metric: metric.name,
        unit: metric.unit,
        better: metric.better,
        impl,
        samples: [],
        median: NaN,
        min: NaN,
        max: NaN,
      };
      this.rows.push(row);
    }
    return row;
  }

  add(suite: string, kase: string, metric: Metric, impl: string, value: number): void {
    const row = this.row(suite, kase, metric, impl);
    row.samples.push(value);
    row.median = median(row.samples);
    row.min = min(row.samples);
    row.max = max(row.samples);
  }

  fail(suite: string, kase: string, metric: Metric, impl: string, error: string): void {
    const row = this.row(suite, kase, metric, impl);
    row.error ??= error;
  }

  get(suite: string, kase: string, metric: string, impl: string): Row | undefined {
    return this.rows.find((r) => r.suite === suite && r.case === kase && r.metric === metric && r.impl === impl);
  }

  casesOf(suite: string): string[] {
    const out: string[] = [];
    for (const r of this.rows) if (r.suite === suite && !out.includes(r.case)) out.push(r.case);
    return out;
  }

  metricsOf(suite: string, kase: string): string[] {
    const out: string[] = [];
    for (const r of this.rows) if (r.suite === suite && r.case === kase && !out.includes(r.metric)) out.push(r.metric);
    return out;
  }

  evaluate(targets: readonly Target[]): TargetResult[] {
    const out: TargetResult[] = [];
    for (const t of targets) {
      const cases = t.case === '*' ? this.casesOf(t.suite) : [t.case];
      for (const kase of cases) {
        const s = this.get(t.suite, kase, t.metric, t.subject);
        const b = this.get(t.suite, kase, t.metric, t.baseline);
        if (t.case === '*' && (!s || !b)) continue;
        if (!s && !b && !this.suites.some((x) => x.name === t.suite)) continue; // suite not run
        const ratio = s && b && s.samples.length && b.samples.length ? s.median / b.median : NaN;
        const pass = Number.isFinite(ratio)
          ? t.op === '>='
            ? ratio >= t.value
            : t.op === '<='
              ? ratio <= t.value
              : ratio > t.value
          : undefined;
        out.push({ ...t, case: kase, ratio, pass });
      }
    }
    return out;
  }
}
