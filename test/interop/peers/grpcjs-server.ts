/**
 * The gRPC interop test server on @grpc/grpc-js, a peer in wiregrpc's interop
 * matrix:
 *
 *   node dist/test/interop/peers/grpcjs-server.js --port=0 [--use_tls=true --tls_cert_file=F --tls_key_file=F] [--proto_dir=D]
 *
 * Limits of grpc-js 1.14 (gaps in the matrix):
 * - it never compresses a response (its serializer always writes flag 0), so
 *   CompressedResponse cannot be implemented;
 * - a handler cannot tell whether a request message arrived compressed (the
 *   flag and grpc-encoding are consumed before the handler runs), so
 *   CompressedRequest (expect_compressed) cannot be implemented.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ECHO_INITIAL, ECHO_TRAILING, announceListening, serverFlags } from '../harness.js';
import { loadTesting } from './grpcjs-proto.js';

const SERVER_ID = `grpc-js-${randomUUID().slice(0, 8)}`;

/* Loosely typed: proto-loader's objects (keepCase, Buffers for bytes). */
type Msg = Record<string, any>;

function payload(size: number): Msg {
  return { type: 0, body: Buffer.alloc(size) };
}

/** Echo Metadata: what goes back in the headers and in the trailers. */
function echoed(call: { metadata: grpc.Metadata }): { initial: grpc.Metadata; trailing: grpc.Metadata } {
  const initial = new grpc.Metadata();
  const trailing = new grpc.Metadata();
  for (const v of call.metadata.get(ECHO_INITIAL)) initial.add(ECHO_INITIAL, v);
  for (const v of call.metadata.get(ECHO_TRAILING)) trailing.add(ECHO_TRAILING, v);
  return { initial, trailing };
}

/** Echo Status: the status a request asks the server to end with, if any. */
function requestedStatus(request: Msg, trailing: grpc.Metadata): grpc.ServiceError | undefined {
  const status = request['response_status'];
  if (!status || status.code === 0) return undefined;
  const err = new Error(status.message) as grpc.ServiceError;
  err.code = status.code;
  err.details = status.message;
  err.metadata = trailing;
  return err;
}

function invalidType(request: Msg): grpc.ServiceError | undefined {
  if ((request['response_type'] ?? 0) === 0) return undefined;
  const err = new Error('unsupported response_type') as grpc.ServiceError;
  err.code = grpc.status.INVALID_ARGUMENT;
  err.details = 'unsupported response_type';
  return err;
}

async function respond(
  call: grpc.ServerWritableStream<Msg, Msg> | grpc.ServerDuplexStream<Msg, Msg>,
  request: Msg,
): Promise<void> {
  for (const params of request['response_parameters'] ?? []) {
    if (params.interval_us > 0) await sleep(params.interval_us / 1000);
    if (call.cancelled) return;
    call.write({ payload: payload(params.size) });
  }
}

const impl: grpc.UntypedServiceImplementation = {
  EmptyCall(call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) {
    const { initial, trailing } = echoed(call);
    if (Object.keys(initial.getMap()).length) call.sendMetadata(initial);
    callback(null, {}, trailing);
  },

  UnaryCall(call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) {
    const { initial, trailing } = echoed(call);
    if (Object.keys(initial.getMap()).length) call.sendMetadata(initial);
    const request = call.request;
    const error = requestedStatus(request, trailing) ?? invalidType(request);
    if (error) return callback(error, null, trailing);
    const response: Msg = { payload: payload(request['response_size']) };
    if (request['fill_server_id']) response['server_id'] = SERVER_ID;
    callback(null, response, trailing);
  },

  CacheableUnaryCall(call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) {
    const headers = new grpc.Metadata();
    headers.set('cache-control', 'max-age=60, public');
    call.sendMetadata(headers);
    callback(null, { payload: { type: 0, body: Buffer.from(String(process.hrtime.bigint())) } });
  },

  StreamingInputCall(call: grpc.ServerReadableStream<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) {
    let total = 0;
    call.on('data', (request: Msg) => {
      total += request['payload']?.body?.length ?? 0;
    });
    call.on('end', () => callback(null, { aggregated_payload_size: total }));
    call.on('error', () => {});
  },

  StreamingOutputCall(call: grpc.ServerWritableStream<Msg, Msg>) {
    const { initial, trailing } = echoed(call);
    if (Object.keys(initial.getMap()).length) call.sendMetadata(initial);
    const error = invalidType(call.request);
    if (error) return void call.emit('error', error);
    respond(call, call.request).then(
      () => {
        const status = requestedStatus(call.request, trailing);
        if (status) call.emit('error', status);
        else call.end(trailing);
      },
      (err) => call.emit('error', err),
    );
  },

  FullDuplexCall(call: grpc.ServerDuplexStream<Msg, Msg>) {
    duplex(call, false);
  },

  HalfDuplexCall(call: grpc.ServerDuplexStream<Msg, Msg>) {
    duplex(call, true);
  },
  // UnimplementedCall is not implemented: grpc-js answers UNIMPLEMENTED.
};

/** FullDuplexCall answers each request as it arrives; HalfDuplexCall waits for the half-close. */
function duplex(call: grpc.ServerDuplexStream<Msg, Msg>, buffer: boolean): void {
  const { initial, trailing } = echoed(call);
  if (Object.keys(initial.getMap()).length) call.sendMetadata(initial);
  const held: Msg[] = [];
  let ended = false;
  // Requests are answered strictly in order: each one waits for the previous one's responses.
  let chain = Promise.resolve();
  const handle = async (request: Msg): Promise<void> => {
    if (ended) return;
    const error = requestedStatus(request, trailing) ?? invalidType(request);
    if (error) {
      ended = true;
      call.emit('error', error);
      return;
    }
    await respond(call, request);
  };
  call.on('data', (request: Msg) => {
    if (buffer) held.push(request);
    else chain = chain.then(() => handle(request));
  });
  call.on('end', () => {
    chain = chain.then(async () => {
      for (const request of held) await handle(request);
      if (!ended && !call.cancelled) call.end(trailing);
    });
  });
}

async function main(): Promise<void> {
  const flags = serverFlags(process.argv.slice(2));
  const testing = loadTesting(flags.rest['proto_dir']);
  const server = new grpc.Server();
  server.addService(testing.TestService.service, impl);
  const creds = flags.useTls
    ? grpc.ServerCredentials.createSsl(null, [
        { private_key: readFileSync(flags.keyFile!), cert_chain: readFileSync(flags.certFile!) },
      ])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${flags.host}:${flags.port}`, creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  announceListening(flags.host, port);
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`grpcjs-server: ${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
