/**
 * Cold start, wiregrpc with its definitions written out (as `wiregrpc gen` or a hand-written schema gives them):
 * no .proto parsed at run time, so no protobufjs at all. Same call as cold-wiregrpc; the PROTO_PATH argument is
 * accepted and ignored. Usage: node cold-wiregrpc-gen.js PROTO_PATH HOST:PORT
 */
import { performance } from 'node:perf_hooks';
import { createClient, defineService, type MessageSchema } from 'wiregrpc/core';

const UserRequest: MessageSchema = {
  typeName: 'proto.UserRequest',
  fields: [{ kind: 'scalar', scalar: 'string', no: 1, name: 'name', localName: 'name', jsonName: 'name' }],
};
const UserResponse: MessageSchema = {
  typeName: 'proto.UserResponse',
  fields: [
    { kind: 'scalar', scalar: 'int32', no: 1, name: 'id', localName: 'id', jsonName: 'id' },
    { kind: 'scalar', scalar: 'string', no: 2, name: 'name', localName: 'name', jsonName: 'name' },
    { kind: 'scalar', scalar: 'int32', no: 3, name: 'age', localName: 'age', jsonName: 'age' },
    { kind: 'scalar', scalar: 'string', no: 4, name: 'hobby', localName: 'hobby', jsonName: 'hobby', repeated: true },
  ],
};
const UserInfo = defineService('proto.UserInfo', [
  { name: 'GetUserInfo', shape: 'unary', input: UserRequest, output: UserResponse },
]);

async function main(): Promise<void> {
  const target = process.argv[3]!;
  const client = createClient(UserInfo, target);
  const res = await client.getUserInfo({ name: 'foo' });
  // Start the close and exit, as the grpc-js and raw programs do (neither waits for its connection to close).
  void client.close();
  process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now(), name: res.name })}\n`);
  process.exit(0);
}
main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
