/**
 * `wiregrpc describe TARGET SYMBOL`: a service, method, message or enum as
 * .proto-like text, from the server's reflection (or from --proto files, and
 * then TARGET may be left out).
 *
 *   $ wiregrpc describe localhost:50051 proto.UserResponse
 *   // proto.UserResponse is a message:
 *   message UserResponse {
 *     int32 id = 1;
 *     ...
 */
import protobuf from 'protobufjs';
import type { ProtoSet } from '../service/load.js';
import { UsageError, type Args } from './args.js';
import { CONNECT_FLAGS, deadlineFromArgs, openChannel, reportError } from './connect.js';
import { LineWriter, type Io } from './io.js';
import { PROTO_FLAGS, loadFromArgs, type Verb } from './verb.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { enableTracing } from '../http2/trace.js';

export const verb: Verb = {
  usage: 'describe TARGET SYMBOL  |  describe --proto FILE [-I DIR] SYMBOL',
  description:
    'Prints a service, method, message or enum (full name, e.g. proto.UserInfo,\n' +
    'proto.UserInfo/GetUserInfo, proto.UserResponse) in .proto syntax, as the server\n' +
    'describes it through reflection, or as --proto files define it.\n' +
    'Exit status: the gRPC status code of a failed reflection call (5 NOT_FOUND for an\n' +
    'unknown symbol, 12 UNIMPLEMENTED for a server without reflection, ...).',
  flags: { ...PROTO_FLAGS, ...CONNECT_FLAGS },
  async run(args, io) {
    const [target, symbol] = targetAnd(args, 'SYMBOL');
    const name = symbol.replace(/^\./, '').replace('/', '.');
    return withProtos(args, io, target, [name], async (protos) => {
      const object = lookup(protos.root, name);
      if (object === null) throw new GrpcError(Code.NOT_FOUND, `symbol ${name} is not defined`);
      const out = new LineWriter(io.stdout);
      for (const line of describe(object)) await out.line(line);
      return 0;
    });
  },
};

/** `[TARGET] ARG`: TARGET may be omitted when --proto is given. */
export function targetAnd(args: Args, what: string, optional = false): [string | undefined, string] {
  const p = args.positionals;
  const withProto = args.all('proto').length > 0;
  const max = 2;
  const min = (withProto ? 0 : 1) + (optional ? 0 : 1);
  if (p.length < min || p.length > max)
    throw new UsageError(`expected ${withProto ? '[TARGET]' : 'TARGET'} ${optional ? `[${what}]` : what}`);
  if (p.length === 2) return [p[0], p[1]!];
  if (withProto) return [undefined, p[0] ?? ''];
  return [p[0], ''];
}

/** Runs `body` with the protos of `symbols`: from --proto files, or from the server's reflection. */
export async function withProtos(
  args: Args,
  io: Io,
  target: string | undefined,
  symbols: string[],
  body: (protos: ProtoSet) => Promise<number>,
): Promise<number> {
  if (args.has('trace')) enableTracing();
  if (target === undefined) {
    try {
      return await body(loadFromArgs(args));
    } catch (err) {
      if (err instanceof GrpcError) return reportError(io, err, args.all('proto').join(', '));
      throw err;
    }
  }
  const channel = openChannel(target, args);
  const deadline = deadlineFromArgs(args);
  const { ReflectionClient } = await import('../service/reflection-client.js');
  const reflection = new ReflectionClient(channel, deadline !== undefined ? { deadline } : {});
  try {
    const protos = args.all('proto').length > 0 ? loadFromArgs(args) : await reflection.protoSet(symbols);
    return await body(protos);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return reportError(io, err, target);
  } finally {
    await channel.close();
  }
}

/** The object with exactly this full name (protobufjs's own lookup is fuzzy). */
export function lookup(root: protobuf.Root, full: string): protobuf.ReflectionObject | null {
  let current: protobuf.ReflectionObject | null = root;
  for (const part of full.split('.')) {
    if (current instanceof protobuf.Service && current.methods[part] !== undefined) current = current.methods[part]!;
    else if (current instanceof protobuf.Namespace) current = current.get(part);
    else return null;
  }
  return current === root ? null : current;
}

const fullName = (o: protobuf.ReflectionObject): string => o.fullName.replace(/^\./, '');

/** `rpc Name (stream pkg.In) returns (pkg.Out);` */
export function rpcLine(method: protobuf.Method): string {
  method.resolve();
  const input = `${method.requestStream === true ? 'stream ' : ''}${fullName(method.resolvedRequestType!)}`;
  const output = `${method.responseStream === true ? 'stream ' : ''}${fullName(method.resolvedResponseType!)}`;
  return `rpc ${method.name} (${input}) returns (${output});`;
}

function describe(object: protobuf.ReflectionObject): string[] {
  if (object instanceof protobuf.Service) return [`// ${fullName(object)} is a service:`, ...serviceText(object)];
  if (object instanceof protobuf.Method) return [`// ${fullName(object)} is a method:`, rpcLine(object)];
  if (object instanceof protobuf.Type) return [`// ${fullName(object)} is a message:`, ...messageText(object, '')];
  if (object instanceof protobuf.Enum) return [`// ${fullName(object)} is an enum:`, ...enumText(object, '')];
  if (object instanceof protobuf.Field) return [`// ${fullName(object)} is a field:`, fieldText(object)];
  return [`// ${fullName(object)} is a package`];
}

function serviceText(service: protobuf.Service): string[] {
  return [`service ${service.name} {`, ...service.methodsArray.map((m) => `  ${rpcLine(m)}`), '}'];
}

function fieldText(field: protobuf.Field): string {
  field.resolve();
  const type = field.resolvedType !== null ? fullName(field.resolvedType) : field.type;
  if (field instanceof protobuf.MapField) return `map<${field.keyType}, ${type}> ${field.name} = ${field.id};`;
  const inOneof = field.partOf !== null && !field.partOf.isProto3Optional;
  const label = field.repeated
    ? 'repeated '
    : field.required
      ? 'required '
      : field.partOf?.isProto3Optional === true || (!inOneof && !isProto3(field))
        ? 'optional '
        : '';
  const packed = field.repeated && !isProto3(field) && field.packed ? ' [packed = true]' : '';
  return `${label}${type} ${field.name} = ${field.id}${packed};`;
}

function isProto3(object: protobuf.ReflectionObject): boolean {
  for (let o: protobuf.ReflectionObject | null = object; o !== null; o = o.parent) {
    const edition = (o as unknown as { _edition?: string | null })._edition;
    if (edition) return edition === 'proto3';
  }
  return true;
}

function messageText(type: protobuf.Type, indent: string): string[] {
  const lines = [`${indent}message ${type.name} {`];
  const inner = indent + '  ';
  const done = new Set<protobuf.Field>();
  for (const field of type.fieldsArray) {
    if (done.has(field)) continue;
    const oneof = field.partOf;
    if (oneof !== null && !oneof.isProto3Optional) {
      lines.push(`${inner}oneof ${oneof.name} {`);
      for (const member of oneof.fieldsArray) {
        lines.push(`${inner}  ${fieldText(member)}`);
        done.add(member);
      }
      lines.push(`${inner}}`);
    } else {
      lines.push(`${inner}${fieldText(field)}`);
    }
  }
  for (const nested of type.nestedArray) {
    if (nested instanceof protobuf.Type) lines.push(...messageText(nested, inner));
    else if (nested instanceof protobuf.Enum) lines.push(...enumText(nested, inner));
  }
  lines.push(`${indent}}`);
  return lines;
}

function enumText(e: protobuf.Enum, indent: string): string[] {
  return [
    `${indent}enum ${e.name} {`,
    ...Object.entries(e.values).map(([name, no]) => `${indent}  ${name} = ${no};`),
    `${indent}}`,
  ];
}
