// README "The API", first block, verbatim (test/package/readme-snippets.test.ts holds README to it).
// ```ts
import { Server, createClient, GrpcError, Code } from 'wiregrpc';
import { UserInfo } from './gen/userinfo.js'; // wiregrpc gen proto/userinfo.proto --out gen

const server = new Server();
server.add(UserInfo, {
  async getUserInfo({ name }, ctx) {
    // name: string; ctx: metadata, deadline, signal, sendHeader, trailers
    if (name !== 'foo') throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${name}`);
    ctx.trailers.set('x-served-by', 'wiregrpc');
    return { id: 1, name, age: 12, hobby: ['eating', 'sleep'] }; // a field UserResponse lacks does not compile
  },
});
await server.listen('[::]:50051'); // also 'unix:/path', { host, port }, TLS/mTLS options

const client = createClient(UserInfo, 'localhost:50051'); // dns:///, unix:, ipv4:a,b lists
const user = await client.getUserInfo({ name: 'foo' }, { timeout: 1000, metadata: { 'x-trace': '1' } });
console.log(user.hobby.join(', ')); // user: UserResponse
await client.close();
await server.shutdown();
// ```
