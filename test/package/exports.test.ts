// The package's entry points, as a program that installed wiregrpc imports them: by name, through
// package.json "exports", which (for Node) point at the esbuild bundles in dist/lib (scripts/bundle.mjs,
// run by `npm run build`). Each runs in a fresh process, so nothing here is served from src/.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; module: string; default: string }>;
};
const entries = Object.entries(pkg.exports).filter(([, target]) => typeof target !== 'string');

/** Runs an ES module program (from the repository root, so `wiregrpc` resolves to this package) and returns its stdout as JSON. */
function run(t: Test, source: string): any {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.equal(r.status, 0, `exits 0${r.status === 0 ? '' : `: ${r.stderr}`}`);
  return JSON.parse(r.stdout || 'null');
}

t.test('every entry point has its bundle, its types and its per-file module', async (t) => {
  for (const [name, target] of entries) {
    if (typeof target === 'string') continue;
    for (const file of [target.default, target.types, target.module]) {
      t.ok(existsSync(path.join(ROOT, file)), `${name}: ${file} exists (npm run build)`);
    }
    t.match(target.default, /^\.\/dist\/lib\/[a-z0-9]+\.js$/, `${name}: Node loads the bundle`);
  }
});

t.test('entry points load by name and share one copy of each class', async (t) => {
  const names = entries.map(([name]) => `wiregrpc${name.slice(1)}`);
  const out = run(
    t,
    `
    const names = ${JSON.stringify(names)};
    const mods = {};
    for (const name of names) mods[name] = await import(name);
    const errors = new Set(names.filter((n) => mods[n].GrpcError).map((n) => mods[n].GrpcError));
    const channels = new Set(names.filter((n) => mods[n].Channel).map((n) => mods[n].Channel));
    const err = new mods['wiregrpc/core'].GrpcError(5, 'x');
    console.log(JSON.stringify({
      exports: Object.fromEntries(names.map((n) => [n, Object.keys(mods[n]).length])),
      errorClasses: errors.size, channelClasses: channels.size,
      crossInstanceof: err instanceof mods['wiregrpc/web'].GrpcError && err instanceof mods['wiregrpc'].GrpcError,
    }));`,
  );
  for (const name of names) t.ok(out.exports[name] > 0, `${name} exports something`);
  t.equal(out.errorClasses, 1, 'one GrpcError class across entry points');
  t.equal(out.channelClasses, 1, 'one Channel class across entry points');
  t.equal(out.crossInstanceof, true, 'a GrpcError from wiregrpc/core is a wiregrpc/web and wiregrpc GrpcError');
});

t.test('wiregrpc/core loads no protobufjs; wiregrpc loads it with the .proto loader', async (t) => {
  const probe = (entry: string): string => `
    import { createRequire } from 'node:module';
    await import('${entry}');
    const pb = createRequire(import.meta.url).resolve('protobufjs');
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).includes(pb)));`;
  t.equal(run(t, probe('wiregrpc/core')), false, 'wiregrpc/core');
  t.equal(run(t, probe('wiregrpc')), true, 'wiregrpc');
});

t.test('the bundled health and reflection entries find the .proto files they ship', async (t) => {
  const out = run(
    t,
    `
    const { Health } = await import('wiregrpc/health');
    const { ServerReflection } = await import('wiregrpc/reflection');
    console.log(JSON.stringify([Health.typeName, ServerReflection.typeName]));`,
  );
  t.same(out, ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection']);
});

t.test(
  "transport 'wiregrpc': wiregrpc and wiregrpc/sockets include it, wiregrpc/core only once it opts in",
  async (t) => {
    /** What `new Channel(…, { transport: 'wiregrpc' })` does after the program's imports: 'ok', or the error. */
    const probe = (imports: string, then = ''): string => `
    ${imports}
    ${then}
    let result = 'ok';
    try {
      new Channel('127.0.0.1:1', { transport: 'wiregrpc' }).close();
    } catch (error) {
      result = error.name + ': ' + error.message;
    }
    console.log(JSON.stringify(result));`;
    t.match(
      run(t, probe("import { Channel } from 'wiregrpc/core';")),
      /^TypeError: channel option transport 'wiregrpc' needs wiregrpc's own HTTP\/2 client, which this program does not include/,
      'wiregrpc/core alone',
    );
    t.equal(
      run(
        t,
        probe(
          "import { Channel } from 'wiregrpc/core'; import { registerWiregrpcTransport } from 'wiregrpc/http2';",
          'registerWiregrpcTransport();',
        ),
      ),
      'ok',
      'wiregrpc/core after registerWiregrpcTransport() from wiregrpc/http2',
    );
    t.equal(run(t, probe("import { Channel } from 'wiregrpc';")), 'ok', 'wiregrpc');
    t.equal(run(t, probe("import { Channel } from 'wiregrpc/sockets';")), 'ok', 'wiregrpc/sockets');
  },
);
