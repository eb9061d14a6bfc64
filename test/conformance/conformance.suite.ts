/**
 * The official protobuf conformance suite against wiregrpc (testee.ts), as its
 * own CI step (`npm run test:conformance`): a *.suite.ts, not part of `npm test`.
 *
 *   conformance_test_runner ──fork──▶ node dist/test/conformance/testee.js
 *        requests (binary / JSON / text payloads) ──▶ answers
 *
 * The runner is Debian's protobuf 3.21.12 `conformance/` built with g++
 * (setup-runner.sh, cached under $WIREGRPC_CONFORMANCE_CACHE or
 * ~/.cache/wiregrpc-conformance). It runs with `--enforce_recommended` and
 * empty failure lists, so every test is either a success or counted against
 * us; this suite fails on any failure and on any skip, and prints the counts.
 *
 * Needs `npm run build` first (the testee runs from dist/). Without the
 * runner's tools (g++, protoc, libprotobuf-dev, apt) the test is skipped with
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

function setUpRunner(): { dir: string } | { reason: string } {
  const setup = spawnSync('bash', [path.join(ROOT, 'test/conformance/setup-runner.sh')], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  if (setup.status !== 0) return { reason: `setup-runner.sh failed (${setup.status}): ${setup.stderr.slice(-2000)}` };
  return { dir: setup.stdout.trim().split('\n').pop()! };
}

t.test('protobuf conformance (3.21.12 runner): no failure, no skip', async (t) => {
  const runner = setUpRunner();
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

  const run = spawnSync(
    path.join(runner.dir, 'conformance_test_runner'),
    ['--enforce_recommended', '--failure_list', empty, '--text_format_failure_list', empty, program],
    {
      cwd: work,
      encoding: 'utf8',
      timeout: 20 * 60_000,
      maxBuffer: 64 << 20,
      env: { ...process.env, WIREGRPC_CONFORMANCE_PROTOS: path.join(runner.dir, 'protos') },
    },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  const counts = parseCounts(output);
  // The names of what failed or was skipped, for whoever reads the CI log.
  const failed = output.split('\n').filter((line) => /^ERROR|^WARNING|failed|skipped:/i.test(line));
  t.comment(failed.slice(0, 200).join('\n'));
  if (failed.length > 200) t.comment(`… ${failed.length - 200} more lines`);
  for (const c of counts)
    t.comment(
      `${c.suite}: ${c.successes} successes, ${c.skipped} skipped, ${c.unexpectedFailures} unexpected failures`,
    );
  // The 3.21 runner runs the text-format suite only when the binary+JSON suite passed.
  t.equal(counts.length, 2, `the runner reported both suites (exit ${run.status}, signal ${run.signal})`);
  for (const c of counts) {
    t.equal(c.unexpectedFailures, 0, `${c.suite}: no failures`);
    t.equal(c.skipped, 0, `${c.suite}: no skips`);
    t.equal(c.expectedFailures, 0, `${c.suite}: an empty failure list`);
  }
});
