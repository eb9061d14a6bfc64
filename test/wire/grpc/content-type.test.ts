// content-type (grpc/grpc doc/PROTOCOL-HTTP2.md, doc/PROTOCOL-WEB.md):
//   "application/grpc" [("+proto" / "+json" / {custom})]
// plus gRPC-Web's application/grpc-web[+x] and application/grpc-web-text[+x].
import t from 'tap';
import { formatContentType, parseContentType } from '../../../src/wire/grpc/content-type.js';

t.test('gRPC over HTTP/2', async (t) => {
  t.same(parseContentType('application/grpc'), { subtype: 'proto', web: false, text: false }, 'no subtype means proto');
  t.same(parseContentType('application/grpc+proto'), { subtype: 'proto', web: false, text: false });
  t.same(parseContentType('application/grpc+json'), { subtype: 'json', web: false, text: false });
  t.same(parseContentType('application/grpc+thrift'), { subtype: 'thrift', web: false, text: false }, 'custom codecs');
  t.same(
    parseContentType('application/grpc+'),
    { subtype: 'proto', web: false, text: false },
    'an empty subtype: the default',
  );
});

t.test('gRPC-Web, binary and text', async (t) => {
  t.same(parseContentType('application/grpc-web'), { subtype: 'proto', web: true, text: false });
  t.same(parseContentType('application/grpc-web+proto'), { subtype: 'proto', web: true, text: false });
  t.same(parseContentType('application/grpc-web-text'), { subtype: 'proto', web: true, text: true });
  t.same(parseContentType('application/grpc-web-text+proto'), { subtype: 'proto', web: true, text: true });
});

t.test('parameters are ignored; type names are case-insensitive', async (t) => {
  t.same(parseContentType('application/grpc; charset=utf-8'), { subtype: 'proto', web: false, text: false });
  t.same(parseContentType('application/grpc;charset=utf-8'), { subtype: 'proto', web: false, text: false });
  t.same(parseContentType('application/grpc+json ; x=y'), { subtype: 'json', web: false, text: false });
  t.same(parseContentType('Application/GRPC+Proto'), { subtype: 'proto', web: false, text: false });
});

t.test('anything else is not gRPC', async (t) => {
  for (const value of [
    undefined,
    '',
    'application/json',
    'text/plain',
    'application/grpcx',
    'application/grpc-webx',
    'application/grpc-web-text-x',
    'application/grpc+a/b',
    'application/grpc+ json',
    'xapplication/grpc',
    'application/octet-stream',
    'application',
  ]) {
    t.equal(parseContentType(value), undefined, JSON.stringify(value));
  }
});

t.test('formatContentType writes the shortest name', async (t) => {
  t.equal(formatContentType(), 'application/grpc');
  t.equal(formatContentType('json'), 'application/grpc+json');
  t.equal(formatContentType('proto', true), 'application/grpc-web');
  t.equal(formatContentType('proto', true, true), 'application/grpc-web-text');
  for (const [sub, web, text] of [
    ['proto', false, false],
    ['json', true, false],
    ['json', true, true],
  ] as const) {
    t.same(parseContentType(formatContentType(sub, web, text)), { subtype: sub, web, text });
  }
});
