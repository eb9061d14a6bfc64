/**
 * `npm run bench`: every comparison side by side on this machine in one run.
 *   --quick         short runs (for a quick look; results go to bench/results/quick.*)
 *   --only NAME     one suite (or a comma list): codec, server-unary, client-unary, streaming, cold-start, size, memory
 *   --rounds N      alternating rounds per figure (default 3, at least 3)
 *   --out NAME      results file name under bench/results (default: latest for a full run)
 *   --case TEXT     only the cases whose name contains TEXT (e.g. --only streaming --case empty)
 *   --profile       every Node peer writes a .cpuprofile to bench/.tmp/profiles/ (read them with dist/bench/profile.js)
 * Progress goes to stderr as it happens; the tables to stdout; JSON, Markdown and SVG to bench/results/.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { h2loadVersion } from './lib/h2load.js';
import { RESULTS_DIR, TMP_DIR } from './lib/paths.js';
import { cpuPlan } from './lib/proc.js';
import { consoleReport, jsonReport, markdownReport, type Meta } from './lib/report.js';
import { Results } from './lib/results.js';
import { errorText, type Ctx, type Suite } from './lib/suite.js';
import { svgChart } from './lib/svg.js';
import { TARGETS } from './lib/targets.js';
import { codec } from './suites/codec.js';
import { serverUnary } from './suites/server-unary.js';
import { clientUnary } from './suites/client-unary.js';
import { streaming } from './suites/streaming.js';
import { coldStart } from './suites/cold-start.js';
import { size } from './suites/size.js';
import { memory } from './suites/memory.js';

const SUITES: readonly Suite[] = [codec, serverUnary, clientUnary, streaming, coldStart, size, memory];

class UsageError extends Error {}

interface Options {
  quick: boolean;
  only: string[] | null;
  rounds: number;
  out: string | undefined;
  caseFilter: string | undefined;
  profile: boolean;
}

function parse(argv: string[]): Options {
  let quick = false;
  let profile = false;
  let caseFilter: string | undefined;
  let only: string[] | null = null;
  let rounds = 3;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a === '--only')
      only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a.startsWith('--only=')) only = a.slice(7).split(',');
    else if (a === '--rounds') rounds = Number(value());
    else if (a === '--out') out = value();
    else if (a === '--case') caseFilter = value();
    else if (a === '--profile') profile = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        `usage: npm run bench -- [--quick] [--only ${SUITES.map((s) => s.name).join('|')}] ` +
          '[--rounds N] [--out NAME] [--case TEXT] [--profile]\n',
      );
      process.exit(0);
    } else throw new UsageError(`unknown argument ${a}`);
  }
  if (!Number.isInteger(rounds) || rounds < 3) throw new UsageError('--rounds must be an integer ≥ 3');
  for (const name of only ?? []) {
    if (!SUITES.some((s) => s.name === name)) {
      throw new UsageError(`unknown suite ${name}; one of ${SUITES.map((s) => s.name).join(', ')}`);
    }
  }
  return { quick, only, rounds, out, caseFilter, profile };
}

function gitCommit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return dirty.trim() ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const cpu = cpuPlan();
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const results = new Results();
  const profileDir = opts.profile ? join(TMP_DIR, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const ctx: Ctx = {
    quick: opts.quick,
    rounds: opts.rounds,
    cpu,
    results,
    ci,
    profileDir,
    caseFilter: opts.caseFilter,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  const selected = SUITES.filter((s) => !opts.only || opts.only.includes(s.name));
  ctx.log(
    `wiregrpc bench: ${selected.map((s) => s.name).join(', ')}${opts.quick ? ' (quick)' : ''}; ` +
      `${opts.rounds} rounds; pinning: ${cpu.reason}; load average ${loadAtStart.toFixed(1)}`,
  );
  if (loadAtStart > cpus().length * 0.5) {
    ctx.log(
      `warning: the machine is busy (load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores): ` +
        'figures will be noisy; alternation spreads the noise over every contender but cannot remove it',
    );
  }
  const failures: string[] = [];
  for (const suite of selected) {
    ctx.log(`\n-- ${suite.title}`);
    const t0 = Date.now();
    try {
      await suite.run(ctx);
    } catch (err) {
      const msg = errorText(err);
      failures.push(`${suite.name}: ${msg}`);
      results.suite(suite.name, suite.title, suite.impls).notes.push(`suite failed: ${msg}`);
      ctx.log(`[${suite.name}] FAILED: ${msg}`);
    }
    ctx.log(`-- ${suite.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const targets = results.evaluate(TARGETS.filter((t) => selected.some((s) => s.name === t.suite)));
  const meta: Meta = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    os: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    pinning: cpu.pinned ? `taskset: ${cpu.reason}` : `not pinned (${cpu.reason})`,
    h2load: h2loadVersion() ?? 'h2load missing',
    quick: opts.quick,
    rounds: opts.rounds,
    only: opts.only,
    durationS: Math.round((Date.now() - started) / 1000),
    loadAverage: [loadAtStart, loadavg()[0]!],
  };
  process.stdout.write(`${consoleReport(results, targets)}\n`);

  const partial = opts.only || opts.caseFilter || opts.profile;
  const name = opts.out ?? (opts.quick ? 'quick' : partial ? `only-${(opts.only ?? ['all']).join('+')}` : 'latest');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const subtitle = `${meta.cpu} × ${meta.cores}, Node ${meta.node}, ${meta.date.slice(0, 10)}${opts.quick ? ', quick run' : ''}`;
  writeFileSync(join(RESULTS_DIR, `${name}.json`), jsonReport(results, targets, meta));
  writeFileSync(join(RESULTS_DIR, `${name}.svg`), svgChart(results, targets, subtitle));
  writeFileSync(join(RESULTS_DIR, `${name}.md`), markdownReport(results, targets, meta, `${name}.svg`));
  ctx.log(`\nwrote bench/results/${name}.{json,md,svg} in ${meta.durationS} s`);
  if (profileDir) ctx.log(`CPU profiles in ${profileDir}; summarise with: node dist/bench/profile.js FILE.cpuprofile`);

  const rowErrors = results.rows.filter((r) => r.error).map((r) => `${r.suite} ${r.case} ${r.impl}: ${r.error}`);
  if (failures.length || rowErrors.length) {
    ctx.log(`\n${failures.length} suite failure(s), ${rowErrors.length} failed figure(s)`);
    for (const f of [...failures, ...new Set(rowErrors)].slice(0, 20)) ctx.log(`  ${f}`);
    if (ci || failures.length) process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof UsageError ? err.message : ((err as Error)?.stack ?? err)}\n`);
  process.exit(2);
});
