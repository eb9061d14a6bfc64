/**
 * The workerd harness (workerd.ts) itself: a Worker bundled and served on a port workerd picked, answering from
 * Node over loopback, with its text bindings; the config it writes; and the process stopped at the end.
 */
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import { startWorkerd, workerdConfig, workerdMissing, workerdVersion } from './workerd.js';

if (!workerdMissing(t)) {
  t.comment(await workerdVersion());

  t.test('a Worker answers on the port workerd reports, with its bindings', async (t) => {
    const worker = await startWorkerd(t, {
      entry: 'test/runtimes/workerd-hello-worker.ts',
      bindings: { GREETING: 'hello "there"' },
    });
    t.match(worker.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${worker.url}/some/path`, { method: 'POST', body: 'x' });
    t.equal(response.status, 200);
    t.same(await response.json(), {
      method: 'POST',
      path: '/some/path',
      env: { GREETING: 'hello "there"' },
      process: 'undefined',
      buffer: 'undefined',
    });
    await worker.stop();
    await t.rejects(fetch(`${worker.url}/`), 'nothing listens after stop()');
  });

  t.test('nodejs_compat is a flag of the config', async (t) => {
    const worker = await startWorkerd(t, {
      entry: 'test/runtimes/workerd-hello-worker.ts',
      compatibilityFlags: ['nodejs_compat'],
    });
    const seen = (await (await fetch(`${worker.url}/`)).json()) as { buffer: string };
    t.equal(seen.buffer, 'function', 'Buffer is a global under nodejs_compat');
  });

  t.test('network: the Worker reaches a server on loopback only when the config allows local addresses', async (t) => {
    const server = http.createServer((req, res) => res.end(`from node ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const target = `http://127.0.0.1:${(server.address() as { port: number }).port}/x`;
    const open = await startWorkerd(t, {
      entry: 'test/runtimes/workerd-hello-worker.ts',
      bindings: { TARGET: target },
      network: ['local'],
    });
    t.same(await (await fetch(`${open.url}/proxy`)).json(), { status: 200, body: 'from node /x' });
    const closed = await startWorkerd(t, {
      entry: 'test/runtimes/workerd-hello-worker.ts',
      bindings: { TARGET: target },
    });
    const refused = (await (await fetch(`${closed.url}/proxy`)).json()) as { error?: string };
    t.type(refused.error, 'string', `by default loopback is out of reach: ${refused.error}`);
  });

  t.test('network: connect() (cloudflare:sockets) reaches a TCP server on loopback', async (t) => {
    const server = net.createServer((socket) => {
      let got = '';
      socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
      socket.on('end', () => socket.end(`echo: ${got}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const worker = await startWorkerd(t, {
      entry: 'test/runtimes/workerd-socket-worker.ts',
      bindings: { TARGET: `127.0.0.1:${(server.address() as { port: number }).port}` },
      network: ['local'],
    });
    const response = await fetch(`${worker.url}/`, { method: 'POST', body: 'over tcp' });
    t.equal(await response.text(), 'echo: over tcp');
    t.equal(response.status, 200);
  });

  t.test('the config: the socket on port 0, bindings, and an outbound network only when asked', async (t) => {
    const plain = workerdConfig({ entry: 'x.ts' });
    t.match(plain, /address = "127\.0\.0\.1:0"/);
    t.notMatch(plain, /globalOutbound/);
    const open = workerdConfig({ entry: 'x.ts', network: ['local'], bindings: { A: 'b' } });
    t.match(open, /network = \(allow = \["local"\], deny = \[\]\)/);
    t.match(open, /globalOutbound = "net"/);
    t.match(open, /\(name = "A", text = "b"\)/);
  });
}
