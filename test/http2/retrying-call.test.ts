/**
 * RetryingCall on the transport, with its random source fixed: the backoff is
 * "full jitter" (gRFC A6) — attempt n+1 waits random() · min(initialBackoff ·
 * backoffMultiplier^(n-1), maxBackoff) — so with random() near 1 each wait is
 * the whole ceiling, and with random() = 0 there is none.
 */
import http2 from 'node:http2';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import type { Channel } from '../../src/http2/channel.js';
import { RetryingCall } from '../../src/http2/retrying-call.js';
import type { RetryPolicy } from '../../src/http2/service-config.js';
import { Code } from '../../src/wire/grpc/code.js';
import type { GrpcError } from '../../src/wire/grpc/error.js';
import { fakeChannel, frame, respond } from '../helpers/client-fake-server.js';

const PATH = '/wiregrpc.test.Echo/Unary';

function policy(initialBackoffMs: number, maxBackoffMs: number, maxAttempts = 4): RetryPolicy {
  return {
    maxAttempts,
    initialBackoffMs,
    maxBackoffMs,
    backoffMultiplier: 2,
    retryableStatusCodes: new Set([Code.UNAVAILABLE]),
  };
}

/** Runs one retrying unary call to a server that always says UNAVAILABLE; the arrival times of the attempts. */
async function arrivals(channel: Channel, seen: number[], p: RetryPolicy, random: () => number) {
  seen.length = 0;
  const error = await new Promise<GrpcError | undefined>((resolve) => {
    const call = new RetryingCall(
      channel,
      PATH,
      { onHeaders() {}, onMessage() {}, onStatus: (e) => resolve(e) },
      { replayable: true },
      { retry: p },
      random,
    );
    call.start();
    call.sendLastFrame(frame(''));
  });
  return { error, gaps: seen.slice(1).map((at, i) => at - seen[i]!) };
}

t.test('full jitter: random() near 1 waits the whole ceiling, doubling up to maxBackoff', async (t) => {
  const seen: number[] = [];
  const { channel } = await fakeChannel(t, (stream) => {
    seen.push(performance.now());
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(Code.UNAVAILABLE) },
      { endStream: true },
    );
  });
  const { error, gaps } = await arrivals(channel, seen, policy(40, 100), () => 0.999);
  t.equal(error?.code, Code.UNAVAILABLE);
  t.equal(seen.length, 4, 'maxAttempts');
  const ceilings = [40, 80, 100]; // 40 · 2^(n-1), capped at 100
  gaps.forEach((gap, i) => {
    // A timer never fires early (Node rounds to the ms): the lower bound is exact.
    t.ok(gap >= ceilings[i]! * 0.999 - 1, `wait ${i + 1}: ${gap.toFixed(1)} ms ≥ ${ceilings[i]} ms`);
  });
});

t.test('full jitter: random() = 0 retries at once; random() = 0.5 waits half the ceiling', async (t) => {
  const seen: number[] = [];
  const { channel } = await fakeChannel(t, (stream) => {
    seen.push(performance.now());
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(Code.UNAVAILABLE) },
      { endStream: true },
    );
  });
  const none = await arrivals(channel, seen, policy(400, 400, 3), () => 0);
  t.ok(
    none.gaps.every((gap) => gap < 400),
    `no wait anywhere near the 400 ms ceiling: ${none.gaps.map((g) => g.toFixed(1)).join(', ')} ms`,
  );
  const half = await arrivals(channel, seen, policy(100, 100, 3), () => 0.5);
  t.ok(
    half.gaps.every((gap) => gap >= 49),
    `half the ceiling each time: ${half.gaps.map((g) => g.toFixed(1)).join(', ')} ms`,
  );
});

t.test('a reset whose code the policy does not list is final: one attempt', async (t) => {
  const ids: number[] = [];
  const { channel } = await fakeChannel(t, (stream, headers) => {
    ids.push(stream.id!);
    if (headers['grpc-previous-rpc-attempts'] === undefined) {
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR); // INTERNAL: not retryable here
      return;
    }
    respond(stream, [frame('x')], { 'grpc-status': '0' });
  });
  const { error } = await arrivals(channel, [], policy(1, 1), Math.random);
  t.equal(error?.code, Code.INTERNAL, 'a reset the policy does not list is final');
  t.equal(ids.length, 1);
});
