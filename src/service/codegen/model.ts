/**
 * What gets generated, and where: the loaded .proto files as a list of output
 * modules, each with its messages, enums and services.
 *
 * Every file that declares something becomes one module (its imports too, so
 * that modules can import each other as the .proto files do). A module's path
 * is its .proto path relative to the include directory it lies under (as
 * protoc names files), or else to the directory of a file named on the command
 * line: `userinfo.proto` →
 * `userinfo.ts`, `google/protobuf/timestamp.proto` →
 * `google/protobuf/timestamp.ts`. The well-known types are generated like any
 * other import.
 *
 * Schemas come from the ProtoSet (the loader's own schema-from-reflection), so
 * generated schema data is by construction what loading the .proto gives;
 * protobufjs reflection supplies only the layout: files, nesting, comments.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import type { EnumSchema, MessageSchema } from '../../wire/proto/schema.js';
import type { ServiceDefinition } from '../definition.js';
import type { ProtoSet } from '../load.js';
import { typeNameOf } from '../schema-from-reflection.js';
import { localTypeName, modulePathOf, NameScope } from './names.js';

export interface MessageDecl {
  readonly kind: 'message';
  readonly typeName: string;
  /** The interface (or type alias) of its values. */
  readonly tsName: string;
  /** The MessageSchema constant. */
  readonly schemaName: string;
  readonly schema: MessageSchema;
  readonly comment: string | null;
  /** Comments of fields, by the field's name as in the .proto. */
  readonly fieldComments: ReadonlyMap<string, string>;
}

export interface EnumDecl {
  readonly kind: 'enum';
  readonly typeName: string;
  /** The `const` object of its values, and the type of the same name. */
  readonly tsName: string;
  readonly schemaName: string;
  readonly schema: EnumSchema;
  readonly comment: string | null;
  readonly valueComments: Readonly<Record<string, string | null>>;
}

export interface ServiceDecl {
  readonly kind: 'service';
  readonly typeName: string;
  readonly tsName: string;
  readonly clientName: string;
  readonly implementationName: string;
  readonly definition: ServiceDefinition;
  readonly comment: string | null;
  readonly methodComments: ReadonlyMap<string, string>;
}

export type Decl = MessageDecl | EnumDecl | ServiceDecl;

export interface ModuleModel {
  /** As imported: `google/protobuf/timestamp.proto`. */
  readonly protoPath: string;
  /** Output path without extension: `google/protobuf/timestamp`. */
  readonly modulePath: string;
  readonly decls: Decl[];
  /** Names taken in this module (imports claim theirs later). */
  readonly scope: NameScope;
}

export interface Model {
  /** In module-path order. */
  readonly modules: readonly ModuleModel[];
  /** Every message and enum by full name, with the module that declares it. */
  readonly symbols: ReadonlyMap<string, { readonly decl: MessageDecl | EnumDecl; readonly module: ModuleModel }>;
}

export interface ModelOptions {
  /** Directories .proto paths are relative to, like protoc's `-I`. */
  readonly includeDirs: readonly string[];
  /** The directories of the files named, for files under no include dir. */
  readonly fileDirs: readonly string[];
}

const PROTOBUFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));

export function buildModel(set: ProtoSet, options: ModelOptions): Model {
  // Include dirs first, as protoc names files; then the named files' own directories.
  const tiers = [options.includeDirs, options.fileDirs, [PROTOBUFJS_DIR]].map((dirs) =>
    dirs.map((dir) => path.resolve(dir)),
  );
  const builtins = builtinFiles();
  const modules = new Map<string, ModuleModel>();
  const symbols = new Map<string, { decl: MessageDecl | EnumDecl; module: ModuleModel }>();

  const moduleOf = (object: protobuf.ReflectionObject): ModuleModel => {
    const file = object.filename ?? builtins.get(typeNameOf(object));
    if (file === undefined || file === null) throw new Error(`cannot tell which file declares ${typeNameOf(object)}`);
    const protoPath = path.isAbsolute(file) ? relativeProtoPath(file, tiers) : file;
    let module = modules.get(protoPath);
    if (module === undefined) {
      module = { protoPath, modulePath: modulePathOf(protoPath), decls: [], scope: new NameScope() };
      modules.set(protoPath, module);
    }
    return module;
  };

  const visit = (ns: protobuf.NamespaceBase, pkg: string): void => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Type || child instanceof protobuf.Enum || child instanceof protobuf.Service) {
        const module = moduleOf(child);
        const decl = declare(set, child, pkg, module.scope);
        module.decls.push(decl);
        if (decl.kind !== 'service') symbols.set(decl.typeName, { decl, module });
      }
      // Packages extend the package name; a message's nested types keep it.
      if (child instanceof protobuf.Type) visit(child, pkg);
      else if (child instanceof protobuf.Namespace && !(child instanceof protobuf.Service)) {
        visit(child, pkg === '' ? child.name : `${pkg}.${child.name}`);
      }
    }
  };
  visit(set.root, '');

  const sorted = [...modules.values()].sort((a, b) =>
    a.modulePath < b.modulePath ? -1 : a.modulePath > b.modulePath ? 1 : 0,
  );
  return { modules: sorted, symbols };
}

function declare(
  set: ProtoSet,
  object: protobuf.Type | protobuf.Enum | protobuf.Service,
  pkg: string,
  scope: NameScope,
): Decl {
  const typeName = typeNameOf(object);
  const base = localTypeName(typeName, pkg);
  const comment = object.comment ?? null;
  if (object instanceof protobuf.Type) {
    const fieldComments = new Map<string, string>();
    for (const field of object.fieldsArray) if (field.comment) fieldComments.set(field.name, field.comment);
    return {
      kind: 'message',
      typeName,
      tsName: scope.claim(base),
      schemaName: scope.claim(`${base}Schema`),
      schema: set.message(typeName),
      comment,
      fieldComments,
    };
  }
  if (object instanceof protobuf.Enum) {
    return {
      kind: 'enum',
      typeName,
      tsName: scope.claim(base),
      schemaName: scope.claim(`${base}Schema`),
      schema: set.enum(typeName),
      comment,
      valueComments: object.comments ?? {},
    };
  }
  const methodComments = new Map<string, string>();
  for (const method of object.methodsArray) if (method.comment) methodComments.set(method.name, method.comment);
  return {
    kind: 'service',
    typeName,
    tsName: scope.claim(base),
    clientName: scope.claim(`${base}Client`),
    implementationName: scope.claim(`${base}Implementation`),
    definition: set.service(typeName),
    comment,
    methodComments,
  };
}

/** A file's path relative to the first tier of roots that holds it (the nearest root within a tier). */
function relativeProtoPath(file: string, tiers: readonly (readonly string[])[]): string {
  for (const roots of tiers) {
    let best: string | undefined;
    for (const root of roots) {
      const rel = path.relative(root, file);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
      if (best === undefined || rel.length < best.length) best = rel;
    }
    if (best !== undefined) return best.split(path.sep).join('/');
  }
  throw new Error(`${file} lies outside every include directory: add its root with -I`);
}

/**
 * protobufjs answers some well-known imports (timestamp, struct, …) from
 * definitions bundled in its code, whose reflection objects carry no file
 * name. Which file each of those types belongs to, by full name.
 */
function builtinFiles(): Map<string, string> {
  const out = new Map<string, string>();
  const common = protobuf.common as unknown as Record<string, protobuf.INamespace | undefined>;
  for (const file of Object.keys(common)) {
    const json = common[file];
    if (!file.endsWith('.proto') || json === undefined) continue;
    const walk = (ns: protobuf.INamespace, prefix: string): void => {
      for (const [name, child] of Object.entries(ns.nested ?? {})) {
        const full = prefix === '' ? name : `${prefix}.${name}`;
        if ('fields' in child || 'values' in child || 'methods' in child) out.set(full, file);
        walk(child as protobuf.INamespace, full);
      }
    };
    walk(json, '');
  }
  return out;
}
