/**
 * A hand-written SVG bar chart for the README: one group per targeted comparison, one bar per implementation,
 * lengths relative to the best in the group (so "longer is better" even for times and sizes), the actual median
 * printed beside each bar, and each goal drawn as a tick on its subject's bar (wiregrpc's, or wiregrpc-gen's).
 */
import type { Results, TargetResult } from './results.js';
import { fmt } from './stats.js';

const COLORS: Record<string, string> = {
  wiregrpc: '#1f6feb',
  'wiregrpc-gen': '#79b8ff',
  raw: '#57606a',
  'grpc-js': '#a0a8b0',
};
const OTHER = '#c4cad0';
const WIDTH = 820;
/** Room for the longest implementation name (the reference rows: "floor: node + http2 + protobufjs"). */
const LABEL_W = 212;
const BAR_W = 390;
const ROW_H = 20;
const GROUP_GAP = 16;
const TITLE_H = 22;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const SUITE_TITLES: Record<string, string> = {
  codec: 'Codec',
  'server-unary': 'Server unary',
  'client-unary': 'Client unary',
  streaming: 'Streaming',
  'cold-start': 'Cold start',
  size: 'Bundle size',
  memory: 'Memory',
};

export function svgChart(results: Results, targets: readonly TargetResult[], subtitle: string): string {
  const groups: { suite: string; case: string; metric: string; targets: TargetResult[] }[] = [];
  for (const t of targets) {
    let g = groups.find((x) => x.suite === t.suite && x.case === t.case && x.metric === t.metric);
    if (!g) {
      g = { suite: t.suite, case: t.case, metric: t.metric, targets: [] };
      groups.push(g);
    }
    g.targets.push(t);
  }
  const body: string[] = [];
  let y = 74;
  for (const g of groups) {
    const info = results.suites.find((s) => s.name === g.suite);
    const rows = (info?.impls ?? [])
      .map((i) => results.get(g.suite, g.case, g.metric, i))
      .filter((r) => r && r.samples.length > 0)
      .map((r) => r!);
    if (rows.length === 0) continue;
    const better = rows[0]!.better;
    const best = better === 'higher' ? Math.max(...rows.map((r) => r.median)) : Math.min(...rows.map((r) => r.median));
    const rel = (v: number): number => (better === 'higher' ? v / best : best / v);
    const named = g.targets.some((t) => t.subject !== 'wiregrpc'); // name every goal's subject once one is not wiregrpc
    const verdicts = g.targets
      .map(
        (t) =>
          `${t.pass === undefined ? '' : t.pass ? '✓' : '✗'} ${named ? `${t.subject} ` : ''}` +
          `${t.op === '<=' ? '≤' : t.op === '>=' ? '≥' : '>'}${t.value}× ${t.baseline}`,
      )
      .join('   ');
    body.push(
      `<text x="16" y="${y + 14}" class="t">${esc(
        `${SUITE_TITLES[g.suite] ?? g.suite} · ${g.case} · ${g.metric}` +
          ` (${better === 'higher' ? 'higher' : 'lower'} is better)`,
      )}</text>`,
    );
    body.push(`<text x="${WIDTH - 16}" y="${y + 14}" class="g" text-anchor="end">goal: ${esc(verdicts)}</text>`);
    y += TITLE_H;
    for (const r of rows) {
      const w = Math.max(1, Math.round(BAR_W * Math.min(1, rel(r.median))));
      const color = COLORS[r.impl] ?? OTHER;
      body.push(`<text x="${16 + LABEL_W - 8}" y="${y + 14}" text-anchor="end" class="l">${esc(r.impl)}</text>`);
      body.push(`<rect x="${16 + LABEL_W}" y="${y + 3}" width="${w}" height="${ROW_H - 6}" rx="2" fill="${color}"/>`);
      for (const t of g.targets) {
        const b = rows.find((x) => x.impl === t.baseline);
        if (t.subject !== r.impl || !b) continue;
        const goal = b.median * t.value;
        const gx = 16 + LABEL_W + Math.round(BAR_W * Math.min(1, rel(goal)));
        body.push(`<line x1="${gx}" y1="${y}" x2="${gx}" y2="${y + ROW_H}" class="k"/>`);
      }
      const range = r.samples.length > 1 ? ` (${fmt(r.min)}–${fmt(r.max)})` : '';
      body.push(
        `<text x="${16 + LABEL_W + w + 6}" y="${y + 14}" class="v">${esc(`${fmt(r.median)} ${r.unit}${range}`)}</text>`,
      );
      y += ROW_H;
    }
    y += GROUP_GAP;
  }
  const height = y + 8;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="12">
<style>.h{font-size:16px;font-weight:600;fill:#24292f}.s{fill:#57606a}.t{font-weight:600;fill:#24292f}` +
    `.g{fill:#57606a;font-size:11px}.l{fill:#24292f}.v{fill:#24292f;font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}.k{stroke:#cf222e;stroke-width:2}</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="16" y="24" class="h">wiregrpc vs @grpc/grpc-js vs raw node:http2</text>
<text x="16" y="42" class="s">${esc(subtitle)}</text>
<text x="16" y="58" class="s">bar length: relative to the best in its group (longer is better) · median (min–max) · red tick: a goal, on the bar it is set for</text>
${body.join('\n')}
</svg>
`
  );
}
