/**
 * A stub's arguments and call options are checked before anything is sent:
 * the caller's mistakes are TypeErrors (never a status that reads as if a
 * server had answered), and `timeout` takes milliseconds or a duration string.
 */
import type http2 from 'node:http2';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { createClient } from '../../src/service/client.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { parseTimeout } from '../../src/wire/grpc/timeout.js';
import { fakeServer, frame, respond } from '../helpers/client-fake-server.js';

const Echo = loadProtoSync(new URL('../protos/echo.proto', import.meta.url).pathname).service('wiregrpc.test.Echo');

/** A raw server that answers every call with one empty reply and remembers the request headers. */
async function setup(t: { teardown(fn: () => unknown): void }) {
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = await fakeServer(async (stream, headers, body) => {
    seen.push(headers);
    await body;
    respond(stream, [frame(new Uint8Array(0))], { 'grpc-status': '0' });
  });
  const client = createClient(Echo, server.target);
  t.teardown(async () => {
    await client.close();
    await server.close();
  });
  return { seen, client };
}

/** The error `fn` throws or rejects with. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

t.test('timeout: milliseconds or a duration string, sent as grpc-timeout', async (t) => {
  const { seen, client } = await setup(t);
  const cases: Array<[number | string, number]> = [
    [1500, 1500],
    ['250ms', 250],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
  ];
  for (const [timeout, ms] of cases) {
    await client.unary({ text: 'x' }, { timeout });
    const sent = parseTimeout(String(seen.at(-1)!['grpc-timeout']));
    t.ok(typeof sent === 'number' && sent <= ms && sent > ms - 1000, `${JSON.stringify(timeout)} → about ${ms} ms`);
  }
});

t.test('a bad timeout or deadline is a TypeError, and nothing is sent', async (t) => {
  const { seen, client } = await setup(t);
  for (const timeout of ['1 s', '1sec', 'soon', '', '-5ms', -1, Number.NaN, Infinity, {}]) {
    const err = await failure(() => client.unary({}, { timeout: timeout as never }));
    t.type(err, TypeError, `timeout ${String(timeout)}`);
    t.match((err as Error).message, 'timeout must be');
  }
  const err = await failure(() => client.unary({}, { deadline: new Date('nonsense') }));
  t.type(err, TypeError, 'an invalid Date');
  t.throws(() => client.serverStream({}, { timeout: '1x' }), TypeError, 'a streaming stub throws at once');
  t.equal(seen.length, 0, 'no request reached the server');
});

t.test('a request that is not a message is a TypeError before anything is sent', async (t) => {
  const { seen, client } = await setup(t);
  for (const request of [null, undefined, 42, 'text', [1, 2]]) {
    const err = await failure(() => client.unary(request));
    t.type(err, TypeError, `unary(${JSON.stringify(request)})`);
    t.notOk(err instanceof GrpcError);
    t.match((err as Error).message, 'the request must be a message object');
    t.notMatch((err as Error).message, 'target', 'not described as a call that went out');
  }
  const wrongType = await failure(() => client.unary({ count: 'many' }));
  t.type(wrongType, TypeError, 'a field of the wrong type');
  t.match((wrongType as Error).message, 'does not encode');
  t.throws(() => client.serverStream(null), TypeError, 'server-streaming');
  t.throws(() => client.bidi(42), TypeError, 'bidi: not an iterable');
  t.type(await failure(() => client.clientStream({ text: 'one' })), TypeError, 'client-streaming: not an iterable');
  t.equal(seen.length, 0, 'no request reached the server');
});

t.test('a streamed request that is not a message cancels the call: INVALID_ARGUMENT, not sent', async (t) => {
  const { client } = await setup(t);
  const err = await failure(() => client.clientStream([{ text: 'ok' }, null]));
  t.type(err, GrpcError);
  t.equal((err as GrpcError).code, Code.INVALID_ARGUMENT);
  t.match((err as GrpcError).message, 'request message 1 must be a message object');
  const typo = await failure(() => client.clientStream([{ count: 'x' }]));
  t.equal((typo as GrpcError).code, Code.INVALID_ARGUMENT);
  t.match((typo as GrpcError).message, 'request message 0 does not encode');
});
