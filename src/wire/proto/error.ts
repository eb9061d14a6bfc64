/**
 * The protobuf codec's one error type. Every parser and encoder in src/wire/proto
 * throws only this, and it says what was wrong and where (the field's full
 * name, the byte offset, the JSON path).
 *
 * It carries no gRPC status code: the codec knows nothing of gRPC. The layers
 * above decide what a codec failure means for a call — a request that does not
 * decode is the peer's mistake (INTERNAL, as grpc-go and grpc-java answer), a
 * value a handler returns that cannot be encoded is ours (INTERNAL), JSON a
 * user typed is a usage error — and `GrpcError.from` turns it into a status.
 */
export type ProtoErrorKind =
  /** Bytes that are not valid protobuf for the schema. */
  | 'decode'
  /** A value that the schema cannot represent (wrong type, out of range, two members of a oneof). */
  | 'encode'
  /** JSON that is not valid proto3 JSON for the schema, or a value toJson cannot print. */
  | 'json'
  /** Text format that does not parse for the schema. */
  | 'text';

export class ProtoError extends Error {
  override readonly name = 'ProtoError';
  readonly kind: ProtoErrorKind;

  constructor(kind: ProtoErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}
