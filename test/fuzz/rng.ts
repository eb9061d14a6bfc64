/**
 * A small seeded random generator and the byte mutations of the fuzzers.
 * Seeded, so every failure is reproducible from (target, seed, case number),
 * and the reproducer file holds the exact input anyway.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over sfc32's state.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** A uint32 (sfc32). */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Small sizes most of the time, now and then a large one. */
  size(max: number): number {
    return this.chance(0.9) ? this.int(Math.min(max, 32) + 1) : this.int(max + 1);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** Values that make parsers take their edge paths: varint continuation bits, signs, lengths. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x08, 0x0a, 0x12, 0x1a, 0x0f, 0x07];

/**
 * A mutant of `input`: a few random edits (bit flips, byte sets, insertions,
 * deletions, duplicated ranges, varint-like runs, truncation, splices of `other`).
 */
export function mutate(rng: Rng, input: Uint8Array, other?: Uint8Array, maxLength = 4096): Uint8Array {
  let bytes = Array.from(input);
  const edits = 1 + rng.int(rng.chance(0.2) ? 16 : 4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(bytes.length + 1);
    switch (rng.int(9)) {
      case 0: // flip a bit
        if (bytes.length > 0) bytes[at % bytes.length]! ^= 1 << rng.int(8);
        break;
      case 1: // set a byte
        if (bytes.length > 0) bytes[at % bytes.length] = rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256);
        break;
      case 2: // insert bytes
        bytes.splice(at, 0, ...Array.from(rng.bytes(1 + rng.int(8))));
        break;
      case 3: // delete a range
        bytes.splice(at, 1 + rng.int(8));
        break;
      case 4: // duplicate a range
        if (bytes.length > 0) {
          const from = rng.int(bytes.length);
          bytes.splice(at, 0, ...bytes.slice(from, from + 1 + rng.int(16)));
        }
        break;
      case 5: // a run of continuation bytes (long or endless varints)
        bytes.splice(at, 0, ...Array.from({ length: 1 + rng.int(12) }, () => 0x80 | rng.int(128)));
        break;
      case 6: // truncate
        bytes = bytes.slice(0, at);
        break;
      case 7: // splice in part of another input
        if (other !== undefined && other.length > 0) {
          const from = rng.int(other.length);
          bytes.splice(at, rng.int(8), ...Array.from(other.subarray(from, from + 1 + rng.int(32))));
        }
        break;
      case 8: // a big-endian or varint length that lies
        bytes.splice(
          at,
          0,
          ...rng.pick([
            [0xff, 0xff, 0xff, 0x0f],
            [0xff, 0xff, 0xff, 0xff, 0x0f],
            [0x80, 0x80, 0x80, 0x80, 0x10],
            [0x7f],
            [0x00],
          ]),
        );
        break;
    }
  }
  if (bytes.length > maxLength) bytes.length = maxLength;
  return Uint8Array.from(bytes);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
