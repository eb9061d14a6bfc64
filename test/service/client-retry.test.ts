/**
 * Retries and hedging (gRFC A6) through the stub, configured by service config,
 * against a raw node:http2 server that fails, delays and pushes back on cue and
 * counts every attempt it sees (with its grpc-previous-rpc-attempts).
 */
import type http2 from 'node:http2';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { Channel } from '../../src/http2/channel.js';
import { disableTracing, enableTracing } from '../../src/http2/trace.js';
import { createClient, type ClientInterceptor } from '../../src/service/core.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { parseTimeout } from '../../src/wire/grpc/timeout.js';
import { fakeServer, frame, respond, type FakeServer } from '../helpers/client-fake-server.js';
import { rejection } from '../helpers/rejection.js';

const Echo = loadProtoSync(new URL('../protos/echo.proto', import.meta.url).pathname).service('wiregrpc.test.Echo');
const SERVICE = 'wiregrpc.test.Echo';

/** EchoReply { text: "ok" } */
const OK_REPLY = frame(Uint8Array.from([0x0a, 0x02, 0x6f, 0x6b]));

interface Attempt {
  /** ms since the first attempt of the test arrived */
  at: number;
  previous: string | undefined;
  path: string;
  body: Buffer;
  stream: http2.ServerHttp2Stream;
  cancelled: boolean;
}

type Answer = (attempt: Attempt, n: number) => void;

/** A raw server whose `answer` decides each attempt: `n` counts attempts from 0. */
async function attemptServer(t: { teardown(fn: () => unknown): void }, answer: Answer) {
  const attempts: Attempt[] = [];
  let t0 = 0;
  const server = await fakeServer(async (stream, headers, body) => {
    const now = performance.now();
    if (attempts.length === 0) t0 = now;
    const attempt: Attempt = {
      at: Math.round(now - t0),
      previous: headers['grpc-previous-rpc-attempts'] as string | undefined,
      path: String(headers[':path']),
      body: Buffer.alloc(0),
      stream,
      cancelled: false,
    };
    stream.on('close', () => {
      if (stream.rstCode === 8) attempt.cancelled = true;
    });
    attempts.push(attempt);
    const n = attempts.length - 1;
    attempt.body = await body;
    if (!stream.destroyed) answer(attempt, n);
  });
  t.teardown(() => server.close());
  return { server, attempts };
}

function fail(stream: http2.ServerHttp2Stream, code: Code, extra: http2.OutgoingHttpHeaders = {}): void {
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), ...extra },
    {
      endStream: true,
    },
  );
}

function ok(stream: http2.ServerHttp2Stream): void {
  respond(stream, [OK_REPLY], { 'grpc-status': '0' });
}

function retryConfig(retryPolicy: Record<string, unknown>, more: Record<string, unknown> = {}) {
  return {
    methodConfig: [
      {
        name: [{ service: SERVICE }],
        retryPolicy: {
          maxAttempts: 4,
          initialBackoff: '0.01s',
          maxBackoff: '0.05s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
          ...retryPolicy,
        },
      },
    ],
    ...more,
  };
}

function clientFor(t: { teardown(fn: () => unknown): void }, server: FakeServer, serviceConfig: object, options = {}) {
  const client = createClient(Echo, server.target, {
    serviceConfig: serviceConfig as Record<string, unknown>,
    ...options,
  });
  t.teardown(() => client.close());
  return client;
}

t.test('retry: fails twice with a retryable code, succeeds on the third attempt', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) =>
    n < 2 ? fail(a.stream, Code.UNAVAILABLE) : ok(a.stream),
  );
  const client = clientFor(t, server, retryConfig({}));
  const reply = await client.unary({ text: 'hi' });
  t.equal(reply.text, 'ok');
  t.equal(attempts.length, 3, 'three attempts reached the server');
  t.same(
    attempts.map((a) => a.previous),
    [undefined, '1', '2'],
    'grpc-previous-rpc-attempts on every attempt after the first',
  );
  t.ok(
    attempts.every((a) => a.body.equals(attempts[0]!.body) && a.body.length > 5),
    'the same request, whole, on each',
  );
  t.comment(`timeline (ms): ${attempts.map((a, i) => `attempt ${i + 1} at ${a.at}`).join(', ')}`);
});

t.test('retry: a code not in retryableStatusCodes is final', async (t) => {
  const { server, attempts } = await attemptServer(t, (a) => fail(a.stream, Code.INVALID_ARGUMENT));
  const client = clientFor(t, server, retryConfig({}));
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.INVALID_ARGUMENT);
  t.equal(attempts.length, 1);
});

t.test('retry: maxAttempts bounds the attempts; the last status is the call’s', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) =>
    fail(a.stream, Code.UNAVAILABLE, { 'grpc-message': `attempt ${n}` }),
  );
  const client = clientFor(t, server, retryConfig({ maxAttempts: 3 }));
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.UNAVAILABLE);
  t.equal(err.rawMessage, 'attempt 2');
  t.equal(attempts.length, 3);
});

t.test('retry: maxAttempts above 5 counts as 5 (gRFC A6)', async (t) => {
  const { server, attempts } = await attemptServer(t, (a) => fail(a.stream, Code.UNAVAILABLE));
  const client = clientFor(t, server, retryConfig({ maxAttempts: 9, initialBackoff: '0.001s', maxBackoff: '0.002s' }));
  await rejection(client.unary({}));
  t.equal(attempts.length, 5);
});

t.test('no retry once response headers have come (the call is committed)', async (t) => {
  const { server, attempts } = await attemptServer(t, (a) =>
    respond(a.stream, [], { 'grpc-status': String(Code.UNAVAILABLE) }),
  );
  const client = clientFor(t, server, retryConfig({}));
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.UNAVAILABLE);
  t.equal(attempts.length, 1, 'headers, then a retryable status: not retried');
});

t.test('server pushback: wait what it says; negative or malformed stops the retries', async (t) => {
  let pushback = '150';
  const { server, attempts } = await attemptServer(t, (a, n) =>
    n === 0 || pushback !== '150'
      ? fail(a.stream, Code.UNAVAILABLE, { 'grpc-retry-pushback-ms': pushback })
      : ok(a.stream),
  );
  const client = clientFor(t, server, retryConfig({ initialBackoff: '0.001s', maxBackoff: '0.001s' }));
  await client.unary({});
  t.equal(attempts.length, 2);
  t.ok(attempts[1]!.at - attempts[0]!.at >= 148, `waited the pushback (${attempts[1]!.at - attempts[0]!.at} ms)`);
  for (const value of ['-1', 'soon', '']) {
    pushback = value;
    attempts.length = 0;
    const err = await rejection(client.unary({}));
    t.equal(err.code, Code.UNAVAILABLE);
    t.equal(attempts.length, 1, `pushback ${JSON.stringify(value)}: no retry`);
  }
});

t.test('retry throttling: retries stop while the tokens are at or below half', async (t) => {
  const { server, attempts } = await attemptServer(t, (a) => fail(a.stream, Code.UNAVAILABLE));
  // 4 tokens, threshold 2: call 1 fails (3 left, retry), fails again (2 left: stop); call 2 fails (1): no retry.
  const client = clientFor(t, server, retryConfig({}, { retryThrottling: { maxTokens: 4, tokenRatio: 0.5 } }));
  await rejection(client.unary({}));
  t.equal(attempts.length, 2, 'first call: one retry');
  await rejection(client.unary({}));
  t.equal(attempts.length, 3, 'second call: throttled, no retry');
  t.equal(client.channel.retryThrottle?.tokens, 1);
});

t.test('a streaming call replays its buffered requests on the next attempt', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) =>
    n === 0 ? fail(a.stream, Code.UNAVAILABLE) : ok(a.stream),
  );
  const client = clientFor(t, server, retryConfig({}));
  async function* requests() {
    yield { text: 'one' };
    await new Promise((r) => setTimeout(r, 5));
    yield { text: 'two' };
  }
  const reply = await client.clientStream(requests());
  t.equal(reply.text, 'ok');
  t.equal(attempts.length, 2);
  t.ok(attempts[1]!.body.equals(attempts[0]!.body), 'the second attempt got every request again');
  t.ok(attempts[0]!.body.includes('one') && attempts[0]!.body.includes('two'));
});

t.test('past the per-call buffer limit the call commits: no retry', async (t) => {
  const { server, attempts } = await attemptServer(t, (a) => fail(a.stream, Code.UNAVAILABLE));
  const client = clientFor(t, server, retryConfig({}), { perCallRetryBufferBytes: 64 });
  const err = await rejection(client.clientStream([{ text: 'x'.repeat(100) }]));
  t.equal(err.code, Code.UNAVAILABLE);
  t.equal(attempts.length, 1);
  t.equal(client.channel.retryBuffer.bytes, 0, 'nothing left counted against the channel');
});

t.test('the deadline covers every attempt and the waits between them', async (t) => {
  const { server, attempts } = await attemptServer(t, (a) => fail(a.stream, Code.UNAVAILABLE));
  const client = clientFor(t, server, retryConfig({ initialBackoff: '10s', maxBackoff: '10s', maxAttempts: 5 }));
  const started = Date.now();
  const err = await rejection(client.unary({}, { timeout: 150 }));
  t.equal(err.code, Code.DEADLINE_EXCEEDED);
  t.ok(Date.now() - started < 5000, 'not after the backoff');
  t.ok(attempts.length >= 1 && attempts.length <= 5);
});

t.test('cancellation ends the call in a backoff: no later attempt', async (t) => {
  // The wait comes from a pushback (not the random backoff), so the cancel surely falls inside it.
  const { server, attempts } = await attemptServer(t, (a) =>
    fail(a.stream, Code.UNAVAILABLE, { 'grpc-retry-pushback-ms': '300' }),
  );
  const client = clientFor(t, server, retryConfig({}));
  const abort = new AbortController();
  const call = client.unary({}, { signal: abort.signal });
  await new Promise((r) => setTimeout(r, 50));
  abort.abort();
  const err = await rejection(call);
  t.equal(err.code, Code.CANCELLED);
  await new Promise((r) => setTimeout(r, 400));
  t.equal(attempts.length, 1);
});

t.test('interceptors see the call once, whatever the attempts below', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) =>
    n < 2 ? fail(a.stream, Code.UNAVAILABLE) : ok(a.stream),
  );
  let seen = 0;
  const count: ClientInterceptor = async (_call, next) => {
    seen++;
    await next();
  };
  const client = clientFor(t, server, retryConfig({}), { interceptors: [count] });
  await client.unary({});
  t.equal(attempts.length, 3);
  t.equal(seen, 1);
});

t.test('server-streaming: retried before the first headers, committed after', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) =>
    n === 0 ? fail(a.stream, Code.UNAVAILABLE) : respond(a.stream, [OK_REPLY, OK_REPLY], { 'grpc-status': '0' }),
  );
  const client = clientFor(t, server, retryConfig({}));
  const replies = [];
  for await (const r of client.serverStream({ count: 2 })) replies.push(r.text);
  t.same(replies, ['ok', 'ok']);
  t.equal(attempts.length, 2);
});

function hedgingConfig(hedgingPolicy: Record<string, unknown>) {
  return { methodConfig: [{ name: [{ service: SERVICE, method: 'Unary' }], hedgingPolicy }] };
}

t.test('hedging: a slow first attempt, a second after hedgingDelay wins; the first is cancelled', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) => {
    if (n === 0) setTimeout(() => !a.stream.destroyed && ok(a.stream), 2000);
    else ok(a.stream);
  });
  const client = clientFor(t, server, hedgingConfig({ maxAttempts: 2, hedgingDelay: '0.1s' }));
  const reply = await client.unary({});
  t.equal(reply.text, 'ok');
  t.equal(attempts.length, 2);
  t.same(
    attempts.map((a) => a.previous),
    [undefined, '1'],
  );
  t.ok(attempts[1]!.at >= 95, `the hedge waited hedgingDelay (${attempts[1]!.at} ms)`);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(attempts[0]!.cancelled, true, 'the losing attempt was reset with CANCEL');
  t.comment(
    `timeline (ms): ${attempts.map((a, i) => `attempt ${i + 1} at ${a.at}${a.cancelled ? ' (cancelled)' : ''}`).join(', ')}`,
  );
});

t.test('hedging: a non-fatal code waits for the others; a fatal code ends them all', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) => {
    if (n === 0)
      fail(a.stream, Code.UNAVAILABLE); // non-fatal
    else if (n === 1) fail(a.stream, Code.PERMISSION_DENIED); // fatal
  });
  const client = clientFor(
    t,
    server,
    hedgingConfig({ maxAttempts: 4, hedgingDelay: '0.02s', nonFatalStatusCodes: ['UNAVAILABLE'] }),
  );
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.PERMISSION_DENIED);
  const seen = attempts.length;
  await new Promise((r) => setTimeout(r, 100));
  t.equal(attempts.length, seen, 'no hedge after the fatal status');
  t.ok(seen >= 2 && seen <= 3);
});

t.test('hedging: every attempt non-fatal → the last status, after maxAttempts', async (t) => {
  const { server, attempts } = await attemptServer(t, (a) => fail(a.stream, Code.UNAVAILABLE));
  const client = clientFor(
    t,
    server,
    hedgingConfig({ maxAttempts: 3, hedgingDelay: '0.01s', nonFatalStatusCodes: ['UNAVAILABLE'] }),
  );
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.UNAVAILABLE);
  t.equal(attempts.length, 3);
});

t.test('service config: waitForReady, timeout and message limits per method; the call’s own options win', async (t) => {
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = await fakeServer(async (stream, headers, body) => {
    seen.push(headers);
    await body;
    ok(stream);
  });
  t.teardown(() => server.close());
  const channel = new Channel(server.target, {
    serviceConfig: {
      methodConfig: [
        { name: [{ service: SERVICE, method: 'Unary' }], timeout: '2s', maxRequestMessageBytes: 16 },
        { name: [{}], timeout: '30s' },
      ],
    },
  });
  t.teardown(() => channel.close());
  const client = createClient(Echo, channel);
  const sentTimeout = () => parseTimeout(String(seen.at(-1)!['grpc-timeout'])) as number;
  await client.unary({});
  t.ok(sentTimeout() > 1000 && sentTimeout() <= 2000, 'the configured timeout is sent');
  await client.unary({}, { timeout: '100ms' });
  t.ok(sentTimeout() <= 100, 'the lower of the two');
  await client.unary({}, { timeout: '1m' });
  t.ok(sentTimeout() <= 2000, 'the lower of the two, either way');
  const big = await rejection(client.unary({ text: 'x'.repeat(32) }));
  t.equal(big.code, Code.RESOURCE_EXHAUSTED, 'maxRequestMessageBytes');
  await client.serverStream({}).trailers;
  t.ok(sentTimeout() > 2000, 'the default entry ({}) for other methods');
});

t.test('an invalid service config is a TypeError at creation, naming the field', async (t) => {
  const bad: Array<[unknown, RegExp]> = [
    [retryConfig({ maxAttempts: 1 }), /retryPolicy\.maxAttempts: must be an integer of at least 2/],
    [
      { methodConfig: [{ name: [{ service: SERVICE }], retryPolicy: {} }] },
      /retryPolicy\.retryableStatusCodes: required/,
    ],
    [
      retryConfig({ retryableStatusCodes: ['NOT_A_CODE'] }),
      /methodConfig\[0\]\.retryPolicy\.retryableStatusCodes\[0\]: "NOT_A_CODE" is not a status code/,
    ],
    [retryConfig({ initialBackoff: '100ms' }), /retryPolicy\.initialBackoff: must be a duration in seconds/],
    [retryConfig({ retryableStatusCodes: [] }), /retryableStatusCodes: must list at least one code/],
    [retryConfig({ backoffMultiplier: 0 }), /backoffMultiplier/],
    [
      { methodConfig: [{ name: [{}], retryPolicy: {}, hedgingPolicy: {} }] },
      /methodConfig\[0\]: retryPolicy and hedgingPolicy are mutually exclusive/,
    ],
    [{ methodConfig: [{ name: [{ method: 'Unary' }] }] }, /name\[0\]\.method: a method needs its service/],
    [
      { methodConfig: [{ name: [{}] }, { name: [{}] }] },
      /methodConfig\[1\]\.name\[0\]: names a method already configured/,
    ],
    [{ methodConfig: [{ name: [{}], timout: '1s' }] }, /methodConfig\[0\]\.timout: unknown field/],
    [{ methodConfig: [{ name: [{}], waitForReady: 'yes' }] }, /waitForReady: must be true or false/],
    [{ retryThrottling: { maxTokens: 0, tokenRatio: 1 } }, /retryThrottling\.maxTokens/],
    [{ loadBalancingConfig: [{ weighted_target: {} }] }, /loadBalancingConfig: none of weighted_target is supported/],
    ['{ not json', /serviceConfig: not valid JSON/],
  ];
  for (const [config, message] of bad) {
    t.throws(
      () => new Channel('127.0.0.1:1', { serviceConfig: config as Record<string, unknown> }),
      { name: 'TypeError', message },
      String(message),
    );
  }
  const fine = new Channel('127.0.0.1:1', {
    serviceConfig: JSON.stringify({
      loadBalancingConfig: [{ grpclb: {} }, { round_robin: {} }],
      methodConfig: [{ name: [{ service: SERVICE }], waitForReady: true }],
    }),
  });
  t.equal(fine.serviceConfig?.loadBalancingPolicy, 'round_robin', 'the first policy we know');
  t.equal(fine.methodConfig(`/${SERVICE}/Unary`)?.waitForReady, true);
  t.equal(fine.methodConfig('/other.Svc/M'), undefined);
  await fine.close();
});

t.test('GrpcError stays the one error type of a failed attempt series', async (t) => {
  const { server } = await attemptServer(t, (a) => fail(a.stream, Code.UNAVAILABLE));
  const client = clientFor(t, server, retryConfig({ maxAttempts: 2 }));
  const err = await rejection(client.unary({}));
  t.type(err, GrpcError);
});

t.test('the per-channel buffer limit counts every call of the channel', async (t) => {
  t.setTimeout(10_000);
  // The first call's request stream stays open for 100 ms: until then its request is kept for a replay.
  const { server, attempts } = await attemptServer(t, (a, n) =>
    n === 0 ? ok(a.stream) : fail(a.stream, Code.UNAVAILABLE),
  );
  const client = clientFor(t, server, retryConfig({ maxAttempts: 2 }), { retryBufferBytes: 100 });
  const first = client.clientStream(
    (async function* () {
      yield { text: 'x'.repeat(55) };
      await new Promise((r) => setTimeout(r, 100));
    })(),
  );
  await new Promise((r) => setTimeout(r, 50));
  t.equal(client.channel.retryBuffer.bytes, 62, 'the first call keeps its request');
  const err = await rejection(client.clientStream([{ text: 'y'.repeat(55) }]));
  t.equal(err.code, Code.UNAVAILABLE);
  t.equal(attempts.length, 2, 'the second call did not fit: committed, not retried');
  t.equal((await first).text, 'ok');
  t.equal(client.channel.retryBuffer.bytes, 0, 'released when the calls end');
});

t.test('hedging a streaming call: every attempt gets every request; the winner streams on', async (t) => {
  const { server, attempts } = await attemptServer(t, (a, n) => {
    if (n === 0) return; // never answers: the hedge must win
    respond(a.stream, [OK_REPLY], { 'grpc-status': '0' });
  });
  const client = clientFor(t, server, {
    methodConfig: [
      {
        name: [{ service: SERVICE, method: 'ClientStream' }],
        hedgingPolicy: { maxAttempts: 2, hedgingDelay: '0.05s' },
      },
    ],
  });
  const reply = await client.clientStream([{ text: 'a' }, { text: 'b' }]);
  t.equal(reply.text, 'ok');
  t.equal(attempts.length, 2);
  t.ok(attempts[1]!.body.equals(attempts[0]!.body), 'the hedge was sent the same requests');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(attempts[0]!.cancelled, true, 'the loser was cancelled');
});

t.test('service config: maxResponseMessageBytes per method', async (t) => {
  const { server } = await attemptServer(t, (a) => ok(a.stream));
  const client = clientFor(t, server, { methodConfig: [{ name: [{}], maxResponseMessageBytes: 2 }] });
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.RESOURCE_EXHAUSTED);
});

t.test('service config: loadBalancingConfig round_robin spreads calls over the addresses', async (t) => {
  const a = await attemptServer(t, (x) => ok(x.stream));
  const b = await attemptServer(t, (x) => ok(x.stream));
  const target = `ipv4:${a.server.target},${b.server.target}`;
  const rr = createClient(Echo, target, { serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] } });
  t.teardown(() => rr.close());
  for (let i = 0; i < 10; i++) await rr.unary({});
  t.ok(a.attempts.length > 0 && b.attempts.length > 0, `both served (${a.attempts.length} + ${b.attempts.length})`);
  const pf = createClient(Echo, target, { serviceConfig: { loadBalancingConfig: [{ pick_first: {} }] } });
  t.teardown(() => pf.close());
  const before = b.attempts.length;
  for (let i = 0; i < 5; i++) await pf.unary({});
  t.equal(b.attempts.length, before, 'pick_first: the first address only');
});

t.test('hedging and pushback: the server says when the next hedge may go, or that none may', async (t) => {
  let pushback = '150';
  const { server, attempts } = await attemptServer(t, (a, n) =>
    n === 0 || pushback !== '150'
      ? fail(a.stream, Code.UNAVAILABLE, { 'grpc-retry-pushback-ms': pushback })
      : ok(a.stream),
  );
  const client = clientFor(
    t,
    server,
    hedgingConfig({ maxAttempts: 3, hedgingDelay: '10s', nonFatalStatusCodes: ['UNAVAILABLE'] }),
  );
  await client.unary({});
  t.equal(attempts.length, 2);
  const gap = attempts[1]!.at - attempts[0]!.at;
  t.ok(gap >= 148 && gap < 5000, `the next hedge after the pushback, not the 10 s delay (${gap} ms)`);
  pushback = '-1';
  attempts.length = 0;
  const err = await rejection(client.unary({}));
  t.equal(err.code, Code.UNAVAILABLE, 'a negative pushback: no more hedges, the status is the call’s');
  t.equal(attempts.length, 1);
});

t.test('WIREGRPC_TRACE shows the decisions between attempts', async (t) => {
  const { server } = await attemptServer(t, (a, n) => (n < 1 ? fail(a.stream, Code.UNAVAILABLE) : ok(a.stream)));
  const client = clientFor(t, server, retryConfig({}));
  const lines: string[] = [];
  enableTracing((text) => lines.push(text));
  t.teardown(disableTracing);
  await client.unary({});
  disableTracing();
  const decisions = lines.filter((l) => l.startsWith('[wiregrpc] client call '));
  t.match(decisions[0], /^\[wiregrpc\] client call \/wiregrpc\.test\.Echo\/Unary: attempt 1 ended UNAVAILABLE\n$/);
  t.match(decisions[1], /: attempt 2 in \d+\.\d ms\n$/);
  t.match(decisions[2], /: committed to attempt 2\n$/);
  t.ok(
    lines.some((l) => l.includes('grpc-previous-rpc-attempts: 1')),
    'the second attempt’s headers, as sent',
  );
});

t.test('past the buffer limit while waiting to retry: no next attempt, the last status is the call’s', async (t) => {
  t.setTimeout(10_000);
  let streams = 0;
  const server = await fakeServer((stream) => {
    streams++;
    // At once, without reading the requests: the call goes into a 200 ms pushback.
    fail(stream, Code.UNAVAILABLE, { 'grpc-retry-pushback-ms': '200', 'grpc-message': 'busy' });
  });
  t.teardown(() => server.close());
  const client = clientFor(t, server, retryConfig({}), { perCallRetryBufferBytes: 64 });
  const err = await rejection(
    client.clientStream(
      (async function* () {
        yield { text: 'small' };
        await new Promise((r) => setTimeout(r, 50)); // inside the pushback
        yield { text: 'x'.repeat(100) }; // does not fit
        yield { text: 'after' };
      })(),
    ),
  );
  t.equal(err.code, Code.UNAVAILABLE);
  t.equal(err.rawMessage, 'busy', "the attempt's own status");
  await new Promise((r) => setTimeout(r, 300));
  t.equal(streams, 1, 'no attempt after the limit was passed');
  t.equal(client.channel.retryBuffer.bytes, 0);
});
