// grpc-message percent-encoding (grpc/grpc doc/PROTOCOL-HTTP2.md):
//   Percent-Byte-Encoded   → 1*( Percent-Byte-Unencoded / Percent-Byte-Encoded )
//   Percent-Byte-Unencoded → 1*( %x20-%x24 / %x26-%x7E ) ; space and VCHAR, except %
//   Percent-Byte-Encoded   → "%" 2HEXDIGIT
// The text is UTF-8; decoders must never fail over a bad encoding.
import t from 'tap';
import { decodeGrpcMessage, encodeGrpcMessage } from '../../../src/wire/grpc/percent.js';

t.test('printable ASCII other than % goes as it is', async (t) => {
  // Space first would be an edge space (see below): put it in the middle.
  const printable = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i))
    .join('')
    .replace('%', '');
  const withSpace = printable.slice(0, 40) + ' ' + printable.slice(40);
  t.equal(encodeGrpcMessage(withSpace), withSpace);
  t.equal(encodeGrpcMessage(''), '');
});

t.test('a space at either end is %20, since HTTP/2 field values cannot begin or end with white space', async (t) => {
  t.equal(encodeGrpcMessage('unknown user: name = '), 'unknown user: name =%20');
  t.equal(encodeGrpcMessage(' x'), '%20x');
  t.equal(encodeGrpcMessage(' '), '%20');
  t.equal(
    encodeGrpcMessage('  a b  '),
    '%20 a b %20',
    'only the edge bytes: the value no longer starts or ends with a space',
  );
  t.equal(encodeGrpcMessage(' é '), '%20%C3%A9%20');
  for (const text of ['unknown user: name = ', ' ', '  a b  ', ' é '])
    t.equal(decodeGrpcMessage(encodeGrpcMessage(text)), text);
});

t.test('% itself, control characters and DEL are %XX, upper-case hex', async (t) => {
  t.equal(encodeGrpcMessage('100%'), '100%25');
  t.equal(encodeGrpcMessage('a\nb\tc\r'), 'a%0Ab%09c%0D');
  t.equal(encodeGrpcMessage('\u0000\u001f\u007f'), '%00%1F%7F');
});

t.test('non-ASCII text is written as the %XX of its UTF-8 bytes', async (t) => {
  t.equal(encodeGrpcMessage('é'), '%C3%A9');
  t.equal(encodeGrpcMessage('€'), '%E2%82%AC');
  t.equal(encodeGrpcMessage('😀'), '%F0%9F%98%80');
  t.equal(encodeGrpcMessage('Hello, 世界!'), 'Hello, %E4%B8%96%E7%95%8C!');
});

t.test('a lone surrogate has no UTF-8 form and is written as U+FFFD', async (t) => {
  t.equal(encodeGrpcMessage('a\uD800b'), 'a%EF%BF%BDb');
  t.equal(encodeGrpcMessage('\uDC00'), '%EF%BF%BD');
  t.equal(decodeGrpcMessage(encodeGrpcMessage('x\uD83Dy')), 'x\uFFFDy');
});

t.test('decoding reverses it', async (t) => {
  t.equal(decodeGrpcMessage('Hello, %E4%B8%96%E7%95%8C!'), 'Hello, 世界!');
  t.equal(decodeGrpcMessage('100%25'), '100%');
  t.equal(decodeGrpcMessage('%0A'), '\n');
  t.equal(decodeGrpcMessage('no escapes here'), 'no escapes here');
});

t.test('lower-case hex digits are accepted', async (t) => {
  t.equal(decodeGrpcMessage('%c3%a9'), 'é');
});

t.test('a % not followed by two hex digits stays as it is', async (t) => {
  t.equal(decodeGrpcMessage('%'), '%');
  t.equal(decodeGrpcMessage('50%'), '50%');
  t.equal(decodeGrpcMessage('%4'), '%4');
  t.equal(decodeGrpcMessage('%zz'), '%zz');
  t.equal(decodeGrpcMessage('%4g%41'), '%4gA');
  t.equal(decodeGrpcMessage('%%41'), '%A');
  t.equal(decodeGrpcMessage('%41%'), 'A%');
  t.equal(decodeGrpcMessage('%%%'), '%%%');
});

t.test('bytes that are not UTF-8 become U+FFFD', async (t) => {
  t.equal(decodeGrpcMessage('%FF'), '\uFFFD');
  t.equal(decodeGrpcMessage('%C3%28'), '\uFFFD(');
  t.equal(decodeGrpcMessage('a%E2%82b'), 'a\uFFFDb', 'a truncated sequence');
  t.equal(decodeGrpcMessage('%ED%A0%80'), '\uFFFD\uFFFD\uFFFD', 'an encoded surrogate is not UTF-8');
});

t.test('a leading byte-order mark is kept, not swallowed', async (t) => {
  t.equal(decodeGrpcMessage('%EF%BB%BFx'), '\uFEFFx');
});

t.test('characters a sloppy peer left unencoded are kept', async (t) => {
  t.equal(decodeGrpcMessage('naïve %41'), 'naïve A');
  t.equal(decodeGrpcMessage('tab\there'), 'tab\there');
});

t.test('round trip of text that needs every kind of escape', async (t) => {
  const text = '% 100%% done\n\u0000 é € 😀 ~!';
  t.equal(decodeGrpcMessage(encodeGrpcMessage(text)), text);
});
