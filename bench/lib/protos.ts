/** protobufjs types for the raw (no gRPC library) peers and the probes: encode/decode per call, as an app would. */
import protobuf from 'protobufjs';
import { BENCH_PROTO, USERINFO_PROTO } from './paths.js';

export interface Encoding {
  UserRequest: protobuf.Type;
  UserResponse: protobuf.Type;
  DownloadRequest: protobuf.Type;
  Chunk: protobuf.Type;
  UploadSummary: protobuf.Type;
}

let cached: Encoding | undefined;

export function encoding(): Encoding {
  if (cached) return cached;
  const root = protobuf.loadSync([USERINFO_PROTO, BENCH_PROTO]);
  cached = {
    UserRequest: root.lookupType('proto.UserRequest'),
    UserResponse: root.lookupType('proto.UserResponse'),
    DownloadRequest: root.lookupType('bench.DownloadRequest'),
    Chunk: root.lookupType('bench.Chunk'),
    UploadSummary: root.lookupType('bench.UploadSummary'),
  };
  return cached;
}
