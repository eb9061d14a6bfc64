/**
 * Response cardinality on the client: a unary or client-streaming method has
 * exactly one response message. doc/statuscodes.md lists "response cardinality
 * violation" under UNIMPLEMENTED for the client, as it does the request side
 * for the server — so our two halves report the same code (grpc-js does too).
 */
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { loadProtoSync } from '../../src/service/load.js';
import { createClient } from '../../src/service/client.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { fakeServer, frame, respond, type Handler } from '../helpers/client-fake-server.js';

const Echo = loadProtoSync(new URL('../protos/echo.proto', import.meta.url).pathname).service('wiregrpc.test.Echo');
const reply = (text: string) => Buffer.from(Echo.methods.Unary!.output.encode({ text }));

async function failure(handler: Handler, call: 'unary' | 'clientStream'): Promise<GrpcError> {
  const server = await fakeServer(handler);
  const client = createClient(Echo, server.target);
  try {
    await (call === 'unary' ? client.unary({ text: 'x' }) : client.clientStream([{ text: 'a' }, { text: 'b' }]));
  } catch (err) {
    return err as GrpcError;
  } finally {
    await client.close();
    await server.close();
  }
  throw new Error('the call succeeded');
}

for (const call of ['unary', 'clientStream'] as const) {
  t.test(`${call}: two response messages → UNIMPLEMENTED`, async (t) => {
    const err = await failure(
      (stream) => respond(stream, [frame(reply('a')), frame(reply('b'))], { 'grpc-status': '0' }),
      call,
    );
    t.ok(err instanceof GrpcError);
    t.equal(err.code, Code.UNIMPLEMENTED);
    t.match(err.message, /cardinality violation: .*more than one response message/);
  });

  t.test(`${call}: OK with no response message → UNIMPLEMENTED`, async (t) => {
    const err = await failure((stream) => respond(stream, [], { 'grpc-status': '0' }), call);
    t.equal(err.code, Code.UNIMPLEMENTED);
    t.match(err.message, /cardinality violation: .*no response message/);
  });
}
