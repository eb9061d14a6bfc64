/**
 * Server CPU time per request — the figure that survives a shared machine. Throughput (req/s) moves with whatever
 * else runs on the cores; the CPU time the server process itself spends per request (utime + stime from
 * /proc/PID/stat, read before and after a fixed-count h2load run) moves far less. Use it to A/B two builds of the
 * server: each TREE is a checkout with dist/ built (TREE:PEER picks another peer for that tree, e.g. `.:raw-server`,
 * the node:http2 ceiling); its own bench peer (dist/bench/peers/<peer>.js, which imports
 * 'wiregrpc' from that tree's bundle — `npm run build`, not tsc alone) is started afresh for each measurement,
 * warmed up, measured, stopped; the trees take turns.
 *
 *   node dist/bench/lib/cpu-per-request.js [--n 200000] [--c 1] [--m 100] [--rounds 5] [--peer wiregrpc-server]
 *        [--pin] [--prof DIR] TREE...
 *
 * Prints, for each tree, µs of server CPU per request per round, the median and the spread (min–max), the ratio
 * of medians against the first tree, and the median of the per-round differences to it (paired). Rounds rotate
 * the order. --pin puts servers on core 0 and h2load on core 1 (taskset). --prof DIR starts
 * the servers under `node --cpu-prof --cpu-prof-dir DIR` (profiles are written when the server exits).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requestFile } from '../suites/server-unary.js';
import { UNARY_PATH } from './fixtures.js';
import { runProgram, startPeer, type Peer } from './proc.js';
import { parseH2load } from './h2load.js';

interface Args {
  n: number;
  c: number;
  m: number;
  rounds: number;
  peer: string;
  pin: boolean;
  prof: string | undefined;
  trees: string[];
}

function parse(argv: string[]): Args {
  const out: Args = {
    n: 200_000,
    c: 1,
    m: 100,
    rounds: 5,
    peer: 'wiregrpc-server',
    pin: false,
    prof: undefined,
    trees: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--n') out.n = Number(value());
    else if (a === '--c') out.c = Number(value());
    else if (a === '--m') out.m = Number(value());
    else if (a === '--rounds') out.rounds = Number(value());
    else if (a === '--peer') out.peer = value();
    else if (a === '--prof') out.prof = resolve(value());
    else if (a === '--pin') out.pin = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else out.trees.push(a.includes(':') ? `${resolve(a.split(':')[0]!)}:${a.split(':')[1]}` : resolve(a));
  }
  if (out.trees.length === 0) throw new Error('usage: cpu-per-request [options] TREE...');
  for (const k of ['n', 'c', 'm', 'rounds'] as const) {
    if (!Number.isInteger(out[k]) || out[k] <= 0) throw new Error(`--${k} must be a positive integer`);
  }
  return out;
}

/** utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function h2loadCount(url: string, dataFile: string, n: number, c: number, m: number, cpu?: number) {
  const args = ['-t', '1', '-n', String(n), '-c', String(c), '-m', String(m), '-d', dataFile];
  args.push('-H', 'content-type: application/grpc', '-H', 'te: trailers', url);
  // /usr/bin/time reports h2load's own CPU: a server that answers in more or smaller writes costs the client more.
  const done = await runProgram('/usr/bin/time', ['-f', 'CPU %U %S', 'h2load', ...args], { cpu, timeoutMs: 300_000 });
  if (done.code !== 0) throw new Error(`h2load exited ${done.code}: ${(done.stderr || done.stdout).slice(-400)}`);
  const r = parseH2load(done.stdout);
  if (r.succeeded !== n || r.status2xx !== n) {
    throw new Error(`h2load: ${r.succeeded}/${n} succeeded, ${r.status2xx} 2xx, ${r.failed} failed`);
  }
  const t = /CPU ([\d.]+) ([\d.]+)/.exec(done.stderr);
  return { ...r, clientSeconds: t ? Number(t[1]) + Number(t[2]) : NaN };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const dataFile = requestFile();
  const serverCpu = args.pin ? 0 : undefined;
  const loadCpu = args.pin ? 1 : undefined;
  const nodeFlags = args.prof ? ['--cpu-prof', '--cpu-prof-dir', args.prof] : [];
  const scripts = args.trees.map((tree) => {
    const [dir, peer = args.peer] = tree.split(':') as [string, string?];
    return join(dir, 'dist', 'bench', 'peers', `${peer}.js`);
  });
  const url = (p: Peer): string => `http://127.0.0.1:${p.info.port}${UNARY_PATH}`;
  const perRequest: number[][] = args.trees.map(() => []);
  const clientPerRequest: number[][] = args.trees.map(() => []);
  let live: Peer | undefined;
  try {
    for (let round = 0; round < args.rounds; round++) {
      // Rotate the order each round: every tree runs in every position equally often (with three or more trees,
      // reversing alone would keep one of them always in the middle).
      const order = args.trees.map((_, i) => (i + round) % args.trees.length);
      for (const i of order) {
        // A fresh server process each time: one process's JIT and heap can sit a few per cent off another's for its
        // whole life (two servers of the same build differed by 2.75 µs/req in 8 of 9 rounds), so a tree is never
        // measured on one process only.
        const p = (live = await startPeer(scripts[i]!, [], { cpu: serverCpu, nodeFlags }));
        // Warm up: let the JIT settle before anything is counted.
        await h2loadCount(url(p), dataFile, Math.min(args.n, 50_000), args.c, args.m, loadCpu);
        const before = cpuSeconds(p.pid);
        const r = await h2loadCount(url(p), dataFile, args.n, args.c, args.m, loadCpu);
        const us = ((cpuSeconds(p.pid) - before) / args.n) * 1e6;
        live = undefined;
        await p.stop();
        const clientUs = (r.clientSeconds / args.n) * 1e6;
        perRequest[i]!.push(us);
        clientPerRequest[i]!.push(clientUs);
        console.log(
          `round ${round + 1} ${args.trees[i]}: server ${us.toFixed(2)} µs/req, h2load ${clientUs.toFixed(2)} µs/req ` +
            `(${r.reqPerSec.toFixed(0)} req/s)`,
        );
      }
    }
    const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`\n-n ${args.n} -c ${args.c} -m ${args.m}, ${args.rounds} rounds, load average ${loadavg}`);
    const base = median(perRequest[0]!);
    // Paired: the same round's difference to the first tree, which cancels what the machine did that round.
    const paired = (i: number): number => median(perRequest[i]!.map((us, round) => us - perRequest[0]![round]!));
    args.trees.forEach((tree, i) => {
      const xs = perRequest[i]!;
      const med = median(xs);
      const spread = `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
      const client = median(clientPerRequest[i]!).toFixed(2);
      console.log(
        `${tree}: server median ${med.toFixed(2)} µs/req (spread ${spread}), ×${(med / base).toFixed(3)}, ` +
          `paired ${paired(i) >= 0 ? '+' : ''}${paired(i).toFixed(2)} µs/req; h2load median ${client} µs/req`,
      );
    });
  } finally {
    await live?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
