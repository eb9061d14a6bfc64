/**
 * wiregrpc's client inside workerd (Cloudflare's runtime, the npm package
 * `workerd`), over `connect()` from cloudflare:sockets and wiregrpc's own
 * HTTP/2 — real gRPC (h2c) from a runtime that has sockets but no node:http2:
 *
 *   test ──HTTP──▶ workerd: workerd-worker.ts ──gRPC over cloudflare:sockets──▶ wiregrpc Server (this process)
 *
 * The Worker is bundled by esbuild from the sources (cloudflare:sockets external),
 * workerd is started with a config of our own on 127.0.0.1 port 0 (the port it
 * got comes back on --control-fd), and the Worker's reply is checked: a unary
 * call, a server-streaming one, and an error status with its trailer.
 * Without the workerd binary this is a skip, and under CI=true a failure.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import t from 'tap';
import { Code, GrpcError, Metadata, Server } from '../../src/service/index.js';
import { Echo } from './workerd-echo.js';

const ROOT = join(import.meta.dirname, '../..');
const WORKERD = join(ROOT, 'node_modules/workerd/bin/workerd');

/**
 * One Worker on 127.0.0.1 (port 0); its outbound sockets may reach loopback
 * ("local"), which the default "internet" service refuses.
 */
const CONFIG = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-06-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "internet",
);
`;

if (!existsSync(WORKERD)) {
  const why = `needs workerd at ${WORKERD} (npm devDependency "workerd")`;
  if (process.env.CI === 'true') t.fail(why);
  else t.plan(0, why);
} else {
  await t.test('a Worker calls a wiregrpc server over cloudflare:sockets (h2c, our own HTTP/2)', async (t) => {
    const server = new Server();
    server.add(Echo, {
      async Echo(request: { text: string }) {
        return { text: request.text };
      },
      async *Count(request: { n: number }) {
        for (let i = 1; i <= request.n; i++) yield { text: String(i) };
      },
      async Fail(request: { text: string }) {
        throw new GrpcError(Code.NOT_FOUND, request.text, { metadata: new Metadata({ 'x-why': request.text }) });
      },
    });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    t.teardown(() => server.forceShutdown());

    const dir = mkdtempSync(join(tmpdir(), 'wiregrpc-workerd-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    await build({
      entryPoints: [join(import.meta.dirname, 'workerd-worker.ts')],
      outfile: join(dir, 'worker.js'),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      external: ['cloudflare:sockets', 'node:*'],
      define: { WIREGRPC_VERSION: '"0.0.0-workerd-test"' },
      logLevel: 'error',
    });
    writeFileSync(join(dir, 'config.capnp'), CONFIG);

    const workerd = spawn(WORKERD, ['serve', join(dir, 'config.capnp'), '--control-fd=3'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    workerd.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    workerd.stdout!.resume();
    t.teardown(async () => {
      if (workerd.exitCode === null && workerd.signalCode === null) {
        workerd.kill('SIGTERM');
        await once(workerd, 'exit');
      }
    });
    const workerPort = await listenPort(workerd.stdio[3] as Readable, () => stderr);

    const reply = await fetch(`http://127.0.0.1:${workerPort}/?target=127.0.0.1:${port}&text=hello%20workerd`, {
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await reply.json()) as unknown;
    t.equal(reply.status, 200, `the Worker answered (${JSON.stringify(body)}; workerd stderr: ${stderr.trim()})`);
    t.same(
      body,
      {
        unary: 'hello workerd',
        stream: ['1', '2', '3'],
        fail: { code: Code.NOT_FOUND, message: 'hello workerd', why: 'hello workerd' },
      },
      'unary reply, three streamed messages, and the NOT_FOUND status with its trailer',
    );
  });
}

/** The port workerd reports for socket "http" on the control descriptor (bounded: 30 s). */
async function listenPort(control: Readable, stderr: () => string): Promise<number> {
  const lines = createInterface({ input: control });
  const timer = setTimeout(() => lines.close(), 30_000);
  try {
    for await (const line of lines) {
      const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
      if (event.event === 'listen' && event.socket === 'http' && typeof event.port === 'number') return event.port;
    }
  } finally {
    clearTimeout(timer);
    lines.close();
  }
  throw new Error(`workerd did not report its port: ${stderr()}`);
}
