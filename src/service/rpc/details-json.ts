/**
 * Error details as proto3 JSON, for people (the CLI's `call -v`): each Any as the JSON
 * form of google.protobuf.Any, its type URL under "@type" beside the message's fields.
 *
 *   {"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"name","description":"..."}]}
 *   {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.500s"}
 *
 * The google.rpc types are built in; others come from `resolve` (a --proto file, server
 * reflection). A type nobody knows, or bytes that do not decode as their type, print as
 * `{"@type": URL, "@bytes": base64}` — still shown, never an error.
 */
import { type Any, type MessageType, anyTypeName, anyUnpack } from '../../wire/grpc/any.js';
import { encodeBase64 } from '../../wire/proto/base64.js';
import { type JsonValue, toJson } from '../../wire/proto/json.js';
import { ERROR_DETAIL_TYPES } from './error-details.js';

const BUILT_IN = new Map<string, MessageType<unknown>>(ERROR_DETAIL_TYPES.map((type) => [type.schema.typeName, type]));

/** Finds a detail type by its full name (`pkg.Message`), or undefined. */
export type DetailTypeResolver = (typeName: string) => Promise<MessageType<unknown> | undefined>;

export async function detailsToJson(details: readonly Any[], resolve?: DetailTypeResolver): Promise<JsonValue[]> {
  const out: JsonValue[] = [];
  for (const any of details) {
    const name = anyTypeName(any.typeUrl);
    const type = BUILT_IN.get(name) ?? (await resolveQuietly(resolve, name));
    const value = type === undefined ? undefined : (anyUnpack(any, type) as Record<string, unknown> | undefined);
    let json: JsonValue | undefined;
    if (type !== undefined && value !== undefined) {
      try {
        json = toJson(type.schema, value);
      } catch {
        json = undefined; // a value its JSON form cannot hold: shown as bytes
      }
    }
    out.push(
      json !== null && typeof json === 'object' && !Array.isArray(json)
        ? { '@type': any.typeUrl, ...json }
        : json !== undefined
          ? { '@type': any.typeUrl, value: json } // a well-known type with a JSON form of its own
          : { '@type': any.typeUrl, '@bytes': encodeBase64(any.value) },
    );
  }
  return out;
}

async function resolveQuietly(resolve: DetailTypeResolver | undefined, name: string) {
  if (resolve === undefined) return undefined;
  try {
    return await resolve(name);
  } catch {
    return undefined;
  }
}
