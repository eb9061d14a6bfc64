/**
 * The standard error details of google.rpc (proto/google/rpc/error_details.proto), as
 * typed message types: each name is both the TypeScript type of its values and the
 * MessageType that packs and unpacks them.
 *
 *   // server: the details travel in grpc-status-details-bin, one google.rpc.Status
 *   throw new GrpcError(Code.INVALID_ARGUMENT, 'bad request', {
 *     details: [
 *       detail(BadRequest, { fieldViolations: [{ field: 'name', description: 'must not be empty' }] }),
 *       detail(RetryInfo, { retryDelay: { seconds: 2n, nanos: 0 } }),
 *     ],
 *   });
 *
 *   // client
 *   catch (err) {
 *     if (err instanceof GrpcError)
 *       for (const { fieldViolations } of err.findDetails(BadRequest)) ...
 *   }
 *
 * Any message can be a detail: `detail(MyType, {...})` with `const MyType:
 * MessageType<My> = MySchema` for a schema from `wiregrpc gen`. The schemas are generated
 * by `wiregrpc gen` into ./gen (test/service/error-details.test.ts keeps them up to date).
 */
import { type Any, type MessageType, anyPack } from '../../wire/grpc/any.js';
import type { MessageInit } from '../typed.js';
import * as gen from './gen/google/rpc/error_details.js';

/**
 * A detail for `new GrpcError(code, message, { details: [...] })`: `value` packed as an
 * Any of this type. As with request messages, fields may be left out (they are sent as
 * their defaults) and 64-bit integers may be numbers. Throws if the value does not fit
 * the type (the program's mistake, reported where it is made).
 */
export function detail<T>(type: MessageType<T>, value: MessageInit<T>): Any {
  return anyPack(type, value as T);
}

export type { Duration } from './gen/google/protobuf/duration.js';
export type {
  QuotaFailure_Violation,
  PreconditionFailure_Violation,
  BadRequest_FieldViolation,
  Help_Link,
} from './gen/google/rpc/error_details.js';

/** Why the call failed: a reason (UPPER_SNAKE_CASE) within a domain, with metadata. */
export type ErrorInfo = gen.ErrorInfo;
export const ErrorInfo: MessageType<ErrorInfo> = gen.ErrorInfoSchema;
/** When the client may try again (`retryDelay`). */
export type RetryInfo = gen.RetryInfo;
export const RetryInfo: MessageType<RetryInfo> = gen.RetryInfoSchema;
/** The server's debugging facts: stack entries and a detail text. */
export type DebugInfo = gen.DebugInfo;
export const DebugInfo: MessageType<DebugInfo> = gen.DebugInfoSchema;
/** Which quota checks failed. */
export type QuotaFailure = gen.QuotaFailure;
export const QuotaFailure: MessageType<QuotaFailure> = gen.QuotaFailureSchema;
/** Which preconditions are not met. */
export type PreconditionFailure = gen.PreconditionFailure;
export const PreconditionFailure: MessageType<PreconditionFailure> = gen.PreconditionFailureSchema;
/** Which request fields are wrong, and why. */
export type BadRequest = gen.BadRequest;
export const BadRequest: MessageType<BadRequest> = gen.BadRequestSchema;
/** What a client can quote when it reports a problem (a request id). */
export type RequestInfo = gen.RequestInfo;
export const RequestInfo: MessageType<RequestInfo> = gen.RequestInfoSchema;
/** The resource the call was about. */
export type ResourceInfo = gen.ResourceInfo;
export const ResourceInfo: MessageType<ResourceInfo> = gen.ResourceInfoSchema;
/** Links to read more, or to act. */
export type Help = gen.Help;
export const Help: MessageType<Help> = gen.HelpSchema;
/** An error text for end users, in one locale. */
export type LocalizedMessage = gen.LocalizedMessage;
export const LocalizedMessage: MessageType<LocalizedMessage> = gen.LocalizedMessageSchema;

/** Every google.rpc detail type, for a printer that decodes the ones it knows (the CLI's `call -v`). */
export const ERROR_DETAIL_TYPES: readonly MessageType<unknown>[] = [
  ErrorInfo,
  RetryInfo,
  DebugInfo,
  QuotaFailure,
  PreconditionFailure,
  BadRequest,
  RequestInfo,
  ResourceInfo,
  Help,
  LocalizedMessage,
];
