/**
 * wiregrpc's codec generates no code at run time: it works where eval and
 * new Function are forbidden (CSP, some edge runtimes, and
 * `node --disallow-code-generation-from-strings`). protobufjs's generated
 * codec fails there, which shows the flag is in force.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { ROOT } from '../golden/values.js';

t.test('no eval or new Function in src/', async (t) => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'src'));
  t.ok(files.length > 10, `${files.length} source files`);
  const banned = /\beval\s*\(|\bnew\s+Function\s*\(|(?<![.\w])Function\s*\(\s*['"`]/;
  for (const f of files) {
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    t.notMatch(code, banned, path.relative(ROOT, f));
  }
});

t.test('encode/decode/JSON under --disallow-code-generation-from-strings', async (t) => {
  // The check script, compiled fresh (esbuild) so this test never runs a stale dist/.
  const outDir = path.join(ROOT, 'test/.gen/no-eval');
  mkdirSync(outDir, { recursive: true });
  const script = path.join(outDir, 'no-eval-check.mjs');
  buildSync({
    entryPoints: [path.join(ROOT, 'test/wire/no-eval-check.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: script,
    logLevel: 'warning',
  });
  t.ok(existsSync(script));
  const run = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(run.status, 0, `exits 0 ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim()) as Record<string, { value?: any; error?: string }>;
  t.match(result['evalProbe']!.error, /^EvalError/, 'eval itself is refused: the flag is in force');
  t.match(result['pbjs']!.error, /^EvalError/, `protobufjs's generated codec fails (${result['pbjs']!.error})`);
  t.notOk(result['ours']!.error, `wiregrpc's codec works (${result['ours']!.error ?? ''})`);
  t.equal(result['ours']!.value.hex, '08011203666f6f180c2206656174696e672205736c656570');
  t.same(result['ours']!.value.back, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
  t.same(result['ours']!.value.json, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
  t.same(result['ours']!.value.fromJson, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
});
