/**
 * `wiregrpc list TARGET [SERVICE]`: what a server serves, through reflection.
 * Without SERVICE, the services' full names, one a line; with one, its
 * methods with their call shapes and message types:
 *
 *   $ wiregrpc list localhost:50051 proto.UserInfo
 *   rpc GetUserInfo (proto.UserRequest) returns (proto.UserResponse);  // unary
 *
 * With --proto, lists what the files define instead (TARGET may be left out).
 */
import protobuf from 'protobufjs';
import { callShape } from '../service/define.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { CONNECT_FLAGS, deadlineFromArgs, openChannel, reportError } from './connect.js';
import { UsageError } from './args.js';
import { lookup, rpcLine, targetAnd, withProtos } from './describe.js';
import { LineWriter } from './io.js';
import { PROTO_FLAGS, loadFromArgs, type Verb } from './verb.js';
import { enableTracing } from '../http2/trace.js';

export const verb: Verb = {
  usage: 'list TARGET [SERVICE]  |  list --proto FILE [-I DIR] [SERVICE]',
  description:
    "Lists a server's services (through reflection), or the methods of one: each as an\n" +
    'rpc line with its request and response types and its call shape.\n' +
    'With --proto, lists what the files define instead; TARGET may then be left out.\n' +
    'Exit status: the gRPC status code of a failed reflection call (12 UNIMPLEMENTED for\n' +
    'a server without reflection, 14 UNAVAILABLE, ...).',
  flags: { ...PROTO_FLAGS, ...CONNECT_FLAGS },
  async run(args, io) {
    const [target, service] = targetAnd(args, 'SERVICE', true);
    const out = new LineWriter(io.stdout);
    if (service !== '') {
      return withProtos(args, io, target, [service], async (protos) => {
        const object = lookup(protos.root, service.replace(/^\./, ''));
        if (!(object instanceof protobuf.Service)) throw new GrpcError(Code.NOT_FOUND, `${service} is not a service`);
        for (const method of object.methodsArray) {
          await out.line(
            `${rpcLine(method)}  // ${callShape(method.requestStream === true, method.responseStream === true)}`,
          );
        }
        return 0;
      });
    }
    if (target === undefined) {
      for (const name of loadFromArgs(args).names('service')) await out.line(name);
      return 0;
    }
    if (args.has('trace')) enableTracing();
    const channel = openChannel(target, args);
    const deadline = deadlineFromArgs(args);
    const { ReflectionClient } = await import('../service/reflection-client.js');
    const reflection = new ReflectionClient(channel, deadline !== undefined ? { deadline } : {});
    try {
      for (const name of await reflection.listServices()) await out.line(name);
      return 0;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      return reportError(io, err, target);
    } finally {
      await channel.close();
    }
  },
};
