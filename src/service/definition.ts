import type { MessageCodec, MessageSchema } from '../wire/proto/schema.js';

/** The four gRPC call shapes, named as in the .proto's `stream` keywords. */
export type CallShape = 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a method of a .proto loaded at run time (the dynamic route) is untyped
export interface MethodDefinition<I = any, O = any> {
  /** As in the .proto: `GetUserInfo`. */
  readonly name: string;
  /** lowerCamelCase, the client stub's property: `getUserInfo`. */
  readonly localName: string;
  /** HTTP/2 `:path`: `/proto.UserInfo/GetUserInfo`. */
  readonly path: string;
  readonly shape: CallShape;
  readonly input: MessageCodec<I>;
  readonly output: MessageCodec<O>;
}

export interface ServiceDefinition {
  /** Full name: `proto.UserInfo`. */
  readonly typeName: string;
  /** Keyed by the method's name as in the .proto (`GetUserInfo`). */
  readonly methods: Readonly<Record<string, MethodDefinition>>;
}

export type { MessageSchema };
