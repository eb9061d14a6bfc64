/**
 * gRPC-Web carries trailers in the body: a frame with flag 0x80 whose payload
 * is HTTP/1 header lines (`name: value\r\n`). The names come from the server,
 * so any name is possible, `constructor` and `__proto__` included: each is an
 * ordinary field, never something inherited or a prototype swap.
 */
import t from 'tap';
import { parseTrailers } from '../../../src/wire/grpc/grpc-web.js';
import { Metadata } from '../../../src/wire/grpc/metadata.js';
import { statusFromTrailers } from '../../../src/wire/grpc/status.js';
import { metadataFromHeaders } from '../../../src/wire/grpc/received-metadata.js';

const lines = (text: string) => new TextEncoder().encode(text);

t.test('names of Object.prototype members are ordinary trailer names', async (t) => {
  const out = parseTrailers(lines('grpc-status: 0\r\nconstructor: x\r\ntostring: y\r\nhasownproperty: z\r\n'));
  t.equal(out.constructor, 'x', 'not [Object constructor, x]');
  t.equal(out.tostring, 'y');
  t.same(Object.keys(out).sort(), ['constructor', 'grpc-status', 'hasownproperty', 'tostring']);
  t.equal(parseTrailers(lines('grpc-status: 0\r\n')).constructor, undefined, 'nothing inherited shows as a field');
});

t.test('__proto__ lines are a field, never the prototype', async (t) => {
  const one = parseTrailers(lines('__proto__: a\r\n'));
  t.same(Object.getOwnPropertyDescriptor(one, '__proto__')?.value, 'a');
  const two = parseTrailers(lines('__proto__: a\r\n__proto__: b\r\ngrpc-status: 5\r\n'));
  t.same(Object.getOwnPropertyDescriptor(two, '__proto__')?.value, ['a', 'b']);
  t.equal(two['grpc-status'], '5');
  t.equal(metadataFromHeaders(two).getAll('__proto__').join(), 'a,b', 'the metadata sees both values');
  t.equal(statusFromTrailers(two)?.code, 5);
});
