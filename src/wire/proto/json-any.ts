/**
 * google.protobuf.Any in proto3 JSON: the embedded message's own JSON with an
 * `"@type"` key added, or — for a type with a JSON form of its own (Timestamp,
 * Duration, wrappers, Struct, Value, ListValue, FieldMask, Any) — that form
 * under `"value"`:
 *
 *   Any { type_url: "type.googleapis.com/pkg.User", value: <bytes of User{name:"x"}> }
 *     ⇄ {"@type": "type.googleapis.com/pkg.User", "name": "x"}
 *   Any { type_url: ".../google.protobuf.Duration", value: <bytes of 1.5s> }
 *     ⇄ {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"}
 *
 * The type comes from the registry in the options (json-registry.ts); a type
 * URL it does not know is an error naming the URL. The empty Any is `{}`.
 * The message-level printer and parser are passed in, so that this file and
 * json.ts do not import each other.
 */
import { codecFor } from './codec.js';
import { planFor } from './codec-plan.js';
import { createValue } from './codec-value.js';
import { ProtoError } from './error.js';
import type { MessageSchema } from './schema.js';
import { typeNameOfUrl } from './json-registry.js';
import { hasWktJson } from './json-wkt.js';
import { isObject, jsonError, pathField, printError, show } from './json-types.js';
import type { FromJsonOptions, JsonInput, JsonPath, JsonValue, ToJsonOptions } from './json-types.js';

type Value = Record<string, unknown>;

export const ANY = 'google.protobuf.Any';

type Print = (schema: MessageSchema, value: Value, options: ToJsonOptions) => JsonValue;
type Parse = (schema: MessageSchema, json: JsonInput, path: JsonPath, options: FromJsonOptions) => Value;

/** Inside an Any, the embedded message goes under "value" (true) or beside "@type" (false). */
function underValue(typeName: string): boolean {
  return typeName === ANY || hasWktJson(typeName);
}

function resolve(url: string, options: ToJsonOptions | FromJsonOptions, fail: (problem: string) => ProtoError) {
  const name = typeNameOfUrl(url);
  if (name === undefined) throw fail(`${show(url)} is not a type URL (expected "type.googleapis.com/pkg.Message")`);
  if (options.registry === undefined) throw fail(`no type registry was given to look up ${show(url)} in`);
  const schema = options.registry.findMessage(name);
  if (schema === undefined) throw fail(`the type ${show(url)} is not in the type registry`);
  return schema;
}

export function anyToJson(schema: MessageSchema, v: Value, options: ToJsonOptions, print: Print): JsonValue {
  const url = v['typeUrl'] ?? '';
  const bytes = v['value'] ?? new Uint8Array(0);
  if (typeof url !== 'string') throw printError(ANY, 'type_url is not a string');
  if (!(bytes instanceof Uint8Array)) throw printError(ANY, 'value is not a Uint8Array');
  if (url === '') {
    if (bytes.length === 0) return {};
    throw printError(ANY, 'it has a value but no type_url');
  }
  const target = resolve(url, options, (problem) => printError(ANY, problem));
  let inner: Value;
  try {
    inner = codecFor(target).decode(bytes) as Value;
  } catch (err) {
    throw printError(ANY, `its value is not a valid ${target.typeName}: ${(err as Error).message}`);
  }
  const json = print(target, inner, options);
  if (underValue(target.typeName)) return { '@type': url, value: json };
  return { '@type': url, ...(json as { [key: string]: JsonValue }) };
}

export function anyFromJson(
  schema: MessageSchema,
  j: JsonInput,
  path: JsonPath,
  options: FromJsonOptions,
  parse: Parse,
): Value {
  if (!isObject(j)) throw jsonError(ANY, path, `expected an object, got ${show(j)}`);
  const out = createValue(planFor(schema));
  const keys = Object.keys(j);
  if (keys.length === 0) return out;
  const url = j['@type'];
  if (url === undefined) throw jsonError(ANY, path, 'an Any with fields needs "@type"');
  if (typeof url !== 'string') throw jsonError(ANY, pathField(path, '@type'), `expected a string, got ${show(url)}`);
  const target = resolve(url, options, (problem) => jsonError(ANY, pathField(path, '@type'), problem));
  let inner: Value;
  if (underValue(target.typeName)) {
    for (const k of keys) {
      if (k !== '@type' && k !== 'value' && options.ignoreUnknownFields !== true) {
        throw jsonError(ANY, pathField(path, k), `unknown key "${k}" (an Any of ${target.typeName} has "value")`);
      }
    }
    const value = j['value'];
    inner =
      value === undefined ? createValue(planFor(target)) : parse(target, value, pathField(path, 'value'), options);
  } else {
    const rest = Object.create(null) as { [key: string]: JsonInput };
    for (const k of keys) if (k !== '@type') rest[k] = j[k]!;
    inner = parse(target, rest, path, options);
  }
  out['typeUrl'] = url;
  try {
    out['value'] = codecFor(target).encode(inner);
  } catch (err) {
    throw jsonError(ANY, path, `the ${target.typeName} inside does not encode: ${(err as Error).message}`);
  }
  return out;
}
