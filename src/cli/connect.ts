/**
 * What the verbs that talk to a server share (`call`, `list`, `describe`):
 * the connection flags (plaintext h2c or TLS), `--timeout`, and how a failed
 * call is reported — one line `CODE_NAME: message` naming the target, and the
 * gRPC status code as the exit status.
 */
import { readFileSync } from 'node:fs';
import { Channel, type ChannelOptions, type ChannelTlsOptions } from '../http2/channel.js';
import { registerWiregrpcTransport } from '../http2/h2-client-connect.js';
import { Code, codeName } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { UsageError, type Args, type FlagSpecs } from './args.js';
import type { Io } from './io.js';

// The CLI is a whole program: its channels take WIREGRPC_TRANSPORT=wiregrpc (wiregrpc's own HTTP/2) as `wiregrpc` does.
registerWiregrpcTransport();

export const CONNECT_FLAGS: FlagSpecs = {
  plaintext: { help: 'HTTP/2 without TLS (h2c); the default' },
  tls: { help: 'TLS, verifying the server against the system CAs (or --cacert)' },
  cacert: { value: 'FILE', help: 'PEM file of CA certificates to trust (implies --tls)' },
  cert: { value: 'FILE', help: 'client certificate, PEM, for mutual TLS (with --key; implies --tls)' },
  key: { value: 'FILE', help: 'private key of --cert, PEM' },
  insecure: { help: 'TLS without verifying the server certificate (testing only; implies --tls)' },
  authority: { value: 'NAME', help: 'the :authority to send (and the TLS server name to verify)' },
  timeout: { value: 'TIME', help: 'deadline for the whole command: 5s, 500ms, 1m, 100us, or plain seconds (2.5)' },
  trace: { help: 'print every HTTP/2 header block and gRPC message to stderr (as WIREGRPC_TRACE=1 does)' },
};

/** Channel options from the connection flags. */
export function channelOptions(args: Args): ChannelOptions {
  const tlsFlags = ['tls', 'cacert', 'cert', 'key', 'insecure'].filter((flag) => args.has(flag));
  if (args.has('plaintext') && tlsFlags.length > 0) throw new UsageError(`--plaintext conflicts with --${tlsFlags[0]}`);
  if (args.has('cert') !== args.has('key')) throw new UsageError('--cert and --key go together');
  const options: { -readonly [K in keyof ChannelOptions]: ChannelOptions[K] } = {};
  const authority = args.get('authority');
  if (authority !== undefined) options.authority = authority;
  if (tlsFlags.length > 0) {
    const tls: ChannelTlsOptions = {};
    const cacert = args.get('cacert');
    if (cacert !== undefined) tls.ca = readPem(cacert, '--cacert');
    const cert = args.get('cert');
    if (cert !== undefined) {
      tls.cert = readPem(cert, '--cert');
      tls.key = readPem(args.get('key')!, '--key');
    }
    if (args.has('insecure')) tls.rejectUnauthorized = false;
    options.tls = tls;
  }
  return options;
}

function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `TARGET` as a channel; an invalid target is a usage error. */
export function openChannel(target: string, args: Args): Channel {
  try {
    return new Channel(target, channelOptions(args));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `invalid target ${JSON.stringify(target)}: ${err instanceof GrpcError ? err.rawMessage : (err as Error).message}`,
    );
  }
}

const UNITS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001,
};

/**
 * `--timeout`: a number with a unit (`5s`, `500ms`, `1.5m`, `2h`, `100us`,
 * `10ns`) or plain seconds (`2.5`, as grpcurl's `-max-time`). Milliseconds.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d*)?|\.\d+)(h|m|s|ms|us|µs|ns)?$/.exec(text.trim());
  if (match === null)
    throw new UsageError(
      `--timeout ${JSON.stringify(text)}: expected a number with an optional unit h, m, s, ms, us, ns (e.g. 5s, 500ms, 2.5)`,
    );
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!;
  if (!(ms > 0)) throw new UsageError(`--timeout ${text}: must be more than zero`);
  return ms;
}

/** The absolute deadline (epoch ms) `--timeout` asks for, if any. */
export function deadlineFromArgs(args: Args): number | undefined {
  const timeout = args.get('timeout');
  return timeout === undefined ? undefined : Date.now() + parseDuration(timeout);
}

/**
 * Reports a failure as one line on stderr and returns the exit status: the
 * gRPC status code. The line names the target (and the method) when the
 * message does not already.
 */
export function reportError(io: Io, err: unknown, target: string, what?: string): number {
  const error = GrpcError.from(err, Code.UNKNOWN);
  let text = error.rawMessage.replace(/\s*\n\s*/g, ' ');
  if (!text.includes(target)) text += ` (target ${target}${what !== undefined ? `, ${what}` : ''})`;
  io.stderr.write(`${codeName(error.code)}: ${text}\n`);
  return error.code === Code.OK ? Code.UNKNOWN : error.code;
}
