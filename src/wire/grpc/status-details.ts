/**
 * `grpc-status-details-bin`: the rich error model (google/rpc/status.proto) in one trailer.
 *
 *     grpc-status-details-bin → base64( google.rpc.Status )
 *     message Status {
 *       int32  code    = 1;                       // the same code as grpc-status
 *       string message = 2;                       // the same text as grpc-message (decoded)
 *       repeated google.protobuf.Any details = 3; // BadRequest, RetryInfo, ... or any message
 *     }
 *
 * gRPC's own fields stay the status: a peer that does not look at this trailer still sees
 * the code and message. So the writer repeats them (grpc-go and grpc-java do the same),
 * and the reader takes only `details` from it (status.ts says why).
 */
import { codecFor } from '../proto/codec.js';
import type { Any } from './any.js';
import { type Status, StatusSchema } from './gen/google/rpc/status.js';

export type { Status } from './gen/google/rpc/status.js';
export { StatusSchema } from './gen/google/rpc/status.js';

/** Built on first use (errors are rare; a module that loads need not build a codec). */
const codec = () => codecFor<Status>(StatusSchema);

/** A serialized google.rpc.Status. */
export function encodeStatusDetails(code: number, message: string, details: readonly Any[]): Uint8Array {
  return codec().encode({ code, message, details: details as Any[] });
}

/** The google.rpc.Status in these bytes, or `undefined` if they are not one. Never throws. */
export function decodeStatusDetails(bytes: Uint8Array): Status | undefined {
  try {
    return codec().decode(bytes);
  } catch {
    return undefined;
  }
}
