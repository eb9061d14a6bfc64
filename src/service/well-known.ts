/**
 * google.protobuf.Timestamp and Duration ⇄ JavaScript's Date and milliseconds.
 *
 * On the wire both are plain messages, and the codec treats them so:
 *
 *   message Timestamp { int64 seconds = 1; int32 nanos = 2; }   // since 1970-01-01T00:00:00Z, nanos in [0, 1e9)
 *   message Duration  { int64 seconds = 1; int32 nanos = 2; }   // nanos with the sign of seconds, |nanos| < 1e9
 *
 * so a decoded Timestamp is `{ seconds: 1700000000n, nanos: 5000000 }`, not a
 * Date. These helpers convert, and refuse what the other side cannot hold
 * rather than change it: a Timestamp outside 0001-01-01 … 9999-12-31 (the
 * range the protobuf documentation gives), an invalid Date, a Duration beyond
 * ±10,000 years, a nanos out of range, are RangeErrors naming the value. What a
 * Date cannot carry is said where it happens: below a millisecond, a
 * Timestamp's nanos are cut (toward the past) by timestampToDate.
 */

/** A Timestamp as the decoder makes it. */
export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

/** A Duration as the decoder makes it. */
export interface Duration {
  seconds: bigint;
  nanos: number;
}

/** What the helpers accept as a Timestamp or Duration: seconds as a bigint or a safe integer, nanos absent = 0. */
export interface SecondsNanos {
  readonly seconds?: bigint | number;
  readonly nanos?: number;
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the epoch. */
const MIN_TIMESTAMP_SECONDS = -62135596800n;
const MAX_TIMESTAMP_SECONDS = 253402300799n;
/** 10,000 years of 365.25 days, the bound the Duration documentation gives. */
const MAX_DURATION_SECONDS = 315576000000n;
const NANOS_PER_SECOND = 1_000_000_000;

/** The Timestamp of a Date (exact: a Date holds whole milliseconds). */
export function timestampFromDate(date: Date): Timestamp {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('timestampFromDate: the Date is invalid');
  return timestampFromMs(ms);
}

/** The Timestamp `ms` milliseconds after the epoch (an integer or not: fractions become nanos). */
export function timestampFromMs(ms: number): Timestamp {
  if (!Number.isFinite(ms)) throw new RangeError(`timestampFromMs: ${ms} is not a finite number of milliseconds`);
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1_000_000);
  const ts =
    nanos === NANOS_PER_SECOND ? { seconds: BigInt(seconds + 1), nanos: 0 } : { seconds: BigInt(seconds), nanos };
  checkTimestamp(ts, 'timestampFromMs');
  return ts;
}

/** The Timestamp of now. */
export function timestampNow(): Timestamp {
  return timestampFromMs(Date.now());
}

/** The Date of a Timestamp. A Date holds milliseconds: nanos below a millisecond are cut (toward the past). */
export function timestampToDate(ts: SecondsNanos): Date {
  const { seconds, nanos } = normalize(ts, 'timestampToDate');
  checkTimestamp({ seconds, nanos }, 'timestampToDate');
  return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1_000_000));
}

/** The Duration of `ms` milliseconds (fractions become nanos; negative durations have negative nanos). */
export function durationFromMs(ms: number): Duration {
  if (!Number.isFinite(ms)) throw new RangeError(`durationFromMs: ${ms} is not a finite number of milliseconds`);
  const sign = ms < 0 ? -1 : 1;
  const abs = Math.abs(ms);
  let seconds = Math.floor(abs / 1000);
  let nanos = Math.round((abs - seconds * 1000) * 1_000_000);
  if (nanos === NANOS_PER_SECOND) {
    seconds += 1;
    nanos = 0;
  }
  const d = { seconds: BigInt(sign * seconds), nanos: nanos === 0 ? 0 : sign * nanos };
  checkDuration(d, 'durationFromMs');
  return d;
}

/** The milliseconds of a Duration, fractional below a millisecond (exact up to 2^53 ns, about 104 days). */
export function durationToMs(d: SecondsNanos): number {
  const { seconds, nanos } = normalize(d, 'durationToMs');
  checkDuration({ seconds, nanos }, 'durationToMs');
  return Number(seconds) * 1000 + nanos / 1_000_000;
}

function normalize(value: SecondsNanos, who: string): Timestamp {
  const raw = value.seconds ?? 0n;
  if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
    throw new RangeError(`${who}: seconds ${raw} is not a safe integer (give a bigint)`);
  }
  const nanos = value.nanos ?? 0;
  if (!Number.isInteger(nanos)) throw new RangeError(`${who}: nanos ${nanos} is not an integer`);
  return { seconds: BigInt(raw), nanos };
}

function checkTimestamp(ts: Timestamp, who: string): void {
  if (ts.nanos < 0 || ts.nanos >= NANOS_PER_SECOND) {
    throw new RangeError(`${who}: nanos ${ts.nanos} is outside [0, 999999999]`);
  }
  if (ts.seconds < MIN_TIMESTAMP_SECONDS || ts.seconds > MAX_TIMESTAMP_SECONDS) {
    throw new RangeError(`${who}: ${ts.seconds} s is outside the Timestamp range 0001-01-01 … 9999-12-31`);
  }
}

function checkDuration(d: Duration, who: string): void {
  if (Math.abs(d.nanos) >= NANOS_PER_SECOND) {
    throw new RangeError(`${who}: nanos ${d.nanos} is outside [-999999999, 999999999]`);
  }
  if ((d.seconds > 0n && d.nanos < 0) || (d.seconds < 0n && d.nanos > 0)) {
    throw new RangeError(`${who}: seconds ${d.seconds} and nanos ${d.nanos} have different signs`);
  }
  if (d.seconds < -MAX_DURATION_SECONDS || d.seconds > MAX_DURATION_SECONDS) {
    throw new RangeError(`${who}: ${d.seconds} s is beyond the Duration range of ±315576000000 s`);
  }
}
