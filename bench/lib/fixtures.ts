/**
 * The messages every bench server and client exchange, so that all contenders do the same work.
 * UserRequest{name:"foo"} → UserResponse{id, name, age, hobby}.
 */
export const USER_REQUEST = { name: 'foo' } as const;

export function userResponse(name: string): { id: number; name: string; age: number; hobby: string[] } {
  return { id: 42, name, age: 30, hobby: ['cycling', 'chess'] };
}

export const UNARY_PATH = '/proto.UserInfo/GetUserInfo';
export const DOWNLOAD_PATH = '/bench.Stream/Download';
export const UPLOAD_PATH = '/bench.Stream/Upload';
export const PINGPONG_PATH = '/bench.Stream/PingPong';

/** [flag=0][length:4 BE][payload]: a gRPC length-prefixed message, built the plain way. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

/** Parse argv of the form `--key value` / `--flag` into a record. */
export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = 'true';
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

/** Peers announce themselves on stdout with one line: `READY {json}`; load programs end with `RESULT {json}`. */
export function announce(kind: 'READY' | 'RESULT', info: unknown): void {
  process.stdout.write(`${kind} ${JSON.stringify(info)}\n`);
}
