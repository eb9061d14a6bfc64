// The status of a call travels in the trailers (grpc/grpc doc/PROTOCOL-HTTP2.md):
//   Trailers → Status [Status-Message] [Status-Details] *Custom-Metadata
//   Status   → "grpc-status" 1*DIGIT
//   Status-Message → "grpc-message" Percent-Byte-Encoded
//   grpc-status-details-bin → base64 of a serialized google.rpc.Status
//     (code = 1, message = 2, repeated google.protobuf.Any details = 3)
import t from 'tap';
import fc from 'fast-check';
import { type Any, type MessageType, anyPack } from '../../../src/wire/grpc/any.js';
import { Code } from '../../../src/wire/grpc/code.js';
import { GrpcError, isWireError } from '../../../src/wire/grpc/error.js';
import { type HeaderRecord, Metadata } from '../../../src/wire/grpc/metadata.js';
import { statusFromTrailers, statusToTrailers } from '../../../src/wire/grpc/status.js';
import { decodeStatusDetails, encodeStatusDetails } from '../../../src/wire/grpc/status-details.js';
import { decodeBase64, encodeBase64 } from '../../../src/wire/proto/base64.js';
import { codecFor } from '../../../src/wire/proto/codec.js';

/** A detail type of our own: `message Field { string path = 1; int32 limit = 2; }`. */
interface Field {
  path: string;
  limit: number;
}
const Field: MessageType<Field> = codecFor<Field>({
  typeName: 'test.Field',
  fields: [
    { no: 1, name: 'path', localName: 'path', jsonName: 'path', kind: 'scalar', scalar: 'string' },
    { no: 2, name: 'limit', localName: 'limit', jsonName: 'limit', kind: 'scalar', scalar: 'int32' },
  ],
});
/** The google.rpc.Status a trailer block carries, decoded. */
function statusIn(trailers: HeaderRecord) {
  const text = trailers['grpc-status-details-bin'];
  if (typeof text !== 'string') return undefined;
  return decodeStatusDetails(decodeBase64(text)!);
}

t.test('OK is grpc-status 0 and nothing else', async (t) => {
  t.same(statusToTrailers(undefined), { 'grpc-status': '0' });
});

t.test('an error: its code, its message percent-encoded, raw details in base64 as given, its metadata', async (t) => {
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

t.test('details: one google.rpc.Status with the same code and message, each detail an Any', async (t) => {
  const details = [
    anyPack(Field, { path: 'name', limit: 3 }),
    { typeUrl: 'example.com/x.Y', value: new Uint8Array([8, 1]) },
  ];
  const trailers = statusToTrailers(new GrpcError(Code.INVALID_ARGUMENT, 'bad request: 100%', { details }));
  t.equal(trailers['grpc-status'], '3');
  t.equal(trailers['grpc-message'], 'bad request: 100%25');
  t.same(statusIn(trailers), { code: 3, message: 'bad request: 100%', details });
  t.same(details[0], {
    typeUrl: 'type.googleapis.com/test.Field',
    value: new Uint8Array([0x0a, 4, 0x6e, 0x61, 0x6d, 0x65, 0x10, 3]),
  });
  t.notOk(/=/.test(String(trailers['grpc-status-details-bin'])), 'unpadded base64, as every -bin value we send');
  t.equal(statusToTrailers(new GrpcError(Code.INTERNAL, 'x', { details: [] }))['grpc-status-details-bin'], undefined);
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
  const detail = anyPack(Field, { path: 'a.b', limit: 7 });
  const err = statusFromTrailers({
    'grpc-status': '7',
    'grpc-message': 'not for you, zo%C3%AB',
    'grpc-status-details-bin': encodeBase64(encodeStatusDetails(7, 'not for you, zoë', [detail])),
    'x-request-id': 'abc',
    'trace-bin': 'AQID',
    'content-type': 'application/grpc',
    ':status': '200',
  })!;
  t.ok(err instanceof GrpcError);
  t.equal(err.code, Code.PERMISSION_DENIED);
  t.equal(err.rawMessage, 'not for you, zoë');
  t.equal(err.message, 'PERMISSION_DENIED: not for you, zoë');
  t.same(err.details, [detail]);
  t.same(err.findDetails(Field), [{ path: 'a.b', limit: 7 }]);
  t.same(err.metadata.toJSON(), { 'x-request-id': ['abc'], 'trace-bin': ['AQID'] }, 'reserved fields are not metadata');
});

t.test('reading details: a type nobody here knows stays an Any; findDetails picks one type', async (t) => {
  const unknown: Any = { typeUrl: 'type.googleapis.com/other.Thing', value: new Uint8Array([0x0a, 1, 0x7a]) };
  const fields = [anyPack(Field, { path: 'x', limit: 1 }), anyPack(Field, { path: 'y', limit: 2 })];
  const err = statusFromTrailers({
    'grpc-status': '3',
    'grpc-status-details-bin': encodeBase64(encodeStatusDetails(3, '', [fields[0]!, unknown, fields[1]!])),
  })!;
  t.same(err.details, [fields[0], unknown, fields[1]], 'in the order sent');
  t.same(err.findDetails(Field), [
    { path: 'x', limit: 1 },
    { path: 'y', limit: 2 },
  ]);
  const Other: MessageType = codecFor({ typeName: 'test.Other', fields: [] });
  t.same(err.findDetails(Other), []);
});

t.test('reading details: a detail whose bytes do not decode as its type is skipped by findDetails', async (t) => {
  const broken: Any = { typeUrl: 'type.googleapis.com/test.Field', value: new Uint8Array([0x0a, 9, 1]) };
  const err = statusFromTrailers({
    'grpc-status': '3',
    'grpc-status-details-bin': encodeBase64(
      encodeStatusDetails(3, '', [broken, anyPack(Field, { path: 'ok', limit: 0 })]),
    ),
  })!;
  t.same(err.findDetails(Field), [{ path: 'ok', limit: 0 }]);
  t.same(err.details[0], broken, 'still there to see');
});

t.test('reading details: grpc-status and grpc-message are the status, whatever the Status inside says', async (t) => {
  const detail = anyPack(Field, { path: 'p', limit: 1 });
  const err = statusFromTrailers({
    'grpc-status': '5',
    'grpc-message': 'gone',
    'grpc-status-details-bin': encodeBase64(encodeStatusDetails(13, 'something else', [detail])),
  })!;
  t.equal(err.code, Code.NOT_FOUND);
  t.equal(err.rawMessage, 'gone');
  t.same(err.details, [detail], "the details are still the server's");
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

t.test('details that are not base64, or not a google.rpc.Status, are dropped; the status stands', async (t) => {
  for (const value of ['!!!', 'A', '/w', 'CgE']) {
    // '/w' is the byte 0xff (no valid tag); 'CgE' is field 1 as a string of length 1 with no byte left
    const err = statusFromTrailers({ 'grpc-status': '9', 'grpc-message': 'm', 'grpc-status-details-bin': value })!;
    t.equal(err.code, Code.FAILED_PRECONDITION, value);
    t.equal(err.rawMessage, 'm', value);
    t.same(err.details, [], value);
    t.equal(err.rawDetails, undefined, value);
  }
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
  const out = statusToTrailers(new GrpcError(err.code, err.rawMessage, { metadata: err.metadata }));
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

t.test('a received error is marked fromWire; one raised here is not', async (t) => {
  const received = statusFromTrailers({ 'grpc-status': '14', 'grpc-message': 'backend down' })!;
  t.equal(received.fromWire, true);
  t.ok(isWireError(received));
  t.ok(isWireError(GrpcError.from(received)), 'GrpcError.from keeps it as it is');
  t.notOk(isWireError(new GrpcError(Code.UNAVAILABLE, 'here')));
  t.notOk(isWireError(new Error('x')));
  t.notOk(isWireError(undefined));
  t.ok(isWireError(new GrpcError(Code.UNAVAILABLE, 'stub', { fromWire: true })), 'a test double of a backend');
});

t.test("a relayed error: its code and message are sent, not the backend's metadata and details", async (t) => {
  const backend = statusFromTrailers({
    'grpc-status': '3',
    'grpc-message': 'field x%20is bad',
    'grpc-status-details-bin': encodeBase64(
      encodeStatusDetails(3, 'field x is bad', [anyPack(Field, { path: 'x', limit: 1 })]),
    ),
    'set-cookie': 'backend-session=1',
    'x-backend-host': 'db-7.internal',
  })!;
  t.same(statusToTrailers(backend), { 'grpc-status': '3', 'grpc-message': 'field x is bad' });
  const into: HeaderRecord = { 'x-mine': 'handler trailer' };
  t.same(
    statusToTrailers(backend, into),
    { 'x-mine': 'handler trailer', 'grpc-status': '3', 'grpc-message': 'field x is bad' },
    "the handler's own trailers still go out",
  );
  // Passing them on is a decision the handler makes, with a new error.
  const passed = statusToTrailers(new GrpcError(backend.code, backend.rawMessage, { details: backend.details }));
  t.same(statusIn(passed)?.details, backend.details);
  t.equal(passed['x-backend-host'], undefined);
});

t.test('raw details are sent byte for byte, not read', async (t) => {
  const raw = encodeStatusDetails(9, 'x', [anyPack(Field, { path: 'q', limit: 2 })]);
  const err = new GrpcError(Code.FAILED_PRECONDITION, 'x', { details: raw });
  t.equal(err.rawDetails, raw);
  t.same(err.details, [], 'nothing here decodes them');
  t.equal(statusToTrailers(err)['grpc-status-details-bin'], encodeBase64(raw, { pad: false }));
  t.same(
    statusFromTrailers(statusToTrailers(err))!.findDetails(Field),
    [{ path: 'q', limit: 2 }],
    'the peer reads them',
  );
  const opaque = new GrpcError(Code.INTERNAL, '', { details: new Uint8Array([0xff]) });
  t.equal(statusToTrailers(opaque)['grpc-status-details-bin'], '/w', 'even bytes that are not a Status');
});

t.test("the details list is the error's own: changing the array given afterwards changes nothing", async (t) => {
  const list = [anyPack(Field, { path: 'a', limit: 1 })];
  const err = new GrpcError(Code.INVALID_ARGUMENT, 'x', { details: list });
  list.push(anyPack(Field, { path: 'b', limit: 2 }));
  t.equal(err.details.length, 1);
  t.ok(Object.isFrozen(err.details));
});

t.test('property: any bytes in grpc-status-details-bin leave the status as sent; a Status round-trips', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const err = statusFromTrailers({
        'grpc-status': '3',
        'grpc-message': 'm',
        'grpc-status-details-bin': encodeBase64(bytes),
      })!;
      return err.code === Code.INVALID_ARGUMENT && err.rawMessage === 'm' && Array.isArray(err.details);
    }),
    { numRuns: 2000 },
  );
  const any = fc.record({ typeUrl: fc.string({ maxLength: 40 }), value: fc.uint8Array({ maxLength: 16 }) });
  fc.assert(
    fc.property(fc.array(any, { maxLength: 5 }), fc.string({ maxLength: 20 }), (details, message) => {
      const sent = new GrpcError(Code.ABORTED, message, { details });
      const got = statusFromTrailers(statusToTrailers(sent))!;
      t.same(got.details, details);
      return got.code === Code.ABORTED && got.rawMessage === message;
    }),
    { numRuns: 300 },
  );
});
