/**
 * .proto files as `google.protobuf.FileDescriptorProto` messages, for server
 * reflection: what protoc would have produced, rebuilt from the protobufjs
 * reflection objects of a loaded ProtoSet, and encoded with OUR codec (the
 * schema comes from google/protobuf/descriptor.proto through our loader;
 * protobufjs's encoder, and protobufjs/ext/descriptor which uses it, would
 * generate code at run time).
 *
 * What a client needs to rebuild every type and call every method is here:
 * package, dependencies, messages (fields with label, type, `.`-qualified
 * type_name, json_name, oneof_index, proto3_optional and its synthetic oneof,
 * default values, packed/deprecated), nested types, map entry messages
 * (options.map_entry), enums (aliases, reserved), services (methods with their
 * stream flags), extensions and extension ranges. Not carried over: comments
 * (source_code_info), custom options, and editions' features (an editions file
 * says syntax "editions" and its edition, and is described as written).
 *
 * This file: which files a Root holds, what each declares, what they are named
 * and import. descriptor-messages.ts: the DescriptorProto, FieldDescriptorProto,
 * EnumDescriptorProto and ServiceDescriptorProto of each declaration.
 *
 * File names: a file is named by the string other files import it by (so
 * `dependency` entries always resolve); a file nobody imports is named by its
 * path's tail that matches its package (`grpc/health/v1/health.proto` for
 * package grpc.health.v1), or else by its base name.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import type { MessageCodec } from '../wire/proto/schema.js';
import { describeEnum, describeField, describeMessage, describeService, type Value } from './descriptor-messages.js';
import { loadProtoSync } from './load.js';

export { mapEntryName } from './descriptor-messages.js';

const EDITION: Readonly<Record<string, number>> = { 2023: 1000, 2024: 1001 };

/**
 * protobufjs ships these well-known files as JSON (not .proto text), so their
 * objects carry no file name: this says which file each top-level type is from.
 */
const BUNDLED_FILE: Readonly<Record<string, string>> = {
  Any: 'any',
  Duration: 'duration',
  Timestamp: 'timestamp',
  Empty: 'empty',
  FieldMask: 'field_mask',
  Struct: 'struct',
  Value: 'struct',
  ListValue: 'struct',
  NullValue: 'struct',
  DoubleValue: 'wrappers',
  FloatValue: 'wrappers',
  Int64Value: 'wrappers',
  UInt64Value: 'wrappers',
  Int32Value: 'wrappers',
  UInt32Value: 'wrappers',
  BoolValue: 'wrappers',
  StringValue: 'wrappers',
  BytesValue: 'wrappers',
};

let fileCodec: MessageCodec<Value> | undefined;
/** The FileDescriptorProto codec, loaded on first use. */
export function fileDescriptorCodec(): MessageCodec<Value> {
  if (fileCodec === undefined) {
    const protobufjsDir = path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));
    fileCodec = loadProtoSync(path.join(protobufjsDir, 'google/protobuf/descriptor.proto')).codec(
      'google.protobuf.FileDescriptorProto',
    );
  }
  return fileCodec;
}

/** One .proto file of a loaded Root. */
export class DescribedFile {
  /** The name clients know it by (see the header). Assigned by the index. */
  name = '';
  /** The files it imports, in `import` order. */
  readonly dependencies: DescribedFile[] = [];
  /** Indexes into `dependencies` of `import public` / `import weak` lines. */
  readonly publicDependencies: number[] = [];
  readonly weakDependencies: number[] = [];
  /** Its top-level messages, enums, services and extension fields, in declaration order. */
  readonly declarations: protobuf.ReflectionObject[] = [];
  #bytes: Uint8Array | undefined;

  constructor(
    /** Its key in `root.files`: an absolute path, or a bundled name like `google/protobuf/any.proto`. */
    readonly key: string,
    readonly packageName: string,
    /** "proto2", "proto3", or an edition ("2023"). */
    readonly syntax: string,
    /** The import lines, as written. */
    readonly imports: readonly { spec: string; kind: 'plain' | 'public' | 'weak' }[],
  ) {}

  /** The FileDescriptorProto, as plain data in our codec's conventions. */
  describe(): Value {
    const messageType: Value[] = [];
    const enumType: Value[] = [];
    const service: Value[] = [];
    const extension: Value[] = [];
    for (const object of this.declarations) {
      if (object instanceof protobuf.Type) messageType.push(describeMessage(object));
      else if (object instanceof protobuf.Enum) enumType.push(describeEnum(object));
      else if (object instanceof protobuf.Service) service.push(describeService(object));
      else if (object instanceof protobuf.Field) extension.push(describeField(object, new Map()));
    }
    const editions = EDITION[this.syntax];
    return {
      name: this.name,
      package: this.packageName === '' ? undefined : this.packageName,
      dependency: this.dependencies.map((file) => file.name),
      publicDependency: this.publicDependencies,
      weakDependency: this.weakDependencies,
      messageType,
      enumType,
      service,
      extension,
      // protoc leaves `syntax` unset for proto2.
      syntax: this.syntax === 'proto3' ? 'proto3' : editions !== undefined ? 'editions' : undefined,
      edition: editions,
    };
  }

  /** The serialized FileDescriptorProto (built once). */
  bytes(): Uint8Array {
    return (this.#bytes ??= fileDescriptorCodec().encode(this.describe()));
  }
}

// ─── Reading the files of a Root ─────────────────────────────────────────

/** The top-level declarations of a file: package, syntax/edition, imports (protobufjs keeps none of these per file). */
function scanFile(key: string): DescribedFile {
  if (!path.isAbsolute(key)) {
    // A file protobufjs bundles as JSON: a well-known type, proto3, no imports.
    return new DescribedFile(key, 'google.protobuf', 'proto3', []);
  }
  const tokens = protobuf.tokenize(readFileSync(key, 'utf8'), false);
  const readString = (): string => {
    tokens.next(); // the opening quote
    const text = tokens.next() ?? '';
    tokens.next(); // the closing quote
    return text;
  };
  let packageName = '';
  let syntax = 'proto2';
  const imports: { spec: string; kind: 'plain' | 'public' | 'weak' }[] = [];
  let depth = 0;
  // Keywords count only at the start of a top-level statement (not inside strings or option values).
  let atStart = true;
  for (let token = tokens.next(); token !== null; atStart = token === ';' || token === '}', token = tokens.next()) {
    if (token === '{') depth++;
    else if (token === '}') depth--;
    else if (depth !== 0 || !atStart) continue;
    else if (token === 'syntax' || token === 'edition') {
      tokens.next(); // '='
      syntax = readString();
    } else if (token === 'package') {
      packageName = tokens.next() ?? '';
    } else if (token === 'import') {
      const kind =
        tokens.peek() === 'public' || tokens.peek() === 'weak' ? (tokens.next() as 'public' | 'weak') : 'plain';
      imports.push({ spec: readString(), kind });
    }
  }
  return new DescribedFile(key, packageName, syntax, imports);
}

/** What a file declares at top level (or a message inside itself): messages, enums, services, extensions. */
function isDeclaration(o: protobuf.ReflectionObject): boolean {
  return (
    o instanceof protobuf.Type ||
    o instanceof protobuf.Enum ||
    o instanceof protobuf.Service ||
    (o instanceof protobuf.Field && o.extend !== undefined)
  );
}

/** The key of the file an object was declared in, or undefined if unknown. */
function fileKeyOf(object: protobuf.ReflectionObject): string | undefined {
  if (object.filename !== null && object.filename !== undefined) return object.filename;
  const bundled = object.parent?.fullName === '.google.protobuf' ? BUNDLED_FILE[object.name] : undefined;
  return bundled === undefined ? undefined : `google/protobuf/${bundled}.proto`;
}

/** The files of one Root, named, linked to their dependencies, with their declarations. */
export function describeRoot(root: protobuf.Root): DescribedFile[] {
  const files = new Map<string, DescribedFile>();
  for (const key of root.files) files.set(key, scanFile(key));

  // Resolve imports to files, exactly as the loader did.
  const importedAs = new Map<DescribedFile, string>();
  for (const file of files.values()) {
    for (const { spec, kind } of file.imports) {
      const bundled = Object.prototype.hasOwnProperty.call(protobuf.common, spec) ? spec : undefined;
      let target: DescribedFile | undefined;
      try {
        target = files.get(bundled ?? root.resolvePath(file.key, spec) ?? '');
      } catch {
        /* a weak import that was never found */
      }
      if (target === undefined) continue;
      if (kind === 'public') file.publicDependencies.push(file.dependencies.length);
      if (kind === 'weak') file.weakDependencies.push(file.dependencies.length);
      file.dependencies.push(target);
      if (!importedAs.has(target)) importedAs.set(target, spec);
    }
  }
  const taken = new Set<string>();
  for (const file of files.values()) {
    let name = importedAs.get(file) ?? topLevelName(file);
    if (taken.has(name)) name = file.key; // two different files, one name: fall back to the full path
    taken.add(name);
    file.name = name;
  }

  // Top-level declarations: the children of package namespaces (recursively), by file.
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const child of ns.nestedArray) {
      if (isDeclaration(child)) {
        const key = fileKeyOf(child);
        if (key !== undefined) files.get(key)?.declarations.push(child);
      } else if (child instanceof protobuf.Namespace) {
        visit(child);
      }
    }
  };
  visit(root);
  return [...files.values()];
}

function topLevelName(file: DescribedFile): string {
  if (!path.isAbsolute(file.key)) return file.key;
  const parts = file.key.split(path.sep);
  const packagePath = file.packageName === '' ? [] : file.packageName.split('.');
  const dirs = parts.slice(-1 - packagePath.length, -1);
  const matches =
    packagePath.length > 0 && dirs.length === packagePath.length && dirs.every((d, i) => d === packagePath[i]);
  return matches ? [...packagePath, parts[parts.length - 1]].join('/') : parts[parts.length - 1]!;
}

/** The file key of any reflection object (a field or method: its parent's). */
export function fileKeyOfObject(object: protobuf.ReflectionObject): string | undefined {
  for (let o: protobuf.ReflectionObject | null = object; o !== null; o = o.parent) {
    const key = isDeclaration(o) ? fileKeyOf(o) : undefined;
    if (key !== undefined) return key;
  }
  return undefined;
}
