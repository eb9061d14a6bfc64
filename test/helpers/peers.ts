/**
 * Peer programs in other languages (Python grpcio, Go grpc-go) for the
 * cross-language tests: find the toolchains, generate code from .proto files
 * with protoc at test time, build Go binaries, start servers and run clients.
 *
 *   const py = pythonToolchain();
 *   peerTest(t, 'python client → our server', [py], async (t) => {
 *     const gen = await generatePython(['proto/userinfo.proto']);
 *     const server = await spawnPeer(t, PYTHON, [script, '--port', '0'], { env: { PYTHONPATH: gen } });
 *     const out = await runPeer(PYTHON, [client, '--target', `127.0.0.1:${server.port}`], { env: { PYTHONPATH: gen } });
 *   });
 *
 * A missing toolchain skips the test with the reason, except under CI=true,
 * where it is a failure: CI installs every toolchain, so a missing one is a bug.
 *
 * Generated code and binaries live in temporary directories, made once per
 * test process (so once per test file) and removed when the process exits.
 * Go builds run offline in GOPATH mode against the Debian grpc-go sources in
 * /usr/share/gocode, with a build cache shared between test files.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

/** The repository root (this file is test/helpers/peers.ts, or dist/test/helpers/peers.js). */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
/** The only Python with grpcio and protobuf installed (Debian's); `python3` on PATH may be another. */
export const PYTHON = '/usr/bin/python3';
/** Where Debian's golang-*-dev packages put Go sources (grpc-go, golang/protobuf, x/net, ...). */
export const DEBIAN_GOPATH = '/usr/share/gocode';
export const PEERS_DIR = join(REPO_ROOT, 'test', 'peers');
export const IS_CI = process.env.CI === 'true' || process.env.CI === '1';

function findRepoRoot(from: string): string {
  for (let dir = from, i = 0; i < 8; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'proto'))) return dir;
  }
  throw new Error(`peers.ts: no repository root above ${from}`);
}

// ---------------------------------------------------------------------------
// Toolchains

/** A peer toolchain: `missing` says why it cannot be used, undefined when it can. */
export interface Toolchain {
  readonly name: string;
  readonly missing?: string;
}

function succeeds(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const toolchains = new Map<string, Toolchain>();
function memo(name: string, probe: () => string | undefined): Toolchain {
  let found = toolchains.get(name);
  if (!found) toolchains.set(name, (found = { name, missing: probe() }));
  return found;
}

/** protoc itself (protobuf-compiler). */
export function protocToolchain(): Toolchain {
  return memo('protoc', () =>
    succeeds('protoc', ['--version']) ? undefined : 'protoc not found (apt-get install protobuf-compiler)',
  );
}

/** How Python code is generated: grpc_tools if importable, else protoc + Debian's grpc_python_plugin. */
let pythonGenerator: 'grpc_tools' | 'protoc' | undefined;

/** /usr/bin/python3 with grpcio + protobuf, and a way to generate Python gRPC code. */
export function pythonToolchain(): Toolchain {
  return memo('python', () => {
    if (!existsSync(PYTHON)) return `${PYTHON} not found (apt-get install python3)`;
    if (!succeeds(PYTHON, ['-c', 'import grpc, google.protobuf'])) {
      return `${PYTHON} cannot import grpc and google.protobuf (apt-get install python3-grpcio python3-protobuf)`;
    }
    if (succeeds(PYTHON, ['-c', 'import grpc_tools.protoc'])) {
      pythonGenerator = 'grpc_tools';
      return undefined;
    }
    if (protocToolchain().missing) return protocToolchain().missing;
    if (!existsSync('/usr/bin/grpc_python_plugin')) {
      return 'neither grpc_tools nor /usr/bin/grpc_python_plugin is available (apt-get install protobuf-compiler-grpc)';
    }
    pythonGenerator = 'protoc';
    return undefined;
  });
}

/** go, protoc, protoc-gen-go (plugins=grpc) and the grpc-go sources in /usr/share/gocode. */
export function goToolchain(): Toolchain {
  return memo('go', () => {
    if (!succeeds('go', ['version'])) return 'go not found (apt-get install golang-go)';
    if (protocToolchain().missing) return protocToolchain().missing;
    if (!succeeds('which', ['protoc-gen-go'])) return 'protoc-gen-go not found (apt-get install golang-goprotobuf-dev)';
    if (!existsSync(join(DEBIAN_GOPATH, 'src/google.golang.org/grpc/server.go'))) {
      return `grpc-go sources not found under ${DEBIAN_GOPATH} (apt-get install golang-google-grpc-dev)`;
    }
    return undefined;
  });
}

/** The first reason among `needs` that makes a peer unusable, or undefined. */
export function missingReason(needs: readonly Toolchain[]): string | undefined {
  const missing = needs.filter((n) => n.missing);
  return missing.length ? missing.map((n) => `${n.name}: ${n.missing}`).join('; ') : undefined;
}

type TapTest = Test;

/**
 * `t.test(name, fn)` when every toolchain in `needs` is there. Otherwise a
 * skipped subtest naming what is missing, or, under CI=true, a failing one.
 */
export function peerTest(
  t: TapTest,
  name: string,
  needs: readonly Toolchain[],
  fn: (t: TapTest) => Promise<void> | void,
) {
  const reason = missingReason(needs);
  if (!reason) return t.test(name, fn);
  if (IS_CI) {
    return t.test(name, async (t) => {
      t.fail(`peer toolchain missing under CI: ${reason}`);
    });
  }
  return t.test(name, { skip: `peer toolchain missing: ${reason}` }, fn);
}

// ---------------------------------------------------------------------------
// Temporary directories (one root per process, removed on exit)

let tempRoot: string | undefined;
function tempDir(prefix: string): string {
  if (!tempRoot) {
    tempRoot = mkdtempSync(join(tmpdir(), 'wiregrpc-peers-'));
    const root = tempRoot;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return mkdtempSync(join(tempRoot, `${prefix}-`));
}

/** Go's build cache, shared by every test file and run (it is content-addressed and safe to share). */
function goCache(): string {
  return process.env.WIREGRPC_GOCACHE ?? join(tmpdir(), 'wiregrpc-gocache');
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<void>((resolveRun, reject) => {
    execFile(
      cmd,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
        else resolveRun();
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Code generation

export interface ProtoOptions {
  /** Directories imports are resolved against; defaults to each file's own directory. */
  includeDirs?: string[];
}

function protoPaths(protos: readonly string[], options: ProtoOptions) {
  const files = protos.map((p) => resolve(REPO_ROOT, p));
  const includeDirs = (options.includeDirs ?? files.map((f) => dirname(f))).map((d) => resolve(REPO_ROOT, d));
  /** The name protoc knows a file by: its path relative to the first include dir holding it. */
  const nameOf = (file: string) => {
    const dir = includeDirs.find((d) => file.startsWith(d + sep));
    if (!dir) throw new Error(`${file} is not inside any include dir (${includeDirs.join(', ')})`);
    return relative(dir, file).split(sep).join('/');
  };
  return { files, includeDirs: [...new Set(includeDirs)], nameOf };
}

const generated = new Map<string, Promise<string>>();
function once(key: string, make: () => Promise<string>): Promise<string> {
  let p = generated.get(key);
  if (!p) generated.set(key, (p = make()));
  return p;
}

/**
 * Python modules (`x_pb2.py`, `x_pb2_grpc.py`) for `protos`, in a directory to
 * put on PYTHONPATH. Files land at their include-relative paths, so
 * `foo/bar.proto` becomes the module `foo.bar_pb2`.
 */
export function generatePython(protos: readonly string[], options: ProtoOptions = {}): Promise<string> {
  return once(`py:${JSON.stringify([protos, options])}`, async () => {
    const reason = missingReason([pythonToolchain()]);
    if (reason) throw new Error(reason);
    const { files, includeDirs } = protoPaths(protos, options);
    const out = tempDir('python');
    const args = [...includeDirs.map((d) => `-I${d}`), `--python_out=${out}`, `--grpc_out=${out}`];
    if (pythonGenerator === 'grpc_tools') {
      await run(PYTHON, [
        '-m',
        'grpc_tools.protoc',
        ...args.map((a) => a.replace('--grpc_out', '--grpc_python_out')),
        ...files,
      ]);
    } else {
      await run('protoc', [...args, '--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin', ...files]);
    }
    return out;
  });
}

/** The Go import path the generated code for a .proto lives at: `wiregrpc.test/gen/<proto package as a path>`. */
export function goImportPath(protoFile: string): string {
  const text = readFileSync(resolve(REPO_ROOT, protoFile), 'utf8');
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1];
  return `wiregrpc.test/gen/${pkg ? pkg.split('.').join('/') : basename(protoFile, '.proto')}`;
}

/** Well-known types: point them at golang/protobuf 1.3's ptypes (the newer google.golang.org/protobuf isn't installed). */
const GO_WELL_KNOWN = ['any', 'duration', 'empty', 'struct', 'timestamp', 'wrappers'].map(
  (n) => `Mgoogle/protobuf/${n}.proto=github.com/golang/protobuf/ptypes/${n}`,
);

export interface GoBuildOptions extends ProtoOptions {
  /** .proto files to generate Go code for, each into the package at goImportPath(file). */
  protos: readonly string[];
  /** Directories of Go `main` packages; each is built into a binary named after the directory. */
  mains: readonly string[];
}

/**
 * Generates Go code for `protos` (protoc-gen-go with plugins=grpc) into a fresh
 * GOPATH and builds every directory in `mains` with it, offline in GOPATH mode.
 * Resolves to { [basename of main dir]: path of its binary }. Builds once per
 * test process for the same options.
 */
export async function buildGo(options: GoBuildOptions): Promise<Record<string, string>> {
  const dir = await once(`go:${JSON.stringify(options)}`, async () => {
    const reason = missingReason([goToolchain()]);
    if (reason) throw new Error(reason);
    const gopath = tempDir('go');
    const { files, includeDirs, nameOf } = protoPaths(options.protos, options);
    const mappings = [...GO_WELL_KNOWN, ...files.map((f) => `M${nameOf(f)}=${goImportPath(f)}`)];
    const byPackage = new Map<string, string[]>();
    for (const f of files) byPackage.set(goImportPath(f), [...(byPackage.get(goImportPath(f)) ?? []), f]);
    for (const [importPath, group] of byPackage) {
      const staging = join(gopath, 'staging', importPath);
      const pkgDir = join(gopath, 'src', importPath);
      mkdirSync(staging, { recursive: true });
      mkdirSync(pkgDir, { recursive: true });
      await run('protoc', [
        ...includeDirs.map((d) => `-I${d}`),
        `--go_out=plugins=grpc,${mappings.join(',')}:${staging}`,
        ...group,
      ]);
      // Without go_package, protoc-gen-go 1.3 writes x.pb.go at the .proto's relative path: flatten into the package dir.
      for (const f of walk(staging)) if (f.endsWith('.pb.go')) renameSync(f, join(pkgDir, basename(f)));
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `${gopath}:${DEBIAN_GOPATH}`,
      GOCACHE: goCache(),
      GOFLAGS: '',
      GOPROXY: 'off',
      CGO_ENABLED: '0',
    };
    mkdirSync(join(gopath, 'bin'));
    for (const main of options.mains) {
      const name = basename(main);
      const importPath = `wiregrpc.test/cmd/${name}`;
      cpSync(resolve(REPO_ROOT, main), join(gopath, 'src', importPath), { recursive: true });
      await run('go', ['build', '-o', join(gopath, 'bin', name), importPath], { cwd: gopath, env, timeoutMs: 600_000 });
    }
    return join(gopath, 'bin');
  });
  return Object.fromEntries(options.mains.map((m) => [basename(m), join(dir, basename(m))]));
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

// ---------------------------------------------------------------------------
// Processes

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Matched against each output line; group 1 is the address. Default: /listening on (\S+)/. */
  ready?: RegExp;
  /** How long to wait for the ready line (ms). Default 20 s. */
  timeoutMs?: number;
}

export interface RunningPeer {
  readonly process: ChildProcess;
  /** As printed: `127.0.0.1:41234`, `[::]:50051`. */
  readonly address: string;
  readonly port: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it has exited. Also done in t.teardown. */
  stop(): Promise<void>;
}

/**
 * Starts a server process, resolves when it prints its ready line, and kills it
 * in `t`'s teardown. Rejects (with its output) if it exits or times out first.
 */
export function spawnPeer(
  t: TapTest,
  cmd: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<RunningPeer> {
  const ready = options.ready ?? /listening on (\S+)/;
  const child = spawn(cmd, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  t.teardown(stop);

  return new Promise<RunningPeer>((resolvePeer, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${basename(cmd)} ${args.join(' ')}: ${why}\n--- output ---\n${output}`));
    };
    const timer = setTimeout(
      () => fail(`no ready line within ${options.timeoutMs ?? 20_000} ms`),
      options.timeoutMs ?? 20_000,
    );
    let pending = '';
    let resolved = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (resolved) return;
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = ready.exec(line);
        if (!match) continue;
        const address = match[1] ?? '';
        const port = Number(/:(\d+)$/.exec(address)?.[1]);
        if (!Number.isInteger(port) || port <= 0) return fail(`ready line without a port: ${line}`);
        resolved = true;
        clearTimeout(timer);
        return resolvePeer({ process: child, address, port, output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (e) => fail(`could not start: ${e.message}`));
    child.once('exit', (code, signal) => {
      if (!resolved) fail(`exited (code ${code}, signal ${signal}) before it was ready`);
    });
  });
}

export interface PeerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a client process to completion (killed after `timeoutMs`, default 30 s). Never rejects for a non-zero exit. */
export function runPeer(
  cmd: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<PeerResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: could not start: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}
