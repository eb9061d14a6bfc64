/**
 * src/wire: everything gRPC is made of below HTTP/2, in two rooms.
 *
 * - proto/: the protobuf codec — schemas, binary, JSON, text format, the raw dump. It knows
 *   nothing of gRPC: it would serve a file format or a queue just the same.
 * - grpc/: the gRPC wire — status codes and the error type, metadata, message
 *   frames, the protocol's header values (timeouts, percent-coding, content
 *   types), gRPC-Web's trailer frames. It frames what any encoder produced.
 *
 * Imports point one way: grpc/ may use proto/, never the reverse, and neither
 * uses Node or anything above src/wire (test/layering.test.ts holds this).
 * Pure TypeScript over Uint8Array.
 */
export { Code, codeName, parseCode } from './grpc/code.js';
export { GrpcError, type GrpcErrorOptions } from './grpc/error.js';
export { Metadata, isReservedHeader, type HeaderRecord, type MetadataValue } from './grpc/metadata.js';
export { encodeBase64, decodeBase64 } from './proto/base64.js';
export type * from './proto/schema.js';
export {
  FRAME_HEADER_LENGTH,
  FLAG_COMPRESSED,
  FLAG_TRAILERS,
  MAX_FRAME_LENGTH,
  encodeFrame,
  encodeFramed,
  writeFrameHeader,
  readFrameLength,
} from './grpc/frame.js';
export { Deframer, DEFAULT_MAX_MESSAGE_LENGTH, type Frame, type DeframerOptions } from './grpc/deframer.js';
export { parseTimeout, encodeTimeout } from './grpc/timeout.js';
export { encodeGrpcMessage, decodeGrpcMessage } from './grpc/percent.js';
export { codeFromHttpStatus } from './grpc/http-status.js';
export { statusToTrailers, statusFromTrailers } from './grpc/status.js';
export { parseContentType, formatContentType, type ContentType } from './grpc/content-type.js';
export { Writer } from './proto/writer.js';
export { Reader, WireType } from './proto/reader.js';
export { codecFor } from './proto/codec.js';
export { ProtoError, type ProtoErrorKind } from './proto/error.js';
export { unknownFields, setUnknownFields, UNKNOWN_FIELDS } from './proto/unknown.js';
export {
  toJson,
  fromJson,
  toJsonString,
  fromJsonString,
  type JsonValue,
  type ToJsonOptions,
  type FromJsonOptions,
  type ToJsonStringOptions,
} from './proto/json.js';
export { typeRegistry, type TypeRegistry } from './proto/json-registry.js';
export { toText, fromText, type ToTextOptions, type FromTextOptions } from './proto/text-format.js';
