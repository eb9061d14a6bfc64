/**
 * A small service for the gRPC-Web tests (Node and browser): unary and
 * server-streaming calls whose request says what the server should do —
 * echo, fail with a code, wait, send several messages. Definitions only (no
 * Node): the browser page imports this file too.
 */
import { defineService } from '../../../src/service/define.js';
import type { TypedMethod, TypedServiceDefinition } from '../../../src/service/typed.js';
import type { MessageSchema } from '../../../src/wire/proto/schema.js';

export interface EchoRequest {
  text: string;
  /** Stream: how many replies. */
  count: number;
  /** Non-zero: fail with this gRPC code (Stream: after the replies). */
  code: number;
  /** Wait this long before answering (Stream: before each reply). */
  delayMs: number;
  /** Bytes to send back in the reply (binary round trip). */
  blob: Uint8Array;
}

export interface EchoReply {
  text: string;
  index: number;
  blob: Uint8Array;
}

const scalar = (no: number, name: string, localName: string, type: 'string' | 'int32' | 'bytes') =>
  ({ no, name, localName, jsonName: localName, kind: 'scalar', scalar: type }) as const;

export const EchoRequestSchema: MessageSchema = {
  typeName: 'wiregrpc.web.EchoRequest',
  fields: [
    scalar(1, 'text', 'text', 'string'),
    scalar(2, 'count', 'count', 'int32'),
    scalar(3, 'code', 'code', 'int32'),
    scalar(4, 'delay_ms', 'delayMs', 'int32'),
    scalar(5, 'blob', 'blob', 'bytes'),
  ],
};

export const EchoReplySchema: MessageSchema = {
  typeName: 'wiregrpc.web.EchoReply',
  fields: [
    scalar(1, 'text', 'text', 'string'),
    scalar(2, 'index', 'index', 'int32'),
    scalar(3, 'blob', 'blob', 'bytes'),
  ],
};

export const Echo = defineService('wiregrpc.web.Echo', [
  { name: 'Unary', shape: 'unary', input: EchoRequestSchema, output: EchoReplySchema },
  { name: 'Stream', shape: 'server_streaming', input: EchoRequestSchema, output: EchoReplySchema },
  { name: 'Collect', shape: 'client_streaming', input: EchoRequestSchema, output: EchoReplySchema },
]) as TypedServiceDefinition<{
  Unary: TypedMethod<EchoRequest, EchoReply, 'unary'>;
  Stream: TypedMethod<EchoRequest, EchoReply, 'server_streaming'>;
  Collect: TypedMethod<EchoRequest, EchoReply, 'client_streaming'>;
}>;
