// The status of a call travels in the trailers (grpc/grpc doc/PROTOCOL-HTTP2.md):
//   Trailers → Status [Status-Message] [Status-Details] *Custom-Metadata
//   Status   → "grpc-status" 1*DIGIT
//   Status-Message → "grpc-message" Percent-Byte-Encoded
//   grpc-status-details-bin → base64 of a serialized google.rpc.Status
import t from 'tap';
import { Code } from '../../../src/wire/grpc/code.js';
import { GrpcError } from '../../../src/wire/grpc/error.js';
import { type HeaderRecord, Metadata } from '../../../src/wire/grpc/metadata.js';
import { statusFromTrailers, statusToTrailers } from '../../../src/wire/grpc/status.js';

t.test('OK is grpc-status 0 and nothing else', async (t) => {
  t.same(statusToTrailers(undefined), { 'grpc-status': '0' });
});

t.test('an error: its code, its message percent-encoded, its details in base64, its metadata', async (t) => {
  const error = new GrpcError(Code.NOT_FOUND, 'no user "zoë"', {
    details: new Uint8Array([8, 5, 18, 1, 120]),
    metadata: new Metadata({ 'retry-info': 'later', 'trace-bin': new Uint8Array([1, 2, 3, 4]) }),
  });
  t.same(statusToTrailers(error), {
    'retry-info': 'later',
    'trace-bin': 'AQIDBA',
    'grpc-status': '5',
    'grpc-message': 'no user "zo%C3%AB"',
    'grpc-status-details-bin': 'CAUSAXg',
  });
});

t.test('an empty message is left out', async (t) => {
  t.same(statusToTrailers(new GrpcError(Code.INTERNAL, '')), { 'grpc-status': '13' });
});

t.test('metadata cannot replace the status fields', async (t) => {
  const error = new GrpcError(Code.ABORTED, '', {
    metadata: new Metadata({ 'grpc-status': '0', 'grpc-message': 'all good' }),
  });
  const trailers = statusToTrailers(error);
  t.equal(trailers['grpc-status'], '10');
  t.equal(trailers['grpc-message'], undefined);
});

t.test('trailers can be added to a record the caller already holds', async (t) => {
  const into: HeaderRecord = { 'x-elapsed': '12' };
  t.equal(statusToTrailers(undefined, into), into);
  t.same(into, { 'x-elapsed': '12', 'grpc-status': '0' });
});

t.test('reading: grpc-status 0 is OK, whatever else is there', async (t) => {
  t.equal(statusFromTrailers({ 'grpc-status': '0' }), undefined);
  t.equal(statusFromTrailers({ 'grpc-status': '0', 'grpc-message': 'fine', 'x-a': 'b' }), undefined);
  t.equal(statusFromTrailers({ 'grpc-status': '00' }), undefined, '1*DIGIT: leading zeros allowed');
});

t.test('reading an error: code, decoded message, details, custom metadata', async (t) => {
  const err = statusFromTrailers({
    'grpc-status': '7',
    'grpc-message': 'not for you, zo%C3%AB',
    'grpc-status-details-bin': 'CAcSAXg=',
    'x-request-id': 'abc',
    'trace-bin': 'AQID',
    'content-type': 'application/grpc',
    ':status': '200',
  })!;
  t.ok(err instanceof GrpcError);
  t.equal(err.code, Code.PERMISSION_DENIED);
  t.equal(err.rawMessage, 'not for you, zoë');
  t.equal(err.message, 'PERMISSION_DENIED: not for you, zoë');
  t.same([...err.details!], [8, 7, 18, 1, 120]);
  t.same(err.metadata.toJSON(), { 'x-request-id': ['abc'], 'trace-bin': ['AQID'] }, 'reserved fields are not metadata');
});

t.test('every code from 1 to 16 reads back as itself', async (t) => {
  for (let code = 1; code <= 16; code++) {
    const err = statusFromTrailers(statusToTrailers(new GrpcError(code, `code ${code}`)))!;
    t.equal(err.code, code);
    t.equal(err.rawMessage, `code ${code}`);
  }
});

t.test('no grpc-status: UNKNOWN ("error parsing returned status", doc/statuscodes.md)', async (t) => {
  const err = statusFromTrailers({ 'x-a': 'b' })!;
  t.equal(err.code, Code.UNKNOWN);
  t.match(err.rawMessage, /no grpc-status/);
  t.same(err.metadata.toJSON(), { 'x-a': ['b'] });
  t.equal(statusFromTrailers({})!.code, Code.UNKNOWN);
  t.equal(statusFromTrailers({ ':status': '200' })!.code, Code.UNKNOWN);
});

t.test('no grpc-status in a Trailers-Only block with an HTTP error: the HTTP mapping decides', async (t) => {
  const err = statusFromTrailers({ ':status': '503', 'grpc-message': 'upstream%20down' })!;
  t.equal(err.code, Code.UNAVAILABLE);
  t.equal(err.rawMessage, 'no grpc-status, HTTP status 503: upstream down');
  t.equal(statusFromTrailers({ ':status': 404 })!.code, Code.UNIMPLEMENTED);
  t.equal(statusFromTrailers({ ':status': '500' })!.code, Code.UNKNOWN);
});

t.test('a present grpc-status always wins over :status', async (t) => {
  t.equal(statusFromTrailers({ ':status': '503', 'grpc-status': '0' }), undefined);
  t.equal(statusFromTrailers({ ':status': '404', 'grpc-status': '5' })!.code, Code.NOT_FOUND);
});

t.test('a grpc-status that is not 1*DIGIT: UNKNOWN, saying what was received', async (t) => {
  for (const value of ['', 'abc', '-1', '+1', ' 0', '0 ', '1.0', '0x1', '١', 'OK', '99999999999']) {
    const err = statusFromTrailers({ 'grpc-status': value, 'grpc-message': 'hm' })!;
    t.equal(err.code, Code.UNKNOWN, JSON.stringify(value));
    t.equal(err.rawMessage, `malformed grpc-status ${JSON.stringify(value)}: hm`);
  }
  const two = statusFromTrailers({ 'grpc-status': ['0', '5'] })!;
  t.equal(two.code, Code.UNKNOWN, 'two grpc-status values');
});

t.test('a grpc-status beyond 16: UNKNOWN, keeping the number and the message', async (t) => {
  const err = statusFromTrailers({ 'grpc-status': '17', 'grpc-message': 'custom' })!;
  t.equal(err.code, Code.UNKNOWN);
  t.equal(err.rawMessage, 'grpc-status 17 is not a known code: custom');
  t.equal(statusFromTrailers({ 'grpc-status': '4294967296' })!.code, Code.UNKNOWN);
});

t.test('a number or a one-element array is read like a string', async (t) => {
  t.equal(statusFromTrailers({ 'grpc-status': 3 })!.code, Code.INVALID_ARGUMENT);
  t.equal(statusFromTrailers({ 'grpc-status': ['3'] })!.code, Code.INVALID_ARGUMENT);
});

t.test('details that are not base64 are dropped; the status stands', async (t) => {
  const err = statusFromTrailers({ 'grpc-status': '9', 'grpc-status-details-bin': '!!!' })!;
  t.equal(err.code, Code.FAILED_PRECONDITION);
  t.equal(err.details, undefined);
});

t.test('invalid metadata entries are dropped one by one; the rest is kept', async (t) => {
  const err = statusFromTrailers({
    'grpc-status': '8',
    good: 'yes',
    'bad-bin': '***',
    'Bad Key': 'x',
    'bad-value': 'caf\u00e9',
    'also-good-bin': 'AAE',
  })!;
  t.equal(err.code, Code.RESOURCE_EXHAUSTED);
  t.same(err.metadata.toJSON(), { good: ['yes'], 'also-good-bin': ['AAE'] });
});

t.test('__proto__ and constructor are plain metadata keys, both ways', async (t) => {
  const trailers = JSON.parse('{"grpc-status":"2","__proto__":"p","constructor":"c"}') as HeaderRecord;
  const err = statusFromTrailers(trailers)!;
  t.equal(err.metadata.get('__proto__'), 'p');
  t.equal(err.metadata.get('constructor'), 'c');
  const out = statusToTrailers(err);
  t.equal(Object.getPrototypeOf(out), Object.prototype, 'the record keeps its prototype');
  t.ok(Object.hasOwn(out, '__proto__'));
  t.equal(Object.getOwnPropertyDescriptor(out, '__proto__')!.value, 'p');
  t.equal(statusFromTrailers(out)!.metadata.get('__proto__'), 'p');
});

t.test('never throws, whatever the trailers hold', async (t) => {
  const weird: HeaderRecord[] = [
    { 'grpc-status': undefined },
    { 'grpc-status': [] },
    { 'grpc-message': '%%%' },
    { 'grpc-status': '1', 'grpc-message': '%FF%FE' },
    { 'grpc-status': '1', ':path': '/x', UPPER: 'v' },
    { 'grpc-status': '1', 'x-bin': ['AA', '!'] },
  ];
  for (const trailers of weird) t.doesNotThrow(() => statusFromTrailers(trailers), JSON.stringify(trailers));
  t.equal(statusFromTrailers({ 'grpc-status': '1', 'grpc-message': '%FF%FE' })!.rawMessage, '\uFFFD\uFFFD');
});
