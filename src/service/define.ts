/**
 * Building a ServiceDefinition from plain schemas. This is the path generated
 * code takes (and anyone who writes schemas by hand): no .proto file, no
 * protobufjs. The .proto loader (load.ts) ends up here too, so both routes make
 * identical definitions.
 */
import { codecFor } from '../wire/proto/codec.js';
import type { MessageSchema } from '../wire/proto/schema.js';
import type { CallShape, MethodDefinition, ServiceDefinition } from './definition.js';
import { methodLocalName } from './names.js';
import { traceMethod, tracing } from '../http2/trace-switch.js';

export interface MethodSpec {
  /** As in the .proto: `GetUserInfo`. */
  readonly name: string;
  readonly shape: CallShape;
  readonly input: MessageSchema;
  readonly output: MessageSchema;
}

/** The call shape named by a method's two `stream` keywords. */
export function callShape(requestStream: boolean, responseStream: boolean): CallShape {
  if (requestStream) return responseStream ? 'bidi_streaming' : 'client_streaming';
  return responseStream ? 'server_streaming' : 'unary';
}

/**
 * `defineService('proto.UserInfo', [{ name: 'GetUserInfo', shape: 'unary', input, output }])`.
 * `typeName` is the service's full name without a leading dot; each method's
 * HTTP/2 path is `/${typeName}/${name}`.
 */
export function defineService(typeName: string, methods: readonly MethodSpec[]): ServiceDefinition {
  if (typeName.startsWith('.')) typeName = typeName.slice(1);
  const table: Record<string, MethodDefinition> = Object.create(null);
  for (const spec of methods) {
    if (Object.hasOwn(table, spec.name)) {
      throw new Error(`service ${typeName}: method ${spec.name} is defined twice`);
    }
    table[spec.name] = Object.freeze({
      name: spec.name,
      localName: methodLocalName(spec.name),
      path: `/${typeName}/${spec.name}`,
      shape: spec.shape,
      input: codecFor(spec.input),
      output: codecFor(spec.output),
    });
    if (tracing) traceMethod(table[spec.name]!.path, table[spec.name]!.input, table[spec.name]!.output); // messages as JSON in traces
  }
  return Object.freeze({ typeName, methods: Object.freeze(table) });
}
