/**
 * The userinfo server again, typed by generated code: `node dist/examples/userinfo/typed-server.js`.
 *
 * gen/userinfo.ts comes from `wiregrpc gen proto/userinfo.proto --out examples/userinfo/gen`
 * (with `--runtime-import ../../../src/service/core.js`, since this example
 * lives inside the wiregrpc repository; your code imports 'wiregrpc'). It holds
 * the message types, their schemas as plain data and the service definition,
 * so this program needs neither the .proto nor protobufjs at run time, and the
 * compiler checks the handler: its request is a UserRequest, and what it
 * returns must fit UserResponse.
 *
 *   PORT=50051   port to listen on (0 lets the OS choose)
 *   HOST=::      address to listen on
 */
import { Code, GrpcError, Server } from '../../src/service/core.js';
import { UserInfo, type UserResponse } from './gen/userinfo.js';

// A Map, not an object literal: a client asking for "constructor" must not find Object.
const users = new Map<string, UserResponse>([['foo', { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] }]]);

const server = new Server();
// Written inline, the implementation is checked exactly: a response field UserResponse lacks does not compile.
server.add(UserInfo, {
  async getUserInfo({ name }) {
    const user = users.get(name);
    if (!user) throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${name}`);
    return user;
  },
});

const host = process.env.HOST ?? '::';
const port = Number(process.env.PORT ?? 50051);
const address = await server.listen({ host, port });
console.log(`listening on ${host.includes(':') ? `[${host}]` : host}:${'port' in address ? address.port : port}`);

const stop = async () => {
  await server.shutdown();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
