/**
 * Process control: every server and load generator runs as its own process, pinned with taskset when the machine
 * has it (servers on one core, load generators on the other). Every child is tracked and stopped at exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

export interface CpuPlan {
  /** Core for servers, or undefined when not pinning. */
  server: number | undefined;
  /** Core for load generators (h2load, clients). */
  load: number | undefined;
  pinned: boolean;
  reason: string;
}

export function cpuPlan(): CpuPlan {
  const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  const cores = availableParallelism();
  if (!hasTaskset) return { server: undefined, load: undefined, pinned: false, reason: 'taskset not found' };
  if (cores < 2) return { server: undefined, load: undefined, pinned: false, reason: `${cores} core` };
  return { server: 0, load: 1, pinned: true, reason: `server on core 0, load generator on core 1 (of ${cores})` };
}

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

function command(cmd: string, args: string[], cpu: number | undefined): [string, string[]] {
  return cpu === undefined ? [cmd, args] : ['taskset', ['-c', String(cpu), cmd, ...args]];
}

export interface Launch {
  cpu?: number | undefined;
  env?: NodeJS.ProcessEnv;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  timeoutMs?: number;
}

export interface Peer {
  readonly pid: number;
  readonly info: any;
  readonly child: ChildProcess;
  /** Memory figures from /proc/PID/status, in KiB. */
  memory(): { rssKiB: number; hwmKiB: number };
  stop(): Promise<void>;
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Start a long-running Node peer and wait for its `READY {json}` line. */
export function startPeer(script: string, args: string[], opts: Launch = {}): Promise<Peer> {
  return startProcess(process.execPath, [...(opts.nodeFlags ?? []), script, ...args], opts);
}

/** Start any long-running program (Python, Go) that announces itself with a `READY {json}` line. */
export async function startProcess(program: string, args: string[], opts: Launch = {}): Promise<Peer> {
  const script = args.find((a) => !a.startsWith('-')) ?? program;
  const [cmd, argv] = command(program, args, opts.cpu);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  track(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 8000) stderr += d.toString();
  });
  const info = await new Promise<any>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${script}: not ready after ${opts.timeoutMs ?? 20000} ms`)),
      opts.timeoutMs ?? 20000,
    );
    const lines = createInterface({ input: child.stdout! });
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    }
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(6)));
      }
    });
    child.once('exit', (code, sig) =>
      fail(
        new Error(
          `${script.split('/').slice(-2).join('/')} exited (${code ?? sig}) before READY: ${lastLines(stderr)}`,
        ),
      ),
    );
  });
  const pid = child.pid!;
  return {
    pid,
    info,
    child,
    memory: () => procMemory(pid),
    stop: () => stopChild(child),
  };
}

export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** The parsed `RESULT {json}` line, if the program printed one. */
  result?: any;
}

/** Run a program to completion (bounded by timeoutMs), pinned to `cpu` if given. */
export async function runProgram(cmd: string, args: string[], opts: Launch = {}): Promise<Finished> {
  const [c, argv] = command(cmd, args, opts.cpu);
  const t0 = process.hrtime.bigint();
  const child = spawn(c, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (stdout.length < 1_000_000) stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 100_000) stderr += d.toString();
  });
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      resolve(code ?? (sig ? -1 : null));
    });
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('RESULT '));
  const out: Finished = { code, stdout, stderr, wallMs };
  if (line) out.result = JSON.parse(line.slice(7));
  return out;
}

/** Run a Node program (a compiled peer) to completion; throws unless it exits 0 with a RESULT line. */
export async function runNode(script: string, args: string[], opts: Launch = {}): Promise<any> {
  const done = await runProgram(process.execPath, [...(opts.nodeFlags ?? []), script, ...args], opts);
  if (done.code !== 0 || done.result === undefined) {
    throw new Error(
      `${script.split('/').slice(-2).join('/')} exited ${done.code}: ${lastLines(done.stderr || done.stdout)}`,
    );
  }
  return done.result;
}

export function procMemory(pid: number): { rssKiB: number; hwmKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : NaN;
  };
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/**
 * CPU time the process has used so far (user + system, /proc/PID/stat fields 14 and 15), in ms. On a shared
 * machine this, per request, compares servers where throughput cannot: it does not count the time others took.
 */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 overall)
  return (ticks * 1000) / CLOCK_TICKS;
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux we run on (USER_HZ is fixed at 100 by the kernel ABI). */
const CLOCK_TICKS = 100;

/** The useful part of a failed program's output: its error line if there is one, else its last lines. */
export function lastLines(text: string, n = 4): string {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.find((l) => !l.startsWith('at ') && /\b\w*Error\b/.test(l));
  return (error ?? lines.slice(-n).join(' | ')).slice(0, 400);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
