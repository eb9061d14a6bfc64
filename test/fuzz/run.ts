/**
 * The fuzzer: coverage-free random and mutation fuzzing of every parser of
 * untrusted input, and of the server's whole request path.
 *
 *   npm run fuzz -- --seconds 600              all targets, the time shared out
 *   npm run fuzz -- --seconds 60 --target codec,server --seed 42
 *   npm run fuzz -- --replay fuzz-crashes/codec-42-1234.json
 *
 * Prints the cases run and the failures per target; exits non-zero on any
 * failure, each saved as a JSON reproducer (target, seed, case, input, error)
 * under --out (default ./fuzz-crashes).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from './rng.js';
import type { FuzzTarget } from './target.js';
import { codec, deframer, metadata, percent, reader, timeout } from './targets/wire.js';
import { serverTarget } from './targets/server.js';
import { h2Target } from './targets/h2.js';
import { json, text } from './targets/json.js';

export const TARGETS: FuzzTarget<any>[] = [
  reader,
  codec,
  deframer,
  timeout,
  percent,
  metadata,
  json,
  text,
  serverTarget,
  h2Target,
];
/** The server target is slow per case and the most valuable: it gets three shares of the time. */
const SHARES: Record<string, number> = { server: 3 };

export interface FuzzFailureRecord {
  target: string;
  seed: number;
  case: number;
  input: unknown;
  error: string;
  file?: string;
}

export interface FuzzResult {
  name: string;
  cases: number;
  seconds: number;
  failures: number;
}

export interface FuzzOptions {
  seconds: number;
  seed?: number;
  targets?: string[];
  /** Where reproducers go; undefined = not saved. */
  out?: string;
  log?: (line: string) => void;
}

const MAX_FAILURES_PER_TARGET = 5;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export async function runFuzz(options: FuzzOptions): Promise<{ results: FuzzResult[]; failures: FuzzFailureRecord[] }> {
  const seed = options.seed ?? Date.now() >>> 0;
  const log = options.log ?? (() => {});
  const targets = TARGETS.filter((t) => options.targets === undefined || options.targets.includes(t.name));
  const totalShares = targets.reduce((n, t) => n + (SHARES[t.name] ?? 1), 0);
  const results: FuzzResult[] = [];
  const failures: FuzzFailureRecord[] = [];
  let current: { target: string; case: number; input: unknown } | undefined;
  const onUncaught = (err: unknown) => {
    failures.push({
      target: current?.target ?? '?',
      seed,
      case: current?.case ?? -1,
      input: current?.input,
      error: `uncaught: ${describe(err)}`,
    });
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  try {
    for (const target of targets) {
      const budgetMs = (options.seconds * 1000 * (SHARES[target.name] ?? 1)) / totalShares;
      const rng = new Rng(seed ^ hash(target.name));
      await target.setup?.();
      const started = Date.now();
      let cases = 0;
      let failed = 0;
      try {
        while (Date.now() - started < budgetMs && failed < MAX_FAILURES_PER_TARGET) {
          const input = target.generate(rng);
          current = { target: target.name, case: cases, input };
          try {
            const pending = target.execute(input);
            if (pending !== undefined) await pending;
          } catch (err) {
            failed++;
            const record: FuzzFailureRecord = { target: target.name, seed, case: cases, input, error: describe(err) };
            if (options.out !== undefined) record.file = save(options.out, record);
            failures.push(record);
            log(
              `  FAIL ${target.name} case ${cases}: ${record.error.split('\n')[0]}${record.file ? ` (reproducer: ${record.file})` : ''}`,
            );
          }
          cases++;
        }
      } finally {
        await target.teardown?.();
      }
      const uncaught = failures.filter((f) => f.target === target.name).length - failed;
      const result = { name: target.name, cases, seconds: (Date.now() - started) / 1000, failures: failed + uncaught };
      results.push(result);
      log(
        `${target.name.padEnd(9)} ${String(cases).padStart(9)} cases in ${result.seconds.toFixed(1)} s, ${result.failures} failures`,
      );
    }
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  return { results, failures };
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
}

function save(dir: string, record: FuzzFailureRecord): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.target}-${record.seed}-${record.case}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 1)}\n`);
  return file;
}

/** Runs one saved reproducer again; resolves with the error text, or undefined if it passes now. */
export async function replay(file: string): Promise<string | undefined> {
  const record = JSON.parse(readFileSync(file, 'utf8')) as FuzzFailureRecord;
  const target = TARGETS.find((t) => t.name === record.target);
  if (target === undefined) throw new Error(`no target ${record.target}`);
  await target.setup?.();
  try {
    await target.execute(record.input);
    return undefined;
  } catch (err) {
    return describe(err);
  } finally {
    await target.teardown?.();
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const replayFile = arg('replay');
  if (replayFile !== undefined) {
    const error = await replay(replayFile);
    console.log(error === undefined ? 'passes now' : `still fails: ${error}`);
    process.exit(error === undefined ? 0 : 1);
  }
  const seconds = Number(arg('seconds') ?? 60);
  const seed = arg('seed') === undefined ? undefined : Number(arg('seed'));
  const out = arg('out') ?? 'fuzz-crashes';
  const targets = arg('target')?.split(',');
  const actualSeed = seed ?? Date.now() >>> 0;
  console.log(`fuzzing for ${seconds} s, seed ${actualSeed}${targets ? `, targets ${targets.join(',')}` : ''}`);
  const { results, failures } = await runFuzz({ seconds, seed: actualSeed, targets, out, log: (l) => console.log(l) });
  const total = results.reduce((n, r) => n + r.cases, 0);
  console.log(`total     ${String(total).padStart(9)} cases, ${failures.length} failures`);
  process.exit(failures.length > 0 ? 1 : 0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) void main();
