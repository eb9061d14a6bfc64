// README "Serving from a fetch handler (Workers, Deno, Bun)", verbatim (test/package/readme-snippets.test.ts holds
// README to it).
// ```ts
import { createFetchHandler, GrpcError, Code } from 'wiregrpc/fetch';
import { UserInfo } from './gen/userinfo.js'; // wiregrpc gen proto/userinfo.proto --out gen --runtime-import wiregrpc/fetch

const grpc = createFetchHandler({ cors: { origins: ['https://app.example'] } }).add(UserInfo, {
  async getUserInfo({ name }, ctx) {
    // the same handlers, ctx and interceptors as on the Server
    if (name !== 'foo') throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${name}`);
    ctx.setTrailer({ 'x-served-by': 'a fetch handler' });
    return { id: 1, name, age: 12, hobby: ['eating', 'sleep'] };
  },
});

export default { fetch: grpc.fetch }; // a Worker; or Deno.serve(grpc.fetch), Bun.serve({ fetch: grpc.fetch })
// ```

// The handler is typed as on the Server: a misspelt response field does not compile, nor does a request field
// the message lacks, nor a method the service does not have.
createFetchHandler().add(UserInfo, {
  // @ts-expect-error -- `nmae` is no field of UserResponse
  async getUserInfo() {
    return { id: 1, nmae: 'x', age: 1, hobby: [] };
  },
});
createFetchHandler().add(UserInfo, {
  async getUserInfo(request) {
    // @ts-expect-error -- UserRequest has `name` only
    return { id: request.id, name: '', age: 1, hobby: [] };
  },
});
// @ts-expect-error -- UserInfo has no method listUsers
createFetchHandler().add(UserInfo, { async listUsers() {} });
