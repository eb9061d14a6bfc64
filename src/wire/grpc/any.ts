/**
 * google.protobuf.Any: a message of any type, carried as its type's name and its bytes.
 *
 *     message Any {
 *       string type_url = 1;  // "type.googleapis.com/google.rpc.BadRequest": a prefix, "/", the full type name
 *       bytes  value    = 2;  // the message, serialized
 *     }
 *
 * The error details of a status travel this way (google.rpc.Status.details, see
 * status-details.ts). Whoever reads an Any needs the type's schema to decode it; a type
 * it does not know stays an Any: unpacking it is never an error, only `undefined`.
 *
 * `MessageType<T>` is what packs and unpacks one type: its schema and an encode/decode
 * pair. Every codec is one (`codecFor<User>(UserSchema)`), and the google.rpc types of
 * wiregrpc/core are (`BadRequest`, `RetryInfo`, ...), so that `anyUnpack(any, BadRequest)`
 * and `err.findDetails(BadRequest)` return `BadRequest` values. This file needs no codec
 * of its own: GrpcError, which reads details, stays free of the codec.
 */
import type { MessageSchema } from '../proto/schema.js';
import type { Any } from './gen/google/protobuf/any.js';
export type { Any } from './gen/google/protobuf/any.js';
export { AnySchema } from './gen/google/protobuf/any.js';

/** One message type: its schema, and how its values become bytes and back (a MessageCodec is one). */
export interface MessageType<T = Record<string, unknown>> {
  readonly schema: MessageSchema;
  encode(value: T): Uint8Array;
  /** Throws on bytes that are not this type. */
  decode(bytes: Uint8Array): T;
}

/** The prefix every implementation writes (and the only one Google APIs accept). */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** `type.googleapis.com/google.rpc.BadRequest` → `google.rpc.BadRequest` (what follows the last `/`). */
export function anyTypeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/** Whether `any` holds a message of this type. */
export function anyIs(any: Any, type: MessageType<unknown>): boolean {
  return anyTypeName(any.typeUrl) === type.schema.typeName;
}

/**
 * `value` packed as an Any of this type. Throws the codec's error if the value does not
 * fit the schema (a program's mistake, found where it is made).
 */
export function anyPack<T>(type: MessageType<T>, value: T): Any {
  return { typeUrl: TYPE_URL_PREFIX + type.schema.typeName, value: type.encode(value) };
}

/**
 * The message inside `any` if it is of this type; `undefined` if it is another type or its
 * bytes do not decode as this one (a peer's mistake: the Any itself is still there to see).
 */
export function anyUnpack<T>(any: Any, type: MessageType<T>): T | undefined {
  if (!anyIs(any, type)) return undefined;
  try {
    return type.decode(any.value);
  } catch {
    return undefined;
  }
}
