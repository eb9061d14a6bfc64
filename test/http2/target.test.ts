/**
 * Channel targets as gRPC names them (grpc/grpc doc/naming.md), and the
 * reconnection backoff (doc/connection-backoff.md).
 */
import t from 'tap';
import { Backoff } from '../../src/http2/backoff.js';
import { formatAddress, parseTarget } from '../../src/http2/target.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';

t.test('host:port and the dns scheme', async (t) => {
  const cases: [string, string, number, string][] = [
    ['localhost:50051', 'localhost', 50051, 'localhost:50051'],
    ['example.com', 'example.com', 443, 'example.com:443'],
    ['dns:///example.com:8080', 'example.com', 8080, 'example.com:8080'],
    ['dns:example.com:8080', 'example.com', 8080, 'example.com:8080'],
    ['dns:example.com', 'example.com', 443, 'example.com:443'],
    ['127.0.0.1:1', '127.0.0.1', 1, '127.0.0.1:1'],
    ['[::1]:50051', '::1', 50051, '[::1]:50051'],
    ['[::1]', '::1', 443, '[::1]:443'],
    ['dns:///[fe80::1]:9', 'fe80::1', 9, '[fe80::1]:9'],
    ['::1', '::1', 443, '[::1]:443'],
  ];
  for (const [text, host, port, authority] of cases) {
    const target = parseTarget(text);
    t.equal(target.scheme, 'dns', text);
    t.same(target.addresses, [{ host, port }], text);
    t.equal(target.authority, authority, text);
    t.equal(target.text, text);
  }
});

t.test('unix sockets', async (t) => {
  for (const [text, path] of [
    ['unix:/run/app.sock', '/run/app.sock'],
    ['unix:///run/app.sock', '/run/app.sock'],
    ['unix:relative.sock', 'relative.sock'],
  ]) {
    const target = parseTarget(text!);
    t.equal(target.scheme, 'unix');
    t.same(target.addresses, [{ path }], text);
    t.equal(target.authority, 'localhost');
  }
  t.equal(formatAddress({ path: '/x.sock' }), 'unix:/x.sock');
});

t.test('ipv4: and ipv6: address lists', async (t) => {
  const v4 = parseTarget('ipv4:10.0.0.1:50051,10.0.0.2');
  t.equal(v4.scheme, 'ipv4');
  t.same(v4.addresses, [
    { host: '10.0.0.1', port: 50051 },
    { host: '10.0.0.2', port: 443 },
  ]);
  t.equal(v4.authority, '10.0.0.1:50051');
  const v6 = parseTarget('ipv6:[::1]:50051,[::2]');
  t.same(v6.addresses, [
    { host: '::1', port: 50051 },
    { host: '::2', port: 443 },
  ]);
  t.equal(formatAddress(v6.addresses[0]!), '[::1]:50051');
});

t.test('invalid targets: INVALID_ARGUMENT saying why', async (t) => {
  for (const text of [
    '',
    '   ',
    'host:port',
    'host:99999',
    'host:-1',
    '[::1',
    '[::1]x',
    'unix:',
    'dns://8.8.8.8/example.com',
    'a/b:1',
    'ipv4:[::1]:1',
    'ipv6:1.2.3.4:5',
    ':80',
  ]) {
    let error: unknown;
    try {
      parseTarget(text);
    } catch (err) {
      error = err;
    }
    t.ok(error instanceof GrpcError && error.code === Code.INVALID_ARGUMENT, JSON.stringify(text));
    t.match((error as Error | undefined)?.message, 'invalid target');
  }
});

t.test('backoff: 1s, ×1.6, ±20%, capped at 120s, reset', async (t) => {
  const mid = new Backoff({}, () => 0.5); // no jitter at 0.5
  const waits = Array.from({ length: 14 }, () => mid.next());
  t.same(waits.slice(0, 4), [1000, 1600, 2560, 4096]);
  t.equal(waits.at(-1), 120_000, 'capped');
  mid.reset();
  t.equal(mid.next(), 1000);

  const low = new Backoff({}, () => 0);
  const high = new Backoff({}, () => 0.999999);
  t.equal(low.next(), 800, '-20%');
  t.equal(high.next(), 1200, '+20%');

  const random = new Backoff();
  for (let i = 0; i < 50; i++) {
    const w = random.next();
    t.ok(w >= 0 && w <= 144_000, 'within max + jitter');
  }
  t.equal(new Backoff().connectTimeout(), 20_000, 'MIN_CONNECT_TIMEOUT');
  t.equal(new Backoff({ initialMs: 30_000 }).connectTimeout(), 30_000);
});
