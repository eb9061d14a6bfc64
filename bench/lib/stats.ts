/** Small statistics helpers: medians of rounds and percentiles of latency samples. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function min(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.min(...values);
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.max(...values);
}

/** Nearest-rank percentile (p in 0..100) of the first `count` entries of `samples`; sorts them in place. */
export function percentile(samples: Float64Array, count: number, p: number): number {
  if (count === 0) return NaN;
  const view = samples.subarray(0, count);
  view.sort();
  const rank = Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1));
  return view[rank]!;
}

/** Human formatting: 12345.6 → "12.3k", 0.00123 → "0.00123". */
export function fmt(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  let s: string;
  if (unit === 'B' || unit === 'KiB' || unit === 'MiB') {
    s = abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
  } else if (abs >= 1e6) s = `${(value / 1e6).toFixed(abs >= 1e7 ? 1 : 2)}M`;
  else if (abs >= 1e4) s = `${(value / 1e3).toFixed(abs >= 1e5 ? 0 : 1)}k`;
  else if (abs >= 100) s = value.toFixed(0);
  else if (abs >= 10) s = value.toFixed(1);
  else if (abs >= 1) s = value.toFixed(2);
  else s = value.toPrecision(3);
  return unit ? `${s} ${unit}` : s;
}
