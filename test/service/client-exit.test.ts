/**
 * A client must never keep a process alive by itself: after `close()`, and
 * even while idle, a Node program that is done exits on its own (no dangling
 * sockets or timers). Runs the compiled client (dist/, `npm run build`) in a
 * child process and waits for it to exit.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const ROOT = join(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist/src/service');
const PROTO = join(ROOT, 'test/protos/echo.proto');

function script(target: string, body: string): string {
  return `
    import { createClient } from ${JSON.stringify(join(DIST, 'client.js'))};
    import { registerWiregrpcTransport } from ${JSON.stringify(join(DIST, '../http2/h2-client-connect.js'))};
    registerWiregrpcTransport(); // as a wiregrpc/core program opts in: WIREGRPC_TRANSPORT=wiregrpc runs it on our HTTP/2
    import { loadProtoSync } from ${JSON.stringify(join(DIST, 'load.js'))};
    const Echo = loadProtoSync(${JSON.stringify(PROTO)}).service('wiregrpc.test.Echo');
    const target = ${JSON.stringify(target)};
    ${body}
    console.log('done');
  `;
}

/** Runs the script; resolves with its exit code and output, or 'hung' after `ms`. */
function run(source: string, ms = 8000): Promise<{ code: number | null | 'hung'; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'hung', out });
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

t.test('the process exits on its own', async (t) => {
  if (!existsSync(join(DIST, 'client.js'))) {
    t.fail('dist/ is missing: run `npm run build` first');
    return;
  }
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO)) as any;
  const server = new grpc.Server();
  server.addService(pkg.wiregrpc.test.Echo.service, {
    unary: (call: any, cb: any) => cb(null, { text: call.request.text }),
    serverStream: (call: any) => {
      call.write({ text: 'a' });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  t.teardown(() => server.forceShutdown());
  const target = `127.0.0.1:${port}`;

  const closed = await run(
    script(
      target,
      `
    const client = createClient(Echo, target, { keepalive: { timeMs: 1000 } });
    const r = await client.unary({ text: 'x' }, { timeout: 60000 });
    for await (const m of client.serverStream({})) {}
    if (r.text !== 'x') process.exit(3);
    await client.close();
  `,
    ),
  );
  t.equal(closed.code, 0, `after close(): exits (${closed.out})`);
  t.match(closed.out, 'done');

  const idle = await run(
    script(
      target,
      `
    const client = createClient(Echo, target);
    await client.unary({ text: 'x' });
  `,
    ),
  );
  t.equal(idle.code, 0, `an idle, unclosed client does not hold the process (${idle.out})`);

  const refused = await run(
    script(
      '127.0.0.1:1',
      `
    const client = createClient(Echo, target);
    try { await client.unary({}); process.exit(4); } catch (e) { if (e.code !== 14) process.exit(5); }
  `,
    ),
  );
  t.equal(refused.code, 0, `a failed connection's backoff timer does not hold the process (${refused.out})`);

  const pending = await run(
    script(
      target,
      `
    const client = createClient(Echo, target);
    const p = client.unary({ text: 'still running' });
    setTimeout(() => {}, 0);
    const r = await p;
    if (r.text !== 'still running') process.exit(6);
  `,
    ),
  );
  t.equal(pending.code, 0, `a call in flight keeps the process alive until it completes (${pending.out})`);
  t.match(pending.out, 'done');
});
