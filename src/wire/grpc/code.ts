/**
 * gRPC status codes (grpc/grpc doc/statuscodes.md). The numbers travel in the
 * `grpc-status` trailer as decimal ASCII; the names are what people read.
 */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** `Code.NOT_FOUND` → `"NOT_FOUND"`; numbers outside 0..16 → `"CODE_<n>"`. */
export function codeName(code: number): string {
  return Code[code] ?? `CODE_${code}`;
}

/** `"NOT_FOUND"` or `"5"` → `Code.NOT_FOUND`; anything else → undefined. */
export function parseCode(text: string): Code | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n <= 16 ? (n as Code) : undefined;
  }
  const n = (Code as unknown as Record<string, number | undefined>)[text.toUpperCase()];
  return typeof n === 'number' ? (n as Code) : undefined;
}
