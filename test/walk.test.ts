/**
 * README's "Follow one call" is a map a learner trusts: open these files, in this order, and you have seen
 * everything one unary call does. This test keeps the map true by watching a call.
 *
 * V8's precise coverage counts every function that runs. With a server and a client in this process and the
 * connection already up (a first call warms it), the counts are reset, ONE unary call is made, and the files of
 * src whose functions ran are exactly the stops of that call. README's table must name every one of them (no
 * hidden stop) and nothing else (no stale stop).
 */
import t from 'tap';
import './helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './helpers/peers.js';
import { Code, GrpcError, Server, createClient } from '../src/service/core.js';
import { UserInfo, type UserInfoImplementation } from '../examples/userinfo/gen/userinfo.js';

/** The files README's table names, in order: a cell lists paths; a bare name is in the folder of the path before. */
export function filesOfWalkTable(readme: string): string[] {
  const start = readme.indexOf('## Follow one call');
  if (start < 0) return [];
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1) >>> 0 || undefined);
  const files: string[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[2]!.includes('`')) continue;
    let dir = '';
    for (const [, name] of cells[2]!.matchAll(/`([^`]+\.ts)`/g)) {
      const file = name!.includes('/') ? name! : `${dir}/${name}`;
      dir = path.posix.dirname(file);
      files.push(file);
    }
  }
  return files;
}

/** src files with a function that ran since the last take, from a precise-coverage result. */
function filesThatRan(result: { url: string; functions: { ranges: { count: number }[] }[] }[]): Set<string> {
  const ran = new Set<string>();
  for (const script of result) {
    if (!script.url.startsWith('file:')) continue;
    const file = path.relative(REPO_ROOT, fileURLToPath(script.url)).split(path.sep).join('/');
    if (!file.startsWith('src/')) continue;
    if (script.functions.some((fn) => fn.ranges[0]!.count > 0)) ran.add(file.replace(/\.js$/, '.ts'));
  }
  return ran;
}

t.test('the table parser reads paths and bare names', async (t) => {
  const table = [
    '## Follow one call',
    '| stop | file | what happens |',
    '|---|---|---|',
    '| a | `src/service/client.ts`, `client-call.ts` | x |',
    '| b | `src/wire/proto/codec.ts` → `writer.ts` | y |',
    '## Next',
    '| c | `src/other.ts` | z |',
  ].join('\n');
  t.same(filesOfWalkTable(table), [
    'src/service/client.ts',
    'src/service/client-call.ts',
    'src/wire/proto/codec.ts',
    'src/wire/proto/writer.ts',
  ]);
});

t.test("one unary call passes through exactly the files README's walk names", async (t) => {
  const implementation: UserInfoImplementation = {
    async getUserInfo({ name }) {
      if (name !== 'foo') throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${name}`);
      return { id: 1, name, age: 12, hobby: ['eating', 'sleep'] };
    },
  };
  const server = new Server();
  server.add(UserInfo, implementation);
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const port = 'port' in address ? address.port : 0;
  const client = createClient(UserInfo, `127.0.0.1:${port}`);
  const session = new Session();
  session.connect();
  t.teardown(async () => {
    session.disconnect();
    await client.close();
    await server.shutdown();
  });
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

  t.same(await client.getUserInfo({ name: 'foo' }), { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
  await session.post('Profiler.takePreciseCoverage'); // counts start again from here
  const user = await client.getUserInfo({ name: 'foo' });
  const { result } = await session.post('Profiler.takePreciseCoverage');
  await session.post('Profiler.stopPreciseCoverage');
  t.same(user, { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] }, 'the call answered');

  const ran = filesThatRan(result);
  const named = filesOfWalkTable(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
  t.ok(ran.size > 5, `the call ran code in ${ran.size} files of src`);
  t.same([...ran].filter((f) => !named.includes(f)).sort(), [], "every file the call ran is a stop in README's walk");
  t.same(
    named.filter((f) => !ran.has(f)),
    [],
    "every stop README's walk names is a file the call ran",
  );
  t.equal(new Set(named).size, named.length, 'each file is named once');
});
