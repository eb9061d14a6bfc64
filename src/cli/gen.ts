/**
 * `wiregrpc gen FILE.proto... [-I DIR] --out DIR [--runtime-import SPEC]`
 *
 * Writes typed TypeScript for .proto files: one module per file (and per
 * imported file, well-known types included, under DIR/google/protobuf/),
 * each with message interfaces, enum objects, schemas as plain data and typed
 * service definitions. See src/service/codegen/generate.ts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadProtoSync } from '../service/load.js';
import { generate } from '../service/codegen/generate.js';
import { UsageError } from './args.js';
import { PROTO_FLAGS, type Verb } from './verb.js';

export const verb: Verb = {
  usage: 'gen FILE.proto... [-I DIR] --out DIR [--runtime-import SPEC]',
  description:
    'Generates TypeScript from .proto files: for each file (and each file it imports)\n' +
    'one module with an interface per message, a const object per enum, the schemas\n' +
    'as plain data, and typed service definitions for createClient and Server.add.\n' +
    'Module paths follow the .proto paths relative to their -I directory (else to\n' +
    'the directory of the file named): userinfo.proto → DIR/userinfo.ts,\n' +
    'google/protobuf/timestamp.proto → DIR/google/protobuf/timestamp.ts.\n' +
    "Generated code imports only the runtime ('wiregrpc/core', or --runtime-import: a\n" +
    'package name, or a path relative to DIR).\n' +
    'Prints the path of each file written.',
  flags: {
    include: PROTO_FLAGS.include!,
    out: { short: 'o', value: 'DIR', help: 'output directory (created if missing)' },
    'runtime-import': {
      value: 'SPEC',
      help: "module the generated code imports the runtime from (default: 'wiregrpc/core')",
    },
  },
  async run(args, io) {
    const files = args.positionals;
    if (files.length === 0) throw new UsageError('no .proto files given');
    const out = args.require('out');
    const includeDirs = args.all('include');
    const runtimeImport = args.get('runtime-import');
    const set = loadProtoSync(files, { includeDirs });
    const fileDirs = files.filter((file) => existsSync(file)).map((file) => path.dirname(path.resolve(file)));
    const generated = generate(set, {
      includeDirs,
      fileDirs,
      ...(runtimeImport !== undefined ? { runtimeImport } : {}),
    });
    for (const file of generated) {
      const target = path.join(out, ...file.path.split('/'));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.text);
      io.stdout.write(`${target}\n`);
    }
    return 0;
  },
};
