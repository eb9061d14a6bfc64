/**
 * `wiregrpc encode --proto FILE [-I DIR] --type pkg.Message [JSON]`
 *
 * proto3 JSON in, the message's protobuf bytes out as hex: what would travel
 * inside a gRPC frame (without the 5-byte prefix).
 */
import { codecFor } from '../wire/proto/codec.js';
import { PROTO_FLAGS, eachInput, loadFromArgs, type Verb } from './verb.js';
import { toHex } from './io.js';
import { FORMAT_FLAG, formatFromArgs, parser } from './format.js';

export const verb: Verb = {
  usage: 'encode --proto FILE [-I DIR] --type pkg.Message [--format text] [JSON]',
  description:
    'Encodes a message given in proto3 JSON (--format text: protobuf text format)\n' +
    'and prints its protobuf bytes as hex.\n' +
    'With no JSON argument (or "-"), reads one JSON message a line from stdin and\n' +
    'prints one hex line each; blank lines are skipped. A bad line is reported on\n' +
    'stderr as "line N: ..." and the others are still encoded; the exit code is 1\n' +
    'if any line failed.',
  flags: {
    ...PROTO_FLAGS,
    type: { short: 't', value: 'NAME', help: 'full name of the message type, e.g. proto.UserResponse' },
    ...FORMAT_FLAG,
  },
  async run(args, io) {
    const protos = loadFromArgs(args);
    const schema = protos.message(args.require('type'));
    const codec = codecFor(schema);
    const read = parser(formatFromArgs(args), schema, protos);
    return eachInput(args, io, (text) => toHex(codec.encode(read(text) as Record<string, unknown>)), {
      skipBlank: true,
    });
  },
};
