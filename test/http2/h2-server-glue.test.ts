// The glue between wiregrpc's own HTTP/2 and the server call path, piece by
// piece: choosing the transport (option, WIREGRPC_TRANSPORT), header records
// to the flat lists src/h2 sends, the request fields the transport checks.
import t from 'tap';
import { headerList } from '../../src/http2/h2-server-stream.js';
import { requestFields } from '../../src/http2/h2-accept.js';
import { transportKind } from '../../src/http2/server-options.js';
import { OK_TRAILERS, responseHeaders } from '../../src/http2/response-headers.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';

t.test('transport: the option wins, then WIREGRPC_TRANSPORT, then node:http2', (t) => {
  const saved = process.env.WIREGRPC_TRANSPORT;
  t.teardown(() => {
    if (saved === undefined) delete process.env.WIREGRPC_TRANSPORT;
    else process.env.WIREGRPC_TRANSPORT = saved;
  });
  delete process.env.WIREGRPC_TRANSPORT;
  t.equal(transportKind({}), 'node:http2', 'the default');
  t.equal(transportKind({ transport: 'wiregrpc' }), 'wiregrpc');
  process.env.WIREGRPC_TRANSPORT = 'wiregrpc';
  t.equal(transportKind({}), 'wiregrpc', 'the environment, when the option is absent');
  t.equal(transportKind({ transport: 'node:http2' }), 'node:http2', 'the option over the environment');
  process.env.WIREGRPC_TRANSPORT = '';
  t.equal(transportKind({}), 'node:http2', 'an empty variable is no choice');
  t.end();
});

t.test('transport: an unknown value is INVALID_ARGUMENT naming where it came from', (t) => {
  const saved = process.env.WIREGRPC_TRANSPORT;
  t.teardown(() => {
    if (saved === undefined) delete process.env.WIREGRPC_TRANSPORT;
    else process.env.WIREGRPC_TRANSPORT = saved;
  });
  delete process.env.WIREGRPC_TRANSPORT;
  t.throws(
    () => transportKind({ transport: 'h3' as 'wiregrpc' }),
    new GrpcError(Code.INVALID_ARGUMENT, 'transport "h3" is not one of node:http2, wiregrpc'),
  );
  process.env.WIREGRPC_TRANSPORT = 'nghttp2';
  t.throws(
    () => transportKind({}),
    new GrpcError(
      Code.INVALID_ARGUMENT,
      'the environment variable WIREGRPC_TRANSPORT="nghttp2" is not one of node:http2, wiregrpc',
    ),
  );
  t.end();
});

t.test('headerList: pseudo-header fields first, numbers as text, arrays as repeated fields', (t) => {
  t.same(headerList({ 'x-a': '1', ':status': 200, 'x-b': ['2', '3'], 'x-none': undefined }), [
    ':status',
    '200',
    'x-a',
    '1',
    'x-b',
    '2',
    'x-b',
    '3',
  ]);
  t.same(headerList({}), []);
  t.end();
});

t.test('headerList: a frozen shared record is converted once, its list reused', (t) => {
  const headers = responseHeaders('identity');
  t.same(headerList(headers), [
    ':status',
    '200',
    'content-type',
    'application/grpc',
    'grpc-accept-encoding',
    headers['grpc-accept-encoding'],
  ]);
  t.equal(headerList(headers), headerList(headers), 'the same list');
  t.same(headerList(OK_TRAILERS), ['grpc-status', '0']);
  const fresh = { 'grpc-status': '0' };
  t.not(headerList(fresh), headerList(fresh), 'a fresh record is converted each time (it may change)');
  t.end();
});

t.test('requestFields: the fields the checks read, first value of each, nothing else', (t) => {
  const fields = requestFields([
    ':method',
    'POST',
    ':scheme',
    'http',
    ':path',
    '/a.B/C',
    'content-type',
    'application/grpc',
    'grpc-timeout',
    '1S',
    'grpc-encoding',
    'gzip',
    'grpc-encoding',
    'deflate',
    'x-custom',
    'v',
  ]);
  t.equal(fields[':method'], 'POST');
  t.equal(fields[':path'], '/a.B/C');
  t.equal(fields['content-type'], 'application/grpc');
  t.equal(fields['grpc-timeout'], '1S');
  t.equal(fields['grpc-encoding'], 'gzip', 'the first of two');
  t.equal(fields['grpc-accept-encoding'], undefined);
  t.equal(fields.origin, undefined);
  t.equal(fields['x-custom'], undefined, 'metadata stays in the list');
  t.end();
});
