/**
 * The interop protos loaded for @grpc/grpc-js with @grpc/proto-loader. The
 * peers load the official protos (Debian's grpc-proto, /usr/share/grpc-proto)
 * when present, so that they are an independent check of ours; `--proto_dir`
 * chooses another folder (ours: proto/).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../certs.js';

export const OFFICIAL_PROTO_DIR = '/usr/share/grpc-proto';

export function defaultProtoDir(): string {
  return existsSync(join(OFFICIAL_PROTO_DIR, 'grpc/testing/test.proto'))
    ? OFFICIAL_PROTO_DIR
    : join(repoRoot(), 'proto');
}

export interface TestingPackage {
  TestService: grpc.ServiceClientConstructor;
  UnimplementedService: grpc.ServiceClientConstructor;
}

export function loadTesting(protoDir = defaultProtoDir()): TestingPackage {
  const definition = protoLoader.loadSync('grpc/testing/test.proto', {
    includeDirs: [protoDir],
    keepCase: true,
    longs: String,
    enums: Number,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { grpc: { testing: TestingPackage } };
  return loaded.grpc.testing;
}
