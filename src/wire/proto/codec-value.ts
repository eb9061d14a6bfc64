/**
 * New message values, made fast without generated code.
 *
 * A value starts as a copy of its type's template (built in codec-plan.ts,
 * makeTemplate:
 * the defaults of implicit-presence fields, `undefined` for fields with
 * presence, `null` where a container goes), then gets a fresh array or map
 * for each repeated and map field.
 *
 * Why a copy: adding properties one by one through computed names (what a
 * generic constructor has to do) costs a hash lookup and a layout change per
 * field, ~100 ns for a 7-field message. A spread, `{ ...template }`, copies
 * the whole layout in one step (~20 ns) — as long as the spread's inline
 * cache knows the template's layout, and one spread site knows at most four
 * layouts. A process decodes many message types, so the spread is written out
 * COPY_SITES times below: each is its own site with its own cache, and each
 * message type is given one (on first use, round robin). Up to 4 × COPY_SITES
 * types copy at full speed; past that, a copy still works, at the speed of a
 * generic one.
 */
import type { MessagePlan } from './codec-plan.js';
import type { FieldSchema } from './schema.js';

type Copy = (template: object) => Record<string, unknown>;

// Identical on purpose: each arrow is a separate spread site (see above).
const COPY_SITES: readonly Copy[] = [
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
  (t) => ({ ...t }),
];

let nextSite = 0;

/**
 * A copy of `plan`'s template: implicit fields at their defaults, the rest
 * undefined, and `null` where the containers go. The decoder fills those in
 * (codec-decode.ts); everyone else wants createValue.
 */
export function newShell(plan: MessagePlan): Record<string, unknown> {
  const copy = plan.copy ?? (plan.copy = COPY_SITES[nextSite++ % COPY_SITES.length]!);
  return copy(plan.template);
}

/** A new value of `plan`'s type: implicit fields at their defaults, empty containers, the rest undefined. */
export function createValue(plan: MessagePlan): Record<string, unknown> {
  const o = newShell(plan);
  const containers = plan.containers;
  for (let i = 0; i < containers.length; i++) {
    const f = containers[i]!;
    o[f.key] = f.isMap ? Object.create(null) : [];
  }
  return o;
}

/**
 * Whether `v` is the default of implicit-presence field `f` (proto3 scalars and enums), which JSON and text format
 * leave out: 0, 0n (or "0" for a 64-bit given as text), "", false, empty bytes, +0 (not -0) for floats.
 */
export function isImplicitDefault(f: FieldSchema, v: unknown): boolean {
  if (f.kind === 'enum') return v === 0;
  if (f.kind !== 'scalar') return false;
  switch (f.scalar) {
    case 'string':
      return v === '';
    case 'bytes':
      return v instanceof Uint8Array && v.length === 0;
    case 'bool':
      return v === false;
    case 'double':
    case 'float':
      return v === 0 && 1 / v > 0;
    default:
      return v === 0 || v === 0n || v === '0';
  }
}
