/** Where things are, wherever the compiled bench runs from (dist/bench/... or bench/...). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'proto'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`bench: cannot find the repository root above ${start}`);
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
/** Compiled bench programs (peers are started from here). */
export const DIST_BENCH = join(ROOT, 'dist', 'bench');
export const USERINFO_PROTO = join(ROOT, 'proto', 'userinfo.proto');
export const BENCH_PROTO = join(ROOT, 'bench', 'proto', 'bench.proto');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const TMP_DIR = join(ROOT, 'bench', '.tmp');

export function peerScript(name: string): string {
  return join(DIST_BENCH, 'peers', `${name}.js`);
}
