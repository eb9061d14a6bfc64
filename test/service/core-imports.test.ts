// `wiregrpc/core` is what generated code imports: the whole runtime without
// the .proto loader. Walk its import graph and prove protobufjs is not in it,
// so browser and worker bundles never carry the parser.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';

function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [path.resolve(entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specs = [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)]
      .map((m) => m[1] ?? m[2]!)
      // Type-only imports count too: stricter than needed, and simpler to read.
      .filter((spec, i, all) => all.indexOf(spec) === i);
    graph.set(file, specs);
    for (const spec of specs) {
      if (spec.startsWith('.')) todo.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  }
  return graph;
}

t.test('src/service/core.ts never reaches protobufjs', async (t) => {
  const graph = importGraph('src/service/core.ts');
  t.ok(graph.size > 10, `walked ${graph.size} modules`);
  for (const [file, specs] of graph) {
    t.notOk(specs.includes('protobufjs'), `${path.relative('.', file)} does not import protobufjs`);
  }
});

t.test('src/service/index.ts does (the loader), so the walk can see it', async (t) => {
  const graph = importGraph('src/service/index.ts');
  t.ok([...graph.values()].some((specs) => specs.includes('protobufjs')));
});
