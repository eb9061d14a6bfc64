/**
 * src/wire: everything gRPC is made of below HTTP/2 — status codes and the
 * error type, metadata, message frames, the protocol's header values, and
 * the protobuf codec. Pure TypeScript over Uint8Array: no Node APIs.
 */
export { Code, codeName, parseCode } from './code.js';
export { GrpcError, type GrpcErrorOptions } from './error.js';
export { Metadata, isReservedHeader, type HeaderRecord, type MetadataValue } from './metadata.js';
export { encodeBase64, decodeBase64 } from './base64.js';
export type * from './schema.js';
export { FRAME_HEADER_LENGTH, FLAG_COMPRESSED, FLAG_TRAILERS, MAX_FRAME_LENGTH, encodeFrame, writeFrameHeader, readFrameLength } from './frame.js';
export { Deframer, DEFAULT_MAX_MESSAGE_LENGTH, type Frame, type DeframerOptions } from './deframer.js';
export { parseTimeout, encodeTimeout } from './timeout.js';
export { encodeGrpcMessage, decodeGrpcMessage } from './percent.js';
export { codeFromHttpStatus } from './http-status.js';
export { statusToTrailers, statusFromTrailers } from './status.js';
export { parseContentType, formatContentType, type ContentType } from './content-type.js';
export { Writer } from './writer.js';
export { Reader, WireType } from './reader.js';
export { codecFor } from './codec.js';
export { toJson, fromJson, type JsonValue, type ToJsonOptions } from './json.js';
