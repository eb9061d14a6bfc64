/**
 * Names in generated modules: TypeScript identifiers for .proto declarations,
 * module paths, and string literals.
 *
 * A declaration's identifier is its name inside the file's package, with `_`
 * for each nesting level: `proto.UserRequest` → `UserRequest`,
 * `loader.test.Kitchen.Mood` → `Kitchen_Mood`. Its schema is that name plus
 * `Schema`. An identifier that would clash with a keyword, a global the
 * generated code uses, a runtime import, or a name already taken in the
 * module gets a `$` suffix (then `$2`, `$3`, …); .proto names cannot contain
 * `$`, so suffixed names never clash with real ones.
 */
import * as path from 'node:path';

/** What generated modules import from the runtime ('wiregrpc/core'). */
export const RUNTIME_NAMES = [
  'defineService',
  'MessageSchema',
  'EnumSchema',
  'FieldSchema',
  'TypedServiceDefinition',
  'TypedMethod',
  'Client',
  'ClientOf',
  'ImplementationOf',
] as const;

const RESERVED = new Set<string>([
  // JavaScript reserved words and literals
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'import',
  'in',
  'instanceof',
  'new',
  'null',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'let',
  'static',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
  'await',
  'arguments',
  'eval',
  // TypeScript type keywords (not allowed as type names)
  'any',
  'unknown',
  'never',
  'object',
  'string',
  'number',
  'boolean',
  'bigint',
  'symbol',
  'undefined',
  'type',
  // globals the generated code refers to
  'Record',
  'Uint8Array',
  ...RUNTIME_NAMES,
]);

/** Hands out unique identifiers within one module. */
export class NameScope {
  readonly #taken = new Set<string>(RESERVED);

  /** `wanted`, or `wanted$`, `wanted$2`, … if taken; the result is taken from now on. */
  claim(wanted: string): string {
    let name = wanted;
    for (let n = 1; this.#taken.has(name); n++) name = n === 1 ? `${wanted}$` : `${wanted}$${n}`;
    this.#taken.add(name);
    return name;
  }
}

/** `loader.test.Kitchen.Mood` in package `loader.test` → `Kitchen_Mood`. */
export function localTypeName(fullName: string, pkg: string): string {
  const inside = pkg !== '' && fullName.startsWith(pkg + '.') ? fullName.slice(pkg.length + 1) : fullName;
  return inside.split('.').join('_');
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** A single-quoted TypeScript string literal. */
export function str(text: string): string {
  return `'${text.replace(/[\\'\n\r\u2028\u2029]/g, (c) => ESCAPES[c] ?? c)}'`;
}

/** A property key: bare when it is an identifier, quoted otherwise; `__proto__` computed, so it stays an own key. */
export function propertyKey(name: string): string {
  if (name === '__proto__') return `[${str(name)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : str(name);
}

/** `google/protobuf/timestamp.proto` → `google/protobuf/timestamp` (the module path, without extension). */
export function modulePathOf(protoPath: string): string {
  return protoPath.replace(/\.proto$/, '');
}

/** The import specifier of module `to` as seen from module `from` (both module paths, posix). */
export function importSpecifier(from: string, to: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), to);
  return (rel.startsWith('.') ? rel : `./${rel}`) + '.js';
}

/**
 * Where a module imports the runtime from: a package name (`wiregrpc`) as is;
 * a relative path (`../../src/service/index.js`) is taken relative to the
 * output directory and rewritten for each module's own directory.
 */
export function runtimeSpecifier(from: string, runtime: string): string {
  if (!runtime.startsWith('.')) return runtime;
  const dir = path.posix.dirname(from);
  const up = dir === '.' ? '' : '../'.repeat(dir.split('/').length);
  const rel = path.posix.normalize(up + runtime);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Text for a `/** … *\/` comment block, each line prefixed by `indent`; empty when there is no comment. */
export function docComment(comment: string | null | undefined, indent: string): string {
  if (comment === null || comment === undefined || comment.trim() === '') return '';
  const lines = comment
    .replace(/\*\//g, '*\u2215')
    .trimEnd()
    .split('\n')
    .map((line) => line.trimEnd());
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`)).join('\n')}\n${indent} */\n`;
}
