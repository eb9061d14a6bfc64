/**
 * References from one generated module to names elsewhere: declarations of
 * the same module by their own names, those of other modules through
 * imports (`import { type Timestamp, TimestampSchema } from
 * './google/protobuf/timestamp.js'`), and the runtime's names.
 */
import type { Model, ModuleModel } from './model.js';
import { importSpecifier, runtimeSpecifier, str, type RUNTIME_NAMES } from './names.js';

type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** Runtime names used only as types (imported with `type`, so type stripping drops them). */
const RUNTIME_TYPES: ReadonlySet<RuntimeName> = new Set<RuntimeName>([
  'MessageSchema',
  'EnumSchema',
  'FieldSchema',
  'TypedServiceDefinition',
  'TypedMethod',
  'Client',
  'ClientOf',
  'ImplementationOf',
]);

interface Imported {
  /** The name in the other module. */
  readonly name: string;
  /** The name here (the same unless it clashed). */
  readonly alias: string;
  readonly typeOnly: boolean;
}

export class Imports {
  readonly #model: Model;
  readonly #module: ModuleModel;
  readonly #runtime: string;
  readonly #runtimeUsed = new Set<RuntimeName>();
  /** By module path, then by the name in that module. */
  readonly #fromModules = new Map<string, Map<string, Imported>>();

  constructor(model: Model, module: ModuleModel, runtime: string) {
    this.#model = model;
    this.#module = module;
    this.#runtime = runtime;
  }

  /** A runtime name, recorded for the import line. */
  rt(name: RuntimeName): string {
    this.#runtimeUsed.add(name);
    return name;
  }

  /** The TypeScript type of a message's or enum's values. */
  type(typeName: string): string {
    return this.#ref(typeName, 'type');
  }

  /** The MessageSchema / EnumSchema constant of a message or enum. */
  schema(typeName: string): string {
    return this.#ref(typeName, 'schema');
  }

  #ref(typeName: string, what: 'type' | 'schema'): string {
    const symbol = this.#model.symbols.get(typeName);
    if (symbol === undefined)
      throw new Error(`${this.#module.protoPath}: ${typeName} is not declared in any loaded file`);
    const name = what === 'type' ? symbol.decl.tsName : symbol.decl.schemaName;
    if (symbol.module === this.#module) return name;
    let names = this.#fromModules.get(symbol.module.modulePath);
    if (names === undefined) {
      names = new Map();
      this.#fromModules.set(symbol.module.modulePath, names);
    }
    let imported = names.get(name);
    if (imported === undefined) {
      // An enum's type shares its name with its value object: import it as a value.
      const typeOnly = what === 'type' && symbol.decl.kind === 'message';
      imported = { name, alias: this.#module.scope.claim(name), typeOnly };
      names.set(name, imported);
    }
    return imported.alias;
  }

  /** The import statements, runtime first, then other modules in path order, names sorted. */
  render(): string {
    const lines: string[] = [];
    if (this.#runtimeUsed.size > 0) {
      const names = [...this.#runtimeUsed].sort().map((name) => (RUNTIME_TYPES.has(name) ? `type ${name}` : name));
      lines.push(
        `import { ${names.join(', ')} } from ${str(runtimeSpecifier(this.#module.modulePath, this.#runtime))};`,
      );
    }
    for (const modulePath of [...this.#fromModules.keys()].sort()) {
      const names = [...this.#fromModules.get(modulePath)!.values()]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map(
          ({ name, alias, typeOnly }) => `${typeOnly ? 'type ' : ''}${name === alias ? name : `${name} as ${alias}`}`,
        );
      lines.push(`import { ${names.join(', ')} } from ${str(importSpecifier(this.#module.modulePath, modulePath))};`);
    }
    return lines.join('\n');
  }
}
