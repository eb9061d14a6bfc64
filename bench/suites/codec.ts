/**
 * Codec: runs the codec suite that bench/codec.ts exports (wiregrpc vs protobufjs vs @bufbuild/protobuf; written
 * and owned by the codec helper) and files its figures under this report.
 *
 * bench/codec.ts is loaded at run time. Its result is read in any of these shapes:
 *   - an array (or { rows | results: array }) of records with a case name (case | name | bench | message | op),
 *     an implementation (impl | library | lib | contender) and either samples (number[]) or one value
 *     (opsPerSec | ops | hz | value | median), optionally metric / unit / better;
 *   - { [case]: { [impl]: number | number[] | { samples | median | opsPerSec | ... } } }.
 * Implementation names are normalised to 'wiregrpc', 'protobufjs' and 'bufbuild'.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST_BENCH } from '../lib/paths.js';
import type { Metric } from '../lib/results.js';
import type { Ctx, Suite } from '../lib/suite.js';

const OPS: Metric = { name: 'ops/s', unit: 'ops/s', better: 'higher' };

export function normaliseImpl(name: string): string {
  const n = name.toLowerCase();
  if (n.includes('buf')) return 'bufbuild';
  if (n.includes('protobufjs') || n === 'pbjs') return 'protobufjs';
  if (n.includes('wire')) return 'wiregrpc';
  return name;
}

interface Figure { kase: string; impl: string; metric: Metric; samples: number[] }

const CASE_KEYS = ['case', 'name', 'bench', 'benchmark', 'message', 'op', 'task'];
const IMPL_KEYS = ['impl', 'library', 'lib', 'contender', 'implementation'];
const VALUE_KEYS = ['opsPerSec', 'ops', 'hz', 'value', 'median', 'mean'];

function samplesOf(v: unknown): number[] | undefined {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.samples)) return samplesOf(o.samples);
    for (const k of VALUE_KEYS) if (typeof o[k] === 'number') return [o[k] as number];
  }
  return undefined;
}

function metricOf(o: Record<string, unknown>): Metric {
  if (typeof o.metric !== 'string') return OPS;
  const better = o.better === 'lower' ? 'lower' : 'higher';
  return { name: o.metric, unit: typeof o.unit === 'string' ? o.unit : o.metric, better };
}

export function readCodecResult(result: unknown): Figure[] {
  const out: Figure[] = [];
  const list = Array.isArray(result) ? result
    : result && typeof result === 'object' && Array.isArray((result as any).rows) ? (result as any).rows
      : result && typeof result === 'object' && Array.isArray((result as any).results) ? (result as any).results
        : undefined;
  if (list) {
    for (const item of list as Record<string, unknown>[]) {
      const kase = CASE_KEYS.map((k) => item[k]).find((v) => typeof v === 'string') as string | undefined;
      const impl = IMPL_KEYS.map((k) => item[k]).find((v) => typeof v === 'string') as string | undefined;
      const samples = samplesOf(item);
      if (kase && impl && samples) out.push({ kase, impl: normaliseImpl(impl), metric: metricOf(item), samples });
    }
    return out;
  }
  if (result && typeof result === 'object') {
    for (const [kase, byImpl] of Object.entries(result as Record<string, unknown>)) {
      if (!byImpl || typeof byImpl !== 'object') continue;
      for (const [impl, v] of Object.entries(byImpl as Record<string, unknown>)) {
        const samples = samplesOf(v);
        const metric = v && typeof v === 'object' && !Array.isArray(v) ? metricOf(v as Record<string, unknown>) : OPS;
        if (samples) out.push({ kase, impl: normaliseImpl(impl), metric, samples });
      }
    }
  }
  return out;
}

export const codec: Suite = {
  name: 'codec',
  title: 'Codec (encode/decode in process)',
  impls: ['wiregrpc', 'protobufjs', 'bufbuild'],
  async run(ctx: Ctx) {
    const info = ctx.results.suite(this.name, this.title, this.impls);
    const file = join(DIST_BENCH, 'codec.js');
    if (!existsSync(file)) {
      const msg = 'bench/codec.ts (runCodecBench) is not there yet';
      if (ctx.ci) throw new Error(msg);
      info.notes.push(`skipped: ${msg}`);
      ctx.log(`[codec] ${msg}`);
      return;
    }
    const mod = await import(pathToFileURL(file).href);
    if (typeof mod.runCodecBench !== 'function') throw new Error('bench/codec.ts does not export runCodecBench');
    ctx.log('[codec] running runCodecBench from bench/codec.ts');
    const result = await mod.runCodecBench({ quick: ctx.quick, rounds: ctx.rounds, log: ctx.log });
    const figures = readCodecResult(result);
    if (figures.length === 0) throw new Error(`cannot read runCodecBench's result: ${JSON.stringify(result).slice(0, 300)}`);
    for (const f of figures) {
      if (!info.impls.includes(f.impl)) info.impls.push(f.impl);
      for (const s of f.samples) ctx.results.add(this.name, f.kase, f.metric, f.impl, s);
    }
    if (result && typeof result === 'object' && typeof (result as any).note === 'string') info.notes.push((result as any).note);
  },
};
