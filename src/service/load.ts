/**
 * Loading .proto files: `loadProtoSync('proto/userinfo.proto').service('proto.UserInfo')`.
 *
 * protobufjs parses the files and resolves type references; we then turn its
 * reflection objects into our own plain schemas (schema-from-reflection.ts)
 * and codecs (src/wire/proto/codec.ts). protobufjs's own encoder/decoder is never
 * used, so loading works under `node --disallow-code-generation-from-strings`.
 *
 * Finding files works like protoc with `-I`: a file named on the command line
 * is taken relative to the working directory, or else looked up in each
 * include directory; an `import "a/b.proto"` is looked up next to the importing
 * file, then in each include directory. The well-known types
 * (`google/protobuf/timestamp.proto`, `struct`, `any`, `duration`, `empty`,
 * `wrappers`, `field_mask`, and `descriptor`, `api`, `type`, `source_context`)
 * always resolve, from the copies that ship with protobufjs.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import type { EnumSchema, MessageCodec, MessageSchema } from '../wire/proto/schema.js';
import { codecFor } from '../wire/proto/codec.js';
import type { TypeRegistry } from '../wire/proto/json-registry.js';
import type { ServiceDefinition } from './definition.js';
import { callShape, defineService } from './define.js';
import { SchemaBuilder, typeNameOf } from './schema-from-reflection.js';

export interface LoadOptions {
  /** Directories searched for files and imports, like protoc's `-I`. */
  readonly includeDirs?: readonly string[];
}

/**
 * protobufjs's package directory: it ships google/protobuf/*.proto. Found on first need (a file that imports a
 * well-known type), not at import: resolving a package costs a program that never needs it ~0.5 ms of start-up.
 */
let protobufjsDir: string | undefined;
function protobufjsDirectory(): string {
  return (protobufjsDir ??= path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json')));
}

const PARSE_OPTIONS: protobuf.IParseOptions = {
  // Keep field names as written (`user_name`); we derive JS names ourselves.
  keepCase: true,
  // Keep `//` comments too, for `describe` and generated code.
  alternateCommentMode: true,
};

type Kind = 'message' | 'enum' | 'service';

/** Which ProtoSet made each service definition (server reflection describes a service by its files). */
const SOURCE = new WeakMap<ServiceDefinition, ProtoSet>();

/** The ProtoSet a service definition was loaded from; undefined for `defineService` definitions. */
export function protoSetOf(definition: ServiceDefinition): ProtoSet | undefined {
  return SOURCE.get(definition);
}
const KIND_CLASS = { message: protobuf.Type, enum: protobuf.Enum, service: protobuf.Service } as const;

/** The symbols of a set of loaded .proto files, as schemas, codecs and service definitions. */
export class ProtoSet implements TypeRegistry {
  /** The protobufjs Root, kept for server reflection and descriptors. Treat as read-only. */
  readonly root: protobuf.Root;
  readonly #schemas = new SchemaBuilder();
  readonly #services = new Map<string, ServiceDefinition>();

  constructor(root: protobuf.Root) {
    this.root = root;
  }

  /** A message schema by full name, or undefined: a ProtoSet is the TypeRegistry of Any in JSON and text format. */
  findMessage(typeName: string): MessageSchema | undefined {
    const found = exactLookup(this.root, typeName.startsWith('.') ? typeName.slice(1) : typeName);
    return found instanceof protobuf.Type ? this.#schemas.message(found) : undefined;
  }

  /** A message schema by full name (`proto.UserResponse`; a leading dot is allowed). */
  message(name: string): MessageSchema {
    return this.#schemas.message(this.#find(name, 'message') as protobuf.Type);
  }

  enum(name: string): EnumSchema {
    return this.#schemas.enum(this.#find(name, 'enum') as protobuf.Enum);
  }

  /** The codec for a message type (built once; see src/wire/proto/codec.ts). */
  codec<T = Record<string, unknown>>(name: string): MessageCodec<T> {
    return codecFor<T>(this.message(name));
  }

  /** A service definition by full name: `proto.UserInfo`. */
  service(name: string): ServiceDefinition {
    const service = this.#find(name, 'service') as protobuf.Service;
    const typeName = typeNameOf(service);
    let def = this.#services.get(typeName);
    if (def === undefined) {
      def = defineService(
        typeName,
        service.methodsArray.map((method) => {
          method.resolve();
          return {
            name: method.name,
            shape: callShape(method.requestStream === true, method.responseStream === true),
            input: this.#schemas.message(method.resolvedRequestType!),
            output: this.#schemas.message(method.resolvedResponseType!),
          };
        }),
      );
      this.#services.set(typeName, def);
      SOURCE.set(def, this);
    }
    return def;
  }

  /** Every service in the loaded files (and their imports), in name order. */
  services(): ServiceDefinition[] {
    return this.names('service').map((name) => this.service(name));
  }

  /** Full names of every message, enum or service, sorted. */
  names(kind: Kind): string[] {
    const out: string[] = [];
    const visit = (ns: protobuf.NamespaceBase): void => {
      for (const child of ns.nestedArray) {
        if (child instanceof KIND_CLASS[kind]) out.push(typeNameOf(child));
        if (child instanceof protobuf.Namespace) visit(child); // packages, and messages' nested types
      }
    };
    visit(this.root);
    return out.sort();
  }

  #find(name: string, kind: Kind): protobuf.ReflectionObject {
    const full = name.startsWith('.') ? name.slice(1) : name;
    const found = exactLookup(this.root, full);
    if (found instanceof KIND_CLASS[kind]) return found;
    if (found !== null && describeKind(found) !== 'package') {
      throw new Error(`'${full}' is a ${describeKind(found)}, not a ${kind}`);
    }
    const known = this.names(kind);
    const list =
      known.length === 0
        ? `no ${kind}s are defined`
        : `known ${kind}s: ${known.slice(0, 30).join(', ')}${known.length > 30 ? `, … (${known.length - 30} more)` : ''}`;
    throw new Error(`unknown ${kind} '${full}' (${list})`);
  }
}

/**
 * The object with exactly this full name, or null. (protobufjs's own `lookup`
 * is fuzzy: it also finds `UserInfo` inside any nested package.)
 */
function exactLookup(root: protobuf.Root, full: string): protobuf.ReflectionObject | null {
  if (full === '') return null;
  let current: protobuf.ReflectionObject | null = root;
  for (const part of full.split('.')) {
    if (!(current instanceof protobuf.Namespace)) return null;
    current = current.get(part);
  }
  return current;
}

function describeKind(object: protobuf.ReflectionObject): string {
  if (object instanceof protobuf.Type) return 'message';
  if (object instanceof protobuf.Enum) return 'enum';
  if (object instanceof protobuf.Service) return 'service';
  if (object instanceof protobuf.Method) return 'method';
  if (object instanceof protobuf.Field) return 'field';
  return 'package';
}

/** Loads .proto files synchronously (node:fs). Throws an Error naming the file and problem. */
export function loadProtoSync(files: string | readonly string[], options: LoadOptions = {}): ProtoSet {
  const root = newRoot(options);
  root.loadSync(topLevel(files, options), PARSE_OPTIONS);
  return new ProtoSet(root);
}

/** Loads .proto files, reading them asynchronously. */
export async function loadProto(files: string | readonly string[], options: LoadOptions = {}): Promise<ProtoSet> {
  const root = newRoot(options);
  await root.load(topLevel(files, options), PARSE_OPTIONS);
  return new ProtoSet(root);
}

/** The files named by the caller, as absolute paths (relative to cwd, else to an include dir). */
function topLevel(files: string | readonly string[], options: LoadOptions): string[] {
  const list = typeof files === 'string' ? [files] : [...files];
  if (list.length === 0) throw new Error('no .proto files given');
  const dirs = includeDirs(options);
  return list.map((file) => {
    const candidates = path.isAbsolute(file)
      ? [file]
      : [path.resolve(file), ...dirs.map((dir) => path.join(dir, file))];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found === undefined) throw new Error(`cannot find ${file} (looked in: ${candidates.join(', ')})`);
    return found;
  });
}

function includeDirs(options: LoadOptions): string[] {
  return (options.includeDirs ?? []).map((dir) => path.resolve(dir));
}

/** A Root whose import resolution follows the rules in this file's header. */
function newRoot(options: LoadOptions): protobuf.Root {
  const root = new protobuf.Root();
  const dirs = includeDirs(options);
  root.resolvePath = (origin: string, target: string): string => {
    // Top-level files arrive already resolved (see topLevel) with origin ''.
    if (origin === '' || path.isAbsolute(target)) return target;
    const candidates = [path.join(path.dirname(origin), target), ...dirs.map((dir) => path.join(dir, target))];
    if (target.startsWith('google/protobuf/')) candidates.push(path.join(protobufjsDirectory(), target));
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found === undefined) {
      throw new Error(`${origin}: cannot find import "${target}" (looked in: ${candidates.join(', ')})`);
    }
    // One absolute spelling per file, so a file imported twice is loaded once.
    return path.resolve(found);
  };
  return root;
}
