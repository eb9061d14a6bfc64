/**
 * gRPC server reflection (grpc/grpc doc/server-reflection.md), both
 * `grpc.reflection.v1.ServerReflection` and the older `v1alpha` that many
 * clients still try first. With it, grpcurl, Postman or a dynamic client can
 * list a server's services and fetch the .proto descriptors to call them.
 *
 *   addHealth(server);
 *   addReflection(server, [UserInfo, Health]);   // service definitions or whole ProtoSets
 *
 * One bidi stream carries many questions; each request gets one response:
 * - list_services: the services given to addReflection, and reflection itself;
 * - file_by_filename, file_containing_symbol (a service, method, message,
 *   enum, enum value, field or extension), file_containing_extension: the
 *   file's serialized FileDescriptorProto, followed by those of its transitive
 *   imports that this stream has not been sent yet (src/service/descriptor.ts);
 * - all_extension_numbers_of_type: the extension numbers known for a message;
 * - anything not found: an error_response with NOT_FOUND (the stream goes on).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { Code } from '../wire/grpc/code.js';
import type { ServiceDefinition } from './definition.js';
import { describeRoot, fileKeyOfObject, type DescribedFile } from './descriptor.js';
import { loadProtoSync, protoSetOf, ProtoSet } from './load.js';
import type { Server } from './server.js';

function shippedProto(relative: string): ProtoSet {
  // The same code runs from src/service/ and from dist/src/service/.
  const file = [`../../proto/${relative}`, `../../../proto/${relative}`]
    .map((candidate) => fileURLToPath(new URL(candidate, import.meta.url)))
    .find((candidate) => existsSync(candidate));
  if (file === undefined) throw new Error(`wiregrpc: proto/${relative} is missing from the package`);
  return loadProtoSync(file);
}

export const reflectionProtos: ProtoSet = shippedProto('grpc/reflection/v1/reflection.proto');
export const reflectionProtosV1Alpha: ProtoSet = shippedProto('grpc/reflection/v1alpha/reflection.proto');
export const ServerReflection: ServiceDefinition = reflectionProtos.service('grpc.reflection.v1.ServerReflection');
export const ServerReflectionV1Alpha: ServiceDefinition = reflectionProtosV1Alpha.service(
  'grpc.reflection.v1alpha.ServerReflection',
);

/** What reflection describes: whole ProtoSets (every service in them), or service definitions loaded from .proto files. */
export type ReflectionSource = ProtoSet | ServiceDefinition;

/** The standard health service's name (health.ts serves it). */
const HEALTH_SERVICE = 'grpc.health.v1.Health';

export interface ReflectionRequest {
  host: string;
  fileByFilename?: string;
  fileContainingSymbol?: string;
  fileContainingExtension?: { containingType: string; extensionNumber: number };
  allExtensionNumbersOfType?: string;
  listServices?: string;
}

export interface ReflectionResponse {
  validHost: string;
  originalRequest: ReflectionRequest;
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
  allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

type Answer = Omit<ReflectionResponse, 'validHost' | 'originalRequest'>;

/** The files, symbols and extensions of a set of Roots, and the reflection handler. */
export class ReflectionService {
  readonly #services: readonly string[];
  readonly #files = new Map<string, DescribedFile>();
  /** Every Root described, with its files by key. */
  readonly #roots = new Map<protobuf.Root, Map<string, DescribedFile>>();

  constructor(sources: readonly ReflectionSource[]) {
    const services = new Set<string>([ServerReflection.typeName, ServerReflectionV1Alpha.typeName]);
    const sets: ProtoSet[] = [reflectionProtos, reflectionProtosV1Alpha];
    for (const source of sources) {
      if (source instanceof ProtoSet) {
        sets.push(source);
        for (const name of source.names('service')) services.add(name);
      } else {
        const set = protoSetOf(source);
        if (set === undefined) {
          throw new TypeError(
            `reflection: ${source.typeName} was not loaded from a .proto file (defineService), so it has no descriptor; pass its ProtoSet`,
          );
        }
        sets.push(set);
        services.add(source.typeName);
      }
    }
    this.#services = [...services].sort();
    for (const set of sets) {
      if (this.#roots.has(set.root)) continue;
      const byKey = new Map<string, DescribedFile>();
      for (const file of describeRoot(set.root)) {
        byKey.set(file.key, file);
        if (!this.#files.has(file.name)) this.#files.set(file.name, file);
      }
      this.#roots.set(set.root, byKey);
    }
  }

  /** ServerReflectionInfo: one response per request, in order. */
  async *serverReflectionInfo(requests: AsyncIterable<ReflectionRequest>): AsyncGenerator<ReflectionResponse> {
    const sent = new Set<string>(); // file names this stream has received
    for await (const request of requests) {
      yield { validHost: request.host, originalRequest: request, ...this.answer(request, sent) };
    }
  }

  /** The answer to one request; `sent` holds the file names already sent on this stream. */
  answer(request: ReflectionRequest, sent: Set<string>): Answer {
    if (request.listServices !== undefined) {
      return { listServicesResponse: { service: this.#services.map((name) => ({ name })) } };
    }
    if (request.fileByFilename !== undefined) {
      const file = this.#files.get(request.fileByFilename);
      return file ? files(file, sent) : notFound(`file not found: ${request.fileByFilename}`);
    }
    if (request.fileContainingSymbol !== undefined) {
      const file = this.#fileOfSymbol(trimDot(request.fileContainingSymbol));
      return file ? files(file, sent) : notFound(`symbol not found: ${request.fileContainingSymbol}`);
    }
    if (request.fileContainingExtension !== undefined) {
      const { containingType, extensionNumber } = request.fileContainingExtension;
      const extensions = this.#extensionsOf(trimDot(containingType));
      if (extensions === undefined) return notFound(`type not found: ${containingType}`);
      const field = extensions.find((f) => f.id === extensionNumber);
      const file = field && this.#fileOf(field);
      return file ? files(file, sent) : notFound(`extension ${extensionNumber} of ${containingType} not found`);
    }
    if (request.allExtensionNumbersOfType !== undefined) {
      const name = trimDot(request.allExtensionNumbersOfType);
      const extensions = this.#extensionsOf(name);
      if (extensions === undefined) return notFound(`type not found: ${request.allExtensionNumbersOfType}`);
      const extensionNumber = extensions.map((f) => f.id).sort((a, b) => a - b);
      return { allExtensionNumbersResponse: { baseTypeName: name, extensionNumber } };
    }
    return {
      errorResponse: {
        errorCode: Code.INVALID_ARGUMENT,
        errorMessage: 'the request names no question (message_request is unset)',
      },
    };
  }

  #fileOfSymbol(name: string): DescribedFile | undefined {
    if (name === '') return undefined;
    for (const root of this.#roots.keys()) {
      const found = exactLookup(root, name) ?? enumValueScope(root, name);
      // A package is not a symbol a file "contains"; everything else is.
      const isSymbol =
        found instanceof protobuf.Type ||
        found instanceof protobuf.Enum ||
        found instanceof protobuf.Service ||
        found instanceof protobuf.Method ||
        found instanceof protobuf.Field ||
        found instanceof protobuf.OneOf;
      if (isSymbol) return this.#fileOf(found);
    }
    return undefined;
  }

  /** The extension fields of a message type (their copies inside it); undefined if there is no such message. */
  #extensionsOf(typeName: string): protobuf.Field[] | undefined {
    for (const root of this.#roots.keys()) {
      const type = exactLookup(root, typeName);
      if (type instanceof protobuf.Type) {
        return type.fieldsArray
          .filter((f) => f.declaringField !== null && f.declaringField !== undefined)
          .map((f) => f.declaringField!);
      }
    }
    return undefined;
  }

  #fileOf(object: protobuf.ReflectionObject): DescribedFile | undefined {
    const key = fileKeyOfObject(object);
    return key === undefined ? undefined : this.#roots.get(object.root)?.get(key);
  }
}

/** The requested file first, then its transitive imports not yet sent on this stream (breadth first). */
function files(file: DescribedFile, sent: Set<string>): Answer {
  const out = [file.bytes()];
  sent.add(file.name);
  const queue = [...file.dependencies];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (sent.has(next.name)) continue;
    sent.add(next.name);
    out.push(next.bytes());
    queue.push(...next.dependencies);
  }
  return { fileDescriptorResponse: { fileDescriptorProto: out } };
}

function notFound(errorMessage: string): Answer {
  return { errorResponse: { errorCode: Code.NOT_FOUND, errorMessage } };
}

function trimDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

/** The object with exactly this full name (protobufjs's own lookup is fuzzy). */
function exactLookup(root: protobuf.Root, full: string): protobuf.ReflectionObject | undefined {
  let current: protobuf.ReflectionObject | null = root;
  for (const part of full.split('.')) {
    if (!(current instanceof protobuf.Namespace)) return undefined;
    current = current.get(part);
  }
  return current ?? undefined;
}

/** Enum values are scoped beside their enum: `pkg.RED` names a value of `pkg.Color`. */
function enumValueScope(root: protobuf.Root, full: string): protobuf.ReflectionObject | undefined {
  const dot = full.lastIndexOf('.');
  const scope = dot < 0 ? root : exactLookup(root, full.slice(0, dot));
  const value = full.slice(dot + 1);
  if (!(scope instanceof protobuf.Namespace)) return undefined;
  return scope.nestedArray.find(
    (child) => child instanceof protobuf.Enum && Object.prototype.hasOwnProperty.call(child.values, value),
  );
}

/**
 * Serves reflection (v1 and v1alpha) on `server` for `sources`: ProtoSets
 * (all their services are listed) or service definitions from loadProto /
 * loadProtoSync (just those are listed; their files are all described). The
 * health service, when `server` already serves it (addHealth), is listed too
 * without being named: probes and grpcurl users look for it.
 */
export function addReflection(
  server: Server,
  sources: ReflectionSource | readonly ReflectionSource[],
): ReflectionService {
  const list: ReflectionSource[] = Array.isArray(sources) ? [...sources] : [sources as ReflectionSource];
  const health = server.services.find((service) => service.typeName === HEALTH_SERVICE);
  if (health !== undefined && protoSetOf(health) !== undefined) list.push(health); // listed twice is listed once
  const reflection = new ReflectionService(list);
  const implementation = {
    ServerReflectionInfo: (requests: AsyncIterable<ReflectionRequest>) => reflection.serverReflectionInfo(requests),
  };
  server.add(ServerReflection, implementation);
  server.add(ServerReflectionV1Alpha, implementation);
  return reflection;
}
