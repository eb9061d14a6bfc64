/**
 * `wiregrpc call TARGET pkg.Service/Method [JSON]`: a gRPC call from the
 * command line, any of the four shapes.
 *
 *   wiregrpc call localhost:50051 proto.UserInfo/GetUserInfo '{"name":"foo"}'
 *   {"id":1,"name":"foo","age":12,"hobby":["eating","sleep"]}
 *
 * The types come from `--proto` files, or else from the server itself through
 * reflection (src/service/reflection-client.ts). Requests are proto3 JSON:
 * the JSON argument for a method that takes one request (no argument: all of
 * stdin, empty = `{}`); for a streaming request, the argument as the only
 * message, or else stdin one JSON message a line, sent as they are read.
 * Responses are printed one JSON line each, as they arrive.
 *
 * The exit status is the call's gRPC status code (0 OK, 4 DEADLINE_EXCEEDED,
 * 14 UNAVAILABLE, ...), and a failure is one line on stderr:
 * `CODE_NAME: message (target ...)`. A mistake of the caller's found before
 * anything is sent — a flag, a --proto file, request JSON, a method the
 * service lacks — exits 2 and names no target: no server was involved.
 */
import { enableTracing } from '../http2/trace.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata } from '../wire/grpc/metadata.js';
import { decodeBase64 } from '../wire/proto/base64.js';
import { createClient } from '../service/client.js';
import { type DetailTypeResolver, detailsToJson } from '../service/rpc/details-json.js';
import type { CallOptions } from '../service/client-call.js';
import type { MethodDefinition, ServiceDefinition } from '../service/definition.js';
import type { Channel } from '../http2/channel.js';
import { protoSetOf } from '../service/load.js';
import { FORMAT_FLAG, formatFromArgs, parser, printer, type Format } from './format.js';
import { InputError, UsageError, type Args } from './args.js';
import { CONNECT_FLAGS, deadlineFromArgs, openChannel, reportError } from './connect.js';
import { LineWriter, lines, type Io } from './io.js';
import { PROTO_FLAGS, errorText, loadFromArgs, type Verb } from './verb.js';

export const verb: Verb = {
  usage:
    'call TARGET pkg.Service/Method [JSON] [--proto FILE [-I DIR]] [-H "key: value"]... [--timeout 5s] [--tls ...] [--format text] [-v]',
  description:
    'Calls a method and prints each response as one line of proto3 JSON.\n' +
    'TARGET: host:port, [v6]:port, dns:///host:port or unix:/path. The method: pkg.Service/Method\n' +
    '(or pkg.Service.Method). Types come from --proto files, or else from the server through\n' +
    'reflection (grpc.reflection.v1, falling back to v1alpha).\n' +
    'Requests: the JSON argument; without one, stdin — all of it for a method that takes\n' +
    'one request (empty means {}), one JSON message a line for a streaming request.\n' +
    'Exit status: the gRPC status code (0 OK, 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, ...);\n' +
    'a failure is one line on stderr, "CODE_NAME: message (target ...)". A mistake found\n' +
    'before anything is sent (flags, --proto files, request JSON, the method name) exits 2.\n' +
    '--format text: requests and responses in protobuf text format instead, one message a line.',
  flags: {
    ...PROTO_FLAGS,
    header: {
      short: 'H',
      value: '"KEY: VALUE"',
      repeat: true,
      help: 'request metadata; a key ending in -bin takes base64',
    },
    ...CONNECT_FLAGS,
    ...FORMAT_FLAG,
    verbose: {
      short: 'v',
      help: 'print response headers, trailers, the status and its error details (as JSON) to stderr',
    },
  },
  async run(args, io) {
    if (args.positionals.length < 2 || args.positionals.length > 3) {
      throw new UsageError('expected TARGET pkg.Service/Method [JSON]');
    }
    const [target, methodName, json] = args.positionals as [string, string, string | undefined];
    const [serviceName, name] = splitMethod(methodName);
    const format = formatFromArgs(args);
    if (args.has('trace')) enableTracing();
    const metadata = metadataFromArgs(args);
    const deadline = deadlineFromArgs(args);
    const channel = openChannel(target, args);
    const what = `method /${serviceName}/${name}`;
    try {
      const service = await serviceFor(args, channel, serviceName, deadline);
      const method = service.methods[name] ?? Object.values(service.methods).find((m) => m.localName === name);
      if (method === undefined) {
        throw new InputError(
          `service ${serviceName} has no method ${name} (methods: ${Object.keys(service.methods).join(', ')})`,
        );
      }
      return await invoke(
        method,
        service,
        channel,
        json,
        { metadata, ...(deadline !== undefined ? { deadline } : {}) },
        args.has('verbose'),
        io,
        format,
      );
    } catch (err) {
      if (err instanceof UsageError) throw err;
      if (args.has('verbose') && err instanceof GrpcError && err.details.length > 0) {
        const details = await detailsToJson(err.details, detailTypes(args, channel, deadline));
        io.stderr.write(`status details:\n${details.map((d) => `  ${JSON.stringify(d)}\n`).join('')}`);
      }
      return reportError(io, err, target, what);
    } finally {
      await channel.close();
    }
  },
};

/** `pkg.Service/Method` or `pkg.Service.Method` (a leading `/` or `.` is fine) → [service, method]. */
export function splitMethod(text: string): [string, string] {
  const name = text.replace(/^[/.]/, '');
  const cut = name.includes('/') ? name.lastIndexOf('/') : name.lastIndexOf('.');
  if (cut <= 0 || cut === name.length - 1)
    throw new UsageError(`expected pkg.Service/Method, got ${JSON.stringify(text)}`);
  return [name.slice(0, cut), name.slice(cut + 1)];
}

/** `-H 'key: value'` flags as Metadata; `-bin` values are base64. */
export function metadataFromArgs(args: Args): Metadata {
  const md = new Metadata();
  for (const header of args.all('header')) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`-H ${JSON.stringify(header)}: expected "key: value"`);
    const key = header.slice(0, colon).trim().toLowerCase();
    const text = header.slice(colon + 1).trim();
    let value: string | Uint8Array = text;
    if (key.endsWith('-bin')) {
      const bytes = decodeBase64(text);
      if (bytes === undefined)
        throw new UsageError(`-H ${key}: a -bin value must be base64, got ${JSON.stringify(text)}`);
      value = bytes;
    }
    try {
      md.add(key, value);
    } catch (err) {
      throw new UsageError(`-H ${JSON.stringify(header)}: ${(err as GrpcError).rawMessage ?? String(err)}`);
    }
  }
  return md;
}

/** Where `-v` finds error detail types other than google.rpc's: --proto files, or else server reflection. */
function detailTypes(args: Args, channel: Channel, deadline: number | undefined): DetailTypeResolver {
  if (args.all('proto').length > 0) {
    const protos = loadFromArgs(args);
    return (name) => Promise.resolve(protos.codec(name));
  }
  return async (name) => {
    const { ReflectionClient } = await import('../service/reflection-client.js');
    const reflection = new ReflectionClient(channel, deadline !== undefined ? { deadline } : {});
    return (await reflection.protoSet([name])).codec(name);
  };
}

/** The service, from --proto files or else from the server's reflection. */
async function serviceFor(
  args: Args,
  channel: Channel,
  serviceName: string,
  deadline: number | undefined,
): Promise<ServiceDefinition> {
  if (args.all('proto').length > 0) {
    const protos = loadFromArgs(args);
    try {
      return protos.service(serviceName);
    } catch (err) {
      throw new InputError(`--proto: ${errorText(err)}`);
    }
  }
  const { ReflectionClient } = await import('../service/reflection-client.js');
  const reflection = new ReflectionClient(channel, deadline !== undefined ? { deadline } : {});
  const protos = await reflection.protoSet([serviceName]);
  return protos.service(serviceName);
}

async function invoke(
  method: MethodDefinition,
  service: ServiceDefinition,
  channel: Channel,
  json: string | undefined,
  options: CallOptions,
  verbose: boolean,
  io: Io,
  format: Format,
): Promise<number> {
  const out = new LineWriter(io.stdout);
  const input = method.input.schema;
  const output = method.output.schema;
  const registry = protoSetOf(service); // for Any: the types the service was loaded with
  const show = printer(format, output, registry);
  const read = parser(format, input, registry);
  const print = (response: unknown): Promise<void> => out.line(show(response));
  const stub = createClient(service, channel)[method.name] as (request: unknown, options: CallOptions) => unknown;
  const abort = new AbortController();
  const onSigint = (): void => abort.abort(new GrpcError(Code.CANCELLED, 'interrupted (SIGINT)'));
  process.once('SIGINT', onSigint);
  const callOptions: CallOptions = { ...options, signal: abort.signal };
  if (verbose) {
    callOptions.onHeader = (md) => io.stderr.write(formatMetadata('response headers', md));
    callOptions.onTrailer = (md) => io.stderr.write(formatMetadata('response trailers', md));
  }
  let sent = 0;
  let received = 0;
  // Request JSON that does not parse, or does not fit the request type, is the caller's mistake: exit 2.
  const parse = (text: string, where: string): unknown => {
    try {
      return read(text);
    } catch (err) {
      throw new InputError(`${where}: ${errorText(err)}`);
    }
  };
  // A bad request line while streaming: stop the call, report the line.
  let inputError: InputError | undefined;
  async function* requestLines(): AsyncGenerator<unknown> {
    if (json !== undefined && json !== '-') {
      sent++;
      yield parse(json, 'request');
      return;
    }
    for await (const [no, text] of lines(io.stdin)) {
      if (text.trim() === '') continue;
      let request: unknown;
      try {
        request = parse(text, `stdin line ${no}`);
      } catch (err) {
        inputError = err as InputError;
        abort.abort(inputError);
        return;
      }
      sent++;
      yield request;
    }
  }
  const streamingRequest = method.shape === 'client_streaming' || method.shape === 'bidi_streaming';
  try {
    let result: unknown;
    if (streamingRequest) {
      result = stub(requestLines(), callOptions);
    } else {
      const text = json !== undefined && json !== '-' ? json : await readStdin(io);
      sent = 1;
      result = stub(parse(text.trim() === '' && format === 'json' ? '{}' : text, 'request'), callOptions);
    }
    if (method.shape === 'server_streaming' || method.shape === 'bidi_streaming') {
      for await (const response of result as AsyncIterable<unknown>) {
        received++;
        await print(response);
      }
    } else {
      await print(await (result as Promise<unknown>));
      received = 1;
    }
    if (verbose)
      io.stderr.write(
        `status: OK (sent ${sent} request${sent === 1 ? '' : 's'}, received ${received} response${received === 1 ? '' : 's'})\n`,
      );
    return 0;
  } catch (err) {
    throw inputError ?? err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function formatMetadata(title: string, md: Metadata): string {
  const entries = Object.entries(md.toJSON()).flatMap(([key, values]) => values.map((v) => `  ${key}: ${v}\n`));
  return `${title}:${entries.length === 0 ? ' (none)' : ''}\n${entries.join('')}`;
}

async function readStdin(io: Io): Promise<string> {
  if ((io.stdin as { isTTY?: boolean }).isTTY === true) return '';
  let text = '';
  io.stdin.setEncoding('utf8');
  for await (const chunk of io.stdin) text += chunk as string;
  return text;
}
