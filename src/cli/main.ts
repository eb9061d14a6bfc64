#!/usr/bin/env node
/**
 * `wiregrpc <verb> [options]` — the command-line entry point.
 *
 * Verbs live in their own files and are listed in VERBS below, one line each;
 * a verb's module is imported only when it runs, so `wiregrpc encode` never
 * loads the HTTP/2 client that `wiregrpc call` needs.
 *
 * Exit codes: 0 success; 1 the work failed (an input that does not convert,
 * an unknown type); 2 the command line or what it names was wrong (a flag, a
 * .proto file with a mistake, the request of `call`). `call` exits with the
 * gRPC status code of a call that was made.
 */
import { InputError, UsageError, formatFlags, parseArgs } from './args.js';
import type { Io } from './io.js';
import { errorText, type Verb } from './verb.js';

interface VerbEntry {
  readonly summary: string;
  readonly load: () => Promise<{ verb: Verb }>;
}

const VERBS: Readonly<Record<string, VerbEntry>> = {
  encode: { summary: 'proto3 JSON → protobuf bytes (hex)', load: () => import('./encode.js') },
  decode: { summary: 'protobuf bytes (hex) → proto3 JSON', load: () => import('./decode.js') },
  call: {
    summary: 'call a method: JSON in, JSON out (--proto files or server reflection)',
    load: () => import('./call.js'),
  },
  list: { summary: "a server's services, or a service's methods (reflection)", load: () => import('./list.js') },
  describe: {
    summary: 'a service, method, message or enum in .proto syntax (reflection)',
    load: () => import('./describe.js'),
  },
  gen: {
    summary: 'typed TypeScript (interfaces, schemas, services) from .proto files',
    load: () => import('./gen.js'),
  },
};

const HELP_FLAG = { help: { short: 'h', help: 'show this help' } } as const;

function overview(): string {
  const width = Math.max(...Object.keys(VERBS).map((name) => name.length));
  const verbs = Object.entries(VERBS).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`);
  return [
    'wiregrpc — a pure-TypeScript gRPC toolkit',
    '',
    'Usage: wiregrpc <verb> [options]',
    '',
    'Verbs:',
    ...verbs,
    '',
    "Run 'wiregrpc <verb> --help' for a verb's options.",
    '',
  ].join('\n');
}

function verbHelp(verb: Verb): string {
  return `Usage: wiregrpc ${verb.usage}\n\n${verb.description}\n\nOptions:\n${formatFlags({ ...verb.flags, ...HELP_FLAG })}\n`;
}

async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    // Asked for: help on stdout, success. Not asked for (no verb): stderr, usage error.
    (name === undefined ? io.stderr : io.stdout).write(overview());
    return name === undefined ? 2 : 0;
  }
  const verbName = name === 'help' ? rest[0]! : name;
  const entry = Object.hasOwn(VERBS, verbName) ? VERBS[verbName] : undefined;
  if (entry === undefined) {
    io.stderr.write(`wiregrpc: unknown verb '${verbName}' (verbs: ${Object.keys(VERBS).join(', ')})\n`);
    return 2;
  }
  const { verb } = await entry.load();
  if (name === 'help') {
    io.stdout.write(verbHelp(verb));
    return 0;
  }
  try {
    const args = parseArgs(rest, { ...verb.flags, ...HELP_FLAG });
    if (args.has('help')) {
      io.stdout.write(verbHelp(verb));
      return 0;
    }
    return await verb.run(args, io);
  } catch (err) {
    io.stderr.write(`wiregrpc ${verbName}: ${errorText(err)}\n`);
    if (err instanceof UsageError) {
      if (!(err instanceof InputError)) io.stderr.write(`Run 'wiregrpc ${verbName} --help' for usage.\n`);
      return 2;
    }
    return 1;
  }
}

const io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
// `wiregrpc decode < big.hex | head`: a closed pipe means stop quietly, not a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    io.stderr.write(`wiregrpc: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
