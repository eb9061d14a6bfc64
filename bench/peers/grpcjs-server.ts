/** @grpc/grpc-js server (with @grpc/proto-loader) implementing the bench services. Usage: node grpcjs-server.js */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { BENCH_PROTO, USERINFO_PROTO } from '../lib/paths.js';
import { announce, userResponse } from '../lib/fixtures.js';

const def = protoLoader.loadSync([USERINFO_PROTO, BENCH_PROTO]);
const pkg = grpc.loadPackageDefinition(def) as any;

interface Chunk {
  data: Buffer;
}

const server = new grpc.Server();
server.addService(pkg.proto.UserInfo.service, {
  GetUserInfo(call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
    callback(null, userResponse(call.request.name));
  },
});
server.addService(pkg.bench.Stream.service, {
  Download(call: grpc.ServerWritableStream<{ count: number; size: number }, Chunk>) {
    // proto-loader's default options leave zero-valued fields undefined.
    const count = call.request.count ?? 0;
    const chunk = { data: Buffer.alloc(call.request.size ?? 0, 0x61) };
    let sent = 0;
    const pump = (): void => {
      while (sent < count) {
        sent++;
        if (!call.write(chunk)) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
    };
    pump();
  },
  Upload(call: grpc.ServerReadableStream<Chunk, unknown>, callback: grpc.sendUnaryData<unknown>) {
    let count = 0;
    let bytes = 0;
    call.on('data', (c: Chunk) => {
      count++;
      bytes += c.data.length;
    });
    call.on('end', () => callback(null, { count, bytes }));
  },
  PingPong(call: grpc.ServerDuplexStream<Chunk, Chunk>) {
    call.on('data', (c: Chunk) => call.write(c));
    call.on('end', () => call.end());
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  announce('READY', { port, pid: process.pid });
});
process.on('SIGTERM', () => process.exit(0));
