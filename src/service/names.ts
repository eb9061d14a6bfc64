/**
 * How .proto names become JavaScript names. Shared by the .proto loader, the
 * hand-written `defineService` path and (later) generated code, so that every
 * route to a schema agrees on property names.
 */

/**
 * Names that already exist on every plain object (Object.prototype). A message
 * field with one of these names would read as inherited junk on an object
 * where it is unset, so its property gets a `$` suffix, as protobuf-es does.
 */
const RESERVED = new Set([
  'constructor',
  'toString',
  'toLocaleString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/**
 * protoc's JSON-name rule (`ToJsonName`): drop each `_` and upper-case the
 * character after it. `user_name` → `userName`, `foo_3_bar` → `foo3Bar`.
 */
export function protoCamelCase(name: string): string {
  let out = '';
  let upperNext = false;
  for (const ch of name) {
    if (ch === '_') {
      upperNext = true;
    } else if (upperNext) {
      out += ch.toUpperCase();
      upperNext = false;
    } else {
      out += ch;
    }
  }
  return out;
}

/** The property name of a field in JS message values: lowerCamelCase, never an Object.prototype name. */
export function fieldLocalName(protoName: string): string {
  const camel = protoCamelCase(protoName);
  return RESERVED.has(camel) ? camel + '$' : camel;
}

/** The client-stub property of a method: `GetUserInfo` → `getUserInfo`. */
export function methodLocalName(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}
