// Custom metadata (grpc/grpc doc/PROTOCOL-HTTP2.md):
//   Custom-Metadata → Binary-Header / ASCII-Header
//   Binary-Header   → {Header-Name "-bin" } {base64 encoded value}
//   ASCII-Header    → Header-Name ASCII-Value
//   Header-Name     → 1*( %x30-39 / %x61-7A / "_" / "-" / ".") ; 0-9 a-z _ - .
//   ASCII-Value     → 1*( %x20-%x7E ) ; space and printable ASCII
// Binary values are sent unpadded and read padded or not; one header field may
// carry several values joined by commas.
import t from 'tap';
import { Code } from '../../../src/wire/grpc/code.js';
import { GrpcError } from '../../../src/wire/grpc/error.js';
import { type HeaderRecord, isReservedHeader, Metadata } from '../../../src/wire/grpc/metadata.js';
import { metadataFromHeaders, metadataFromReceived } from '../../../src/wire/grpc/received-metadata.js';

t.test(
  "keys are lower-case ASCII letters, digits, _ - and . (another key is a TypeError: the caller's mistake)",
  async (t) => {
    const md = new Metadata();
    md.add('x-request_id.v2', 'a');
    t.equal(md.get('x-request_id.v2'), 'a');
    for (const key of ['', 'a b', 'a:b', 'ä', 'a/b', ':path', 'a\u0000', 'key\n']) {
      t.throws(
        () => new Metadata().add(key, 'v'),
        new TypeError(`metadata key ${JSON.stringify(key)} is not valid (allowed: 0-9 a-z _ . -)`),
        JSON.stringify(key),
      );
    }
  },
);

t.test('keys are case-insensitive: stored lower-case', async (t) => {
  const md = new Metadata({ 'X-Trace': 'a' });
  t.same([...md.keys()], ['x-trace']);
  t.equal(md.get('X-TRACE'), 'a');
  t.ok(md.has('x-Trace'));
});

t.test('ASCII values are printable ASCII, space included, and may be empty', async (t) => {
  const md = new Metadata().add('a', ' ~!"#$%&').add('b', '');
  t.equal(md.get('a'), ' ~!"#$%&');
  t.equal(md.get('b'), '');
  for (const value of ['tab\t', 'nl\n', 'caf\u00e9', '\u007f', '\u0000']) {
    t.throws(() => new Metadata().add('a', value), TypeError, JSON.stringify(value));
  }
});

t.test('keys ending in -bin hold bytes, and only bytes', async (t) => {
  const md = new Metadata().add('trace-bin', new Uint8Array([1, 2, 3]));
  t.same(md.get('trace-bin'), new Uint8Array([1, 2, 3]));
  t.throws(() => new Metadata().add('trace-bin', 'text'), TypeError);
  t.throws(() => new Metadata().add('trace', new Uint8Array(1)), TypeError);
});

t.test('a key can hold several values, in order; set replaces them', async (t) => {
  const md = new Metadata().add('a', '1').add('a', '2').add('b', '3');
  t.same(md.getAll('a'), ['1', '2']);
  t.same(
    [...md],
    [
      ['a', '1'],
      ['a', '2'],
      ['b', '3'],
    ],
  );
  md.set('a', '9');
  t.same(md.getAll('a'), ['9']);
  t.ok(md.delete('a'));
  t.notOk(md.has('a'));
  t.same(md.getAll('missing'), []);
  t.equal(md.get('missing'), undefined);
});

t.test('to headers: -bin values unpadded base64, several values as an array', async (t) => {
  const md = new Metadata()
    .add('x-user', 'zoe')
    .add('trace-bin', new Uint8Array([0xfb, 0xff]))
    .add('multi', 'a')
    .add('multi', 'b');
  t.same(md.toHeaders(), { 'x-user': 'zoe', 'trace-bin': '+/8', multi: ['a', 'b'] });
});

t.test('from headers: -bin values padded or not, and comma-joined values', async (t) => {
  const md = metadataFromHeaders({
    'a-bin': 'AQI=',
    'b-bin': 'AQI',
    'c-bin': 'AQ==,Ag, AwM',
    'd-bin': ['AQ', 'Ag=='],
  });
  t.same(md.getAll('a-bin'), [new Uint8Array([1, 2])]);
  t.same(md.getAll('b-bin'), [new Uint8Array([1, 2])]);
  t.same(md.getAll('c-bin'), [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3, 3])]);
  t.same(md.getAll('d-bin'), [new Uint8Array([1]), new Uint8Array([2])]);
});

t.test('from headers: ASCII values are taken whole, commas and all', async (t) => {
  const md = metadataFromHeaders({ accept: 'a, b', many: ['1', '2'], num: 42 as unknown as string });
  t.same(md.getAll('accept'), ['a, b']);
  t.same(md.getAll('many'), ['1', '2']);
  t.same(md.getAll('num'), ['42']);
});

t.test('from headers: the protocol own fields are not metadata', async (t) => {
  const headers: HeaderRecord = {
    ':path': '/pkg.Svc/M',
    ':authority': 'x',
    ':method': 'POST',
    ':scheme': 'http',
    ':status': '200',
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-timeout': '1S',
    'grpc-encoding': 'gzip',
    'grpc-accept-encoding': 'gzip',
    'user-agent': 'x',
    'grpc-status': '0',
    'grpc-message': 'm',
    'grpc-status-details-bin': 'AA',
    'x-mine': 'kept',
    missing: undefined,
  };
  t.same(metadataFromHeaders(headers).toJSON(), { 'x-mine': ['kept'] });
  t.ok(isReservedHeader(':anything'));
  t.notOk(isReservedHeader('grpc-previous-rpc-attempts'), 'other grpc- fields are metadata, as in grpc-go');
});

t.test('from headers: invalid fields are GrpcError(INTERNAL)', async (t) => {
  t.throws(() => metadataFromHeaders({ 'x-bin': 'not base64!' }), {
    name: 'GrpcError',
    code: Code.INTERNAL,
    rawMessage: /x-bin/,
  });
  t.throws(() => metadataFromHeaders({ 'x-bin': 'A' }), { code: Code.INTERNAL }, 'a lone base64 character');
  t.throws(() => metadataFromHeaders({ 'bad key': 'v' }), { code: Code.INTERNAL });
  t.throws(() => metadataFromHeaders({ x: 'caf\u00e9' }), { code: Code.INTERNAL });
});

t.test('from headers: names differing only in case are one key', async (t) => {
  t.same(metadataFromHeaders({ 'X-A': '1', 'x-a': '2' }).getAll('x-a'), ['1', '2']);
});

t.test('__proto__ and constructor are ordinary keys that never touch a prototype', async (t) => {
  const md = new Metadata(
    JSON.parse('{"__proto__":"p","constructor":"c","hasownproperty":"h"}') as Record<string, string>,
  );
  t.equal(md.get('__proto__'), 'p');
  t.equal(md.get('constructor'), 'c');
  t.equal(new Metadata().get('constructor'), undefined, 'nothing inherited shows as a value');
  t.equal(new Metadata().get('__proto__'), undefined);

  const headers = md.toHeaders();
  t.equal(Object.getPrototypeOf(headers), Object.prototype, 'writing __proto__ did not replace the prototype');
  t.same(Object.keys(headers).sort(), ['__proto__', 'constructor', 'hasownproperty']);

  const arrayValued = new Metadata().add('__proto__', 'a').add('__proto__', 'b').toHeaders();
  t.equal(Object.getPrototypeOf(arrayValued), Object.prototype, 'an array value neither');
  t.same(Object.getOwnPropertyDescriptor(arrayValued, '__proto__')!.value, ['a', 'b']);

  const back = metadataFromHeaders(headers);
  t.equal(back.get('__proto__'), 'p');
  t.equal(back.get('constructor'), 'c');
  t.equal(JSON.stringify(back.toJSON()), '{"__proto__":["p"],"constructor":["c"],"hasownproperty":["h"]}');
});

t.test('toHeaders({ skipReserved }): fields owned by HTTP/2 or gRPC are left out', async (t) => {
  const md = new Metadata({ 'grpc-status': '0', 'content-type': 'text/html', te: 'x', 'x-ok': 'kept' });
  t.same(md.toHeaders({}, { skipReserved: true }), { 'x-ok': 'kept' });
  t.same(
    Object.keys(md.toHeaders()).sort(),
    ['content-type', 'grpc-status', 'te', 'x-ok'],
    'without the option, every key',
  );
});

t.test('a round trip through headers keeps every value', async (t) => {
  const md = new Metadata([
    ['a', 'x'],
    ['a', 'y'],
    ['z-bin', new Uint8Array([])],
    ['z-bin', new Uint8Array([255, 0, 1])],
  ]);
  t.same([...metadataFromHeaders(md.toHeaders())], [...md]);
});

t.test('clone and merge copy the value lists', async (t) => {
  const a = new Metadata({ k: ['1', '2'] });
  const b = a.clone();
  b.add('k', '3');
  t.same(a.getAll('k'), ['1', '2'], 'the clone is independent');
  a.merge(b);
  t.same(a.getAll('k'), ['1', '2', '1', '2', '3']);
  b.add('k', '4');
  t.same(a.getAll('k').length, 5, 'merged lists are copies');
  const c = new Metadata().merge(b);
  c.add('k', '5');
  t.equal(b.getAll('k').length, 4);
  t.equal(a.size, 1);
});

t.test('getAll returns a copy', async (t) => {
  const md = new Metadata({ k: 'v' });
  md.getAll('k').push('w');
  t.same(md.getAll('k'), ['v']);
});

t.test('toJSON: a null-prototype object, -bin values in base64', async (t) => {
  const json = new Metadata()
    .add('t-bin', new Uint8Array([1]))
    .add('s', 'x')
    .toJSON();
  t.equal(Object.getPrototypeOf(json), null);
  t.equal(JSON.stringify(json), '{"t-bin":["AQ"],"s":["x"]}');
});

t.test(
  'fromReceived: what is not valid metadata is left out, the rest kept; a valid block is fromHeaders',
  async (t) => {
    const md = metadataFromReceived({
      good: 'yes',
      'bad key': 'x',
      'x-bin': 'not base64!',
      'ok-bin': 'AQI=',
      ':status': '200',
      'grpc-status': '0',
    });
    t.same(md.toJSON(), { good: ['yes'], 'ok-bin': ['AQI'] });
    t.same(
      metadataFromReceived({ a: ['1', '2'], b: 'c' }).toJSON(),
      metadataFromHeaders({ a: ['1', '2'], b: 'c' }).toJSON(),
    );
    t.throws(
      () => metadataFromHeaders({ good: 'yes', 'bad key': 'x' }),
      { code: Code.INTERNAL },
      'where fromHeaders refuses the block',
    );
  },
);
