/**
 * Schemas as plain static data: the MessageSchema and EnumSchema objects of
 * src/wire/proto/schema.ts written out as object literals, which is all the codec
 * and the JSON mapping need at run time (no .proto, no protobufjs).
 *
 * Each field is written with exactly the properties the loader gives it, in
 * the same order. References between messages are references between the
 * constants, so a module is ordered dependencies first. Messages that refer
 * back to themselves, directly or through others in the same module
 * (`message Tree { repeated Tree children = 2; }`), cannot be one literal:
 * they are declared first with an empty field list, and the list is filled
 * at the end of the module, once every schema it points at exists. (Across
 * modules there are no cycles: .proto imports cannot be circular.)
 */
import type { FieldSchema, MessageSchema } from '../../wire/proto/schema.js';
import type { Imports } from './imports.js';
import type { EnumDecl, MessageDecl } from './model.js';
import { propertyKey, str } from './names.js';

export function enumSchema(decl: EnumDecl, refs: Imports): string {
  const values = decl.schema.values.map(({ name, no }) => `    { name: ${str(name)}, no: ${no} },`);
  return (
    `export const ${decl.schemaName}: ${refs.rt('EnumSchema')} = {\n` +
    `  typeName: ${str(decl.schema.typeName)},\n` +
    `  values: [\n${values.join('\n')}${values.length > 0 ? '\n' : ''}  ],\n` +
    (decl.schema.closed === true ? `  closed: true,\n` : '') +
    `};\n`
  );
}

/** A field (or a map's value) as an object literal; `message` and `enum` become references. */
function literal(value: object, refs: Imports): string {
  const parts: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    let text: string;
    if (key === 'message') text = refs.schema((v as MessageSchema).typeName);
    else if (key === 'enum') text = refs.schema((v as { typeName: string }).typeName);
    else if (typeof v === 'string') text = str(v);
    else if (typeof v === 'number') text = Object.is(v, -0) ? '-0' : String(v);
    else if (typeof v === 'boolean') text = String(v);
    // `[default = …]` values (schema.ts DefaultValue): 64-bit integers and bytes.
    else if (typeof v === 'bigint') text = `${v}n`;
    else if (v instanceof Uint8Array) text = `new Uint8Array([${[...v].join(', ')}])`;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) text = literal(v, refs);
    else throw new Error(`cannot write schema property ${key}: ${String(v)}`);
    parts.push(`${propertyKey(key)}: ${text}`);
  }
  return `{ ${parts.join(', ')} }`;
}

function fieldList(fields: readonly FieldSchema[], refs: Imports, indent: string): string {
  return fields.map((field) => `${indent}${literal(field, refs)},\n`).join('');
}

/** The messages of this module that each field list refers to. */
function localDeps(decl: MessageDecl, local: ReadonlyMap<string, MessageDecl>): MessageDecl[] {
  const out: MessageDecl[] = [];
  for (const field of decl.schema.fields) {
    const target =
      field.kind === 'message'
        ? field.message
        : field.kind === 'map' && field.value.kind === 'message'
          ? field.value.message
          : undefined;
    const dep = target === undefined ? undefined : local.get(target.typeName);
    if (dep !== undefined && !out.includes(dep)) out.push(dep);
  }
  return out;
}

/** The messages that can reach themselves through local references. */
function cyclic(decls: readonly MessageDecl[], deps: ReadonlyMap<MessageDecl, MessageDecl[]>): Set<MessageDecl> {
  const out = new Set<MessageDecl>();
  for (const start of decls) {
    const seen = new Set<MessageDecl>();
    const stack = [...deps.get(start)!];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (next === start) {
        out.add(start);
        break;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...deps.get(next)!);
    }
  }
  return out;
}

/** Every MessageSchema constant of a module, in an order that needs no forward references. */
export function messageSchemas(decls: readonly MessageDecl[], refs: Imports): string {
  const local = new Map(decls.map((decl) => [decl.typeName, decl]));
  const deps = new Map(decls.map((decl) => [decl, localDeps(decl, local)]));
  const loops = cyclic(decls, deps);
  const out: string[] = [];

  // 1. Shells of the recursive ones: anything may point at them from here on.
  for (const decl of decls) {
    if (!loops.has(decl)) continue;
    out.push(
      `const ${decl.tsName}$fields: ${refs.rt('FieldSchema')}[] = [];\n` +
        `export const ${decl.schemaName}: ${refs.rt('MessageSchema')} = { typeName: ${str(decl.schema.typeName)}, fields: ${decl.tsName}$fields };\n`,
    );
  }
  // 2. The others, each after the messages it refers to.
  const done = new Set<MessageDecl>(loops);
  const emit = (decl: MessageDecl): void => {
    if (done.has(decl)) return;
    done.add(decl);
    for (const dep of deps.get(decl)!) emit(dep);
    out.push(
      `export const ${decl.schemaName}: ${refs.rt('MessageSchema')} = {\n` +
        `  typeName: ${str(decl.schema.typeName)},\n` +
        `  fields: [\n${fieldList(decl.schema.fields, refs, '    ')}  ],\n};\n`,
    );
  };
  for (const decl of decls) emit(decl);
  // 3. The recursive ones' fields.
  const tied = decls.filter((decl) => loops.has(decl));
  if (tied.length > 0) {
    out.push(
      '// Recursive messages: their fields, now that every schema they point at exists.\n' +
        tied.map((decl) => `${decl.tsName}$fields.push(\n${fieldList(decl.schema.fields, refs, '  ')});\n`).join(''),
    );
  }
  return out.join('\n');
}
