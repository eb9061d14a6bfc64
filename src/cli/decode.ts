/**
 * `wiregrpc decode --proto FILE [-I DIR] --type pkg.Message [HEX]`
 *
 * The reverse of encode: protobuf bytes as hex in, canonical proto3 JSON out.
 */
import { codecFor } from '../wire/proto/codec.js';
import { PROTO_FLAGS, eachInput, loadFromArgs, type Verb } from './verb.js';
import { fromHex } from './io.js';
import { FORMAT_FLAG, formatFromArgs, printer } from './format.js';

export const verb: Verb = {
  usage: 'decode --proto FILE [-I DIR] --type pkg.Message [--format text] [HEX]  |  decode --raw [--frames] [HEX]',
  description:
    'Decodes protobuf bytes given as hex (whitespace between digits allowed) and\n' +
    'prints the message as canonical proto3 JSON (--format text: protobuf text format),\n' +
    'one line per message.\n' +
    'With no HEX argument (or "-"), reads one message a line from stdin; an empty\n' +
    'line is the empty message. A bad line is reported on stderr as "line N: ..."\n' +
    'and the others are still decoded; the exit code is 1 if any line failed.\n' +
    'With --raw, no schema is needed: every byte is explained (offset, field number,\n' +
    'wire type, value); --frames reads a gRPC stream of length-prefixed messages.',
  flags: {
    ...PROTO_FLAGS,
    type: { short: 't', value: 'NAME', help: 'full name of the message type, e.g. proto.UserResponse' },
    raw: { help: 'no schema: an annotated dump of every byte (see src/wire/proto/dump.ts)' },
    ...FORMAT_FLAG,
    frames: { help: 'with --raw: the input is gRPC frames ([flag][length:4][message]...)' },
  },
  async run(args, io) {
    if (args.has('raw')) return (await import('./raw.js')).runRaw(args, io);
    const protos = loadFromArgs(args);
    const schema = protos.message(args.require('type'));
    const codec = codecFor(schema);
    const show = printer(formatFromArgs(args), schema, protos);
    return eachInput(
      args,
      io,
      (text) => {
        const bytes = fromHex(text);
        return show(codec.decode(bytes));
      },
      { skipBlank: false },
    );
  },
};
