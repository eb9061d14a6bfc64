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
 * - Checks that wiregrpc/core and wiregrpc/web never reach protobufjs, nor wiregrpc/web any Node built-in, and
 *   that a client program of wiregrpc/core bundles nothing of src/h2 (wiregrpc's own HTTP/2 is opt-in).
 *
 * Usage: node scripts/bundle.mjs
 */
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  fetch: 'src/fetch/index.ts',
  wire: 'src/wire/index.ts',
  http2: 'src/http2/index.ts',
  health: 'src/service/health.ts',
  reflection: 'src/service/reflection.ts',
  sockets: 'src/service/sockets.ts',
};

/**
 * Each module goes into a chunk by the set of entry points that reach it, so seven entry points with
 * different reaches made nine files for `wiregrpc/core` — and Node's ES module loader costs ~0.6 ms of CPU per
 * file (resolve, read, compile, link). Here every entry point also imports (for nothing but reachability) the
 * layer below it, so the modules fall into a few layers: Node-free (wire, web), the Node runtime (core, http2,
 * health, reflection reach all of it), the .proto loader. wiregrpc/core is then 3 files; wiregrpc, 4.
 * Import of wiregrpc/core after node:http2, process CPU, median of 25: 9 files 13.7 ms, 3 files 10.9 ms.
 */
/**
 * wiregrpc/fetch stands on the Node-free layer (it reaches web and wire), and also reaches four transport-free
 * modules of src/service and src/http2 that web and wire do not (the context, interceptors, the router, CORS):
 * web and wire reach them as well, so that they fall into the Node-free layer rather than into chunks of their own.
 * Files loaded per entry point with the fetch entry: index 6, core 5, web 5 without this; index 4, core 3, web 3
 * with it (as before the entry), fetch 3.
 */
const FETCH_SHARED = [
  'src/service/context.ts',
  'src/service/interceptors.ts',
  'src/service/router.ts',
  'src/http2/cors.ts',
];
/**
 * wiregrpc's own HTTP/2 client (h2-client-connect.ts) is not imported by wiregrpc/core (a client program bundled
 * from it leaves the client out: see the check at the end), but wiregrpc, wiregrpc/http2 and wiregrpc/sockets reach
 * it. It is side-effect free (registering it is those entry points' own statement), so the Node runtime layer holds
 * it and they load no extra chunk for it. Files per entry point without this: index 6, http2 4, sockets 5; with it
 * as before the split (4, 3, 3), core 3.
 */
const OWN_HTTP2_CLIENT = 'src/http2/h2-client-connect.ts';
const NODE_LAYER = ['src/service/core.ts', OWN_HTTP2_CLIENT];
const LAYER_BELOW = {
  core: [OWN_HTTP2_CLIENT],
  web: ['src/wire/index.ts', ...FETCH_SHARED],
  wire: ['src/web/index.ts', ...FETCH_SHARED],
  fetch: ['src/web/index.ts', 'src/wire/index.ts'],
  http2: NODE_LAYER,
  health: NODE_LAYER,
  reflection: NODE_LAYER,
  sockets: NODE_LAYER,
};

/** An entry point as esbuild sees it: the source itself, or a facade that imports the layer below too. */
const facadePlugin = {
  name: 'entry-facade',
  setup(build) {
    build.onResolve({ filter: /^facade:/ }, (args) => ({
      path: args.path.slice('facade:'.length),
      namespace: 'facade',
    }));
    build.onLoad({ filter: /.*/, namespace: 'facade' }, (args) => ({
      contents: [
        ...LAYER_BELOW[args.path].map((file) => `import './${file}';`),
        `export * from './${ENTRIES[args.path]}';`,
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    }));
  },
};

/**
 * Node built-ins through `require`, not `import`. When an ES module imports `node:fs`, Node builds the built-in's
 * ES module face by reading every one of its exports, and some of those are getters that load more of Node: fs's
 * ReadStream (internal/fs/streams), net's BlockList and SocketAddress, buffer's File. A program that imported
 * wiregrpc/core after node:http2 loaded 7 more of Node's modules for those reads alone. `require('node:fs')`
 * returns the object as is. So src/http2's `import { x } from 'node:fs'` gets, in the bundle, a small module that
 * requires the built-in (through createRequire: node:module stays an ES import) and exports just the names src/http2
 * imports from it. The .proto loader's few built-ins (loaded beside protobufjs) stay ES imports.
 */
const RUNTIME_DIR = path.join(ROOT, 'src', 'http2');
/** Built-in → the names src/http2 imports from it (found in the source: `import a, { b, c as d } from 'node:x'`). */
function builtinImports() {
  const names = new Map();
  for (const file of readdirSync(RUNTIME_DIR).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(RUNTIME_DIR, file), 'utf8');
    for (const [, clause, specifier] of source.matchAll(/^import\s+(?!type\s)([^;]*?)\s+from\s+'(node:[\w/]+)';/gm)) {
      if (clause.includes('*')) throw new Error(`bundle: ${file}: import * from '${specifier}' (name what you use)`);
      const list = names.get(specifier) ?? new Set();
      names.set(specifier, list);
      for (const part of clause.match(/\{([^}]*)\}/)?.[1].split(',') ?? []) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (name !== '' && !name.startsWith('type ')) list.add(name);
      }
    }
  }
  return names;
}
const nodeBuiltinsPlugin = {
  name: 'node-builtins-by-require',
  setup(build) {
    const imported = builtinImports();
    build.onResolve({ filter: /^node:/ }, (args) => {
      const inRuntime =
        path.dirname(args.importer) === RUNTIME_DIR && imported.has(args.path) && args.path !== 'node:module';
      return inRuntime ? { path: args.path, namespace: 'node-builtin' } : { path: args.path, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => {
      const names = [...imported.get(args.path)];
      return {
        contents: [
          "import { createRequire } from 'node:module';",
          `const builtin = createRequire(import.meta.url)(${JSON.stringify(args.path)});`,
          'export default builtin;',
          ...(names.length > 0 ? [`export const { ${names.join(', ')} } = builtin;`] : []),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/** Entry points that must not load protobufjs (the .proto loader) or, for web, anything from Node. */
const NO_PROTOBUFJS = ['core', 'web', 'fetch', 'wire', 'http2', 'sockets'];
const NO_NODE = ['web', 'fetch', 'wire'];

rmSync(OUT_DIR, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: Object.fromEntries(
    Object.keys(ENTRIES).map((name) => [name, name in LAYER_BELOW ? `facade:${name}` : ENTRIES[name]]),
  ),
  plugins: [facadePlugin, nodeBuiltinsPlugin],
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
  // No keepNames: it wraps every function expression in __name(fn, "x"), and at run time that gives each closure
  // made per connection or per call a `name` property dictionary (~250 bytes): 1,000 idle own-h2 server
  // connections took 23.6 MiB of RSS with it, 21.2 without (the bench memory row's steps, median of 3), and
  // dist/lib is 626 KiB with it, 601 without. Class names stay right without it as long as esbuild emits each
  // class as `var Name = class` under its own name: a class that names itself in its body, or shares its name with
  // another module's class, would come out as `_Name` / `Name2` (in util.inspect and stack traces).
  // test/h2/bundle-names.test.ts checks every class of the bundle and every export's name.
  keepNames: false,
  // request-headers.ts's user-agent version, so that loading the bundle reads no package.json.
  define: {
    WIREGRPC_VERSION: JSON.stringify(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version),
  },
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

/**
 * ASCII output. esbuild escapes non-ASCII characters in code but leaves those in the comments it keeps (the
 * source's em dashes, arrows, box-drawing rules). One such character anywhere makes V8 hold the whole file's
 * source as a two-byte string, for as long as the process runs: ~2x the file size of heap (dist/lib's chunks:
 * ~220 KiB more in every process). Comments only, so plain ASCII look-alikes (or \u escapes) change nothing.
 */
const ASCII_FOR = {
  '\u2014': '--',
  '\u2013': '-',
  '\u2192': '->',
  '\u2190': '<-',
  '\u2194': '<->',
  '\u2500': '-',
  '\u2026': '...',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u00d7': 'x',
  '\u201c': '"',
  '\u201d': '"',
  '\u2018': "'",
  '\u2019': "'",
  '\u00a7': 'S',
};
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const full = path.join(ROOT, file);
  const text = readFileSync(full, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/gu, (c) => ASCII_FOR[c] ?? `\\u{${c.codePointAt(0).toString(16)}}`);
  if (ascii !== text) writeFileSync(full, ascii);
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
/**
 * A client program of wiregrpc/core, bundled as a user's bundler would (from src/, tree-shaken, minified), must not
 * contain wiregrpc's own HTTP/2 client: it is a part a program opts into (src/http2/client-transport.ts). Min+gzip of
 * the bench's wiregrpc-gen program: 54.3 KiB with it, 37.7 KiB without. What stays of src/h2 is the module-level
 * data of the modules the server transport imports (the Huffman and HPACK tables, frozen defaults: ~3.5 KiB
 * minified), which esbuild keeps because it cannot prove those statements free of side effects; with the client's
 * engine it is ~52 KiB, hence the 8 KiB budget.
 */
const OWN_CLIENT = /^src\/http2\/h2-client-(connect|connection|stream|headers)\.ts$/;
const CORE_CLIENT_H2_BUDGET = 8 * 1024;
const coreClient = await esbuild.build({
  absWorkingDir: ROOT,
  stdin: {
    contents: [
      "import { createClient, defineService } from './src/service/core.ts';",
      "const A = { typeName: 'p.A', fields: [] };",
      "const S = defineService('p.S', [{ name: 'M', shape: 'unary', input: A, output: A }]);",
      "await createClient(S, '127.0.0.1:1').m({});",
    ].join('\n'),
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true,
  minify: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
});
const coreClientInputs = Object.values(coreClient.metafile.outputs).flatMap((output) =>
  Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0),
);
const ownClient = coreClientInputs.filter(([file]) => OWN_CLIENT.test(file)).map(([file]) => file);
if (ownClient.length > 0) throw new Error(`bundle: a wiregrpc/core client program includes ${ownClient.join(', ')}`);
const coreClientH2 = coreClientInputs
  .filter(([file]) => file.startsWith('src/h2/'))
  .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
if (coreClientH2 > CORE_CLIENT_H2_BUDGET) {
  throw new Error(`bundle: a wiregrpc/core client program has ${coreClientH2} bytes of src/h2 (budget 8 KiB)`);
}

const files = Object.keys(outputs).filter((f) => f.endsWith('.js'));
const kib = files.reduce((sum, f) => sum + outputs[f].bytes, 0) / 1024;
/** The files a program loads for one entry point: it and the chunks it imports. */
function filesOf(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const imp of outputs[file].imports) if (!imp.external) filesOf(imp.path, seen);
  return seen;
}
const counts = Object.keys(ENTRIES)
  .map((name) => `${name} ${filesOf(rel(name)).size}`)
  .join(', ');
console.log(
  `bundle: ${files.length} files, ${kib.toFixed(0)} KiB in dist/lib; files loaded per entry point: ${counts}`,
);

// The package's bin: tsc writes files without the execute bit, and the build starts from an empty dist/, so the
// CLI is made executable here (npm sets the bit only when it installs a package, not when its own build runs).
chmodSync(path.join(ROOT, 'dist/src/cli/main.js'), 0o755);
