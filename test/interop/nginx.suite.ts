/**
 * wiregrpc behind nginx: nginx (`grpc_pass`, HTTP/2 cleartext on a loopback
 * port) in front of two wiregrpc interop servers, round-robin. Our interop
 * client runs every case through it: statuses, messages and trailers must
 * come through intact, compression flags untouched, and streams must keep
 * flowing message by message (ping_pong would hang if nginx buffered).
 *
 * The test writes nginx's whole configuration (pid, logs, temp paths) into a
 * temporary folder, runs `nginx -c conf -p dir` in the foreground and stops it.
 * Under CI=true a missing nginx is a failure.
 */
import t, { type Test } from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Channel, createClient, type GrpcError, type Metadata } from '../../src/service/index.js';
import { peerTest, runPeer, spawnPeer, type Toolchain } from '../helpers/peers.js';
import { DIST } from './peers/roster.js';
import { CASES, type CaseReport } from './harness.js';
import type {
  SimpleRequest,
  SimpleResponse,
  StreamingOutputCallRequest,
  StreamingOutputCallResponse,
} from './testing.js';
import { interopServices } from './testing.js';

const NGINX = process.env.NGINX ?? 'nginx';

function nginxToolchain(): Toolchain {
  try {
    execFileSync(NGINX, ['-v'], { stdio: 'ignore' });
    return { name: 'nginx' };
  } catch {
    return { name: 'nginx', missing: `${NGINX} not found (apt-get install nginx-light)` };
  }
}

/** A port that was free a moment ago (nginx needs a number in its config). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function nginxConfig(dir: string, port: number, upstreams: number[]): string {
  return `# Written by test/interop/nginx.suite.ts
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream wiregrpc {
${upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port} http2;
    client_max_body_size 0;
    location / {
      grpc_pass grpc://wiregrpc;
      grpc_read_timeout 60s;
      grpc_send_timeout 60s;
    }
  }
}
`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface RunningNginx {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

async function startNginx(t: Test, upstreams: number[]): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'wiregrpc-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, upstreams));
    const child: ChildProcess = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c));
    child.stderr!.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGQUIT'); // graceful: finish in-flight requests, then exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    };
    t.teardown(stop);
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      if (await canConnect(port)) return { port, dir, stop };
      await sleep(50);
    }
    await stop();
    const log = (() => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    })();
    if (!/Address already in use/.test(output + log)) throw new Error(`nginx did not start:\n${output}\n${log}`);
  }
  throw new Error('nginx: no free port after 3 attempts');
}

peerTest(t, 'nginx grpc_pass in front of two wiregrpc servers', [nginxToolchain()], async (t) => {
  const serverJs = join(DIST, 'test/interop/server.js');
  const clientJs = join(DIST, 'test/interop/client.js');
  const servers = [
    await spawnPeer(t, process.execPath, [serverJs, '--port=0']),
    await spawnPeer(t, process.execPath, [serverJs, '--port=0']),
  ];
  const nginx = await startNginx(
    t,
    servers.map((s) => s.port),
  );

  await t.test('every interop case passes through nginx', async (t) => {
    const run = await runPeer(
      process.execPath,
      [clientJs, '--server_host=127.0.0.1', `--server_port=${nginx.port}`, '--test_case=all'],
      { timeoutMs: 120_000 },
    );
    const reports = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as CaseReport);
    t.equal(reports.length, CASES.length, 'one report per case');
    for (const r of reports) t.equal(r.result, 'pass', `${r.case}${r.reason ? `: ${r.reason}` : ''}`);
    t.equal(run.code, 0, `client exit status (stderr: ${run.stderr.trim()})`);
  });

  const channel = new Channel(`127.0.0.1:${nginx.port}`);
  t.teardown(() => channel.close());
  const stub = createClient(interopServices().TestService, channel) as unknown as {
    unaryCall(r: SimpleRequest, o?: object): Promise<SimpleResponse>;
    streamingOutputCall(r: StreamingOutputCallRequest, o?: object): AsyncIterable<StreamingOutputCallResponse>;
  };

  await t.test('calls are spread round-robin over both servers', async (t) => {
    const ids = new Set<string>();
    for (let i = 0; i < 8; i++) ids.add((await stub.unaryCall({ fillServerId: true, responseSize: 1 })).serverId ?? '');
    t.equal(ids.size, 2, `server ids seen: ${[...ids].join(', ')}`);
    t.notOk(ids.has(''), 'every response names its server');
  });

  await t.test('a server stream flows through message by message, not buffered to the end', async (t) => {
    const spacingMs = 150;
    const arrivals: number[] = [];
    const start = Date.now();
    const request = {
      responseParameters: Array.from({ length: 5 }, () => ({ size: 10, intervalUs: spacingMs * 1000 })),
    };
    for await (const response of stub.streamingOutputCall(request)) {
      arrivals.push(Date.now() - start);
      t.equal(response.payload?.body?.length, 10);
    }
    t.equal(arrivals.length, 5);
    // Had nginx held the stream back, every message would arrive together at the end.
    t.ok(arrivals[4]! - arrivals[0]! >= 3 * spacingMs, `arrivals spread over time: ${arrivals.join(', ')} ms`);
  });

  await t.test('status, message and trailers survive the proxy', async (t) => {
    let trailers: Metadata | undefined;
    const err = await stub
      .unaryCall(
        { responseStatus: { code: 9, message: 'précondition ✗ failed\n' } },
        {
          metadata: { 'x-grpc-test-echo-trailing-bin': new Uint8Array([1, 2, 3]) },
          onTrailer: (md: Metadata) => (trailers = md),
        },
      )
      .then(
        () => undefined,
        (e: unknown) => e as GrpcError,
      );
    t.ok(err, 'the call failed');
    t.equal(err?.code, 9, 'FAILED_PRECONDITION');
    t.equal(err?.rawMessage, 'précondition ✗ failed\n');
    t.same(
      [...((trailers?.get('x-grpc-test-echo-trailing-bin') as Uint8Array | undefined) ?? [])],
      [1, 2, 3],
      'binary trailer echoed',
    );
  });
});
