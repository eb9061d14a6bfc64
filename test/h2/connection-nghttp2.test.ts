// Our Connection against the nghttp2 tools and curl, HTTP/2 peers beyond
// node:http2: `nghttp -nv` and `h2load` against our server (h2c, prior
// knowledge), `curl --http2-prior-knowledge` against our server, and our client
// against `nghttpd --no-tls` serving a temporary htdocs. Without a tool this is
// a skip, and under CI=true a failure.
import t, { type Test } from 'tap';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { call, header } from './conn-helpers.js';
import { connect, listen } from './node-servers.js';

const run = promisify(execFile);

function tool(t: Test, path: string): boolean {
  if (existsSync(path)) return true;
  const why = `${path} is not installed (Debian: nghttp2-client, nghttp2-server, curl)`;
  if (process.env.CI === 'true') t.fail(why);
  else t.plan(0, why);
  return false;
}

/** A server whose GET answers "hello from wiregrpc h2\n" (any path), POST echoes. */
const hello = {
  onStream(stream: import('../../src/h2/stream.js').H2Stream, headers: readonly string[], endStream: boolean) {
    if (header(headers, ':method') === 'GET') {
      stream.respond([':status', '200', 'content-type', 'text/plain'], false);
      stream.write(new TextEncoder().encode('hello from wiregrpc h2\n'), true);
      return;
    }
    const chunks: Uint8Array[] = [];
    stream.onData = (c, end) => {
      chunks.push(c);
      if (end) {
        stream.respond([':status', '200'], false);
        stream.write(Buffer.concat(chunks), true);
      }
    };
    if (endStream) stream.respond([':status', '200'], true);
  },
};

t.test('nghttp -nv against our server', async (t) => {
  if (!tool(t, '/usr/bin/nghttp')) return;
  const server = await listen(hello);
  t.teardown(() => server.close());
  const { stdout } = await run('/usr/bin/nghttp', ['-nv', `http://127.0.0.1:${server.port}/index.html`], {
    timeout: 10_000,
  });
  t.match(stdout, /recv SETTINGS frame/);
  // nghttp opens its request on stream 13, after PRIORITY frames on idle streams 3–11 (a dependency tree).
  t.match(stdout, /recv \(stream_id=13\) :status: 200/);
  t.match(stdout, /recv DATA frame <length=23, flags=0x01, stream_id=13>/);
  t.match(stdout, /send GOAWAY frame/);
  t.same(server.errors, []);
});

t.test('h2load -n 1000 -c 2 -m 10 against our server: every request succeeds', async (t) => {
  if (!tool(t, '/usr/bin/h2load')) return;
  const server = await listen(hello);
  t.teardown(() => server.close());
  const { stdout } = await run(
    '/usr/bin/h2load',
    ['-n', '1000', '-c', '2', '-m', '10', `http://127.0.0.1:${server.port}/`],
    {
      timeout: 30_000,
    },
  );
  t.match(stdout, /requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, 0 errored/);
  t.match(stdout, /status codes: 1000 2xx/);
  t.same(server.errors, []);
});

t.test('curl --http2-prior-knowledge against our server: GET and a POST body', async (t) => {
  if (!tool(t, '/usr/bin/curl')) return;
  const server = await listen(hello);
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${server.port}/x`;
  const get = await run('/usr/bin/curl', ['-sS', '--http2-prior-knowledge', url], { timeout: 10_000 });
  t.equal(get.stdout, 'hello from wiregrpc h2\n');
  const post = await run(
    '/usr/bin/curl',
    [
      '-sS',
      '--http2-prior-knowledge',
      '-w',
      '\n%{http_version} %{http_code}',
      '--data-binary',
      'x'.repeat(100_000),
      url,
    ],
    { timeout: 10_000, maxBuffer: 1 << 20 },
  );
  t.equal(post.stdout, 'x'.repeat(100_000) + '\n2 200', 'the 100 KB body echoed over HTTP/2');
  t.same(server.errors, []);
});

t.test('our client against nghttpd --no-tls', async (t) => {
  if (!tool(t, '/usr/sbin/nghttpd')) return;
  const htdocs = mkdtempSync(join(tmpdir(), 'wiregrpc-nghttpd-'));
  t.teardown(() => rmSync(htdocs, { recursive: true, force: true }));
  const big = Buffer.alloc(1_000_000, 0x61);
  writeFileSync(join(htdocs, 'small.txt'), 'small file\n');
  writeFileSync(join(htdocs, 'big.bin'), big);
  const port = await freePort();
  const nghttpd = spawn('/usr/sbin/nghttpd', ['--no-tls', '-d', htdocs, String(port)], { stdio: 'ignore' });
  t.teardown(() => {
    nghttpd.kill();
  });
  await waitForPort(port, 5000);
  const { conn, errors, closed } = await connect(port);
  const get = (path: string) => call(conn, undefined, { path, method: 'GET' });
  const fields = [':method', 'GET', ':scheme', 'http', ':path', '/small.txt', ':authority', `127.0.0.1:${port}`];
  const direct = conn.request(fields, true);
  const small = await new Promise<string>((resolve) => {
    let text = '';
    direct.onData = (c, end) => {
      text += Buffer.from(c).toString();
      if (end) resolve(text);
    };
  });
  t.equal(small, 'small file\n');
  const many = await Promise.all(Array.from({ length: 20 }, () => get('/big.bin')));
  t.ok(
    many.every((r) => header(r.headers, ':status') === '200' && Buffer.from(r.body).equals(big)),
    '20 concurrent 1 MB downloads',
  );
  const missing = await get('/nope');
  t.equal(header(missing.headers, ':status'), '404');
  t.same(errors, []);
  conn.goaway();
  await closed;
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
