/**
 * IEEE 754 floats ↔ their wire bytes. On the wire a `double` (wire type 1) is
 * its 8 bytes little-endian, a `float` (wire type 5) its 4 bytes.
 *
 * Two ways to get at them, measured on node 20 on this (shared, noisy) 2-core
 * machine. Alone (2e7 values): a read or write through a DataView that
 * already exists ~5 ns; a copy through a scratch Float64Array 3–15 ns; making
 * a DataView ~65 ns. In the codec: the Writer keeps one buffer across
 * messages, so its DataView is made once, and writing the bench's Catalog
 * (1150 doubles among 8000 fields) went from 2.8k to 3.2k ops/s with it
 * instead of the byte copy. The Reader is pointed at a new input buffer for
 * every message, where a DataView would cost ~65 ns per message — more than
 * a typical message's few floats save — so it reads by the byte copy below
 * (also used by dump.ts). One rule for both: a DataView where the buffer
 * outlives the message, the byte copy where it does not.
 */

/** The wire is little-endian; so is nearly every host, but not all. */
export const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const f32 = new Float32Array(1);
const f64 = new Float64Array(1);
const f32b = new Uint8Array(f32.buffer);
const f64b = new Uint8Array(f64.buffer);

/** The float32 whose 4 little-endian bytes start at `buf[p]` (the caller checked they are there). */
export function readFloat32(buf: Uint8Array, p: number): number {
  if (LITTLE) {
    f32b[0] = buf[p]!;
    f32b[1] = buf[p + 1]!;
    f32b[2] = buf[p + 2]!;
    f32b[3] = buf[p + 3]!;
  } else {
    f32b[3] = buf[p]!;
    f32b[2] = buf[p + 1]!;
    f32b[1] = buf[p + 2]!;
    f32b[0] = buf[p + 3]!;
  }
  return f32[0]!;
}

/** The double whose 8 little-endian bytes start at `buf[p]`. */
export function readFloat64(buf: Uint8Array, p: number): number {
  if (LITTLE) {
    f64b[0] = buf[p]!;
    f64b[1] = buf[p + 1]!;
    f64b[2] = buf[p + 2]!;
    f64b[3] = buf[p + 3]!;
    f64b[4] = buf[p + 4]!;
    f64b[5] = buf[p + 5]!;
    f64b[6] = buf[p + 6]!;
    f64b[7] = buf[p + 7]!;
  } else {
    f64b[7] = buf[p]!;
    f64b[6] = buf[p + 1]!;
    f64b[5] = buf[p + 2]!;
    f64b[4] = buf[p + 3]!;
    f64b[3] = buf[p + 4]!;
    f64b[2] = buf[p + 5]!;
    f64b[1] = buf[p + 6]!;
    f64b[0] = buf[p + 7]!;
  }
  return f64[0]!;
}
