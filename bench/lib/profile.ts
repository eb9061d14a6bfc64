/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function, and self time per file,
 * so that "where does the time go" has an answer with names and files.
 */
import { readFileSync } from 'node:fs';
import { ROOT } from './paths.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  file: string;
  line: number;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: FunctionTime[];
  files: { file: string; selfMs: number }[];
}

function shortFile(url: string): string {
  if (!url) return '';
  let f = url.replace(/^file:\/\//, '');
  if (f.startsWith(`${ROOT}/`)) f = f.slice(ROOT.length + 1);
  // Compiled sources: dist/src/x.js is src/x.ts (line numbers are those of the compiled JS).
  if (f.startsWith('dist/')) f = f.slice(5).replace(/\.js$/, '.ts');
  return f;
}

export function summarise(path: string): ProfileSummary {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const key = (n: ProfileNode): string =>
    `${n.callFrame.functionName || '(anonymous)'}\u0000${n.callFrame.url}\u0000${n.callFrame.lineNumber}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  let all = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    all += dt;
    let node = byId.get(prof.samples[i]!);
    if (!node) continue;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const file = node.callFrame.url ? shortFile(node.callFrame.url) : node.callFrame.functionName || '(native)';
    files.set(file, (files.get(file) ?? 0) + dt);
    const seen = new Set<string>();
    for (let depth = 0; node && depth < 500; depth++) {
      const kk = key(node);
      if (!seen.has(kk)) {
        seen.add(kk);
        total.set(kk, (total.get(kk) ?? 0) + dt);
      }
      const p = parent.get(node.id);
      node = p === undefined ? undefined : byId.get(p);
    }
  }
  const functions: FunctionTime[] = [...total.entries()].map(([k, t]) => {
    const [name, url, line] = k.split('\u0000') as [string, string, string];
    return { name, file: url ? shortFile(url) : '', line: Number(line) + 1, selfMs: self.get(k) ?? 0, totalMs: t };
  });
  return {
    totalMs: all,
    functions,
    files: [...files.entries()].map(([file, selfMs]) => ({ file, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** Percentages are of busy time: the sampled time less "(idle)" (waiting for I/O between runs). */
export function formatSummary(s: ProfileSummary, top = 25, filter?: (f: FunctionTime) => boolean): string {
  const idle = s.functions.find((f) => f.name === '(idle)')?.selfMs ?? 0;
  const busy = s.totalMs - idle;
  const pct = (ms: number): string => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const lines = [
    `busy ${busy.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms sampled (percentages are of busy time)`,
    '',
    'self time by function:',
  ];
  const fns = s.functions
    .filter((f) => f.selfMs > 0 && f.name !== '(idle)' && (!filter || filter(f)))
    .sort((a, b) => b.selfMs - a.selfMs);
  for (const f of fns.slice(0, top)) {
    lines.push(`  ${pct(f.selfMs)} self ${pct(f.totalMs)} incl  ${f.name}  ${f.file}${f.file ? `:${f.line}` : ''}`);
  }
  lines.push('', 'inclusive time, our code (src/):');
  const ours = s.functions.filter((f) => f.file.startsWith('src/')).sort((a, b) => b.totalMs - a.totalMs);
  for (const f of ours.slice(0, top)) {
    lines.push(`  ${pct(f.totalMs)} incl ${pct(f.selfMs)} self  ${f.name}  ${f.file}:${f.line}`);
  }
  lines.push('', 'self time by file:');
  for (const f of s.files.filter((x) => x.file !== '(idle)').slice(0, 15)) lines.push(`  ${pct(f.selfMs)}  ${f.file}`);
  return lines.join('\n');
}
