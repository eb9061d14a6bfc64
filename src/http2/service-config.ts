/**
 * Service config (gRFC A2), the JSON form a channel is given:
 *
 *   {
 *     "loadBalancingConfig": [{ "round_robin": {} }],          first policy we know wins
 *     "methodConfig": [{
 *       "name": [{ "service": "pkg.Svc", "method": "Get" },     one method
 *                { "service": "pkg.Other" },                     every method of a service
 *                {}],                                            every method (the default)
 *       "timeout": "1.5s", "waitForReady": true,
 *       "maxRequestMessageBytes": 1048576, "maxResponseMessageBytes": 4194304,
 *       "retryPolicy": { "maxAttempts": 4, "initialBackoff": "0.1s", "maxBackoff": "1s",
 *                        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"] }
 *       // or "hedgingPolicy": { "maxAttempts": 3, "hedgingDelay": "0.5s", "nonFatalStatusCodes": [...] }
 *     }],
 *     "retryThrottling": { "maxTokens": 10, "tokenRatio": 0.1 }
 *   }
 *
 * Field names and meanings are those of grpc/service_config/service_config.proto
 * (durations in protobuf's JSON form, codes by name or number). Parsing is
 * strict: a missing required field, a value out of range, an unknown field (a
 * typo would otherwise be a policy silently not applied) is a TypeError at
 * channel creation naming the field: `serviceConfig.methodConfig[0].retryPolicy.maxAttempts: …`.
 * The one value changed on purpose is the spec's: maxAttempts above 5 counts as 5 (gRFC A6).
 *
 * A method's config is looked up by its path (`/pkg.Svc/Get`): the exact
 * method, else its service, else the default.
 */
import { Code, parseCode } from '../wire/grpc/code.js';
import type { LoadBalancingPolicy } from './balancer.js';
import { parseConfigDuration } from './duration.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (2..5). */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  readonly retryableStatusCodes: ReadonlySet<Code>;
}

export interface HedgingPolicy {
  /** Attempts in all, the first included (2..5). */
  readonly maxAttempts: number;
  /** Wait before each further attempt, ms (0: all at once). */
  readonly hedgingDelayMs: number;
  readonly nonFatalStatusCodes: ReadonlySet<Code>;
}

export interface MethodConfig {
  readonly timeoutMs?: number;
  readonly waitForReady?: boolean;
  readonly maxRequestMessageBytes?: number;
  readonly maxResponseMessageBytes?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly hedgingPolicy?: HedgingPolicy;
}

export interface RetryThrottling {
  readonly maxTokens: number;
  readonly tokenRatio: number;
}

export interface ServiceConfig {
  readonly loadBalancingPolicy?: LoadBalancingPolicy;
  readonly retryThrottling?: RetryThrottling;
  /** The method config for a `:path`, or undefined. */
  methodConfig(path: string): MethodConfig | undefined;
}

/** The JSON form (an object, or its text), as the user writes it. */
export type ServiceConfigInit = string | Record<string, unknown>;

const MAX_ATTEMPTS_CAP = 5;
const LB_POLICIES: readonly LoadBalancingPolicy[] = ['pick_first', 'round_robin'];

/** Parses and checks a service config; throws TypeError naming the field at fault. */
export function parseServiceConfig(init: ServiceConfigInit): ServiceConfig {
  let json: unknown = init;
  if (typeof init === 'string') {
    try {
      json = JSON.parse(init);
    } catch (err) {
      throw new TypeError(`serviceConfig: not valid JSON: ${(err as Error).message}`);
    }
  }
  const root = object(json, 'serviceConfig');
  only(root, 'serviceConfig', ['loadBalancingConfig', 'loadBalancingPolicy', 'methodConfig', 'retryThrottling']);
  const byName = new Map<string, MethodConfig>();
  const methodConfigs = root['methodConfig'];
  if (methodConfigs !== undefined) {
    array(methodConfigs, 'serviceConfig.methodConfig').forEach((entry, i) => {
      const at = `serviceConfig.methodConfig[${i}]`;
      const { names, config } = methodConfig(entry, at);
      for (const [key, where] of names) {
        if (byName.has(key)) throw new TypeError(`${where}: names a method already configured (${key || 'default'})`);
        byName.set(key, config);
      }
    });
  }
  const result: ServiceConfig = {
    loadBalancingPolicy: loadBalancing(root),
    retryThrottling:
      root['retryThrottling'] === undefined
        ? undefined
        : throttling(root['retryThrottling'], 'serviceConfig.retryThrottling'),
    methodConfig(path: string): MethodConfig | undefined {
      if (byName.size === 0) return undefined;
      const slash = path.lastIndexOf('/');
      const service = path.slice(1, slash);
      return byName.get(`${service}/${path.slice(slash + 1)}`) ?? byName.get(`${service}/`) ?? byName.get('');
    },
  };
  return result;
}

function methodConfig(
  value: unknown,
  at: string,
): { names: Array<[key: string, where: string]>; config: MethodConfig } {
  const o = object(value, at);
  only(o, at, [
    'name',
    'timeout',
    'waitForReady',
    'maxRequestMessageBytes',
    'maxResponseMessageBytes',
    'retryPolicy',
    'hedgingPolicy',
  ]);
  const names: Array<[string, string]> = array(o['name'] ?? [], `${at}.name`).map((n, j) => {
    const where = `${at}.name[${j}]`;
    const name = object(n, where);
    only(name, where, ['service', 'method']);
    const service = name['service'] === undefined ? '' : string(name['service'], `${where}.service`);
    const method = name['method'] === undefined ? '' : string(name['method'], `${where}.method`);
    if (service === '' && method !== '') throw new TypeError(`${where}.method: a method needs its service`);
    return [service === '' ? '' : `${service}/${method}`, where];
  });
  if (names.length === 0) throw new TypeError(`${at}.name: must name at least one method ({} for every method)`);
  if (o['retryPolicy'] !== undefined && o['hedgingPolicy'] !== undefined)
    throw new TypeError(`${at}: retryPolicy and hedgingPolicy are mutually exclusive`);
  const config: MethodConfig = {
    timeoutMs: o['timeout'] === undefined ? undefined : duration(o['timeout'], `${at}.timeout`, true),
    waitForReady: o['waitForReady'] === undefined ? undefined : boolean(o['waitForReady'], `${at}.waitForReady`),
    maxRequestMessageBytes:
      o['maxRequestMessageBytes'] === undefined
        ? undefined
        : count(o['maxRequestMessageBytes'], `${at}.maxRequestMessageBytes`),
    maxResponseMessageBytes:
      o['maxResponseMessageBytes'] === undefined
        ? undefined
        : count(o['maxResponseMessageBytes'], `${at}.maxResponseMessageBytes`),
    retryPolicy: o['retryPolicy'] === undefined ? undefined : retryPolicy(o['retryPolicy'], `${at}.retryPolicy`),
    hedgingPolicy:
      o['hedgingPolicy'] === undefined ? undefined : hedgingPolicy(o['hedgingPolicy'], `${at}.hedgingPolicy`),
  };
  return { names, config };
}

function retryPolicy(value: unknown, at: string): RetryPolicy {
  const o = object(value, at);
  only(o, at, ['maxAttempts', 'initialBackoff', 'maxBackoff', 'backoffMultiplier', 'retryableStatusCodes']);
  const codes = statusCodes(required(o, 'retryableStatusCodes', at), `${at}.retryableStatusCodes`);
  if (codes.size === 0) throw new TypeError(`${at}.retryableStatusCodes: must list at least one code`);
  const multiplier = required(o, 'backoffMultiplier', at);
  if (typeof multiplier !== 'number' || !(multiplier > 0) || !Number.isFinite(multiplier))
    throw new TypeError(`${at}.backoffMultiplier: must be a number above 0, got ${show(multiplier)}`);
  return {
    maxAttempts: attempts(required(o, 'maxAttempts', at), `${at}.maxAttempts`),
    initialBackoffMs: duration(required(o, 'initialBackoff', at), `${at}.initialBackoff`, false),
    maxBackoffMs: duration(required(o, 'maxBackoff', at), `${at}.maxBackoff`, false),
    backoffMultiplier: multiplier,
    retryableStatusCodes: codes,
  };
}

function hedgingPolicy(value: unknown, at: string): HedgingPolicy {
  const o = object(value, at);
  only(o, at, ['maxAttempts', 'hedgingDelay', 'nonFatalStatusCodes']);
  return {
    maxAttempts: attempts(required(o, 'maxAttempts', at), `${at}.maxAttempts`),
    hedgingDelayMs: o['hedgingDelay'] === undefined ? 0 : duration(o['hedgingDelay'], `${at}.hedgingDelay`, true),
    nonFatalStatusCodes:
      o['nonFatalStatusCodes'] === undefined
        ? new Set()
        : statusCodes(o['nonFatalStatusCodes'], `${at}.nonFatalStatusCodes`),
  };
}

function throttling(value: unknown, at: string): RetryThrottling {
  const o = object(value, at);
  only(o, at, ['maxTokens', 'tokenRatio']);
  const maxTokens = required(o, 'maxTokens', at);
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens <= 0 || maxTokens > 1000)
    throw new TypeError(`${at}.maxTokens: must be an integer in 1..1000, got ${show(maxTokens)}`);
  const tokenRatio = required(o, 'tokenRatio', at);
  if (typeof tokenRatio !== 'number' || !(tokenRatio > 0) || !Number.isFinite(tokenRatio))
    throw new TypeError(`${at}.tokenRatio: must be a number above 0, got ${show(tokenRatio)}`);
  return { maxTokens, tokenRatio };
}

/** The first policy of the list that we implement; none of them is an error (gRFC A24). */
function loadBalancing(root: Record<string, unknown>): LoadBalancingPolicy | undefined {
  const list = root['loadBalancingConfig'];
  if (list !== undefined) {
    const entries = array(list, 'serviceConfig.loadBalancingConfig');
    const seen: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const at = `serviceConfig.loadBalancingConfig[${i}]`;
      const keys = Object.keys(object(entry, at));
      if (keys.length !== 1) throw new TypeError(`${at}: must have exactly one policy name as its key`);
      const name = keys[0]!;
      object((entry as Record<string, unknown>)[name], `${at}.${name}`);
      const known = LB_POLICIES.find((p) => p === name);
      if (known !== undefined) return known;
      seen.push(name);
    }
    if (entries.length > 0)
      throw new TypeError(
        `serviceConfig.loadBalancingConfig: none of ${seen.join(', ')} is supported (${LB_POLICIES.join(', ')})`,
      );
  }
  const legacy = root['loadBalancingPolicy'];
  if (legacy === undefined) return undefined;
  const name = string(legacy, 'serviceConfig.loadBalancingPolicy').toLowerCase();
  const known = LB_POLICIES.find((p) => p === name);
  if (known === undefined)
    throw new TypeError(
      `serviceConfig.loadBalancingPolicy: ${show(legacy)} is not supported (${LB_POLICIES.join(', ')})`,
    );
  return known;
}

// ── field checks ─────────────────────────────────────────────────────────────

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${at}: must be an object, got ${show(value)}`);
  return value as Record<string, unknown>;
}

function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${at}: must be an array, got ${show(value)}`);
  return value;
}

function string(value: unknown, at: string): string {
  if (typeof value !== 'string') throw new TypeError(`${at}: must be a string, got ${show(value)}`);
  return value;
}

function boolean(value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${at}: must be true or false, got ${show(value)}`);
  return value;
}

function only(o: Record<string, unknown>, at: string, known: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new TypeError(`${at}.${key}: unknown field (known: ${known.join(', ')})`);
  }
}

function required(o: Record<string, unknown>, key: string, at: string): unknown {
  const value = o[key];
  if (value === undefined) throw new TypeError(`${at}.${key}: required`);
  return value;
}

/** uint32 in the proto; the JSON form may be a number or a decimal string. */
function count(value: unknown, at: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new TypeError(`${at}: must be a whole number of bytes, got ${show(value)}`);
  return n;
}

function attempts(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2)
    throw new TypeError(`${at}: must be an integer of at least 2 (the first attempt counts), got ${show(value)}`);
  return Math.min(value, MAX_ATTEMPTS_CAP);
}

function duration(value: unknown, at: string, zeroAllowed: boolean): number {
  const ms = parseConfigDuration(value);
  if (ms === undefined)
    throw new TypeError(`${at}: must be a duration in seconds such as "0.5s" or "30s", got ${show(value)}`);
  if (ms < 0 || (!zeroAllowed && ms === 0))
    throw new TypeError(`${at}: must be ${zeroAllowed ? 'zero or more' : 'above zero'}, got ${show(value)}`);
  return ms;
}

function statusCodes(value: unknown, at: string): Set<Code> {
  const codes = new Set<Code>();
  array(value, at).forEach((c, i) => {
    const code =
      typeof c === 'number' ? (Number.isInteger(c) && c >= 0 && c <= 16 ? (c as Code) : undefined) : undefined;
    const parsed = code ?? (typeof c === 'string' ? parseCode(c) : undefined);
    if (parsed === undefined) throw new TypeError(`${at}[${i}]: ${show(c)} is not a status code`);
    if (parsed === Code.OK) throw new TypeError(`${at}[${i}]: OK is not a failure`);
    codes.add(parsed);
  });
  return codes;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
