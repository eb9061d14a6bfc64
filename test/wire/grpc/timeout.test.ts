// grpc-timeout (grpc/grpc doc/PROTOCOL-HTTP2.md):
//   Timeout      → "grpc-timeout" TimeoutValue TimeoutUnit
//   TimeoutValue → {positive integer as ASCII string of at most 8 digits}
//   TimeoutUnit  → "H" hours / "M" minutes / "S" seconds / "m" ms / "u" µs / "n" ns
import t from 'tap';
import { Code } from '../../../src/wire/grpc/code.js';
import { GrpcError } from '../../../src/wire/grpc/error.js';
import { encodeTimeout, parseTimeout } from '../../../src/wire/grpc/timeout.js';

t.test('each unit, converted to milliseconds', async (t) => {
  t.equal(parseTimeout('2H'), 7_200_000);
  t.equal(parseTimeout('3M'), 180_000);
  t.equal(parseTimeout('5S'), 5000);
  t.equal(parseTimeout('250m'), 250);
  t.equal(parseTimeout('1500u'), 1.5);
  t.equal(parseTimeout('2000000n'), 2);
});

t.test('the value has one to eight digits; leading zeros are digits too', async (t) => {
  t.equal(parseTimeout('1S'), 1000);
  t.equal(parseTimeout('99999999S'), 99_999_999_000);
  t.equal(parseTimeout('00000001m'), 1);
  t.equal(parseTimeout('99999999H'), 99_999_999 * 3_600_000, 'the largest timeout fits a double exactly');
});

t.test('zero is accepted: the deadline is already here (grpc-go sends "0n")', async (t) => {
  t.equal(parseTimeout('0n'), 0);
  t.equal(parseTimeout('0S'), 0);
});

t.test('anything else is a GrpcError (INTERNAL), returned, never thrown', async (t) => {
  const bad = [
    '',
    'S',
    '1',
    '10',
    '123456789S',
    '1s',
    '1h',
    '1x',
    '1 S',
    ' 1S',
    '1S ',
    '-1S',
    '+1S',
    '1.5S',
    '1e3m',
    '0x1S',
    '１S',
    '1SS',
    'S1',
    '1\u0000',
    '__proto__',
    'constructor',
    '٣S',
  ];
  for (const value of bad) {
    const r = parseTimeout(value);
    t.ok(r instanceof GrpcError, JSON.stringify(value));
    t.equal((r as GrpcError).code, Code.INTERNAL);
    t.match((r as GrpcError).rawMessage, /^malformed grpc-timeout/);
  }
});

t.test('a huge bogus value is cut short in the error message', async (t) => {
  const r = parseTimeout('9'.repeat(10_000) + 'S') as GrpcError;
  t.ok(r.rawMessage.length < 200);
});

t.test('encodeTimeout writes the coarsest unit that is exact', async (t) => {
  t.equal(encodeTimeout(1000), '1S');
  t.equal(encodeTimeout(60_000), '1M');
  t.equal(encodeTimeout(7_200_000), '2H');
  t.equal(encodeTimeout(1), '1m');
  t.equal(encodeTimeout(1500), '1500m');
  t.equal(encodeTimeout(1.5), '1500u');
  t.equal(encodeTimeout(0.000_001), '1n');
  t.equal(encodeTimeout(90_061_001), '90061001m', '25h 1m 1s 1ms: still exact in eight digits');
});

t.test('when no unit is exact within eight digits it rounds up, so the timeout never shrinks', async (t) => {
  t.equal(encodeTimeout(123_456.789), '123457m');
  t.equal(encodeTimeout(100_000_000.5), '100001S');
  t.equal(encodeTimeout(1e-9), '1n', 'a positive timeout never becomes zero');
});

t.test('expired and absurd timeouts', async (t) => {
  t.equal(encodeTimeout(0), '0n');
  t.equal(encodeTimeout(-5), '0n');
  t.equal(encodeTimeout(Number.NaN), '0n');
  t.equal(encodeTimeout(Infinity), '99999999H');
  t.equal(encodeTimeout(1e30), '99999999H');
});

t.test('encode then parse gives back at least the timeout, and not much more', async (t) => {
  const samples = [0.0004, 0.3, 1, 7, 999.999, 1234.5, 86_400_000, 2 ** 31, 1e12, 3.5e14];
  for (const ms of samples) {
    const text = encodeTimeout(ms);
    t.match(text, /^[0-9]{1,8}[HMSmun]$/, text);
    const back = parseTimeout(text) as number;
    t.ok(back >= ms * (1 - 1e-12), `${ms} → ${text} → ${back}`);
    t.ok(back <= ms * (1 + 1e-6) + 1e-6, `${ms} → ${text} not much longer`);
  }
});
