/**
 * A type registry: where google.protobuf.Any's JSON and text forms find the
 * schema of the message a type URL names.
 *
 *   type_url "type.googleapis.com/pkg.Msg"  →  findMessage("pkg.Msg")  →  MessageSchema
 *
 * The type name is what follows the URL's last '/', as every protobuf runtime
 * reads it. A ProtoSet (src/service/load.ts) is one; code without a loader
 * (generated schemas, `wiregrpc/core`) builds one with `typeRegistry(...)`.
 */
import type { MessageSchema } from './schema.js';

export interface TypeRegistry {
  /** The schema of a message by full name (`pkg.Msg`, no leading dot), or undefined when unknown. */
  findMessage(typeName: string): MessageSchema | undefined;
}

/** The prefix protobuf writes in front of a type name in an Any. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** A registry of the given message schemas and every message type reachable from their fields. */
export function typeRegistry(...schemas: MessageSchema[]): TypeRegistry {
  const byName = new Map<string, MessageSchema>();
  const visit = (s: MessageSchema): void => {
    if (byName.has(s.typeName)) return;
    byName.set(s.typeName, s);
    for (const f of s.fields) {
      if (f.kind === 'message') visit(f.message);
      else if (f.kind === 'map' && f.value.kind === 'message') visit(f.value.message);
    }
  };
  for (const s of schemas) visit(s);
  return { findMessage: (typeName) => byName.get(typeName) };
}

/** The type name in a type URL (after its last '/'), or undefined when it has none. */
export function typeNameOfUrl(url: string): string | undefined {
  const slash = url.lastIndexOf('/');
  const name = url.slice(slash + 1);
  return slash < 0 || name === '' ? undefined : name;
}
