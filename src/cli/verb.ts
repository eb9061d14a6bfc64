/**
 * What every verb shares: its shape (flags, usage, run), the flags that load
 * .proto files, and the loop that handles one input or one input a line.
 */
import { GrpcError } from '../wire/grpc/error.js';
import { ProtoFileError, loadProtoSync, type ProtoSet } from '../service/load.js';
import { InputError, UsageError, type Args, type FlagSpecs } from './args.js';
import { LineWriter, lines, type Io } from './io.js';

export interface Verb {
  /** After `wiregrpc `: `encode --proto FILE [-I DIR] --type NAME [JSON]`. */
  readonly usage: string;
  /** A paragraph on what the verb does, for `--help`. */
  readonly description: string;
  readonly flags: FlagSpecs;
  /** Resolves to the process exit code. */
  run(args: Args, io: Io): Promise<number>;
}

/** Flags of every verb that reads .proto files. */
export const PROTO_FLAGS: FlagSpecs = {
  proto: { value: 'FILE', repeat: true, help: '.proto file to load' },
  include: {
    short: 'I',
    aliases: ['proto_path', 'import-path'],
    value: 'DIR',
    repeat: true,
    help: 'directory searched for .proto files and their imports, like protoc -I',
  },
};

/** The --proto files, loaded; a file that cannot be found or has a mistake is an InputError (`file:line:col: …`). */
export function loadFromArgs(args: Args): ProtoSet {
  const files = args.all('proto');
  if (files.length === 0) throw new UsageError('missing --proto FILE');
  try {
    return loadProtoSync(files, { includeDirs: args.all('include') });
  } catch (err) {
    if (err instanceof ProtoFileError) throw new InputError(err.message);
    throw err;
  }
}

/** The text of an error for a person: GrpcError's text without the code prefix. */
export function errorText(err: unknown): string {
  if (err instanceof GrpcError) return err.rawMessage;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs `convert` on the single positional argument, or else on each line of
 * stdin (blank lines skipped when `skipBlank`), printing each result on its
 * own line. A failing input is reported on stderr as `line N: problem` and
 * the rest still run; the exit code is 1 if any input failed.
 */
export async function eachInput(
  args: Args,
  io: Io,
  convert: (text: string) => string,
  options: { skipBlank: boolean },
): Promise<number> {
  if (args.positionals.length > 1) {
    throw new UsageError(`expected at most one input argument, got ${args.positionals.length} (quote the JSON?)`);
  }
  const out = new LineWriter(io.stdout);
  const single = args.positionals[0];
  if (single !== undefined && single !== '-') {
    try {
      await out.line(convert(single));
      return 0;
    } catch (err) {
      io.stderr.write(`${errorText(err)}\n`);
      return 1;
    }
  }
  let failed = 0;
  for await (const [no, text] of lines(io.stdin)) {
    if (options.skipBlank && text.trim() === '') continue;
    let result: string;
    try {
      result = convert(text);
    } catch (err) {
      failed++;
      io.stderr.write(`line ${no}: ${errorText(err)}\n`);
      continue;
    }
    await out.line(result);
  }
  return failed === 0 ? 0 : 1;
}
