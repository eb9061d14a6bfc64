/**
 * Our interop protos (proto/grpc/testing/*.proto), loaded with wiregrpc's own
 * loader, and the shapes of the messages the cases use (wiregrpc's value
 * conventions: camelCase properties, bytes as Uint8Array, message fields
 * absent until set).
 */
import { join } from 'node:path';
import { loadProtoSync, type ServiceDefinition } from '../../src/service/index.js';
import { repoRoot } from './certs.js';

export interface Payload {
  type?: number;
  body?: Uint8Array;
}
export interface BoolValue {
  value?: boolean;
}
export interface EchoStatus {
  code?: number;
  message?: string;
}
export interface SimpleRequest {
  responseType?: number;
  responseSize?: number;
  payload?: Payload;
  fillUsername?: boolean;
  fillOauthScope?: boolean;
  responseCompressed?: BoolValue;
  responseStatus?: EchoStatus;
  expectCompressed?: BoolValue;
  fillServerId?: boolean;
  fillGrpclbRouteType?: boolean;
}
export interface SimpleResponse {
  payload?: Payload;
  username?: string;
  oauthScope?: string;
  serverId?: string;
  grpclbRouteType?: number;
  hostname?: string;
}
export interface StreamingInputCallRequest {
  payload?: Payload;
  expectCompressed?: BoolValue;
}
export interface StreamingInputCallResponse {
  aggregatedPayloadSize?: number;
}
export interface ResponseParameters {
  size?: number;
  intervalUs?: number;
  compressed?: BoolValue;
}
export interface StreamingOutputCallRequest {
  responseType?: number;
  responseParameters?: ResponseParameters[];
  payload?: Payload;
  responseStatus?: EchoStatus;
}
export interface StreamingOutputCallResponse {
  payload?: Payload;
}

export interface InteropServices {
  TestService: ServiceDefinition;
  UnimplementedService: ServiceDefinition;
}

let loaded: InteropServices | undefined;

export function interopServices(): InteropServices {
  if (loaded) return loaded;
  const protos = loadProtoSync('grpc/testing/test.proto', { includeDirs: [join(repoRoot(), 'proto')] });
  loaded = {
    TestService: protos.service('grpc.testing.TestService'),
    UnimplementedService: protos.service('grpc.testing.UnimplementedService'),
  };
  return loaded;
}
