/**
 * proto2's `required` fields, checked after a decode: a message that lacks
 * one (at any depth) is refused, naming the field by its path, as protobuf's
 * parsers do (`IsInitialized`). After the whole message, not per piece: a
 * message field may arrive in several pieces that are merged, and only the
 * merged value must have its required fields.
 *
 *   decode(bytes) ─▶ value ─▶ checkRequired(plan, value) ─▶ ProtoError('decode',
 *     "missing required field pkg.Outer.inner.id")
 *
 * The encoder checks the same on the way out (codec-encode.ts, encodeChecked).
 * Types that can reach no required field (every proto3 type) skip the walk.
 */
import { ProtoError } from './error.js';
import { FieldType, Mode, type FieldPlan, type MessagePlan } from './codec-plan.js';

const reaches = new WeakMap<MessagePlan, boolean>();

/** Whether a value of `plan`'s type can hold a required field: its own, or one of a message it contains. */
export function reachesRequired(plan: MessagePlan): boolean {
  const known = reaches.get(plan);
  if (known !== undefined) return known;
  // A cycle (a recursive type) answers `false` until the walk that started it is done.
  reaches.set(plan, false);
  let found = plan.required.length !== 0;
  for (const f of plan.fields) {
    if (found) break;
    if (f.msg !== undefined && reachesRequired(f.msg)) found = true;
  }
  reaches.set(plan, found);
  return found;
}

/** Throws when `value` (of `plan`'s type) or a message inside it lacks a required field. */
export function checkRequired(plan: MessagePlan, value: Record<string, unknown>, path = plan.schema.typeName): void {
  for (const f of plan.required) {
    const v = f.hasDefault && !Object.prototype.hasOwnProperty.call(value, f.key) ? undefined : value[f.key];
    if (v === undefined || v === null) throw new ProtoError('decode', `missing required field ${path}.${f.key}`);
  }
  for (const f of plan.fields) {
    const sub = f.msg;
    if (sub === undefined || !reachesRequired(sub)) continue;
    const v = value[f.key];
    if (v === undefined || v === null) continue;
    visit(f, sub, v, `${path}.${f.key}`);
  }
}

function visit(f: FieldPlan, sub: MessagePlan, v: unknown, path: string): void {
  if (f.mode === Mode.MAP) {
    for (const [k, item] of Object.entries(v as Record<string, unknown>))
      checkRequired(sub, item as Record<string, unknown>, `${path}[${JSON.stringify(k)}]`);
  } else if (f.mode === Mode.REPEATED) {
    (v as Record<string, unknown>[]).forEach((item, i) => checkRequired(sub, item, `${path}[${i}]`));
  } else if (f.type === FieldType.MESSAGE || f.type === FieldType.GROUP) {
    checkRequired(sub, v as Record<string, unknown>, path);
  }
}
