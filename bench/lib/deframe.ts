/** A minimal gRPC deframer for the raw peers (no gRPC library): split length-prefixed messages across chunks. */
export class MiniDeframer {
  private pending: Buffer | undefined;

  /** Calls onMessage for every complete message; returns how many. */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): number {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    let n = 0;
    while (data.length - at >= 5) {
      const len = data.readUInt32BE(at + 1);
      if (data.length - at - 5 < len) break;
      onMessage(data.subarray(at + 5, at + 5 + len));
      at += 5 + len;
      n++;
    }
    this.pending = at < data.length ? data.subarray(at) : undefined;
    return n;
  }

  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}
