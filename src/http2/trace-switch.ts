/**
 * The tracer's switch and its table of method codecs, apart from the tracer
 * itself (trace.ts) so that code which must stay portable — defineService
 * runs in browsers too — can check the switch without importing Node modules.
 */
import type { MessageCodec } from '../wire/proto/schema.js';

function fromEnvironment(): boolean {
  let value: string | undefined;
  try {
    value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WIREGRPC_TRACE;
  } catch {
    return false; // Deno without --allow-env throws on reading the environment
  }
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Whether tracing is on: read once from WIREGRPC_TRACE; `enableTracing()` (trace.ts) turns it on later. */
export let tracing: boolean = fromEnvironment();

export function setTracing(on: boolean): void {
  tracing = on;
}

/** A method's codecs, by `:path`, so traces can show its messages as JSON. */
export const tracedMethods = new Map<
  string,
  { readonly request: MessageCodec<Record<string, unknown>>; readonly response: MessageCodec<Record<string, unknown>> }
>();

/** Registers a method's codecs (defineService does, while tracing is on). */
export function traceMethod(
  path: string,
  request: MessageCodec<Record<string, unknown>>,
  response: MessageCodec<Record<string, unknown>>,
): void {
  tracedMethods.set(path, { request, response });
}
