/**
 * @grpc/grpc-js as an independent client for our server: load a .proto with
 * @grpc/proto-loader and get a client constructor for one service.
 *
 *   const Echo = grpcjsService('test/protos/echo.proto', 'wiregrpc.test.Echo');
 *   const client = new Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
 *   const reply = await unaryCall(client, 'Unary', { text: 'hi' });
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export { grpc };

export type GrpcJsClient = grpc.Client & Record<string, any>;
export type GrpcJsClientClass = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => GrpcJsClient;

export function grpcjsService(protoFile: string, serviceName: string, includeDirs: string[] = []): GrpcJsClientClass {
  const definition = protoLoader.loadSync(protoFile, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    ...(includeDirs.length > 0 ? { includeDirs } : {}),
  });
  const pkg = grpc.loadPackageDefinition(definition);
  let node: any = pkg;
  for (const part of serviceName.split('.')) node = node?.[part];
  if (typeof node !== 'function') throw new Error(`${serviceName} not found in ${protoFile}`);
  return node as GrpcJsClientClass;
}

export interface UnaryResult<T> {
  error: grpc.ServiceError | null;
  response: T | undefined;
  headers: grpc.Metadata | undefined;
  trailers: grpc.Metadata | undefined;
}

/** A unary (or client-streaming, with `write`) call as a promise that never rejects: the outcome, headers and trailers. */
export function unaryCall<T = any>(
  client: GrpcJsClient,
  method: string,
  request: unknown,
  metadata: grpc.Metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<UnaryResult<T>> {
  return new Promise((resolve) => {
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    let outcome: { error: grpc.ServiceError | null; response: T | undefined } | undefined;
    const settle = () => {
      if (outcome && trailers !== undefined) resolve({ ...outcome, headers, trailers });
    };
    const call = client[method](request, metadata, options, (error: grpc.ServiceError | null, response: T) => {
      outcome = { error, response };
      if (error) trailers ??= error.metadata;
      settle();
    });
    call.on('metadata', (md: grpc.Metadata) => (headers = md));
    call.on('status', (status: grpc.StatusObject) => {
      trailers = status.metadata;
      settle();
    });
  });
}

/** Collects a server-streaming or bidi call: every message, then the status. */
export function collect<T = any>(
  call: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<any, T>,
): Promise<{
  messages: T[];
  status: grpc.StatusObject;
  error: grpc.ServiceError | undefined;
  headers: grpc.Metadata | undefined;
}> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    let error: grpc.ServiceError | undefined;
    let headers: grpc.Metadata | undefined;
    call.on('metadata', (md) => (headers = md));
    call.on('data', (m: T) => messages.push(m));
    call.on('error', (e: grpc.ServiceError) => (error = e));
    call.on('status', (status) => setImmediate(() => resolve({ messages, status, error, headers })));
  });
}
