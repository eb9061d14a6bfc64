// The names a user sees in the shipped bundle (dist/lib, scripts/bundle.mjs) are the source's names. The bundle is
// built without esbuild's keepNames (it put a `name` property dictionary on every closure made at run time: ~3 KB
// per idle HTTP/2 connection); esbuild then names a class after the variable it emits it into, so a class that
// names itself inside its body (`var X = class _X`) or shares its name with another module's class
// (`var X2 = class`) would show the wrong name in util.inspect, console.log and stack traces.
// Needs `npm run build` first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import t from 'tap';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LIB = path.join(ROOT, 'dist', 'lib');
const ENTRIES = ['index', 'core', 'web', 'fetch', 'wire', 'http2', 'health', 'reflection', 'sockets'];

/** Every class declared anywhere in src/. */
function sourceClasses(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts'))
        for (const [, name] of readFileSync(full, 'utf8').matchAll(/^(?:export )?(?:abstract )?class (\w+)/gm))
          names.add(name!);
    }
  };
  walk(path.join(ROOT, 'src'));
  return names;
}

t.test('dist/lib is built', async (t) => {
  t.ok(existsSync(path.join(LIB, 'index.js')), 'dist/lib/index.js exists (run npm run build)');
});

t.test('every class in the bundle is emitted under its source name', async (t) => {
  const declared = sourceClasses();
  const files = readdirSync(LIB).filter((f) => f.endsWith('.js'));
  let classes = 0;
  for (const file of files) {
    const text = readFileSync(path.join(LIB, file), 'utf8');
    for (const [line, variable, inner] of text.matchAll(/^var (\w+) = class(?: (?!extends\b)(\w+))?\b/gm)) {
      classes++;
      t.ok(declared.has(variable!), `${file}: ${line} — a class of src/ is called ${variable}`);
      t.equal(inner, undefined, `${file}: ${line} — no inner class name (it would be the class's name)`);
    }
  }
  t.ok(classes > 50, `the bundle's classes were found (${classes})`);
});

t.test("each entry point's exported classes and functions carry their exported names", async (t) => {
  for (const entry of ENTRIES) {
    const mod = (await import(path.join(LIB, `${entry}.js`))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod))
      if (typeof value === 'function') t.equal(value.name, name, `wiregrpc/${entry}: ${name}`);
  }
});

t.test('what util.inspect prints for the everyday classes', async (t) => {
  const lib = (await import(path.join(LIB, 'index.js'))) as typeof import('../../src/service/index.js');
  const error = new lib.GrpcError(lib.Code.NOT_FOUND, 'no such user');
  t.equal(error.name, 'GrpcError');
  t.equal(error.constructor.name, 'GrpcError');
  t.match(inspect(error), /^GrpcError: NOT_FOUND: no such user\n/);
  t.match(inspect(lib.GrpcError.from(new Error('boom'))), /^GrpcError: UNKNOWN: boom\n/);
  const metadata = new lib.Metadata();
  metadata.set('user', 'ada');
  t.match(inspect(metadata), /^Metadata \{/);
  t.match(inspect(metadata.clone()), /^Metadata \{/);
});
