/**
 * The client side of gRPC server reflection (grpc/grpc doc/server-reflection.md):
 * ask a running server what it serves, and get back everything needed to call
 * it — no .proto files on this side.
 *
 *   const reflection = new ReflectionClient('localhost:50051');
 *   await reflection.listServices();                    // ['grpc.health.v1.Health', 'proto.UserInfo', ...]
 *   const protos = await reflection.protoSet(['proto.UserInfo']);
 *   const client = createClient(protos.service('proto.UserInfo'), 'localhost:50051');
 *
 * It speaks `grpc.reflection.v1` and falls back to `v1alpha` (what older
 * servers, grpc-go before 1.45 among them, offer) when v1 is UNIMPLEMENTED.
 * Each round of questions is one ServerReflectionInfo stream: all requests,
 * half-close, one response per request. `protoSet` asks for the files that
 * define the symbols, then for any imported file not yet received (servers
 * send transitive dependencies, but are not obliged to), and decodes the
 * FileDescriptorProtos with our codec (from-descriptor.ts).
 */
import { Channel } from '../http2/channel.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { MetadataInit } from './client-call.js';
import { createClient, type Client, type ClientOptions } from './client.js';
import type { ServiceDefinition } from './definition.js';
import { decodeFileDescriptor, protoSetFromDescriptors, type FileDescriptor } from './from-descriptor.js';
import type { ProtoSet } from './load.js';
import {
  ServerReflection,
  ServerReflectionV1Alpha,
  type ReflectionRequest,
  type ReflectionResponse,
} from './reflection.js';

export interface ReflectionClientOptions extends ClientOptions {
  /** Absolute deadline (epoch ms) for every question asked. */
  deadline?: number;
  metadata?: MetadataInit;
}

/** At most this many rounds of "which files are still missing?" (import chains are short). */
const MAX_ROUNDS = 32;

type Question = Omit<ReflectionRequest, 'host'>;

export class ReflectionClient {
  readonly #channel: Channel;
  readonly #ownsChannel: boolean;
  readonly #options: ReflectionClientOptions;
  readonly #clients = new Map<ServiceDefinition, Client>();
  /** The version that answered; undefined until one did. */
  #service: ServiceDefinition | undefined;

  constructor(target: string | Channel, options: ReflectionClientOptions = {}) {
    this.#ownsChannel = typeof target === 'string';
    this.#channel = typeof target === 'string' ? new Channel(target, options) : target;
    this.#options = options;
  }

  /** Full names of the services the server lists (reflection itself included, usually), sorted. */
  async listServices(): Promise<string[]> {
    const [response] = await this.#ask([{ listServices: '' }]);
    return (response!.listServicesResponse?.service ?? []).map((s) => s.name).sort();
  }

  /** The decoded files that define `symbols` (services, messages, enums, methods), with every file they import. */
  async files(symbols: readonly string[]): Promise<FileDescriptor[]> {
    const files = new Map<string, FileDescriptor>();
    const keep = (response: ReflectionResponse): void => {
      for (const bytes of response.fileDescriptorResponse?.fileDescriptorProto ?? []) {
        const file = decodeFileDescriptor(bytes);
        if (!files.has(file.name)) files.set(file.name, file);
      }
    };
    for (const response of await this.#ask(
      symbols.map((s) => ({ fileContainingSymbol: s.startsWith('.') ? s.slice(1) : s })),
    ))
      keep(response);
    for (let round = 0; ; round++) {
      const missing = [...new Set([...files.values()].flatMap((f) => f.dependency))].filter((name) => !files.has(name));
      if (missing.length === 0) break;
      if (round === MAX_ROUNDS)
        throw new GrpcError(
          Code.INTERNAL,
          `reflection: imports still missing after ${MAX_ROUNDS} rounds: ${missing.join(', ')}`,
        );
      for (const response of await this.#ask(missing.map((name) => ({ fileByFilename: name })))) keep(response);
    }
    return [...files.values()];
  }

  /** A ProtoSet built from the server's descriptors of `symbols`: schemas, codecs and service definitions, as if loaded from .proto files. */
  async protoSet(symbols: readonly string[]): Promise<ProtoSet> {
    const files = await this.files(symbols);
    try {
      return protoSetFromDescriptors(files);
    } catch (err) {
      throw new GrpcError(
        Code.INTERNAL,
        `reflection: the server's descriptors do not make a complete schema: ${err instanceof GrpcError ? err.rawMessage : (err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** Closes the channel if this client made it from a target string. */
  async close(): Promise<void> {
    if (this.#ownsChannel) await this.#channel.close();
  }

  /** One stream: every question, then one answer each, in order. An error_response becomes a GrpcError. */
  async #ask(questions: readonly Question[]): Promise<ReflectionResponse[]> {
    const requests = questions.map((q) => ({ host: '', ...q }));
    let responses: ReflectionResponse[];
    if (this.#service !== undefined) {
      responses = await this.#exchange(this.#service, requests);
    } else {
      try {
        responses = await this.#exchange(ServerReflection, requests);
        this.#service = ServerReflection;
      } catch (err) {
        if (!(err instanceof GrpcError) || err.code !== Code.UNIMPLEMENTED) throw err;
        try {
          responses = await this.#exchange(ServerReflectionV1Alpha, requests);
        } catch (err2) {
          if (err2 instanceof GrpcError && err2.code === Code.UNIMPLEMENTED) {
            throw new GrpcError(
              Code.UNIMPLEMENTED,
              `the server has no reflection service (grpc.reflection.v1 and v1alpha both UNIMPLEMENTED: ${err.rawMessage})`,
            );
          }
          throw err2;
        }
        this.#service = ServerReflectionV1Alpha;
      }
    }
    if (responses.length !== requests.length) {
      throw new GrpcError(Code.INTERNAL, `reflection: ${requests.length} questions got ${responses.length} answers`);
    }
    for (const [i, response] of responses.entries()) {
      const error = response.errorResponse;
      if (error !== undefined) {
        const code =
          Number.isInteger(error.errorCode) && error.errorCode > 0 && error.errorCode <= 16
            ? (error.errorCode as Code)
            : Code.UNKNOWN;
        throw new GrpcError(code, `reflection: ${describeQuestion(requests[i]!)}: ${error.errorMessage}`);
      }
    }
    return responses;
  }

  async #exchange(service: ServiceDefinition, requests: ReflectionRequest[]): Promise<ReflectionResponse[]> {
    let client = this.#clients.get(service);
    if (client === undefined) {
      client = createClient(service, this.#channel, this.#options);
      this.#clients.set(service, client);
    }
    const { deadline, metadata } = this.#options;
    const responses: ReflectionResponse[] = [];
    for await (const response of client.serverReflectionInfo(requests, { deadline, metadata }))
      responses.push(response);
    return responses;
  }
}

function describeQuestion(request: ReflectionRequest): string {
  if (request.fileContainingSymbol !== undefined) return `symbol ${request.fileContainingSymbol}`;
  if (request.fileByFilename !== undefined) return `file ${request.fileByFilename}`;
  if (request.listServices !== undefined) return 'list services';
  return 'request';
}
