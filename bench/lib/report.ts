/** Report writers: the console table, Markdown and JSON. (The SVG chart is in svg.ts.) */
import type { Results, Row, TargetResult } from './results.js';
import { describeGoal, describeTarget } from './targets.js';
import { fmt } from './stats.js';

export interface Meta {
  date: string;
  commit: string;
  node: string;
  os: string;
  cpu: string;
  cores: number;
  pinning: string;
  h2load: string;
  quick: boolean;
  rounds: number;
  only: string[] | null;
  durationS: number;
  /** 1-minute load average at the start and the end: how busy the machine was with other work. */
  loadAverage: [number, number];
}

function cell(row: Row | undefined): string {
  if (!row) return '';
  if (row.samples.length === 0) return row.error ? 'error (below)' : '';
  const range = row.samples.length > 1 ? ` (${fmt(row.min)}–${fmt(row.max)})` : '';
  return `${fmt(row.median)}${range}`;
}

function ratioText(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '—';
}

function verdict(t: TargetResult): string {
  const mark = t.pass === undefined ? 'n/a' : t.pass ? 'pass' : 'MISS';
  return `${ratioText(t.ratio)} (${describeGoal(t)}) ${mark}`;
}

/** One grid per suite: case | metric | unit | impl... | wiregrpc vs others | targets. */
export function suiteGrid(results: Results, suite: string, targets: readonly TargetResult[]): string[][] {
  const info = results.suites.find((s) => s.name === suite)!;
  const impls = info.impls.filter((i) => results.rows.some((r) => r.suite === suite && r.impl === i));
  const grid: string[][] = [['case', 'metric', ...impls, 'wiregrpc ÷', 'target']];
  for (const kase of results.casesOf(suite)) {
    for (const metric of results.metricsOf(suite, kase)) {
      const rows = impls.map((i) => results.get(suite, kase, metric, i));
      const any = rows.find((r) => r)!;
      const subject = results.get(suite, kase, metric, 'wiregrpc');
      const ratios = impls
        .filter((i) => i !== 'wiregrpc' && !info.references?.includes(i))
        .map((i) => {
          const b = results.get(suite, kase, metric, i);
          return subject?.samples.length && b?.samples.length ? `${ratioText(subject.median / b.median)} ${i}` : '';
        })
        .filter(Boolean)
        .join(', ');
      const ts = targets.filter((t) => t.suite === suite && t.case === kase && t.metric === metric).map(verdict);
      grid.push([
        kase,
        `${metric} (${any.unit}${any.better === 'lower' ? ', lower is better' : ''})`,
        ...rows.map(cell),
        ratios,
        ts.join('; '),
      ]);
    }
  }
  return grid;
}

/** Distinct errors of a suite, one line per implementation and message. */
export function suiteErrors(results: Results, suite: string): string[] {
  const out: string[] = [];
  for (const r of results.rows) {
    if (r.suite !== suite || !r.error) continue;
    const line = `${r.impl}: ${r.error}`;
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

export function textTable(grid: string[][]): string {
  const widths = grid[0]!.map((_, c) => Math.max(...grid.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((v, c) => (v ?? '').padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(grid[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...grid.slice(1).map(line)].join('\n');
}

function mdTable(grid: string[][]): string {
  const esc = (v: string): string => v.replace(/\|/g, '\\|');
  const [head, ...body] = grid;
  return [
    `| ${head!.map(esc).join(' | ')} |`,
    `|${head!.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function targetGrid(targets: readonly TargetResult[]): string[][] {
  return [
    ['suite', 'case', 'metric', 'subject', 'goal', 'subject ÷ baseline', 'result'],
    ...targets.map((t) => [
      t.suite,
      t.case,
      t.metric,
      t.subject,
      describeTarget(t),
      ratioText(t.ratio),
      t.pass === undefined ? 'n/a (not measured)' : t.pass ? 'pass' : 'MISS',
    ]),
  ];
}

export function consoleReport(results: Results, targets: readonly TargetResult[]): string {
  const parts: string[] = [];
  for (const s of results.suites) {
    parts.push(`\n== ${s.title} ==`);
    if (results.casesOf(s.name).length) parts.push(textTable(suiteGrid(results, s.name, targets)));
    for (const n of s.notes) parts.push(`  note: ${n}`);
    for (const e of suiteErrors(results, s.name)) parts.push(`  error: ${e}`);
  }
  if (targets.length) parts.push('\n== Targets ==', textTable(targetGrid(targets)));
  return parts.join('\n');
}

export function markdownReport(
  results: Results,
  targets: readonly TargetResult[],
  meta: Meta,
  svgName?: string,
): string {
  const out: string[] = ['# wiregrpc benchmarks', ''];
  out.push(
    `${meta.date} · commit ${meta.commit} · Node ${meta.node} · ${meta.os} · ${meta.cpu} × ${meta.cores} · ` +
      `${meta.pinning} · ${meta.h2load} · load average ${meta.loadAverage[0].toFixed(1)} at start, ` +
      `${meta.loadAverage[1].toFixed(1)} at end${meta.quick ? ' · **quick run**' : ''}`,
    '',
  );
  out.push(
    `Every figure is the median of ${meta.rounds}+ alternating rounds (A B C A B C …), min–max in brackets. ` +
      '"wiregrpc ÷" is wiregrpc\'s median over the other\'s (for "lower is better" metrics, below 1 is better). ' +
      'Regenerate with `npm run bench`.',
    '',
  );
  if (svgName) out.push(`![wiregrpc against its peers](${svgName})`, '');
  if (targets.length) out.push('## Targets', '', mdTable(targetGrid(targets)), '');
  for (const s of results.suites) {
    out.push(`## ${s.title}`, '');
    if (results.casesOf(s.name).length) out.push(mdTable(suiteGrid(results, s.name, targets)), '');
    const errors = suiteErrors(results, s.name).map((e) => `error: ${e}`);
    for (const n of [...s.notes, ...errors]) out.push(`- ${n}`);
    if (s.notes.length || errors.length) out.push('');
  }
  return out.join('\n');
}

export function jsonReport(results: Results, targets: readonly TargetResult[], meta: Meta): string {
  return `${JSON.stringify({ meta, suites: results.suites, rows: results.rows, targets }, null, 2)}\n`;
}
