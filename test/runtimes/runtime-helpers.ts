/**
 * What bun.suite.ts and deno.suite.ts share: wiregrpc's compiled programs (dist/)
 * run under another JavaScript runtime, against the same programs under Node.
 *
 *   userinfo   examples/userinfo server and client (unary, an error status)
 *   interop    test/interop server and client, every case of the spec, h2c and TLS
 *
 * each both ways: the runtime's client against a Node server, and the runtime's
 * server against a Node client. The runtimes come from npm (devDependencies
 * `bun` and `deno`, node_modules/.bin). Without the binary this is a skip, and
 * under CI=true a failure. The gaps each runtime's node:http2 had, and the
 * workarounds in src/http2, are reproduced by the scripts in repro/: their
 * output is printed as comments, so a runtime that fixes them shows it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { runPeer, spawnPeer } from '../helpers/peers.js';
import { CASES, type CaseReport } from '../interop/harness.js';

export const ROOT = join(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');

export interface Runtime {
  readonly name: 'bun' | 'deno';
  readonly bin: string;
  /** The command line that runs a script (a path under ROOT) with arguments. */
  args(script: string, args?: readonly string[]): string[];
  readonly env: Record<string, string>;
}

export const BUN: Runtime = {
  name: 'bun',
  bin: join(ROOT, 'node_modules/.bin/bun'),
  args: (script, args = []) => [script, ...args],
  env: {},
};

/** `-A`: the programs read files, env and the network. The local node_modules is found through package.json. */
export const DENO: Runtime = {
  name: 'deno',
  bin: join(ROOT, 'node_modules/.bin/deno'),
  args: (script, args = []) => ['run', '-A', script, ...args],
  env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
};

export const NODE = {
  name: 'node',
  bin: process.execPath,
  args: (script: string, args: readonly string[] = []) => [script, ...args],
  env: {},
};
type Side = Runtime | typeof NODE;

/** Cases a runtime cannot do, with the reason (none today: see repro/ for the gaps we worked around). */
export type Gaps = Partial<Record<(typeof CASES)[number], string>>;

export function version(runtime: Side): string {
  const r = spawnSync(runtime.bin, ['--version'], { encoding: 'utf8', env: { ...process.env, ...runtime.env } });
  return (r.stdout || r.stderr).split('\n')[0]!.trim();
}

/** The suite for one runtime. */
export async function runtimeSuite(t: Test, runtime: Runtime, gaps: Gaps = {}): Promise<void> {
  if (!existsSync(runtime.bin)) {
    const why = `needs ${runtime.name} at ${runtime.bin} (npm devDependency "${runtime.name}")`;
    if (process.env.CI === 'true') t.fail(why);
    else t.plan(0, why);
    return;
  }
  if (!existsSync(join(DIST, 'examples/userinfo/server.js')) || !existsSync(join(DIST, 'test/interop/server.js'))) {
    t.fail(`dist/ is missing: run \`npm run test:${runtime.name}\` (it builds first)`);
    return;
  }
  t.comment(`${runtime.name}: ${version(runtime)}; node ${process.version}`);

  for (const [server, client] of [
    [runtime, NODE],
    [NODE, runtime],
  ] as const) {
    await t.test(`userinfo: ${server.name} server, ${client.name} client`, (t) => userinfo(t, server, client));
  }
  for (const tls of [false, true]) {
    for (const [server, client] of [
      [runtime, NODE],
      [NODE, runtime],
    ] as const) {
      await t.test(`interop${tls ? ' over TLS' : ''}: ${server.name} server, ${client.name} client`, (t) =>
        interop(t, server, client, gaps, tls),
      );
    }
  }
  await t.test(`repro scripts under ${runtime.name} (information, not assertions)`, async (t) => {
    const dir = join(ROOT, 'test/runtimes/repro');
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .sort()) {
      const r = await runPeer(runtime.bin, runtime.args(join(dir, file)), { env: runtime.env, timeoutMs: 30_000 });
      t.comment(`${file}: ${(r.stdout + r.stderr).trim().split('\n').join(' | ')}`);
    }
    t.pass('ran');
  });
}

async function userinfo(t: Test, server: Side, client: Side): Promise<void> {
  const srv = await spawnPeer(t, server.bin, server.args(join(DIST, 'examples/userinfo/server.js')), {
    env: { ...server.env, HOST: '127.0.0.1', PORT: '0' },
    timeoutMs: 30_000,
  });
  const target = `127.0.0.1:${srv.port}`;
  const clientJs = join(DIST, 'examples/userinfo/client.js');
  const env = { ...client.env };

  const ok = await runPeer(client.bin, client.args(clientJs, [target, 'foo']), { env, timeoutMs: 30_000 });
  t.equal(ok.code, 0, `foo: exit 0 (${ok.stderr.trim()})`);
  t.same(
    JSON.parse(ok.stdout.trim() || 'null'),
    { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] },
    'foo: the user, as JSON',
  );

  const unknown = await runPeer(client.bin, client.args(clientJs, [target, 'bar']), { env, timeoutMs: 30_000 });
  t.equal(unknown.code, 2, 'bar: exit status 2 (UNKNOWN)');
  t.equal(unknown.stderr, 'UNKNOWN: unknown user: name = bar\n', 'bar: the status message on stderr');

  const empty = await runPeer(client.bin, client.args(clientJs, [target, '']), { env, timeoutMs: 30_000 });
  t.equal(empty.code, 2, 'an empty request message (a 5-byte frame): UNKNOWN too');
  // (Not the message: it ends with a space, which HTTP/2 does not carry at the end of a field value.)
  t.match(empty.stderr, /^UNKNOWN: /);
}

/** `tls`: the test CA's certificate for *.test.google.fr (test/interop/certs.ts). */
export async function interop(t: Test, server: Side, client: Side, gaps: Gaps, tls: boolean): Promise<void> {
  const serverFlags = tls ? ['--port=0', '--use_tls=true'] : ['--port=0'];
  const clientFlags = tls ? ['--use_tls=true', '--use_test_ca=true', '--server_host_override=foo.test.google.fr'] : [];
  const srv = await spawnPeer(t, server.bin, server.args(join(DIST, 'test/interop/server.js'), serverFlags), {
    env: server.env,
    timeoutMs: 30_000,
  });
  const cases = CASES.filter((c) => gaps[c] === undefined);
  for (const c of CASES) if (gaps[c] !== undefined) t.comment(`${c}: not run — ${gaps[c]}`);
  const run = await runPeer(
    client.bin,
    client.args(join(DIST, 'test/interop/client.js'), [
      `--server_port=${srv.port}`,
      ...clientFlags,
      `--test_case=${cases.join(',')}`,
    ]),
    {
      env: client.env,
      timeoutMs: 180_000,
    },
  );
  const reports = new Map<string, CaseReport>();
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('{')) {
      const report = JSON.parse(line) as CaseReport;
      reports.set(report.case, report);
    }
  }
  for (const c of cases) {
    const report = reports.get(c);
    t.equal(
      report?.result,
      'pass',
      `${c}${report?.reason ? `: ${report.reason}` : report ? '' : `: no report (exit ${run.code ?? run.signal}) ${run.stderr.trim().slice(-300)}`}`,
    );
  }
  t.equal(run.code, 0, 'the client exits 0');
}
