// What a new user gets from `npm install`: a lockfile that `npm install` leaves as it is, a tarball with dist/
// built and no install-time script, source maps that carry their sources, and `require('wiregrpc')` for
// CommonJS programs on the Node versions package.json's "engines" names.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error -- a plain .mjs build script, no declarations
import { packedManifest } from '../../scripts/pack-manifest.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
type Manifest = Record<string, unknown> & { scripts: Record<string, string>; engines: { node: string } };
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  name: string;
  version: string;
  packages: Record<string, Record<string, unknown>>;
};

t.test('package-lock.json agrees with package.json, so `npm install` rewrites nothing', async (t) => {
  // npm rewrites the lockfile's root entry from package.json (this is what `npm install` changed in a fresh
  // clone: the bin path). The CI step `npm install --package-lock-only --ignore-scripts && git diff --exit-code
  // package-lock.json` checks the rest against the registry.
  const root = lock.packages['']!;
  t.equal(lock.name, pkg.name);
  t.equal(lock.version, pkg.version);
  for (const key of ['name', 'version', 'license', 'engines', 'dependencies', 'devDependencies']) {
    t.same(root[key], pkg[key], `root entry: ${key}`);
  }
  // npm writes bin paths without a leading `./`.
  const bins = Object.entries(pkg.bin as Record<string, string>).map(([k, v]) => [k, v.replace(/^\.\//, '')]);
  t.same(root.bin, Object.fromEntries(bins), 'root entry: bin');
  for (const key of ['optionalDependencies', 'peerDependencies']) t.equal(root[key], pkg[key], `root entry: ${key}`);
  const wanted = { ...(pkg.dependencies as object), ...(pkg.devDependencies as object) };
  for (const name of Object.keys(wanted)) t.ok(lock.packages[`node_modules/${name}`], `${name} is locked`);
});

t.test('the tarball: dist/ built, the CLI in it, no install-time script', async (t) => {
  t.equal(pkg.scripts.prepare, 'npm run build && node scripts/link-bin.mjs', 'a git install or a clone still builds');
  t.match(pkg.scripts.prepack, /npm run build && node scripts\/pack-manifest\.mjs strip/);
  t.equal(pkg.scripts.postpack, 'node scripts/pack-manifest.mjs restore');
  const packed = packedManifest(pkg) as Manifest;
  t.notOk('prepare' in packed.scripts, 'the packed package.json has no prepare (npm warned about it on install)');
  for (const name of ['preinstall', 'install', 'postinstall']) t.notOk(name in packed.scripts, `no ${name}`);
  t.same({ ...packed, scripts: pkg.scripts }, pkg, 'nothing else changes');

  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  const bin = (pkg.bin as Record<string, string>).wiregrpc!.replace(/^\.\//, '');
  t.ok(files.includes(bin), `the bin ${bin} ships`);
  for (const entry of ['dist/lib/index.js', 'dist/lib/core.js', 'dist/src/service/index.d.ts', 'proto/userinfo.proto'])
    t.ok(files.includes(entry), `${entry} ships`);
  t.same(
    files.filter((f) => /^(src|test|bench|examples|dist\/test|dist\/bench)\//.test(f)),
    [],
    'no sources, tests or benchmarks',
  );
});

t.test('in a clone, `npx wiregrpc` finds the local CLI (it reinstalled the folder, ~20 s, before)', async (t) => {
  // prepare (npm install) runs scripts/link-bin.mjs after the build.
  const link = path.join(ROOT, 'node_modules', '.bin', 'wiregrpc');
  t.equal(realpathSync(link), path.join(ROOT, 'dist', 'src', 'cli', 'main.js'));
  const r = spawnSync(link, ['--help'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^wiregrpc — /);
});

t.test('source maps in the package carry their sources (src/ is not shipped)', async (t) => {
  const maps: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js.map')) maps.push(full);
    }
  };
  walk(path.join(ROOT, 'dist', 'src'));
  walk(path.join(ROOT, 'dist', 'lib'));
  t.ok(maps.length > 50, `${maps.length} maps`);
  const lacking = maps.filter((file) => {
    const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
    return map.sources.some((_, i) => typeof map.sourcesContent?.[i] !== 'string');
  });
  t.same(lacking, [], 'every source is inline (npm run build)');
});

t.test('CommonJS: require("wiregrpc") works on every Node that "engines" admits', async (t) => {
  t.equal(pkg.engines.node, '^20.19.0 || >=22.12.0', 'require(esm) without a flag: Node 20.19, 22.12');
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const admitted = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
  t.ok(admitted, `this Node (${process.versions.node}) is one engines admits`);
  // `node -e` runs CommonJS; from the package root, `wiregrpc` resolves to this package through "exports".
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const w = require('wiregrpc'); const core = require('wiregrpc/core');
       console.log(JSON.stringify([typeof w.createClient, typeof w.loadProtoSync, typeof core.Server, w.GrpcError === core.GrpcError]));`,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
  );
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), ['function', 'function', 'function', true]);
  t.equal(r.stderr, '', 'no warning');
});
