/**
 * Random header lists for the round trips against node:http2: lower-case x- names,
 * printable values with no white space at either end (RFC 9113 §8.2.1), no name
 * twice in a list (node:http2 would join them), a pool of fields that recur across
 * lists so dynamic tables fill, evict and get hit, and now and then a value of
 * 20,000 octets (a block over 16 KiB: HEADERS + CONTINUATION). Seeded: reproducible.
 */
/** A tiny seeded generator (the lists are random but the run is reproducible). */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s = (s ^ (s >>> 12)) >>> 0;
    return s % n;
  };
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_';

/** Random header lists; a pool of fields recurs across lists, so the dynamic tables fill, evict and get hit. */
export function randomLists(seed: number, count: number): string[][] {
  const r = rng(seed);
  const word = (chars: string, n: number) => Array.from({ length: n }, () => chars[r(chars.length)]).join('');
  const value = (n: number) => {
    const v = word(PRINTABLE, n);
    return v.trim() === v ? v : `v${v.trim()}v`; // no white space at either end (RFC 9113 §8.2.1)
  };
  const pool = Array.from({ length: 40 }, (_, i) => [`x-pool-${i}-${word(NAME_CHARS, r(8))}`, value(1 + r(60))]);
  const lists: string[][] = [];
  for (let i = 0; i < count; i++) {
    const names = new Set<string>();
    const list: string[] = [];
    const fields = 1 + r(20);
    for (let f = 0; f < fields; f++) {
      const [name, v] = r(2) === 0 ? pool[r(pool.length)]! : [`x-${word(NAME_CHARS, 1 + r(16))}`, value(r(100))];
      if (names.has(name!)) continue; // node:http2 joins repeated names into one
      names.add(name!);
      list.push(name!, v!);
    }
    if (i % 25 === 7) list.push('x-large', value(20_000)); // a block over 16 KiB: HEADERS + CONTINUATION
    lists.push(list);
  }
  return lists;
}
