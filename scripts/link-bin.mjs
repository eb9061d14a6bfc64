/**
 * The clone's own `wiregrpc` command, so that `npx wiregrpc` in a clone runs the CLI at once.
 *
 * npm links the bins of a project's dependencies into node_modules/.bin, never the project's own. `npx wiregrpc`
 * in a clone therefore found no local command and installed the folder into npx's cache — running `prepare`, a full
 * build — before each first run (~20 s, silently). With node_modules/.bin/wiregrpc → dist/src/cli/main.js, npx
 * runs it directly (~0.3 s). Run by `prepare` (npm install in a clone, git installs) after the build; a tarball
 * install never runs it (the packed package.json has no prepare: scripts/pack-manifest.mjs).
 */
import { chmodSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const BIN_DIR = path.join(ROOT, 'node_modules', '.bin');
const LINK = path.join(BIN_DIR, 'wiregrpc');

chmodSync(TARGET, 0o755); // tsc writes files without the execute bit; npm sets it only for dependencies' bins
mkdirSync(BIN_DIR, { recursive: true });
try {
  lstatSync(LINK);
  rmSync(LINK);
} catch {
  /* not there yet */
}
symlinkSync(path.relative(BIN_DIR, TARGET), LINK);
