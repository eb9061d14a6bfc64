/**
 * The golden fixtures' value helpers that need nothing from Node, so the
 * browser page (test/runtimes/browser/page.ts) uses the same ones as the
 * Node tests: hex in and out, and `canon`, the comparable picture of a value.
 */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A plain, comparable picture of a value: bigint → "123n", bytes → "bytes:hex", -0 → "-0", maps tagged, undefined fields dropped. */
export function canon(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v;
  if (v instanceof Uint8Array) return `bytes:${toHex(v)}`;
  if (Array.isArray(v)) return v.map(canon);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    if (Object.getPrototypeOf(v) === null) out['<null-proto>'] = true;
    // an unset field may be missing or hold undefined: the same thing
    for (const k of Object.keys(v).sort())
      if ((v as Record<string, unknown>)[k] !== undefined) out[k] = canon((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
