// When a response has no grpc-status, something other than a gRPC server wrote
// it (a proxy, a load balancer); its HTTP status picks the code
// (grpc/grpc doc/http-grpc-status-mapping.md).
import t from 'tap';
import { Code } from '../../../src/wire/grpc/code.js';
import { codeFromHttpStatus } from '../../../src/wire/grpc/http-status.js';

t.test('the mapping table', async (t) => {
  const table: [number, Code][] = [
    [400, Code.INTERNAL],
    [401, Code.UNAUTHENTICATED],
    [403, Code.PERMISSION_DENIED],
    [404, Code.UNIMPLEMENTED],
    [429, Code.UNAVAILABLE],
    [502, Code.UNAVAILABLE],
    [503, Code.UNAVAILABLE],
    [504, Code.UNAVAILABLE],
  ];
  for (const [http, code] of table) t.equal(codeFromHttpStatus(http), code, `${http}`);
});

t.test('every other status is UNKNOWN', async (t) => {
  for (const http of [0, 100, 200, 204, 301, 402, 405, 415, 418, 500, 501, 505, 599, -1, 1e9, Number.NaN]) {
    t.equal(codeFromHttpStatus(http), Code.UNKNOWN, `${http}`);
  }
});
