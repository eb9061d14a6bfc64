/**
 * The `content-type` of a gRPC request or response (grpc/grpc doc/PROTOCOL-HTTP2.md
 * and doc/PROTOCOL-WEB.md):
 *
 *     Content-Type → "content-type" "application/grpc" [("+proto" / "+json" / {custom})]
 *
 * - `application/grpc` means `application/grpc+proto`: the subtype names the
 *   message encoding, protobuf unless told otherwise;
 * - `application/grpc-web[+subtype]`: gRPC-Web, binary frames, trailers in-band;
 * - `application/grpc-web-text[+subtype]`: gRPC-Web with the body base64-encoded.
 *
 * Parameters (`; charset=utf-8`) are allowed and ignored; type names compare
 * case-insensitively, as HTTP media types do.
 */
export interface ContentType {
  /** Message encoding: `proto` (the default), `json`, or a custom name, lower-case. */
  subtype: string;
  /** gRPC-Web rather than gRPC over HTTP/2. */
  web: boolean;
  /** gRPC-Web-text: the body is base64. */
  text: boolean;
}

// type/subtype, then an optional +suffix (an HTTP token), then optional parameters.
const CONTENT_TYPE = /^application\/(grpc|grpc-web|grpc-web-text)(?:\+([!#$%&'*.^`|~0-9a-z_-]*))?[ \t]*(?:;.*)?$/is;

/** What a content-type says about the call, or undefined if it is not gRPC at all. */
export function parseContentType(value: string | undefined): ContentType | undefined {
  if (value === undefined) return undefined;
  const m = CONTENT_TYPE.exec(value.trim());
  if (m === null) return undefined;
  const base = m[1]!.toLowerCase();
  return {
    subtype: m[2] ? m[2].toLowerCase() : 'proto',
    web: base !== 'grpc',
    text: base === 'grpc-web-text',
  };
}

/** The content-type to send: `application/grpc` for proto, `application/grpc+json` and so on otherwise. */
export function formatContentType(subtype = 'proto', web = false, text = false): string {
  const base = web ? (text ? 'application/grpc-web-text' : 'application/grpc-web') : 'application/grpc';
  return subtype === 'proto' ? base : `${base}+${subtype}`;
}
