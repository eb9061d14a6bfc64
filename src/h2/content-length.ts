/**
 * content-length against the DATA that follows (RFC 9113 §8.1.1): a request or
 * response whose content-length does not equal the sum of its DATA payloads
 * (padding not counted) is malformed — a stream error PROTOCOL_ERROR, the
 * connection lives.
 *
 *     HEADERS  content-length: 10          declared 10
 *     DATA     6 bytes                      6 so far
 *     DATA     5 bytes                      11 > 10: malformed, at once
 *     DATA     4 bytes, END_STREAM          10 = 10: fine; 9 would be malformed at END_STREAM
 *
 * A response to HEAD, and a 304, carry the length of a body they do not have
 * (RFC 9110 §8.6), so their content-length is not held against their DATA.
 * gRPC itself sends no content-length; other HTTP/2 peers (curl, nghttp) do.
 */

/** No content-length: nothing to check. */
export const UNDECLARED = -1;

/**
 * The content-length a field list declares: a length, UNDECLARED, or what is wrong with it as a string.
 * Repeated fields must agree (RFC 9110 §8.6); a value is decimal digits only.
 */
export function declaredLength(headers: readonly string[]): number | string {
  let declared = UNDECLARED;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'content-length') continue;
    const value = headers[i + 1]!;
    if (!/^[0-9]{1,15}$/.test(value)) return `content-length ${JSON.stringify(value)} is not a length (§8.1.1)`;
    const n = Number(value);
    if (declared !== UNDECLARED && n !== declared) return `content-length given twice, ${declared} and ${n} (§8.1.1)`;
    declared = n;
  }
  return declared;
}

/** What is wrong with `received` DATA bytes against `declared`, or undefined; `ended`: END_STREAM came. */
export function lengthProblem(declared: number, received: number, ended: boolean): string | undefined {
  if (declared === UNDECLARED) return undefined;
  if (received > declared) return `${received} bytes of DATA, more than content-length ${declared} (§8.1.1)`;
  if (ended && received < declared) return `${received} bytes of DATA, less than content-length ${declared} (§8.1.1)`;
  return undefined;
}
