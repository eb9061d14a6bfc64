import { Code } from './code.js';
import { GrpcError } from './error.js';

/**
 * The `grpc-timeout` request header (grpc/grpc doc/PROTOCOL-HTTP2.md):
 *
 *     Timeout      → "grpc-timeout" TimeoutValue TimeoutUnit
 *     TimeoutValue → {positive integer as ASCII string of at most 8 digits}
 *     TimeoutUnit  → Hour / Minute / Second / Millisecond / Microsecond / Nanosecond
 *                    "H"    "M"      "S"      "m"           "u"           "n"
 *
 * We accept a value of zero too ("0n" is what grpc-go sends for a deadline that
 * has already passed): it means the deadline is now.
 */

/** Milliseconds per unit, or undefined for anything that is not a unit. */
function unitMs(unit: string): number | undefined {
  switch (unit) {
    case 'H':
      return 3_600_000;
    case 'M':
      return 60_000;
    case 'S':
      return 1000;
    case 'm':
      return 1;
    case 'u':
      return 1e-3;
    case 'n':
      return 1e-6;
  }
  return undefined;
}

/** The largest TimeoutValue: eight digits. */
const MAX_VALUE = 99_999_999;

/**
 * The timeout in milliseconds (fractional for `u` and `n`), or a GrpcError
 * (INTERNAL, as grpc-go does: a malformed header is a protocol violation) that
 * says what is wrong. Never throws.
 */
export function parseTimeout(value: string): number | GrpcError {
  const digits = value.length - 1;
  if (digits < 1 || digits > 8) return malformed(value, 'expected 1 to 8 digits and a unit');
  const perUnit = unitMs(value[digits]!);
  if (perUnit === undefined) return malformed(value, 'unknown unit (expected H, M, S, m, u or n)');
  let n = 0;
  for (let i = 0; i < digits; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return malformed(value, 'the value must be decimal digits');
    n = n * 10 + d;
  }
  return n * perUnit;
}

function malformed(value: string, why: string): GrpcError {
  const shown = value.length > 32 ? `${value.slice(0, 32)}…` : value;
  return new GrpcError(Code.INTERNAL, `malformed grpc-timeout ${JSON.stringify(shown)}: ${why}`);
}

/** Units from coarse to fine, with their length in nanoseconds. */
const UNITS_NS: readonly (readonly [string, number])[] = [
  ['H', 3.6e12],
  ['M', 6e10],
  ['S', 1e9],
  ['m', 1e6],
  ['u', 1e3],
  ['n', 1],
];
const UNITS_MS: readonly (readonly [string, number])[] = [
  ['H', 3_600_000],
  ['M', 60_000],
  ['S', 1000],
  ['m', 1],
];

/**
 * A `grpc-timeout` value for `ms` milliseconds: the shortest form that says it
 * exactly (`1000` → `"1S"`, `1.5` → `"1500u"`), or, when no unit can say it exactly
 * in eight digits, the finest unit that fits, rounded up, so the server never
 * sees a shorter timeout than the client's. Sub-nanosecond fractions are
 * noise. Zero, negative and NaN give `"0n"` (already expired); anything beyond
 * 99999999 hours (or Infinity) is clamped to `"99999999H"`.
 */
export function encodeTimeout(ms: number): string {
  if (!(ms > 0)) return '0n';
  const ns = Math.round(ms * 1e6) || 1;
  if (Number.isSafeInteger(ns)) return pick(ns, UNITS_NS);
  if (ms > MAX_VALUE * 3_600_000) return `${MAX_VALUE}H`;
  return pick(Math.ceil(ms), UNITS_MS);
}

function pick(amount: number, units: readonly (readonly [string, number])[]): string {
  for (const [unit, size] of units) {
    if (amount % size === 0 && amount / size <= MAX_VALUE) return `${amount / size}${unit}`;
  }
  for (let i = units.length - 1; i >= 0; i--) {
    const [unit, size] = units[i]!;
    const value = Math.ceil(amount / size);
    if (value <= MAX_VALUE) return `${value}${unit}`;
  }
  return `${MAX_VALUE}H`;
}
