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
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import type { CodecOptions, EnumSchema, MessageCodec, MessageSchema } from '../wire/proto/schema.js';
import { codecFor } from '../wire/proto/codec.js';
import type { TypeRegistry } from '../wire/proto/json-registry.js';
import type { ServiceDefinition } from './definition.js';
import { callShape, defineService } from './define.js';
import { SchemaBuilder, typeNameOf } from './schema-from-reflection.js';
import { ProtoFileError, displayPath, locate, parseError } from './load-error.js';

export { ProtoFileError } from './load-error.js';

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

/** protobufjs's parser, with the file-name slot its typings leave out. */
const PARSER = protobuf.parse as typeof protobuf.parse & { filename: string | null };

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

  /**
   * The codec for a message type (built once; see src/wire/proto/codec.ts).
   * `options`: `{ discardUnknownFields: true }`, `{ checkRequired: false }`.
   */
  codec<T = Record<string, unknown>>(name: string, options?: CodecOptions): MessageCodec<T> {
    return codecFor<T>(this.message(name), options);
  }

  /**
   * A service definition by full name: `proto.UserInfo`. Without a type
   * argument it is dynamic (methods keyed by `string`: see dynamic.ts). With
   * one — the type of the definition `wiregrpc gen` wrote for the same .proto,
   * `service<typeof UserInfo>('proto.UserInfo')`, with `UserInfo` imported
   * as a type only (`import type`) from the generated module — clients and
   * implementations are typed as with the generated definition, while the
   * schemas still come from the .proto at run time (the generated module is
   * never loaded). The type is your word that both come from the same .proto.
   */
  service<D extends ServiceDefinition = ServiceDefinition>(name: string): D {
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
    return def as D;
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

function describeKind(object: protobuf.ReflectionObject, fallback = 'package'): string {
  if (object instanceof protobuf.Type) return 'message';
  if (object instanceof protobuf.Enum) return 'enum';
  if (object instanceof protobuf.Service) return 'service';
  if (object instanceof protobuf.Method) return 'method';
  if (object instanceof protobuf.Field) return 'field';
  return fallback === 'package' ? 'package' : fallback.toLowerCase();
}

/** Loads .proto files synchronously (node:fs). A mistake in a file is a ProtoFileError naming file, line and column. */
export function loadProtoSync(files: string | readonly string[], options: LoadOptions = {}): ProtoSet {
  const root = newRoot(options);
  const steps = loadSteps(root, topLevel(files, options));
  for (let step = steps.next(); step.done !== true;) {
    const file = step.value;
    step = steps.next(readSource(file, () => readFileSync(file, 'utf8')));
  }
  return new ProtoSet(root);
}

/** Loads .proto files, reading them asynchronously; rejects (never throws past the promise) as loadProtoSync throws. */
export async function loadProto(files: string | readonly string[], options: LoadOptions = {}): Promise<ProtoSet> {
  const root = newRoot(options);
  const steps = loadSteps(root, topLevel(files, options));
  for (let step = steps.next(); step.done !== true;) {
    const file = step.value;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw unreadable(file, err);
    }
    step = steps.next(text);
  }
  return new ProtoSet(root);
}

/**
 * The load, as steps: yields each file to read (absolute path), is given its
 * text, parses it and queues its imports; at the end resolves every type
 * reference. protobufjs's own `Root.load` does the same walk, but its async
 * form throws a resolve error from inside a file-read callback, where nobody
 * can catch it (the process dies); sync and async share this walk instead.
 * Files are keyed in `root.files` as protobufjs keys them (descriptor.ts
 * relies on it): absolute paths, and bundled names (`google/protobuf/any.proto`)
 * for the well-known types protobufjs carries as JSON.
 */
function* loadSteps(root: protobuf.Root, files: readonly string[]): Generator<string, void, string> {
  const sources = new Map<string, string>();
  for (const file of files) yield* loadFile(root, file, sources);
  try {
    root.resolveAll();
  } catch (err) {
    throw resolveError(root, sources, err);
  }
}

/** One file, then (depth first, as protobufjs orders `root.files` and declarations) each file it imports. */
function* loadFile(root: protobuf.Root, file: string, sources: Map<string, string>): Generator<string, void, string> {
  if (root.files.includes(file)) return;
  root.files.push(file);
  const bundled = bundledJson(file);
  if (bundled !== undefined) {
    if (bundled.options !== undefined) root.setOptions(bundled.options);
    root.addJSON(bundled.nested ?? {});
    return;
  }
  const source = yield file;
  sources.set(file, source);
  let parsed: protobuf.IParserResult;
  PARSER.filename = file; // protobufjs names the file in its objects (`filename`) and errors
  try {
    parsed = protobuf.parse(source, root, PARSE_OPTIONS);
  } catch (err) {
    throw parseError(file, source, err);
  } finally {
    PARSER.filename = null;
  }
  for (const [targets, weak] of [
    [parsed.imports ?? [], false],
    [parsed.weakImports ?? [], true],
  ] as const) {
    for (const target of targets) {
      let resolved: string | null;
      try {
        resolved = bundledJson(target) !== undefined ? target : root.resolvePath(file, target);
      } catch (err) {
        if (weak) continue; // as protobufjs: a weak import that is missing is left out
        const at = locate(source, `"${target}"`) ?? locate(source, `'${target}'`);
        const problem = (err as Error).message.replace(`${file}: `, '');
        throw new ProtoFileError(displayPath(file), problem, at?.line, at?.column);
      }
      if (resolved !== null) yield* loadFile(root, resolved, sources);
    }
  }
}

/** protobufjs's bundled copy of a well-known file (`google/protobuf/timestamp.proto`), if it has one. */
function bundledJson(
  file: string,
): { options?: Record<string, unknown>; nested?: protobuf.INamespace['nested'] } | undefined {
  const at = file.lastIndexOf('google/protobuf/');
  const name = at < 0 ? file : file.slice(at);
  const common = protobuf.common as unknown as Record<string, unknown>;
  return name.endsWith('.proto') && Object.hasOwn(common, name)
    ? (common[name] as { options?: Record<string, unknown>; nested?: protobuf.INamespace['nested'] })
    : undefined;
}

function readSource(file: string, read: () => string): string {
  try {
    return read();
  } catch (err) {
    throw unreadable(file, err);
  }
}

function unreadable(file: string, err: unknown): ProtoFileError {
  const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new ProtoFileError(displayPath(file), `cannot read: ${why}`, undefined, undefined, { cause: err });
}

/** A type reference that resolves to nothing (`no such Type or Enum 'Missing' in Type .notes.Note`), placed. */
function resolveError(root: protobuf.Root, sources: ReadonlyMap<string, string>, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const match = /^no such (?:Type or Enum|type|Type) '([^']+)' in (\w+) \.?(\S+)$/.exec(message);
  if (match === null) return err instanceof Error ? err : new Error(message);
  const [, missing, kind, owner] = match as unknown as [string, string, string, string];
  const object = exactLookup(root, owner);
  const file = object?.filename ?? undefined;
  const problem = `no such type '${missing}' (in ${describeKind(object ?? root, kind)} ${owner})`;
  if (file === undefined || file === null)
    return new ProtoFileError('(unknown file)', problem, undefined, undefined, { cause: err });
  const source = sources.get(file);
  const at = source === undefined ? undefined : locate(source, missing);
  return new ProtoFileError(displayPath(file), problem, at?.line, at?.column, { cause: err });
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
    if (found === undefined)
      throw new ProtoFileError(file, `cannot find the file (looked in: ${candidates.join(', ')})`);
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
