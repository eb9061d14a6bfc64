/**
 * The pseudo-header fields of HTTP/2 messages (RFC 9113 §8.3), checked on what a
 * peer sends. A message that breaks them is malformed (§8.1.1): a stream error
 * PROTOCOL_ERROR, the connection lives.
 *
 *     request      :method  :scheme  :path  [:authority]      each once; :path "/…" (or "*": OPTIONS);
 *                                                             CONNECT: :method :authority only
 *     response     :status                                    exactly once
 *     trailers     (none)
 *
 * Pseudo-headers come before regular fields (the HPACK decoder checks that, with
 * the field syntax of §8.2.1). Lists are flat, `[name, value, …]`; pseudo-headers,
 * being first, end at the first regular name.
 */

const REQUEST_PSEUDO = new Set([':method', ':scheme', ':path', ':authority']);

/** What is wrong with a request's pseudo-headers, or undefined. */
export function requestProblem(headers: readonly string[]): string | undefined {
  let method: string | undefined;
  let scheme = false;
  let path: string | undefined;
  let authority = false;
  for (let i = 0; i < headers.length && headers[i]!.charCodeAt(0) === 0x3a; i += 2) {
    const name = headers[i]!;
    if (!REQUEST_PSEUDO.has(name)) return `pseudo-header ${name} is not one of a request (§8.3.1)`;
    const repeated =
      name === ':method'
        ? method !== undefined
        : name === ':scheme'
          ? scheme
          : name === ':path'
            ? path !== undefined
            : authority;
    if (repeated) return `pseudo-header ${name} appears twice (§8.3.1)`;
    if (name === ':method') method = headers[i + 1]!;
    else if (name === ':scheme') scheme = true;
    else if (name === ':path') path = headers[i + 1]!;
    else authority = true;
  }
  if (method === undefined) return 'request without :method (§8.3.1)';
  if (method === 'CONNECT') {
    if (scheme || path !== undefined) return 'CONNECT request with :scheme or :path (§8.5)';
    if (!authority) return 'CONNECT request without :authority (§8.5)';
    return undefined;
  }
  if (!scheme) return 'request without :scheme (§8.3.1)';
  if (path === undefined || path === '') return 'request without a :path (§8.3.1)';
  // origin-form ("/…"), or asterisk-form ("*") for OPTIONS only (RFC 9112 §3.2, as §8.3.1 refers).
  if (path.charCodeAt(0) !== 0x2f && !(path === '*' && method === 'OPTIONS'))
    return `:path ${JSON.stringify(path.slice(0, 40))} is neither "/…" nor "*" for OPTIONS (§8.3.1)`;
  return undefined;
}

/** What is wrong with a response's pseudo-headers, or undefined. */
export function responseProblem(headers: readonly string[]): string | undefined {
  let status = 0;
  for (let i = 0; i < headers.length && headers[i]!.charCodeAt(0) === 0x3a; i += 2) {
    if (headers[i] !== ':status') return `pseudo-header ${headers[i]} in a response (§8.3.2)`;
    if (++status > 1) return ':status appears twice (§8.3.2)';
    if (!/^[1-9][0-9][0-9]$/.test(headers[i + 1]!)) return `:status ${JSON.stringify(headers[i + 1])} is not 3 digits`;
  }
  return status === 0 ? 'response without :status (§8.3.2)' : undefined;
}

/** What is wrong with trailers (no pseudo-headers, §8.1), or undefined. */
export function trailersProblem(headers: readonly string[]): string | undefined {
  return headers.length > 0 && headers[0]!.charCodeAt(0) === 0x3a
    ? `pseudo-header ${headers[0]} in trailers (§8.1)`
    : undefined;
}
