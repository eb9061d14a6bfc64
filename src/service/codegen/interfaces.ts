/**
 * The TypeScript types of message values, as src/wire/proto/codec.ts decodes them
 * (the conventions at the top of src/wire/proto/schema.ts):
 *
 *   int32, uint32, sint32, fixed32, sfixed32, float, double → number
 *   int64, uint64, sint64, fixed64, sfixed64               → bigint
 *   bool → boolean, string → string, bytes → Uint8Array
 *   enum → number (open: unknown values are kept), typed by the enum's name
 *   repeated T → T[];  map<K, V> → Record<string, V> (keys in string form)
 *   message fields and explicit-presence (`optional`) fields → `name?: T`
 *   a oneof → a union in which at most one member is set
 *
 * An enum becomes a plain `const` object plus a type of the same name (no TS
 * `enum`, so the code runs under type stripping):
 *
 *   export const Color = { RED: 0, GREEN: 1 } as const;
 *   export type Color = (typeof Color)[keyof typeof Color] | number;
 */
import type { FieldSchema, MapValue, ScalarType } from '../../wire/proto/schema.js';
import type { Imports } from './imports.js';
import type { EnumDecl, MessageDecl } from './model.js';
import { docComment, propertyKey } from './names.js';

const SCALAR_TS: Readonly<Record<ScalarType, string>> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  int64: 'bigint',
  uint64: 'bigint',
  sint64: 'bigint',
  fixed64: 'bigint',
  sfixed64: 'bigint',
  bool: 'boolean',
  string: 'string',
  bytes: 'Uint8Array',
};

function valueType(value: MapValue | FieldSchema, refs: Imports): string {
  switch (value.kind) {
    case 'scalar':
      return SCALAR_TS[value.scalar];
    case 'enum':
      return refs.type(value.enum.typeName);
    case 'message':
      return refs.type(value.message.typeName);
    case 'map':
      return `Record<string, ${valueType(value.value, refs)}>`;
  }
}

/** The type of a field's property, without `?`. */
export function fieldType(field: FieldSchema, refs: Imports): string {
  const single = valueType(field, refs);
  return field.kind !== 'map' && field.repeated === true ? `${single}[]` : single;
}

/** A field may be absent: a singular message, or a field with explicit presence. */
function isOptional(field: FieldSchema): boolean {
  return (field.kind === 'message' && field.repeated !== true) || field.optional === true;
}

export function messageType(decl: MessageDecl, refs: Imports): string {
  const plain = decl.schema.fields.filter((field) => field.oneof === undefined);
  const oneofs = new Map<string, FieldSchema[]>();
  for (const field of decl.schema.fields) {
    if (field.oneof === undefined) continue;
    const members = oneofs.get(field.oneof);
    if (members === undefined) oneofs.set(field.oneof, [field]);
    else members.push(field);
  }

  const lines = plain.map(
    (field) =>
      docComment(decl.fieldComments.get(field.name), '  ') +
      `  ${propertyKey(field.localName)}${isOptional(field) ? '?' : ''}: ${fieldType(field, refs)};`,
  );
  const head = docComment(decl.comment, '');
  if (oneofs.size === 0) {
    return `${head}export interface ${decl.tsName} {\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}}\n`;
  }

  // `{ plain fields } & (oneof a) & (oneof b)`: each oneof a union of "this member
  // set, the others absent" variants, plus "none set".
  const parts: string[] = [];
  if (lines.length > 0) parts.push(`{\n${lines.join('\n')}\n}`);
  for (const [name, members] of oneofs) {
    const variant = (set: FieldSchema | undefined): string =>
      `{ ${members.map((m) => (m === set ? `${propertyKey(m.localName)}: ${fieldType(m, refs)};` : `${propertyKey(m.localName)}?: undefined;`)).join(' ')} }`;
    const variants = [...members.map((member) => variant(member)), variant(undefined)];
    parts.push(`(\n  // oneof ${name}\n${variants.map((v) => `  | ${v}`).join('\n')}\n)`);
  }
  return `${head}export type ${decl.tsName} = ${parts.join(' & ')};\n`;
}

export function enumObject(decl: EnumDecl): string {
  const entries = decl.schema.values.map(
    ({ name, no }) => docComment(decl.valueComments[name], '  ') + `  ${propertyKey(name)}: ${no},`,
  );
  return (
    docComment(decl.comment, '') +
    `export const ${decl.tsName} = {\n${entries.join('\n')}${entries.length > 0 ? '\n' : ''}} as const;\n` +
    `export type ${decl.tsName} = (typeof ${decl.tsName})[keyof typeof ${decl.tsName}] | number;\n`
  );
}
