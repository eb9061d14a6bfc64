/**
 * The gRPC interop test server on wiregrpc: every TestService method as the
 * "Server" section of grpc/grpc doc/interop-test-descriptions.md describes it.
 *
 *   npm run interop:server -- --port=N [--use_tls=true [--tls_cert_file=F --tls_key_file=F]]
 *
 * Without certificate files, --use_tls uses the test CA's server certificate
 * for *.test.google.fr (test/interop/certs.ts). Prints `listening on HOST:PORT`.
 *
 * Features: EmptyCall, UnaryCall, CacheableUnaryCall, StreamingInputCall,
 * StreamingOutputCall, FullDuplexCall, HalfDuplexCall; CompressedRequest
 * (expect_compressed, from each message's compressed flag), CompressedResponse
 * (response_compressed per call, ResponseParameters.compressed per message),
 * Echo Status, Echo Metadata, ResponseParameters.interval_us, fill_server_id.
 * fill_username / fill_oauth_scope stay empty: this server authenticates nobody.
 * UnimplementedCall is left out on purpose: the server answers UNIMPLEMENTED.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, GrpcError, Server, type ServerContext, type ServerOptions } from '../../src/service/index.js';
import { ensureInteropCerts } from './certs.js';
import { ECHO_INITIAL, ECHO_TRAILING, announceListening, serverFlags } from './harness.js';
import {
  interopServices,
  type BoolValue,
  type EchoStatus,
  type Payload,
  type ResponseParameters,
  type SimpleRequest,
  type SimpleResponse,
  type StreamingInputCallRequest,
  type StreamingInputCallResponse,
  type StreamingOutputCallRequest,
  type StreamingOutputCallResponse,
} from './testing.js';

const SERVER_ID = `wiregrpc-${randomUUID().slice(0, 8)}`;
const COMPRESSABLE = 0;

function payload(size = 0): Payload {
  return { type: COMPRESSABLE, body: new Uint8Array(size) };
}

/** Echo Metadata, headers half: x-grpc-test-echo-initial goes back at once. */
function echoInitial(ctx: ServerContext): void {
  const value = ctx.metadata.get(ECHO_INITIAL);
  if (value !== undefined) ctx.sendHeader({ [ECHO_INITIAL]: value });
}

/** Echo Metadata, trailers half: x-grpc-test-echo-trailing-bin goes back with the status. */
function echoTrailing(ctx: ServerContext): void {
  const value = ctx.metadata.get(ECHO_TRAILING);
  if (value !== undefined) ctx.setTrailer({ [ECHO_TRAILING]: value });
}

/** Echo Status: end the call with the status the request asks for. */
function echoStatus(status: EchoStatus | undefined): void {
  if (status !== undefined && (status.code ?? 0) !== 0) throw new GrpcError(status.code as Code, status.message ?? '');
}

/** CompressedRequest: the message must have arrived compressed (or not) as the client says. */
function checkCompressed(expect: BoolValue | undefined, ctx: ServerContext): void {
  if (expect === undefined) return;
  const wanted = expect.value === true;
  if (wanted !== ctx.requestCompressed) {
    throw new GrpcError(
      Code.INVALID_ARGUMENT,
      `expected a${wanted ? ' compressed' : 'n uncompressed'} request message, got a${ctx.requestCompressed ? ' compressed' : 'n uncompressed'} one`,
    );
  }
}

function checkType(responseType: number | undefined): void {
  if ((responseType ?? COMPRESSABLE) !== COMPRESSABLE)
    throw new GrpcError(Code.INVALID_ARGUMENT, `response_type ${responseType} is not supported`);
}

/** One response per ResponseParameters: interval_us before each, compressed or not as asked. */
async function* respond(
  ctx: ServerContext,
  parameters: readonly ResponseParameters[] = [],
): AsyncGenerator<StreamingOutputCallResponse> {
  for (const p of parameters) {
    if ((p.intervalUs ?? 0) > 0) await sleep(p.intervalUs! / 1000, undefined, { signal: ctx.signal });
    ctx.compressResponses = p.compressed?.value === true;
    yield { payload: payload(p.size) };
  }
}

/** A response stream that asks for compression needs it chosen before the headers go out. */
function wantsCompression(request: StreamingOutputCallRequest): boolean {
  return request.responseParameters?.some((p) => p.compressed?.value === true) ?? false;
}

const testService = {
  async emptyCall(_request: object, ctx: ServerContext): Promise<object> {
    echoInitial(ctx);
    echoTrailing(ctx);
    return {};
  },

  async unaryCall(request: SimpleRequest, ctx: ServerContext): Promise<SimpleResponse> {
    ctx.setCompression(request.responseCompressed?.value === true ? 'gzip' : 'identity');
    echoInitial(ctx);
    echoTrailing(ctx);
    checkCompressed(request.expectCompressed, ctx);
    echoStatus(request.responseStatus);
    checkType(request.responseType);
    const response: SimpleResponse = { payload: payload(request.responseSize) };
    if (request.fillServerId) response.serverId = SERVER_ID;
    return response;
  },

  async cacheableUnaryCall(_request: SimpleRequest, ctx: ServerContext): Promise<SimpleResponse> {
    ctx.sendHeader({ 'cache-control': 'max-age=60, public' });
    return { payload: { type: COMPRESSABLE, body: new TextEncoder().encode(String(process.hrtime.bigint())) } };
  },

  async streamingInputCall(
    requests: AsyncIterable<StreamingInputCallRequest>,
    ctx: ServerContext,
  ): Promise<StreamingInputCallResponse> {
    let total = 0;
    for await (const request of requests) {
      checkCompressed(request.expectCompressed, ctx);
      total += request.payload?.body?.length ?? 0;
    }
    return { aggregatedPayloadSize: total };
  },

  async *streamingOutputCall(
    request: StreamingOutputCallRequest,
    ctx: ServerContext,
  ): AsyncGenerator<StreamingOutputCallResponse> {
    if (wantsCompression(request)) ctx.setCompression('gzip');
    echoInitial(ctx);
    echoTrailing(ctx);
    checkType(request.responseType);
    yield* respond(ctx, request.responseParameters);
    echoStatus(request.responseStatus);
  },

  /** Each request answered as it arrives. */
  async *fullDuplexCall(
    requests: AsyncIterable<StreamingOutputCallRequest>,
    ctx: ServerContext,
  ): AsyncGenerator<StreamingOutputCallResponse> {
    echoTrailing(ctx);
    let first = true;
    for await (const request of requests) {
      if (first) {
        first = false;
        if (wantsCompression(request)) ctx.setCompression('gzip');
        echoInitial(ctx);
      }
      echoStatus(request.responseStatus);
      checkType(request.responseType);
      yield* respond(ctx, request.responseParameters);
    }
    if (first) echoInitial(ctx);
  },

  /** Every request buffered until the half-close, then answered in order. */
  async *halfDuplexCall(
    requests: AsyncIterable<StreamingOutputCallRequest>,
    ctx: ServerContext,
  ): AsyncGenerator<StreamingOutputCallResponse> {
    const held: StreamingOutputCallRequest[] = [];
    for await (const request of requests) held.push(request);
    if (held.some(wantsCompression)) ctx.setCompression('gzip');
    echoInitial(ctx);
    echoTrailing(ctx);
    for (const request of held) {
      echoStatus(request.responseStatus);
      checkType(request.responseType);
      yield* respond(ctx, request.responseParameters);
    }
  },
  // unimplementedCall: deliberately absent.
};

async function main(): Promise<void> {
  const flags = serverFlags(process.argv.slice(2));
  const { TestService } = interopServices();
  // INTEROP_SERVER_TRANSPORT=wiregrpc: this server alone on wiregrpc's own HTTP/2 (the matrix's server role);
  // absent, the server's default (WIREGRPC_TRANSPORT, else node:http2).
  const transport = (process.env.INTEROP_SERVER_TRANSPORT || undefined) as ServerOptions['transport'];
  const server = new Server({ transport });
  server.add(TestService, testService);
  let tls: { key: Buffer; cert: Buffer } | undefined;
  if (flags.useTls) {
    const files =
      flags.certFile && flags.keyFile ? { certFile: flags.certFile, keyFile: flags.keyFile } : ensureInteropCerts();
    tls = { key: readFileSync(files.keyFile), cert: readFileSync(files.certFile) };
  }
  const address = await server.listen({ host: flags.host, port: flags.port }, { tls });
  if (!('port' in address)) throw new Error('expected a TCP address');
  announceListening(flags.host, address.port);
  // Graceful on the first signal (in-flight calls get 2 s), immediate on the next.
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(0);
    stopping = true;
    setTimeout(() => process.exit(0), 2000);
    server.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`interop server: ${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
