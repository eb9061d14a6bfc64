/**
 * `wiregrpc decode --raw [--frames] [HEX]`: protobuf bytes explained without a
 * schema, like `protoc --decode_raw` but showing every byte (src/wire/proto/dump.ts).
 *
 * The input is hex (whitespace between digits allowed), from the argument or
 * else all of stdin. With `--frames` it is a gRPC message stream: each 5-byte
 * prefix is marked, then its message dumped. Exit status 1 when the bytes are
 * malformed (the table shows how far they parsed and where it broke).
 */
import { dumpMessage, formatDump } from '../wire/proto/dump.js';
import { dumpFrames } from '../wire/grpc/frame-dump.js';
import { UsageError, type Args } from './args.js';
import { fromHex, LineWriter, type Io } from './io.js';

export async function runRaw(args: Args, io: Io): Promise<number> {
  if (args.positionals.length > 1)
    throw new UsageError(`expected at most one HEX argument, got ${args.positionals.length}`);
  const single = args.positionals[0];
  const text = single !== undefined && single !== '-' ? single : await readAll(io);
  const bytes = fromHex(text);
  const rows = args.has('frames') ? dumpFrames(bytes) : dumpMessage(bytes);
  const out = new LineWriter(io.stdout);
  if (rows.length === 0) await out.line('(no bytes: the empty message, every field at its default)');
  else for (const line of formatDump(rows)) await out.line(line);
  const broken = rows.find((row) => row.type === 'ERROR');
  if (broken !== undefined) {
    io.stderr.write(`malformed input at byte ${broken.offset}: ${broken.value}\n`);
    return 1;
  }
  return 0;
}

async function readAll(io: Io): Promise<string> {
  let text = '';
  io.stdin.setEncoding('utf8');
  for await (const chunk of io.stdin) text += chunk as string;
  return text;
}
