/**
 * wiregrpc's public API: load .proto files, serve them, call them.
 *
 *   const protos = loadProtoSync('proto/userinfo.proto');
 *   const UserInfo = protos.service('proto.UserInfo');
 *   const server = new Server();
 *   server.add(UserInfo, { getUserInfo: async ({ name }) => ({ id: 1, name }) });
 *   await server.listen('127.0.0.1:50051');
 *   const client = createClient(UserInfo, 'localhost:50051');
 *   await client.getUserInfo({ name: 'foo' });
 */
import { registerWiregrpcTransport } from '../http2/h2-client-connect.js';

registerWiregrpcTransport(); // transport 'wiregrpc' is there (wiregrpc/core leaves it out: smaller client bundles)

export * from './core.js';
export { loadProto, loadProtoSync, ProtoSet, ProtoFileError, type LoadOptions } from './load.js';
