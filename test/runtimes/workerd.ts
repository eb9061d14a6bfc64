/**
 * workerd (Cloudflare's Workers runtime, the npm package `workerd`, node_modules/.bin/workerd) for tests: one Worker,
 * bundled by esbuild from a small entry file, served on a loopback port that workerd picks itself.
 *
 *   const worker = await startWorkerd(t, { entry: 'test/runtimes/fetch-worker.ts', bindings: { TARGET: '…' } });
 *   await fetch(`${worker.url}/…`);          // http://127.0.0.1:<port>
 *   // stopped in t's teardown (or `await worker.stop()`)
 *
 * What it writes, in a temp dir removed at teardown:
 *
 *   worker.js      the bundle (ES module; esbuild, platform neutral, conditions workerd/worker/browser)
 *   config.capnp   one service "main" running worker.js; one socket "http" on 127.0.0.1:0 (HTTP); text bindings
 *                  (env.NAME in the Worker); optionally the outbound network the Worker may reach with fetch() and
 *                  connect() (cloudflare:sockets): by default workerd allows public addresses only, so a Worker that
 *                  calls a server on loopback needs `network: ['local']` (or ['public', 'private', 'local']).
 *
 * The port: workerd binds port 0 and reports the port it got on `--control-fd` (a JSON line
 * `{"event":"listen","socket":"http","port":N}`): no free-port guess, no race. Then one request must be answered
 * (any HTTP status) before the Worker counts as started. Its console output is workerd's stdout/stderr, kept in
 * `output()` and added to any error.
 *
 * Without the binary, `workerdMissing(t)` says so: a skip, and under CI=true a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import * as esbuild from 'esbuild';
import type { Test } from 'tap';

export const ROOT = path.join(import.meta.dirname, '../..');
export const WORKERD = process.env.WORKERD ?? path.join(ROOT, 'node_modules/.bin/workerd');

export interface WorkerdOptions {
  /** The Worker's entry module (TypeScript or JavaScript; relative to the repo root or absolute), bundled by esbuild. */
  readonly entry: string;
  /** workerd's compatibility date (default 2025-06-01). */
  readonly compatibilityDate?: string;
  /** e.g. ['nodejs_compat']; none by default (the Worker then has no node:* modules at all). */
  readonly compatibilityFlags?: readonly string[];
  /** Text bindings: `env.NAME` in the Worker's fetch(request, env). */
  readonly bindings?: Readonly<Record<string, string>>;
  /** Address kinds the Worker's fetch()/connect() may reach (workerd's `network.allow`: public, private, local, …). */
  readonly network?: readonly string[];
  /** Extra esbuild options for the bundle (define, external, …). */
  readonly esbuild?: Omit<esbuild.BuildOptions, 'entryPoints' | 'outfile' | 'write'>;
  /** How long starting may take, bundle to first answer (default 20 s). */
  readonly timeoutMs?: number;
}

export interface RunningWorkerd {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** What workerd and the Worker's console printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it has exited. Also run in t's teardown. */
  stop(): Promise<void>;
}

/** True (after telling `t`) when the workerd binary is not there: the caller returns. A failure under CI=true. */
export function workerdMissing(t: Test): boolean {
  if (existsSync(WORKERD)) return false;
  const why = `needs workerd at ${WORKERD} (npm devDependency "workerd")`;
  if (process.env.CI === 'true') t.fail(why);
  else t.plan(0, why);
  return true;
}

/** workerd's own version line (`workerd 2026-11-17`). */
export async function workerdVersion(): Promise<string> {
  const child = spawn(WORKERD, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  return out.trim().split('\n')[0] ?? '';
}

/** A capnp text literal (JSON's escapes are capnp's for what we write: paths, names, ASCII values). */
const capnp = (s: string): string => JSON.stringify(s);

export function workerdConfig(options: WorkerdOptions, script = 'worker.js'): string {
  const bindings = Object.entries(options.bindings ?? {}).map(
    ([name, text]) => `(name = ${capnp(name)}, text = ${capnp(text)})`,
  );
  const flags = (options.compatibilityFlags ?? []).map(capnp);
  const services = ['(name = "main", worker = .worker)'];
  if (options.network !== undefined)
    services.push(`(name = "net", network = (allow = [${options.network.map(capnp).join(', ')}], deny = []))`);
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    `  services = [ ${services.join(', ')} ],`,
    '  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],',
    ');',
    'const worker :Workerd.Worker = (',
    `  modules = [ (name = "worker.js", esModule = embed ${capnp(script)}) ],`,
    `  compatibilityDate = ${capnp(options.compatibilityDate ?? '2025-06-01')},`,
    `  compatibilityFlags = [ ${flags.join(', ')} ],`,
    `  bindings = [ ${bindings.join(', ')} ],`,
    ...(options.network !== undefined ? ['  globalOutbound = "net",'] : []),
    ');',
    '',
  ].join('\n');
}

/** Bundles the Worker, starts workerd on it, resolves once it answers. Stopped in `t`'s teardown. */
export async function startWorkerd(t: Test, options: WorkerdOptions): Promise<RunningWorkerd> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'wiregrpc-workerd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await esbuild.build({
    entryPoints: [path.resolve(ROOT, options.entry)],
    outfile: path.join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', ...(options.compatibilityFlags?.includes('nodejs_compat') ? ['node:*'] : [])],
    logLevel: 'silent',
    ...options.esbuild,
  });
  const config = path.join(dir, 'config.capnp');
  writeFileSync(config, workerdConfig(options));

  const child = spawn(WORKERD, ['serve', config, '--control-fd=3'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  t.teardown(stop);

  const failure = (why: string) => new Error(`workerd serve ${config}: ${why}\n--- output ---\n${output}`);
  const deadline = Date.now() + timeoutMs;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(failure(`no listen event within ${timeoutMs} ms`)), timeoutMs);
    let pending = '';
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
        if (event.event === 'listen' && event.socket === 'http' && typeof event.port === 'number') {
          clearTimeout(timer);
          resolve(event.port);
        }
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(failure(`could not start: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(failure(`exited (code ${code}, signal ${signal}) before it listened`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  const url = `http://127.0.0.1:${port}`;

  // Listening is not yet serving: the first request must come back (any status), within the same bound.
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      await response.body?.cancel();
      break;
    } catch (err) {
      if (Date.now() >= deadline || child.exitCode !== null || child.signalCode !== null) {
        await stop();
        throw failure(`no answer on ${url} after ${attempt + 1} attempts: ${(err as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { url, port, output: () => output, stop };
}
