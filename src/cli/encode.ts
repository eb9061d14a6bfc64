/**
 * `wiregrpc encode --proto FILE [-I DIR] --type pkg.Message [JSON]`
 *
 * proto3 JSON in, the message's protobuf bytes out as hex: what would travel
 * inside a gRPC frame (without the 5-byte prefix).
 */
import { fromJsonString } from '../wire/proto/json.js';
import { codecFor } from '../wire/proto/codec.js';
import { PROTO_FLAGS, eachInput, loadFromArgs, type Verb } from './verb.js';
import { toHex } from './io.js';

export const verb: Verb = {
  usage: 'encode --proto FILE [-I DIR] --type pkg.Message [JSON]',
  description:
    'Encodes a message given in proto3 JSON and prints its protobuf bytes as hex.\n' +
    'With no JSON argument (or "-"), reads one JSON message a line from stdin and\n' +
    'prints one hex line each; blank lines are skipped. A bad line is reported on\n' +
    'stderr as "line N: ..." and the others are still encoded; the exit code is 1\n' +
    'if any line failed.',
  flags: {
    ...PROTO_FLAGS,
    type: { short: 't', value: 'NAME', help: 'full name of the message type, e.g. proto.UserResponse' },
  },
  async run(args, io) {
    const schema = loadFromArgs(args).message(args.require('type'));
    const codec = codecFor(schema);
    return eachInput(
      args,
      io,
      (text) => toHex(codec.encode(fromJsonString(schema, text))),
      { skipBlank: true },
    );
  },
};
