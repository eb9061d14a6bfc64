/**
 * google.protobuf.Timestamp and Duration ⇄ Date and milliseconds (src/service/well-known.ts):
 * exact where both sides can hold the value, a RangeError where one cannot, and the values
 * the helpers make are what the codec writes and reads back.
 */
import t from 'tap';
import {
  durationFromMs,
  durationToMs,
  loadProtoSync,
  timestampFromDate,
  timestampFromMs,
  timestampNow,
  timestampToDate,
} from '../../src/service/index.js';

t.test('Timestamp: seconds since the epoch and nanos in [0, 1e9)', async (t) => {
  t.same(timestampFromDate(new Date('1970-01-01T00:00:00Z')), { seconds: 0n, nanos: 0 });
  t.same(timestampFromDate(new Date('2023-11-14T22:13:20.005Z')), { seconds: 1700000000n, nanos: 5_000_000 });
  // Before 1970: seconds go down, nanos stay positive (as the .proto says).
  t.same(timestampFromDate(new Date('1969-12-31T23:59:59.250Z')), { seconds: -1n, nanos: 250_000_000 });
  t.same(timestampFromMs(1.5), { seconds: 0n, nanos: 1_500_000 });
  t.same(timestampFromMs(-0.5), { seconds: -1n, nanos: 999_500_000 });
  const now = Date.now();
  const ts = timestampNow();
  t.ok(ts.seconds >= BigInt(Math.floor(now / 1000)));
});

t.test('Timestamp → Date: milliseconds kept, nanos below a millisecond cut toward the past', async (t) => {
  t.equal(timestampToDate({ seconds: 1700000000n, nanos: 5_000_000 }).toISOString(), '2023-11-14T22:13:20.005Z');
  t.equal(timestampToDate({ seconds: 1700000000, nanos: 5_999_999 }).toISOString(), '2023-11-14T22:13:20.005Z');
  t.equal(timestampToDate({ seconds: -1n, nanos: 999_999_999 }).toISOString(), '1969-12-31T23:59:59.999Z');
  t.equal(timestampToDate({}).getTime(), 0, 'absent fields are zero, as after decoding');
  const date = new Date('2024-02-29T12:34:56.789Z');
  t.equal(timestampToDate(timestampFromDate(date)).getTime(), date.getTime(), 'a round trip is exact');
});

t.test('Timestamp: what either side cannot hold is a RangeError naming it', async (t) => {
  t.throws(() => timestampFromDate(new Date('nonsense')), { name: 'RangeError', message: /invalid/ });
  t.throws(() => timestampFromMs(Number.NaN), RangeError);
  t.throws(() => timestampFromDate(new Date('+010000-01-01T00:00:00Z')), /outside the Timestamp range/);
  t.throws(() => timestampToDate({ seconds: 0n, nanos: 1_000_000_000 }), /nanos 1000000000 is outside/);
  t.throws(() => timestampToDate({ seconds: 0n, nanos: -1 }), /nanos -1 is outside/);
  t.throws(() => timestampToDate({ seconds: 2n ** 40n }), /outside the Timestamp range/);
  t.throws(() => timestampToDate({ seconds: 0.5 }), /not a safe integer/);
  t.throws(() => timestampToDate({ nanos: 1.5 }), /not an integer/);
  t.doesNotThrow(() => timestampToDate({ seconds: -62135596800n }), '0001-01-01 is the first');
  t.doesNotThrow(() => timestampToDate({ seconds: 253402300799n, nanos: 999_999_999 }), '9999-12-31 the last');
});

t.test('Duration: nanos carry the sign of seconds', async (t) => {
  t.same(durationFromMs(0), { seconds: 0n, nanos: 0 });
  t.same(durationFromMs(1500), { seconds: 1n, nanos: 500_000_000 });
  t.same(durationFromMs(-1500), { seconds: -1n, nanos: -500_000_000 });
  t.same(durationFromMs(-0.25), { seconds: 0n, nanos: -250_000 });
  t.same(durationFromMs(0.000001), { seconds: 0n, nanos: 1 });
  t.equal(durationToMs({ seconds: 3n, nanos: 250_000_000 }), 3250);
  t.equal(durationToMs({ seconds: -3n, nanos: -250_000_000 }), -3250);
  t.equal(durationToMs({ nanos: 1500 }), 0.0015, 'below a millisecond: a fraction');
  t.equal(durationToMs(durationFromMs(123456.789)), 123456.789);
});

t.test('Duration: out of range or of mixed signs is a RangeError', async (t) => {
  t.throws(() => durationFromMs(Number.POSITIVE_INFINITY), RangeError);
  t.throws(() => durationFromMs(315576000001 * 1000), /beyond the Duration range/);
  t.throws(() => durationToMs({ seconds: 1n, nanos: -1 }), /different signs/);
  t.throws(() => durationToMs({ seconds: 0n, nanos: 1_000_000_000 }), /outside/);
  t.throws(() => durationToMs({ seconds: -315576000001n }), /beyond the Duration range/);
});

t.test('what the helpers make, the codec writes and reads back unchanged', async (t) => {
  const protos = loadProtoSync('test/protos/wkt.proto');
  const codec = protos.codec<{ ts?: unknown; dur?: unknown }>('golden.WellKnown');
  const value = { ts: timestampFromDate(new Date('2023-11-14T22:13:20.005Z')), dur: durationFromMs(-1500) };
  const back = codec.decode(codec.encode(value));
  t.same(back.ts, value.ts);
  t.same(back.dur, value.dur);
  t.equal(timestampToDate(back.ts as { seconds: bigint; nanos: number }).toISOString(), '2023-11-14T22:13:20.005Z');
});
