/**
 * `--format json|text`: how the CLI writes (and `encode` reads) messages —
 * proto3 JSON (the default), or protobuf text format on one line
 * (`name: "ada" manager { id: 7 }`, what protoc reads; src/wire/proto/text-format.ts).
 * One message a line either way, so output stays line-oriented.
 * Any is expanded through the loaded types (the ProtoSet is the registry).
 */
import { fromJsonString, toJsonString } from '../wire/proto/json.js';
import type { TypeRegistry } from '../wire/proto/json-registry.js';
import type { MessageSchema } from '../wire/proto/schema.js';
import { fromText, toText } from '../wire/proto/text-format.js';
import { UsageError, type Args, type FlagSpecs } from './args.js';

export const FORMAT_FLAG: FlagSpecs = {
  format: { value: 'json|text', help: 'messages as proto3 JSON (default) or protobuf text format, one a line' },
};

export type Format = 'json' | 'text';

export function formatFromArgs(args: Args): Format {
  const format = args.get('format') ?? 'json';
  if (format !== 'json' && format !== 'text') {
    throw new UsageError(`--format ${JSON.stringify(format)}: expected json or text`);
  }
  return format;
}

/** A message value → one line of the format. */
export function printer(format: Format, schema: MessageSchema, registry?: TypeRegistry): (value: unknown) => string {
  const options = registry === undefined ? {} : { registry };
  return format === 'json'
    ? (value) => toJsonString(schema, value as Record<string, unknown>, options)
    : (value) => toText(schema, value as Record<string, unknown>, { ...options, singleLine: true });
}

/** Text of the format → a message value. */
export function parser(format: Format, schema: MessageSchema, registry?: TypeRegistry): (text: string) => unknown {
  const options = registry === undefined ? {} : { registry };
  return format === 'json'
    ? (text) => fromJsonString(schema, text, options)
    : (text) => fromText(schema, text, options);
}
