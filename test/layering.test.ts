/**
 * The floors of the house, held by a test rather than by review.
 *
 *   floor 4  src/cli, src/web,     everything below
 *            src/fetch
 *   floor 3  src/service           protobufjs (parsing only), Node
 *   floor 2  src/http2             Node (node:http2, node:net, node:tls, node:zlib …)
 *   floor 1  src/wire/grpc         src/wire/proto only: no Node, no packages
 *   floor 0  src/wire/proto        nothing at all: protobuf knows no gRPC, no Node
 *
 * Every import counts: values, `import type`, re-exports, dynamic `import()` and
 * `require()`. Imports only point down (or sideways within a floor), and the
 * graph of src has no cycle — a cycle of files is one concept split in two, or
 * two concepts that should meet in a third file.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './helpers/peers.js';

/** Which floor a file of src is on, by its folder; undefined for files outside the floors (none today). */
function floorOf(file: string): { name: string; level: number } | undefined {
  if (file.startsWith('src/wire/proto/')) return { name: 'wire/proto', level: 0 };
  if (file.startsWith('src/wire/grpc/')) return { name: 'wire/grpc', level: 1 };
  if (file.startsWith('src/wire/')) return { name: 'wire', level: 1 }; // src/wire/index.ts: both rooms' front door
  if (file.startsWith('src/http2/') || file.startsWith('src/h2/')) return { name: 'transport', level: 2 };
  if (file.startsWith('src/service/')) return { name: 'service', level: 3 };
  if (file.startsWith('src/cli/') || file.startsWith('src/web/') || file.startsWith('src/fetch/'))
    return { name: file.split('/')[1]!, level: 4 };
  return undefined;
}

/** The packages (bare specifiers) each floor may import. */
function packageAllowed(floor: number, spec: string): boolean {
  if (floor <= 1) return false; // src/wire: Uint8Array, DataView, TextEncoder; nothing imported
  if (spec.startsWith('node:')) return true;
  if (floor >= 3 && (spec === 'protobufjs' || spec.startsWith('protobufjs/'))) return true;
  if (floor >= 4 && spec.startsWith('wiregrpc')) return true; // the CLI and the web client may name the package
  return false;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/**
 * Every module specifier a file names: imports, re-exports and `import()` as TypeScript's own pre-processor reads
 * them (comments ignored), and plain `require('…')` calls (not methods named require, like `args.require('out')`).
 */
function specifiers(file: string): string[] {
  const source = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const info = ts.preProcessFile(source, true, false);
  const required = [...source.matchAll(/(?<![.\w$])require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return [...info.importedFiles.map((f) => f.fileName), ...required];
}

function resolveRelative(from: string, spec: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '.ts');
}

/** Strongly connected components of more than one node (Tarjan): the import cycles. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = sourceFiles('src');
const graph = new Map<string, string[]>();
const broken: string[] = [];
for (const file of files) {
  const floor = floorOf(file);
  const targets: string[] = [];
  for (const spec of specifiers(file)) {
    if (spec.startsWith('.')) {
      const target = resolveRelative(file, spec);
      targets.push(target);
      const to = floorOf(target);
      if (floor === undefined || to === undefined) continue;
      if (to.level > floor.level) broken.push(`${file} (${floor.name}) imports ${target} (${to.name}), a floor above`);
      // Within floor 1, the gRPC room may use the protobuf room, never the reverse (that is floor 0 vs 1 above).
      if (floor.name === 'cli' && to.name === 'web')
        broken.push(`${file} imports ${target}: the CLI does not use src/web`);
      if (floor.name === 'web' && to.name === 'cli')
        broken.push(`${file} imports ${target}: src/web does not use the CLI`);
      if ((floor.name === 'fetch') !== (to.name === 'fetch') && (floor.level === 4) === (to.level === 4))
        broken.push(`${file} imports ${target}: src/fetch and the other rooms of floor 4 do not use each other`);
    } else if (floor !== undefined && (floor.name === 'fetch' || !packageAllowed(floor.level, spec))) {
      // src/fetch imports no package and no Node module at all, not even for types: it runs where there is no Node.
      broken.push(`${file} (${floor.name}) imports '${spec}'`);
    }
  }
  graph.set(file, targets);
}

t.test('the walk finds the floors it is about', async (t) => {
  t.ok(files.length > 80, `${files.length} files under src`);
  for (const dir of [
    'src/wire/proto/',
    'src/wire/grpc/',
    'src/http2/',
    'src/service/',
    'src/cli/',
    'src/web/',
    'src/fetch/',
  ]) {
    t.ok(
      files.some((f) => f.startsWith(dir)),
      `${dir} has files`,
    );
  }
  t.ok(
    [...graph.values()].some((targets) => targets.length > 0),
    'imports were read',
  );
  t.same(
    files.filter((f) => floorOf(f) === undefined),
    [],
    'every file of src stands on a floor',
  );
});

t.test('imports only point down: protobuf ← gRPC ← transport ← service ← cli, web', async (t) => {
  t.same(broken, [], 'no import reaches a floor above, or a package its floor may not use');
});

t.test('no import cycles in src (type imports included)', async (t) => {
  t.same(
    cycles(graph).map((c) => c.join(' <-> ')),
    [],
  );
});

t.test('the cycle finder finds cycles (so the test above can fail)', async (t) => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e2']],
    ['e2', ['e']],
  ]);
  t.same(
    cycles(g)
      .map((c) => c.join(','))
      .sort(),
    ['a,b,c', 'e,e2'],
  );
  t.same(
    cycles(
      new Map([
        ['x', ['y']],
        ['y', []],
      ]),
    ),
    [],
  );
});

t.test('the floor checker sees a floor break (so the test above can fail)', async (t) => {
  t.equal(floorOf('src/wire/proto/codec.ts')?.level, 0);
  t.equal(floorOf('src/wire/grpc/frame.ts')?.level, 1);
  t.ok(floorOf('src/wire/proto/x.ts')!.level < floorOf('src/wire/grpc/x.ts')!.level, 'proto may not import grpc');
  t.notOk(packageAllowed(0, 'node:fs'), 'the codec may not import Node');
  t.notOk(packageAllowed(2, 'protobufjs'), 'the transport may not import protobufjs');
  t.ok(packageAllowed(2, 'node:http2'));
  t.ok(packageAllowed(3, 'protobufjs'));
});
