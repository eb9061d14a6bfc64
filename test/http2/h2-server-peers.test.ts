// wiregrpc's server on its own HTTP/2 (`transport: 'wiregrpc'`, src/h2) with
// real peers that are not gRPC libraries — curl (--http2-prior-knowledge), h2load
// and nghttp from nghttp2 — making gRPC calls, and with wiregrpc's client over
// every listen target: TCP v4 and v6, a unix socket, TLS with ALPN h2 (client
// certificates too) and http/1.1 (gRPC-Web) on the same port.
import t, { type Test } from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Channel } from '../../src/http2/channel.js';
import { Server, type ServerOptions } from '../../src/service/server.js';
import { createClient } from '../../src/service/client.js';
import { makeCerts } from '../helpers/certs.js';
import { peerTest, type Toolchain } from '../helpers/peers.js';
import {
  Echo,
  echoImpl,
  encodeRequest,
  decodeReply,
  PATHS,
  type EchoReply,
  type EchoRequest,
} from '../hostile/echo-service.js';

type EchoClient = Record<string, (r: Partial<EchoRequest>) => Promise<EchoReply>>;

const dir = mkdtempSync(join(tmpdir(), 'wiregrpc-h2-peers-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function serve(
  t: Test,
  target: string = '127.0.0.1:0',
  tls?: Parameters<Server['listen']>[1],
  options: ServerOptions = {},
) {
  const server = new Server({ transport: 'wiregrpc', ...options });
  server.add(Echo, echoImpl());
  const address = await server.listen(target, tls);
  t.teardown(() => server.forceShutdown());
  return { server, address: { port: 'port' in address ? address.port : 0 } };
}

function grpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000, encoding: 'latin1' }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
    );
  });
}

/** A command-line peer: missing locally is a skip, under CI=true a failure (test/helpers/peers.ts). */
function tool(cmd: string, debian: string): Toolchain {
  const found = spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
  return found ? { name: cmd } : { name: cmd, missing: `${cmd} not found (apt-get install ${debian})` };
}

const requestFile = join(dir, 'request.bin');
writeFileSync(requestFile, grpcFrame(encodeRequest({ text: 'from a peer' })));
/** The gRPC request as nghttp2's tools send it: the body from requestFile and gRPC's two required headers. */
const NGHTTP2_REQUEST = ['-d', requestFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers'];

peerTest(
  t,
  'curl --http2-prior-knowledge: a unary call, the reply and grpc-status 0 in the trailers',
  [tool('curl', 'curl')],
  async (t) => {
    const { address } = await serve(t);
    const body = join(dir, 'curl-body.bin');
    const head = join(dir, 'curl-head.txt');
    const r = await run('curl', [
      '-sS',
      '--http2-prior-knowledge',
      '-X',
      'POST',
      '-H',
      'content-type: application/grpc',
      '-H',
      'te: trailers',
      '--data-binary',
      `@${requestFile}`,
      '-D',
      head,
      '-o',
      body,
      `http://127.0.0.1:${address.port}${PATHS.unary}`,
    ]);
    t.equal(r.code, 0, `curl exit status (${r.stderr.trim()})`);
    const headers = readFileSync(head, 'latin1');
    t.match(headers, /^HTTP\/2 200/m, 'HTTP/2 200');
    t.match(headers, /^content-type: application\/grpc/m);
    t.match(headers, /^grpc-status: 0/m, 'grpc-status 0 (a trailer: curl lists trailers with the headers)');
    const reply = readFileSync(body);
    t.equal(reply[0], 0, 'an uncompressed message');
    t.equal(reply.readUInt32BE(1), reply.length - 5, 'one whole message');
    t.equal(decodeReply(reply.subarray(5)).text, 'from a peer');
  },
);

peerTest(
  t,
  'h2load: 1,000 unary calls over 4 connections × 10 streams, every one 200',
  [tool('h2load', 'nghttp2-client')],
  async (t) => {
    const { address } = await serve(t);
    const r = await run('h2load', [
      '-n',
      '1000',
      '-c',
      '4',
      '-m',
      '10',
      ...NGHTTP2_REQUEST,
      `http://127.0.0.1:${address.port}${PATHS.unary}`,
    ]);
    t.equal(r.code, 0, `h2load exit status (${r.stderr.trim()})`);
    t.match(r.stdout, /requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, 0 errored/);
    t.match(r.stdout, /status codes: 1000 2xx/);
  },
);

peerTest(
  t,
  'nghttp: the response headers, the message and the trailers as an HTTP/2 client shows them',
  [tool('nghttp', 'nghttp2-client')],
  async (t) => {
    const { address } = await serve(t);
    const r = await run('nghttp', ['-v', ...NGHTTP2_REQUEST, `http://127.0.0.1:${address.port}${PATHS.unary}`]);
    t.equal(r.code, 0, `nghttp exit status (${r.stderr.trim()})`);
    t.match(r.stdout, /recv \(stream_id=\d+\) :status: 200/);
    t.match(r.stdout, /recv \(stream_id=\d+\) grpc-status: 0/, 'the trailers');
    t.match(
      r.stdout,
      /recv HEADERS frame <length=\d+, flags=0x05, stream_id=\d+>/,
      'trailers: HEADERS with END_STREAM',
    );
    t.notMatch(r.stdout, /GOAWAY.*error_code=(?!NO_ERROR)/, 'no GOAWAY with an error');
  },
);

async function echoOver(t: Test, target: string, options: ConstructorParameters<typeof Channel>[1] = {}) {
  const channel = new Channel(target, options);
  t.teardown(() => channel.close());
  const client = createClient(Echo, channel) as unknown as EchoClient;
  return (await client.unary!({ text: 'hello' })).text;
}

t.test('listen targets: IPv4, IPv6, a unix socket', async (t) => {
  const v4 = await serve(t, '127.0.0.1:0');
  t.equal(await echoOver(t, `127.0.0.1:${v4.address.port}`), 'hello', 'IPv4');
  const v6 = await serve(t, '[::1]:0');
  t.equal(await echoOver(t, `[::1]:${v6.address.port}`), 'hello', 'IPv6');
  const path = join(dir, 'own.sock');
  await serve(t, `unix:${path}`);
  t.equal(await echoOver(t, `unix:${path}`), 'hello', 'unix socket');
});

t.test(
  'TLS: ALPN h2 gets wiregrpc HTTP/2 (a client certificate asked for and given); http/1.1 gets gRPC-Web',
  async (t) => {
    const certs = makeCerts();
    t.teardown(certs.cleanup);
    const tls = { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true };
    const { address } = await serve(t, '127.0.0.1:0', { tls });
    // A raw node:http2 client, to see the TLS side: ALPN h2, and the peer certificate reached the call.
    const session = http2.connect(`https://localhost:${address.port}`, {
      ca: certs.ca,
      key: certs.clientKey,
      cert: certs.clientCert,
    });
    session.on('error', () => {});
    t.teardown(() => session.destroy());
    const reply = await new Promise<{ status: string | undefined; body: Buffer; alpn: string | false | undefined }>(
      (resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': PATHS.unary,
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        const chunks: Buffer[] = [];
        let status: string | undefined;
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('trailers', (h) => (status = h['grpc-status'] as string));
        stream.on('end', () => resolve({ status, body: Buffer.concat(chunks), alpn: session.alpnProtocol }));
        stream.on('error', reject);
        stream.end(grpcFrame(encodeRequest({ text: 'over tls' })));
      },
    );
    t.equal(reply.alpn, 'h2');
    t.equal(reply.status, '0');
    t.equal(decodeReply(reply.body.subarray(5)).text, 'over tls');
    // The same port over HTTP/1.1 (no ALPN offered, as node:https does): a gRPC-Web call, as a browser's fetch makes it.
    const { default: https } = await import('node:https');
    const web = await new Promise<{ status: number | undefined; type: string | undefined; body: Buffer }>(
      (resolve, reject) => {
        const req = https.request(
          {
            host: 'localhost',
            port: address.port,
            method: 'POST',
            path: PATHS.unary,
            ca: certs.ca,
            key: certs.clientKey,
            cert: certs.clientCert,
            headers: { 'content-type': 'application/grpc-web+proto' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode, type: res.headers['content-type'], body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end(grpcFrame(encodeRequest({ text: 'web' })));
      },
    );
    t.equal(web.status, 200);
    t.match(web.type, /^application\/grpc-web/);
    t.equal(decodeReply(web.body.subarray(5, 5 + web.body.readUInt32BE(1))).text, 'web');
    t.match(web.body.subarray(5 + web.body.readUInt32BE(1)).toString('latin1'), /grpc-status: ?0/, 'the status frame');
  },
);

t.test('TLS with requestCert: a client without a certificate is refused', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const tls = { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true };
  const { address } = await serve(t, '127.0.0.1:0', { tls });
  const session = http2.connect(`https://localhost:${address.port}`, { ca: certs.ca });
  const failed = await new Promise<boolean>((resolve) => {
    session.on('error', () => resolve(true));
    session.on('close', () => resolve(true));
    const stream = session.request({ ':method': 'POST', ':path': PATHS.unary, 'content-type': 'application/grpc' });
    stream.on('error', () => resolve(true));
    stream.on('response', () => resolve(false));
    stream.end(grpcFrame(encodeRequest({ text: 'x' })));
  });
  session.destroy();
  t.ok(failed, 'no response without a client certificate');
});
