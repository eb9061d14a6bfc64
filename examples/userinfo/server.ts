/**
 * The userinfo server: `npm start` (or `node dist/examples/userinfo/server.js`).
 *
 * Knows one user, "foo". Any other name fails with status UNKNOWN and the
 * message "unknown user: name = <name>", the same answer the Python and Go
 * servers in test/peers give.
 *
 *   PORT=50051     port to listen on (0 lets the OS choose)
 *   HOST=::        address to listen on; "::" also accepts IPv4 on dual-stack hosts
 *   GRACE_MS=10000 on SIGTERM/SIGINT, how long calls in flight get before they are cut
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
const graceMs = Number(process.env.GRACE_MS ?? 10_000);
const address = await server.listen({ host, port });
console.log(`listening on ${host.includes(':') ? `[${host}]` : host}:${address.port}`);

// Ctrl-C or a service manager's SIGTERM: stop taking calls, give the running ones GRACE_MS to finish,
// close every connection (HTTP/2 and HTTP/1.1, finished or not), exit. A second signal: at once.
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) {
    server.forceShutdown();
    process.exit(1);
  }
  stopping = true;
  console.log(`${signal}: shutting down (calls in flight get ${graceMs} ms)`);
  void server.shutdown({ graceMs }).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
