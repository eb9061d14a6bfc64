/**
 * What the browser page (page.ts) must report, whichever server it talks to: the
 * Node server (browser.suite.ts) or the fetch handler in workerd
 * (fetch-browser.suite.ts). One statement of the gRPC-Web answers, two backends.
 */
import type { Test } from 'tap';
import { Code } from '../../../src/wire/grpc/code.js';

/** The page's 'stream' run: five messages, produced 100 ms apart, must arrive spread over time. */
export function expectStreamed(t: Test, r: { got: string[]; times: number[] }, what: string): void {
  t.same(r.got, ['0:m 0', '1:m 1', '2:m 2', '3:m 3', '4:m 4']);
  t.ok(r.times[4]! - r.times[0]! >= 300, `spread over time, not buffered by ${what}: ${r.times.join(', ')} ms`);
}

/** The page's 'errors' run: UNKNOWN for another user, a status after messages with its metadata, no client streaming. */
export function expectErrors(
  t: Test,
  r: { unknownUser: unknown; afterMessages: unknown; clientStreaming: { code: number } },
): void {
  t.same(r.unknownUser, { code: Code.UNKNOWN, message: 'unknown user: name = nobody', name: 'GrpcError' });
  t.same(r.afterMessages, {
    code: Code.DATA_LOSS,
    message: 'asked to fail: e',
    name: 'GrpcError',
    detail: 'yes',
    seen: [0, 1],
  });
  t.equal(r.clientStreaming.code, Code.UNIMPLEMENTED);
}
