/** wiregrpc server implementing the bench services. Usage: node wiregrpc-server.js */
import { BENCH_PROTO, USERINFO_PROTO } from '../lib/paths.js';
import { announce, userResponse } from '../lib/fixtures.js';
// By package name, as a user's server imports it (the shipped bundle, not src/).
import { Server, loadProtoSync } from 'wiregrpc';

interface Chunk {
  data: Uint8Array;
}

const protos = loadProtoSync([USERINFO_PROTO, BENCH_PROTO]);
const server = new Server();
server.add(protos.service('proto.UserInfo'), {
  async getUserInfo(req: { name: string }) {
    return userResponse(req.name);
  },
});
server.add(protos.service('bench.Stream'), {
  async *download(req: { count: number; size: number }) {
    const chunk: Chunk = { data: new Uint8Array(req.size).fill(0x61) };
    for (let i = 0; i < req.count; i++) yield chunk;
  },
  async upload(requests: AsyncIterable<Chunk>) {
    let count = 0;
    let bytes = 0;
    for await (const c of requests) {
      count++;
      bytes += c.data.length;
    }
    return { count, bytes };
  },
  async *pingPong(requests: AsyncIterable<Chunk>) {
    for await (const c of requests) yield c;
  },
});
const addr = await server.listen('127.0.0.1:0');
announce('READY', { port: 'port' in addr ? addr.port : 0, pid: process.pid });
process.on('SIGTERM', () => process.exit(0));
