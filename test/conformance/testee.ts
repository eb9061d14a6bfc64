/**
 * The conformance testee: the program the official `conformance_test_runner`
 * starts and talks to over its stdin/stdout, written as a user would write it,
 * against wiregrpc's public API only.
 *
 *   runner ──▶ testee   u32le length, conformance.ConformanceRequest
 *   runner ◀── testee   u32le length, conformance.ConformanceResponse
 *
 * A request carries a payload (binary, JSON or text format) for a message type
 * (`protobuf_test_messages.proto3.TestAllTypesProto3`, …) and the format to
 * answer in. The testee parses the payload with the type's codec, writes it
 * back in the requested format, and answers `parse_error`/`serialize_error`
 * when wiregrpc refuses, `skipped` for what wiregrpc cannot do (the runner
 * counts it; the suite fails on skips too).
 *
 * The request and response themselves go through wiregrpc's codec, loaded
 * from conformance.proto like any user's .proto.
 *
 * JSON and text format use the functions of `wiregrpc/wire` when they exist
 * (the json helper's contract): `toJsonString(schema, value, options?)`,
 * `fromJsonString(schema, text, { ignoreUnknownFields, registry })`,
 * `toText(schema, value)`, `fromText(schema, text, { registry })`; until they
 * do, those requests are answered `skipped`.
 *
 * Protos: WIREGRPC_CONFORMANCE_PROTOS names the directory holding
 * conformance/conformance.proto and google/protobuf/test_messages_*.proto (the
 * runner's own, set by conformance.suite.ts). Run as
 * `node dist/test/conformance/testee.js`.
 */
import { existsSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { loadProtoSync, type MessageCodec, type MessageSchema, type ProtoSet } from '../../src/service/index.js';
import * as wire from '../../src/wire/index.js';

const WireFormat = { UNSPECIFIED: 0, PROTOBUF: 1, JSON: 2, JSPB: 3, TEXT_FORMAT: 4 } as const;
const TestCategory = { JSON_IGNORE_UNKNOWN_PARSING_TEST: 3 } as const;

interface Request {
  protobufPayload?: Uint8Array;
  jsonPayload?: string;
  jspbPayload?: string;
  textPayload?: string;
  requestedOutputFormat: number;
  messageType: string;
  testCategory: number;
  printUnknownFields: boolean;
}

type Response =
  | { parseError: string }
  | { serializeError: string }
  | { runtimeError: string }
  | { protobufPayload: Uint8Array }
  | { jsonPayload: string }
  | { textPayload: string }
  | { skipped: string };

/** The JSON and text-format functions, looked up by name so the testee runs before they exist. */
interface Formats {
  toJsonString?: (schema: MessageSchema, value: unknown, options?: object) => string;
  fromJsonString?: (schema: MessageSchema, text: string, options?: object) => unknown;
  toText?: (schema: MessageSchema, value: unknown, options?: object) => string;
  fromText?: (schema: MessageSchema, text: string, options?: object) => unknown;
}
const formats = wire as unknown as Formats;
const verbose = process.env['WIREGRPC_CONFORMANCE_VERBOSE'] === '1';

const protoDir = process.env['WIREGRPC_CONFORMANCE_PROTOS'];
if (protoDir === undefined || protoDir === '') {
  process.stderr.write('testee: set WIREGRPC_CONFORMANCE_PROTOS to the directory of the conformance protos\n');
  process.exit(2);
}
const protos: ProtoSet = loadProtoSync(
  [
    'conformance/conformance.proto',
    'google/protobuf/test_messages_proto3.proto',
    'google/protobuf/test_messages_proto2.proto',
    ...extraProtos(protoDir),
  ],
  { includeDirs: [protoDir] },
);
const requestCodec = protos.codec<Request>('conformance.ConformanceRequest');
const responseCodec = protos.codec<Response>('conformance.ConformanceResponse');

/** The edition-2023 test messages, when the runner's proto directory has them (the v33 runner's does). */
function extraProtos(dir: string): string[] {
  return [
    'google/protobuf/test_messages_proto2_editions.proto',
    'google/protobuf/test_messages_proto3_editions.proto',
    'google/protobuf/test_messages_edition2023.proto',
  ].filter((file) => existsSync(path.join(dir, file)));
}

function codecOf(messageType: string): { codec: MessageCodec; schema: MessageSchema } | Response {
  try {
    const codec = protos.codec(messageType);
    return { codec, schema: codec.schema };
  } catch (err) {
    // A type that loads but that wiregrpc cannot build a codec for (before proto2 groups: UNIMPLEMENTED).
    return { skipped: `no codec for ${messageType}: ${(err as Error).message}` };
  }
}

function serve(req: Request): Response {
  const found = codecOf(req.messageType);
  if (!('codec' in found)) return found;
  const { codec, schema } = found;

  let value: unknown;
  try {
    if (req.protobufPayload !== undefined) value = codec.decode(req.protobufPayload);
    else if (req.jsonPayload !== undefined) {
      if (formats.fromJsonString === undefined) return { skipped: 'JSON input: fromJsonString not available' };
      value = formats.fromJsonString(schema, req.jsonPayload, {
        ignoreUnknownFields: req.testCategory === TestCategory.JSON_IGNORE_UNKNOWN_PARSING_TEST,
        registry: protos,
      });
    } else if (req.textPayload !== undefined) {
      if (formats.fromText === undefined) return { skipped: 'text input: fromText not available' };
      value = formats.fromText(schema, req.textPayload, { registry: protos });
    } else if (req.jspbPayload !== undefined) return { skipped: 'JSPB is not supported' };
    else return { runtimeError: 'request without a payload' };
  } catch (err) {
    return { parseError: (err as Error).message };
  }

  try {
    switch (req.requestedOutputFormat) {
      case WireFormat.PROTOBUF:
        return { protobufPayload: codec.encode(value as Record<string, unknown>) };
      case WireFormat.JSON:
        if (formats.toJsonString === undefined) return { skipped: 'JSON output: toJsonString not available' };
        return { jsonPayload: formats.toJsonString(schema, value, { registry: protos }) };
      case WireFormat.TEXT_FORMAT:
        if (formats.toText === undefined) return { skipped: 'text output: toText not available' };
        return {
          textPayload: formats.toText(schema, value, { registry: protos, printUnknownFields: req.printUnknownFields }),
        };
      case WireFormat.JSPB:
        return { skipped: 'JSPB is not supported' };
      default:
        return { runtimeError: `unknown output format ${req.requestedOutputFormat}` };
    }
  } catch (err) {
    return { serializeError: (err as Error).message };
  }
}

// ─── The pipe ────────────────────────────────────────────────────────────────

/** Reads exactly `n` bytes from stdin; undefined at a clean end of input. */
function readExactly(n: number): Uint8Array | undefined {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    let k: number;
    try {
      k = readSync(0, buf, got, n - got, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
    if (k === 0) {
      if (got === 0) return undefined;
      throw new Error(`stdin ended after ${got} of ${n} bytes`);
    }
    got += k;
  }
  return buf;
}

function writeAll(bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(1, bytes, done, bytes.length - done);
}

for (;;) {
  const head = readExactly(4);
  if (head === undefined) break;
  const length = new DataView(head.buffer).getUint32(0, true);
  const body = readExactly(length) ?? new Uint8Array(0);
  let response: Response;
  try {
    response = serve(requestCodec.decode(body));
  } catch (err) {
    response = { runtimeError: (err as Error).stack ?? String(err) };
  }
  // WIREGRPC_CONFORMANCE_VERBOSE=1: what was skipped and why, one line each on stderr (the suite counts them).
  if (verbose && 'skipped' in response) process.stderr.write(`testee skipped: ${response.skipped}\n`);
  const out = responseCodec.encode(response);
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, out.length, true);
  writeAll(prefix);
  writeAll(out);
}
