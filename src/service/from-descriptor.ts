/**
 * FileDescriptorProtos (descriptor.proto, as server reflection sends them) →
 * a protobufjs Root, the same kind of object the .proto loader makes. From it
 * come ProtoSet's schemas, codecs and service definitions (load.ts,
 * schema-from-reflection.ts), so a server's reflection and a .proto file on
 * disk end up as identical definitions.
 *
 * The descriptors are decoded with our own codec (descriptor.proto loaded by
 * our loader); protobufjs only receives its plain JSON form (`Root.fromJSON`),
 * never bytes: its decoder and `fromObject` generate code, and are not used.
 *
 * Covered: proto2 and proto3 files (presence, packed options, proto3
 * `optional`, `[default = …]`), nested types and enums, maps, oneofs,
 * services, groups (described as protobufjs's parser would: delimited
 * message fields). Not covered: extensions (skipped: the codec keeps them as
 * unknown fields), editions features beyond the file's edition.
 */
import protobuf from 'protobufjs';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { fileDescriptorCodec } from './descriptor.js';
import { ProtoSet } from './load.js';

/** FileDescriptorProto as our codec decodes it (keys are lowerCamelCase; see src/wire/proto/schema.ts). */
export interface FileDescriptor {
  name: string;
  package: string;
  dependency: string[];
  messageType: MessageDescriptor[];
  enumType: EnumDescriptor[];
  service: ServiceDescriptor[];
  syntax?: string;
  edition?: number;
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
  enumType: EnumDescriptor[];
  oneofDecl: { name: string }[];
  options?: { mapEntry?: boolean };
}
interface FieldDescriptor {
  name: string;
  number: number;
  label?: number;
  type?: number;
  typeName?: string;
  extendee?: string;
  oneofIndex?: number;
  jsonName?: string;
  options?: { packed?: boolean; deprecated?: boolean };
  proto3Optional?: boolean;
  /** proto2 `[default = …]`, as text (descriptor.proto: C-escaped for bytes). */
  defaultValue?: string;
}
interface EnumDescriptor {
  name: string;
  value: { name: string; number: number }[];
}
interface ServiceDescriptor {
  name: string;
  method: {
    name: string;
    inputType: string;
    outputType: string;
    clientStreaming?: boolean;
    serverStreaming?: boolean;
  }[];
}

/** A serialized FileDescriptorProto, decoded by our codec. Throws GrpcError(INTERNAL) on malformed bytes. */
export function decodeFileDescriptor(bytes: Uint8Array): FileDescriptor {
  return fileDescriptorCodec().decode(bytes) as unknown as FileDescriptor;
}

/** FieldDescriptorProto.Type → the .proto type name (TYPE_MESSAGE, TYPE_ENUM and TYPE_GROUP use type_name). */
const SCALAR_BY_TYPE: readonly (string | undefined)[] = [
  undefined,
  'double',
  'float',
  'int64',
  'uint64',
  'int32',
  'fixed64',
  'fixed32',
  'bool',
  'string',
  undefined,
  undefined,
  'bytes',
  'uint32',
  undefined,
  'sfixed32',
  'sfixed64',
  'sint32',
  'sint64',
];
const TYPE_GROUP = 10;
const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;
/** Edition enum numbers (descriptor.proto) → protobufjs's edition names. */
const EDITIONS: Readonly<Record<number, string>> = { 998: 'proto2', 999: 'proto3', 1000: '2023', 1001: '2024' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- protobufjs's Root.fromJSON input, untyped in its .d.ts, built here key by key
type Json = Record<string, any>;

/**
 * An object keyed by names from the descriptors, which are untrusted: without
 * a prototype, `__proto__`, `constructor` or `toString` are keys like any
 * other. On a plain {} they are not — `nested['__proto__'] ??= {}` would
 * return Object.prototype and the next write would pollute every object.
 */
function dict(): Json {
  return Object.create(null) as Json;
}

/**
 * Decoded FileDescriptorProtos (every file the types refer to) → a resolved
 * ProtoSet. The descriptors usually come from a server (reflection), so they
 * are untrusted input: anything wrong with them — a dangling index, a type
 * that does not resolve, an edition we do not know — is a GrpcError(INTERNAL)
 * naming it, as any malformed answer from a peer is.
 */
export function protoSetFromDescriptors(files: readonly FileDescriptor[]): ProtoSet {
  const json = dict();
  for (const file of files) addFile(json, file);
  let root: protobuf.Root;
  try {
    root = protobuf.Root.fromJSON(json);
    root.resolveAll();
  } catch (err) {
    throw new GrpcError(Code.INTERNAL, `descriptors do not make a schema: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
  return new ProtoSet(root);
}

function invalid(message: string): GrpcError {
  return new GrpcError(Code.INTERNAL, message);
}

function addFile(rootJson: Json, file: FileDescriptor): void {
  const edition = editionOf(file);
  let ns = rootJson;
  for (const part of file.package === '' ? [] : file.package.split('.')) {
    ns.nested ??= dict();
    ns = ns.nested[part] ??= dict();
  }
  ns.nested ??= dict();
  // protobufjs reads the edition from each top-level object (nested ones inherit it).
  for (const message of file.messageType) ns.nested[message.name] = { ...messageJson(message), edition };
  for (const e of file.enumType) ns.nested[e.name] = { ...enumJson(e), edition };
  for (const service of file.service) {
    const methods = dict();
    for (const m of service.method) {
      methods[m.name] = {
        requestType: m.inputType,
        responseType: m.outputType,
        ...(m.clientStreaming === true ? { requestStream: true } : {}),
        ...(m.serverStreaming === true ? { responseStream: true } : {}),
      };
    }
    ns.nested[service.name] = { methods, edition };
  }
}

function editionOf(file: FileDescriptor): string {
  if (file.syntax === 'proto3') return 'proto3';
  if (file.syntax === 'editions') {
    const edition = EDITIONS[file.edition ?? 0];
    if (edition === undefined) throw invalid(`${file.name}: unsupported edition ${file.edition}`);
    return edition;
  }
  return 'proto2'; // syntax "" or "proto2"
}

function messageJson(message: MessageDescriptor): Json {
  const mapEntries = new Map<string, MessageDescriptor>();
  for (const nested of message.nestedType) if (nested.options?.mapEntry === true) mapEntries.set(nested.name, nested);

  const fields = dict();
  const oneofs = dict();
  for (const field of message.field) {
    if (field.extendee !== undefined && field.extendee !== '') continue;
    const entry = field.label === LABEL_REPEATED ? mapEntryOf(field, mapEntries) : undefined;
    if (entry !== undefined) {
      const [key, value] = [entry.field.find((f) => f.number === 1), entry.field.find((f) => f.number === 2)];
      if (key === undefined || value === undefined)
        throw invalid(`${message.name}.${field.name}: map entry ${entry.name} lacks its key or value field`);
      fields[field.name] = { keyType: typeOf(key), type: typeOf(value), id: field.number };
      continue;
    }
    const options: Json = {};
    if (field.options?.packed !== undefined) options.packed = field.options.packed;
    if (field.options?.deprecated === true) options.deprecated = true;
    if (field.proto3Optional === true) options.proto3_optional = true;
    if (field.defaultValue !== undefined && field.label !== LABEL_REPEATED)
      options.default = defaultOption(field.type ?? 0, field.defaultValue);
    fields[field.name] = {
      type: typeOf(field),
      id: field.number,
      ...(field.label === LABEL_REPEATED
        ? { rule: 'repeated' }
        : field.label === LABEL_REQUIRED
          ? { rule: 'required' }
          : {}),
      ...(field.jsonName !== undefined && field.jsonName !== '' ? { jsonName: field.jsonName } : {}),
      ...(Object.keys(options).length > 0 ? { options } : {}),
    };
    if (field.oneofIndex !== undefined) {
      const name = message.oneofDecl[field.oneofIndex]?.name;
      if (name === undefined)
        throw invalid(`${message.name}.${field.name}: oneof_index ${field.oneofIndex} out of range`);
      (oneofs[name] ??= { oneof: [] }).oneof.push(field.name);
    }
  }

  // A proto2 group's field has TYPE_GROUP and its message is nested beside it: mark the message
  // as a group, so protobufjs (like its parser) knows the field is DELIMITED on the wire.
  const groups = new Set(
    message.field.filter((f) => f.type === TYPE_GROUP).map((f) => f.typeName?.slice(f.typeName.lastIndexOf('.') + 1)),
  );
  const nested = dict();
  for (const type of message.nestedType) {
    if (!mapEntries.has(type.name))
      nested[type.name] = { ...messageJson(type), ...(groups.has(type.name) ? { group: true } : {}) };
  }
  for (const e of message.enumType) nested[e.name] = enumJson(e);
  return {
    fields,
    ...(Object.keys(oneofs).length > 0 ? { oneofs } : {}),
    ...(Object.keys(nested).length > 0 ? { nested } : {}),
  };
}

/** The map entry type a repeated message field refers to, if it is one of this message's own `map_entry` types. */
function mapEntryOf(field: FieldDescriptor, entries: Map<string, MessageDescriptor>): MessageDescriptor | undefined {
  if (field.typeName === undefined || entries.size === 0) return undefined;
  return entries.get(field.typeName.slice(field.typeName.lastIndexOf('.') + 1));
}

function typeOf(field: FieldDescriptor): string {
  const scalar = SCALAR_BY_TYPE[field.type ?? 0];
  if (scalar !== undefined) return scalar;
  if (field.typeName === undefined || field.typeName === '') throw invalid(`field ${field.name}: no type`);
  return field.typeName; // fully qualified: `.pkg.Message`
}

function enumJson(e: EnumDescriptor): Json {
  const values = dict();
  for (const v of e.value) values[v.name] = v.number;
  return { values };
}

/**
 * A descriptor's `default_value` text as protobufjs's parser would have given
 * the option: numbers as numbers (64-bit ones as their decimal text, kept
 * exact), `inf`/`-inf`/`nan`, booleans, enum value names and strings as they
 * are, bytes C-unescaped into one character per byte.
 */
function defaultOption(type: number, text: string): Json[string] {
  switch (type) {
    case 1: // double
    case 2: // float
      return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : text === 'nan' ? NaN : Number(text);
    case 3: // int64
    case 4: // uint64
    case 6: // fixed64
    case 16: // sfixed64
    case 18: // sint64
      return text;
    case 8: // bool
      return text === 'true';
    case 12: // bytes
      return unescapeBytes(text);
    case 9: // string
    case 14: // enum: the value's name
      return text;
    default:
      return Number(text);
  }
}

/** C escapes (`\n`, `\\`, `\"`, `\'`, `\ooo`, `\xhh`) → one character per byte. */
function unescapeBytes(text: string): string {
  const simple: Record<string, string> = {
    n: '\n',
    r: '\r',
    t: '\t',
    '\\': '\\',
    '"': '"',
    "'": "'",
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
    '?': '?',
  };
  return text.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    return simple[e] ?? e;
  });
}
