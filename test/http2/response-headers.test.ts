/**
 * The header blocks a server sends (PROTOCOL-HTTP2.md):
 *
 *     Response-Headers → ":status 200" "content-type" [grpc-encoding] [grpc-accept-encoding] *Custom-Metadata
 *     Trailers         → "grpc-status" ["grpc-message"] ["grpc-status-details-bin"] *Custom-Metadata
 *     Trailers-Only    → ":status 200" "content-type" Trailers
 *
 * Custom-Metadata is any header gRPC does not define: a handler's metadata
 * never replaces (or forges) a protocol field in any of the three blocks.
 */
import t from 'tap';
import { responseHeaders, responseHeadersWith, trailers, trailersOnly } from '../../src/http2/response-headers.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Metadata } from '../../src/wire/grpc/metadata.js';

/** Metadata naming protocol fields, as a careless (or hostile) handler might set it. */
function forging(): Metadata {
  return new Metadata({
    'grpc-status': '0',
    'grpc-message': 'forged',
    'content-type': 'text/html',
    'grpc-encoding': 'gzip',
    'x-ok': 'kept',
  });
}

t.test('response headers: custom metadata is added, reserved keys are left out', async (t) => {
  const h = responseHeadersWith('identity', forging());
  t.equal(h[':status'], 200);
  t.equal(h['content-type'], 'application/grpc');
  t.equal(h['grpc-encoding'], undefined, 'no grpc-encoding for identity messages, whatever the metadata says');
  t.equal(h['grpc-status'], undefined, 'a status in the response headers would end a unary call before its message');
  t.equal(h['grpc-message'], undefined);
  t.equal(h['x-ok'], 'kept');
  t.same(responseHeaders('identity')['content-type'], 'application/grpc', 'the shared template is untouched');
});

t.test('trailers: the status is ours, custom metadata rides along', async (t) => {
  const ok = trailers(undefined, forging());
  t.same({ ...ok }, { 'x-ok': 'kept', 'grpc-status': '0' });
  const failed = trailers(new GrpcError(Code.NOT_FOUND, 'nf'), forging());
  t.same({ ...failed }, { 'x-ok': 'kept', 'grpc-status': String(Code.NOT_FOUND), 'grpc-message': 'nf' });
});

t.test('Trailers-Only: content-type stays application/grpc', async (t) => {
  const h = trailersOnly(new GrpcError(Code.NOT_FOUND, 'nf'), forging());
  t.same(
    { ...h },
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-accept-encoding': h['grpc-accept-encoding'],
      'x-ok': 'kept',
      'grpc-status': String(Code.NOT_FOUND),
      'grpc-message': 'nf',
    },
  );
  const viaError = trailersOnly(new GrpcError(Code.NOT_FOUND, 'nf', { metadata: forging() }), undefined);
  t.equal(viaError['content-type'], 'application/grpc', "the error's own metadata cannot replace it either");
  t.equal(viaError['grpc-encoding'], undefined);
  t.equal(viaError['x-ok'], 'kept');
});
