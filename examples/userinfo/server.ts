/**
 * The userinfo server: `npm start` (or `node dist/examples/userinfo/server.js`).
 *
 * Knows one user, "foo". Any other name fails with status UNKNOWN and the
 * message "unknown user: name = <name>", the same answer the Python and Go
 * servers in test/peers give.
 *
 *   PORT=50051   port to listen on (0 lets the OS choose)
 *   HOST=::      address to listen on; "::" also accepts IPv4 on dual-stack hosts
 */
import { Code, GrpcError, Server } from '../../src/service/index.js';
import { addHealth, Health } from '../../src/service/health.js';
import { addReflection } from '../../src/service/reflection.js';
import { UserInfo, type UserRequest, type UserResponse } from './userinfo.js';

// A Map, not an object literal: a client asking for "constructor" must not find Object.
const users = new Map<string, UserResponse>([['foo', { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] }]]);

const server = new Server();
server.add(UserInfo, {
  async GetUserInfo(request: UserRequest): Promise<UserResponse> {
    const user = users.get(request.name);
    if (!user) throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${request.name}`);
    return user;
  },
});

addHealth(server, { 'proto.UserInfo': 'SERVING' }); // grpc.health.v1.Health; shutdown flips all to NOT_SERVING
addReflection(server, [UserInfo, Health]); // grpcurl -plaintext localhost:50051 list

const host = process.env.HOST ?? '::';
const port = Number(process.env.PORT ?? 50051);
const address = await server.listen({ host, port });
console.log(`listening on ${host.includes(':') ? `[${host}]` : host}:${'port' in address ? address.port : port}`);

// Ctrl-C or a service manager's SIGTERM: stop taking calls, let the running ones finish, exit.
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return server.forceShutdown(); // a second signal: don't wait
  stopping = true;
  console.log(`${signal}: shutting down`);
  await server.shutdown();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
