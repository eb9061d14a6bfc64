/**
 * Durations a client is given as text, in the two forms it meets:
 *
 *   call options    timeout: 250 | '250ms' | '1.5s' | '2m' | '1h'      parseCallTimeout
 *   service config  "timeout": "1.5s", "initialBackoff": "0.1s"         parseConfigDuration
 *
 * The second is protobuf's JSON form of google.protobuf.Duration, as gRFC A2
 * writes service config: decimal seconds (up to nine fractional digits) and an
 * `s`. Both return milliseconds and never guess: anything else is a TypeError
 * that quotes what it was given (the caller's mistake, found before anything
 * is sent — `{ timeout: '1s' }` once meant a deadline at epoch + "1s").
 */

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const CALL_TIMEOUT = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)$/;

/** `timeout` of a call: milliseconds as a number, or a number with a unit (`ms`, `s`, `m`, `h`). */
export function parseCallTimeout(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new TypeError(`timeout must be a non-negative number of milliseconds, got ${String(value)}`);
  }
  if (typeof value === 'string') {
    const m = CALL_TIMEOUT.exec(value.trim());
    if (m !== null) return Number(m[1]) * UNITS[m[2]!]!;
  }
  throw new TypeError(
    `timeout must be milliseconds (a number) or a duration such as '250ms', '1.5s', '2m', '1h'; got ${show(value)}`,
  );
}

const CONFIG_DURATION = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/;

/**
 * A google.protobuf.Duration in its JSON form (`"1.5s"`, `"0.000001s"`) as
 * milliseconds, or undefined when it is not one. Negative durations parse
 * (the caller decides whether they make sense).
 */
export function parseConfigDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = CONFIG_DURATION.exec(value);
  if (m === null) return undefined;
  const seconds = Number(m[2]);
  // Duration's range: ±315,576,000,000 s (about 10,000 years).
  if (seconds > 315_576_000_000) return undefined;
  const nanos = m[3] === undefined ? 0 : Number(m[3].padEnd(9, '0'));
  const ms = seconds * 1000 + nanos / 1e6;
  return m[1] === '-' ? -ms : ms;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
