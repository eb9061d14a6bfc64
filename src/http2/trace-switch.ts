/**
 * The tracer's switch and its table of method codecs, apart from the tracer
 * itself (trace.ts) so that code which must stay portable — defineService
 * runs in browsers too — can check the switch without importing Node modules.
 */
import type { MessageCodec } from '../wire/schema.js';

function fromEnvironment(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.WIREGRPC_TRACE;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Whether tracing is on: read once from WIREGRPC_TRACE; `enableTracing()` (trace.ts) turns it on later. */
export let tracing: boolean = fromEnvironment();

export function setTracing(on: boolean): void {
  tracing = on;
}

/** A method's codecs, by `:path`, so traces can show its messages as JSON. */
export const tracedMethods = new Map<string, { readonly request: MessageCodec<any>; readonly response: MessageCodec<any> }>();

/** Registers a method's codecs (defineService does, while tracing is on). */
export function traceMethod(path: string, request: MessageCodec<any>, response: MessageCodec<any>): void {
  tracedMethods.set(path, { request, response });
}
