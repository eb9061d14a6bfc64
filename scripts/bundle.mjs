/**
 * Builds what the package's entry points load: dist/lib/*.js, one file per entry point plus the chunks they
 * share, made by esbuild from src/ (the source of truth; dist/ is build output). Run by `npm run build` after tsc,
 * which still writes dist/src/ (the .d.ts files the entry points' types come from, the CLI, and the compiled files
 * tests and examples run).
 *
 * Why ship bundles at all: a fresh `node app.js` that imports wiregrpc used to load ~40 small ES modules, and
 * Node 20 resolves, reads (async, one file at a time along each import chain), compiles and links each one
 * separately. That was most of wiregrpc's own share of a process's cold start (see bench/ cold-start). One file per
 * entry point keeps the code the same and the module count small.
 *
 * - All entry points come from ONE build with code splitting, so `wiregrpc`, `wiregrpc/core`, `wiregrpc/web`, ...
 *   share their modules: a program importing two of them still has one GrpcError class, one Metadata.
 * - Dependencies (protobufjs) stay external: we ship our code, not a copy of theirs.
 * - Not minified (the files stay readable in a stack trace); source maps (with the sources) map back to src/.
 * - Checks that wiregrpc/core and wiregrpc/web never reach protobufjs, nor wiregrpc/web any Node built-in.
 *
 * Usage: node scripts/bundle.mjs
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Every output file sits directly in OUT_DIR, two levels below the root, like dist/src/<floor>/x.js: code that
 *  finds package.json or proto/ relative to import.meta.url (../../) works from both. */
const OUT_DIR = path.join(ROOT, 'dist', 'lib');

/** Output name → source entry point (package.json "exports" maps to dist/lib/<name>.js). */
const ENTRIES = {
  index: 'src/service/index.ts',
  core: 'src/service/core.ts',
  web: 'src/web/index.ts',
  wire: 'src/wire/index.ts',
  http2: 'src/http2/index.ts',
  health: 'src/service/health.ts',
  reflection: 'src/service/reflection.ts',
};

/** Entry points that must not load protobufjs (the .proto loader) or, for web, anything from Node. */
const NO_PROTOBUFJS = ['core', 'web', 'wire', 'http2'];
const NO_NODE = ['web', 'wire'];

rmSync(OUT_DIR, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES)),
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  sourcesContent: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

/** The external imports an output file reaches, through the chunks it imports. */
function externalsOf(file, outputs, seen = new Set()) {
  if (seen.has(file)) return new Set();
  seen.add(file);
  const found = new Set();
  for (const imp of outputs[file].imports) {
    if (imp.external) found.add(imp.path);
    else for (const e of externalsOf(imp.path, outputs, seen)) found.add(e);
  }
  return found;
}

const outputs = result.metafile.outputs;
const rel = (name) => path.relative(ROOT, path.join(OUT_DIR, `${name}.js`));
for (const name of Object.keys(ENTRIES)) {
  const externals = [...externalsOf(rel(name), outputs)];
  if (NO_PROTOBUFJS.includes(name) && externals.some((e) => e.startsWith('protobufjs'))) {
    throw new Error(`bundle: dist/lib/${name}.js reaches protobufjs`);
  }
  if (NO_NODE.includes(name) && externals.length > 0) {
    throw new Error(`bundle: dist/lib/${name}.js imports ${externals.join(', ')}`);
  }
}
const files = Object.keys(outputs).filter((f) => f.endsWith('.js'));
const kib = files.reduce((sum, f) => sum + outputs[f].bytes, 0) / 1024;
console.log(`bundle: ${Object.keys(ENTRIES).length} entry points, ${files.length} files, ${kib.toFixed(0)} KiB in dist/lib`);
