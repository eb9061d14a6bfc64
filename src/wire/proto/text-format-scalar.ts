/**
 * Scalar values in text format, printed as protoc prints them:
 *
 *   integers      decimal: -5, 18446744073709551615
 *   double        printf "%.15g", or "%.17g" when 15 digits do not read back: 0.1, 1e+100, 0.33333333333333331
 *   float         printf "%.6g", or "%.9g": 0.1, 3.40282347e+38;  inf, -inf, nan; -0
 *   bool          true / false
 *   string/bytes  "…" with C escapes: \n \r \t \" \' \\, every other byte outside 0x20..0x7e as \ooo (octal)
 *
 * and the integer literals the parser reads (decimal, 0x hex, 0 octal) and each integer type's range.
 */
import type { ScalarType } from './schema.js';

/** The range of each integer type, for the printer's and the parser's checks. */
export const INT_RANGE: Partial<Record<ScalarType, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

const OCTAL_DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7'];

/** Bytes as a double-quoted C-escaped literal (protobuf's CEscape). */
export function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    switch (b) {
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x27:
        out += "\\'";
        break;
      case 0x5c:
        out += '\\\\';
        break;
      default:
        if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
        else out += `\\${OCTAL_DIGITS[b >> 6]!}${OCTAL_DIGITS[(b >> 3) & 7]!}${OCTAL_DIGITS[b & 7]!}`;
    }
  }
  return `${out}"`;
}

/** C's printf("%.<p>g", v) for a finite v. */
export function printfG(v: number, p: number): string {
  if (v === 0) return 1 / v < 0 ? '-0' : '0';
  const [mantissa, exp] = v.toExponential(p - 1).split('e') as [string, string];
  const x = Number(exp);
  const trim = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (x < -4 || x >= p) return `${trim(mantissa)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return trim(v.toFixed(p - 1 - x));
}

function nonFinite(v: number): string | undefined {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return undefined;
}

export function formatDouble(v: number): string {
  const special = nonFinite(v);
  if (special !== undefined) return special;
  const short = printfG(v, 15);
  return Number(short) === v ? short : printfG(v, 17);
}

export function formatFloat(v: number): string {
  const special = nonFinite(v);
  if (special !== undefined) return special;
  const short = printfG(v, 6);
  return Math.fround(Number(short)) === v ? short : printfG(v, 9);
}

/** An integer literal's value: decimal, `0x` hex or `0` octal (no sign). */
export function integerLiteral(text: string): bigint {
  if (/^0[xX]/.test(text)) return BigInt(text);
  if (/^0[0-7]+$/.test(text)) return BigInt(`0o${text.slice(1)}`);
  return BigInt(text);
}
