/**
 * What every interop client program here shares, whichever library it drives:
 * the flags of the spec's "Client" section, the list of cases, and the report
 * format the matrix reads: one JSON line per case on stdout,
 *
 *   {"case":"large_unary","result":"pass"}
 *   {"case":"server_compressed_unary","result":"pass","note":"…what could not be checked…"}
 *   {"case":"client_compressed_streaming","result":"skip","reason":"…why this library cannot…"}
 *   {"case":"ping_pong","result":"fail","reason":"…"}
 *
 * and the exit status is 1 when any case failed (each failure also goes to
 * stderr, naming the case and the reason).
 */

/** The cases every client here implements, in the order of the spec. */
export const CASES = [
  'empty_unary',
  'large_unary',
  'client_compressed_unary',
  'server_compressed_unary',
  'client_streaming',
  'client_compressed_streaming',
  'server_streaming',
  'server_compressed_streaming',
  'ping_pong',
  'empty_stream',
  'cancel_after_begin',
  'cancel_after_first_response',
  'timeout_on_sleeping_server',
  'custom_metadata',
  'status_code_and_message',
  'special_status_message',
  'unimplemented_method',
  'unimplemented_service',
] as const;
export type CaseName = (typeof CASES)[number];

export type CaseResult = 'pass' | 'fail' | 'skip';
export interface CaseReport {
  case: string;
  result: CaseResult;
  reason?: string;
  note?: string;
}

/** The special_status_message case's message: whitespace, a BMP and a non-BMP character. */
export const SPECIAL_STATUS_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1F608}\t\n';

/** A case ends with `Failure` when an assertion of the spec does not hold. */
export class Failure extends Error {
  override name = 'Failure';
}
/** A library that cannot do what a case needs says so with `Skip` (never our own client). */
export class Skip extends Error {
  override name = 'Skip';
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Failure(message);
}

/** `--name=value` and `--name value` flags; `--flag` alone means "true". */
export function parseFlags(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    if (eq > 0) out[arg.slice(2, eq)] = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) out[arg.slice(2)] = argv[++i]!;
    else out[arg.slice(2)] = 'true';
  }
  return out;
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase());
}

/** The spec's client flags, with the two additions every client here takes: a CA file and a list of cases. */
export interface ClientFlags {
  serverHost: string;
  serverPort: number;
  serverHostOverride: string | undefined;
  useTls: boolean;
  useTestCa: boolean;
  caFile: string | undefined;
  cases: string[];
  rest: Record<string, string>;
}

export function clientFlags(argv: readonly string[]): ClientFlags {
  const f = parseFlags(argv);
  const port = Number(f['server_port']);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error('--server_port=PORT is required');
  const testCase = f['test_case'] ?? 'all';
  return {
    serverHost: f['server_host'] ?? '127.0.0.1',
    serverPort: port,
    serverHostOverride: f['server_host_override'] || undefined,
    useTls: isTrue(f['use_tls']),
    useTestCa: isTrue(f['use_test_ca']),
    caFile: f['ca_file'] || undefined,
    cases: testCase === 'all' ? [...CASES] : testCase.split(',').filter((c) => c !== ''),
    rest: f,
  };
}

/** A case returns nothing, or a note saying what it could not check. */
export type CaseFn = () => Promise<string | void>;

/** Runs the named cases one after another, printing a report line for each. Resolves to the exit status. */
export async function runCases(
  names: readonly string[],
  table: Partial<Record<string, CaseFn>>,
  timeoutMs = 30_000,
): Promise<number> {
  let failed = false;
  for (const name of names) {
    const report = await runOne(name, table[name], timeoutMs);
    if (report.result === 'fail') {
      failed = true;
      process.stderr.write(`FAIL ${name}: ${report.reason}\n`);
    }
    process.stdout.write(JSON.stringify(report) + '\n');
  }
  return failed ? 1 : 0;
}

async function runOne(name: string, fn: CaseFn | undefined, timeoutMs: number): Promise<CaseReport> {
  if (fn === undefined) return { case: name, result: 'fail', reason: 'unknown test case' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const note = await Promise.race([fn(), timeout]);
    return note ? { case: name, result: 'pass', note } : { case: name, result: 'pass' };
  } catch (err) {
    if (err instanceof Skip) return { case: name, result: 'skip', reason: err.message };
    return { case: name, result: 'fail', reason: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  if (err instanceof Failure) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** n zero bytes: the spec's payload bodies. */
export function zeros(n: number): Uint8Array {
  return new Uint8Array(n);
}

export function isAllZeros(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

export function checkBody(body: Uint8Array | undefined, size: number, what = 'response'): void {
  const length = body?.length ?? 0;
  check(length === size, `${what} payload body is ${length} bytes, want ${size}`);
  check(isAllZeros(body ?? new Uint8Array()), `${what} payload body is not all zeros`);
}

/** The spec's server flags (`--port`, `--use_tls`) plus where the TLS key and certificate are. */
export interface ServerFlags {
  host: string;
  port: number;
  useTls: boolean;
  certFile: string | undefined;
  keyFile: string | undefined;
  rest: Record<string, string>;
}

export function serverFlags(argv: readonly string[]): ServerFlags {
  const f = parseFlags(argv);
  const port = Number(f['port'] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${f['port']}`);
  return {
    host: f['host'] ?? '127.0.0.1',
    port,
    useTls: isTrue(f['use_tls']),
    certFile: f['tls_cert_file'] || undefined,
    keyFile: f['tls_key_file'] || undefined,
    rest: f,
  };
}

/** How every interop server here tells its parent it is ready (test/helpers/peers.ts waits for it): `listening on HOST:PORT`. */
export function announceListening(host: string, port: number): void {
  process.stdout.write(`listening on ${host.includes(':') ? `[${host}]` : host}:${port}\n`);
}

/** The metadata keys of the spec's "Echo Metadata" feature. */
export const ECHO_INITIAL = 'x-grpc-test-echo-initial';
export const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
