/**
 * A small argv parser, driven by a table of flags per verb.
 *
 *   --proto FILE   --proto=FILE        long flag with a value (space or `=`)
 *   -I DIR   -IDIR   -I=DIR           short flag with a value, attached or not
 *   -I a -I b                          repeatable flags collect every value
 *   --help                             boolean flag
 *   --                                 everything after is positional
 *   -                                  a positional (conventionally: stdin)
 *
 * Mistakes (unknown flag, missing value, a one-off flag given twice) throw a
 * UsageError that names the flag.
 */

export interface FlagSpec {
  /** One-letter alias: `I` for `-I`. */
  readonly short?: string;
  /** Other long spellings: `proto_path` for protoc users. */
  readonly aliases?: readonly string[];
  /** Placeholder shown in help, e.g. `FILE`; a flag without one is a boolean. */
  readonly value?: string;
  /** May be given more than once (values accumulate). */
  readonly repeat?: boolean;
  readonly help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** A mistake in how the command was called: main prints it with a usage hint and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The user's input was wrong — a .proto file with a mistake, request JSON that
 * does not parse or names no field, a method the service lacks: exit 2 like
 * a UsageError (the mistake is the caller's, nothing was sent), without the
 * `--help` hint, which would not help.
 */
export class InputError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export class Args {
  readonly positionals: readonly string[];
  readonly #values: ReadonlyMap<string, readonly string[]>;

  constructor(values: ReadonlyMap<string, readonly string[]>, positionals: readonly string[]) {
    this.#values = values;
    this.positionals = positionals;
  }

  /** Whether a flag was given at all. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** Every value of a repeatable flag, in order (empty if absent). */
  all(name: string): readonly string[] {
    return this.#values.get(name) ?? [];
  }

  /** The value of a one-off flag, or undefined. */
  get(name: string): string | undefined {
    return this.#values.get(name)?.[0];
  }

  /** The value of a flag the verb cannot do without. */
  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw new UsageError(`missing --${name}`);
    return value;
  }
}

export function parseArgs(argv: readonly string[], specs: FlagSpecs): Args {
  const byName = new Map<string, [string, FlagSpec]>();
  for (const [name, spec] of Object.entries(specs)) {
    byName.set(`--${name}`, [name, spec]);
    for (const alias of spec.aliases ?? []) byName.set(`--${alias}`, [name, spec]);
    if (spec.short !== undefined) byName.set(`-${spec.short}`, [name, spec]);
  }

  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }

    // Split `--flag=value`, `-Xvalue` and `-X=value` into flag and inline value.
    let flag = arg;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) [flag, inline] = [arg.slice(0, eq), arg.slice(eq + 1)];
    } else if (arg.length > 2) {
      [flag, inline] = [arg.slice(0, 2), arg.slice(arg[2] === '=' ? 3 : 2)];
    }

    const entry = byName.get(flag);
    if (entry === undefined) {
      const known = [...byName.keys()].filter((k) => k.startsWith('--')).join(', ');
      throw new UsageError(`unknown option ${flag} (options: ${known})`);
    }
    const [name, spec] = entry;
    let value: string;
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      value = '';
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${flag} needs a value (${spec.value})`);
      value = next;
      i++;
    }

    const list = values.get(name);
    if (list === undefined) values.set(name, [value]);
    else if (spec.repeat === true) list.push(value);
    else throw new UsageError(`--${name} given more than once`);
  }
  return new Args(values, positionals);
}

/** The options part of a verb's help text, one flag a line. */
export function formatFlags(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const spellings = [spec.short !== undefined ? `-${spec.short}` : undefined, `--${name}`]
      .filter((s) => s !== undefined)
      .join(', ');
    const left = spec.value !== undefined ? `${spellings} ${spec.value}` : spellings;
    return [left, spec.help + (spec.repeat === true ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`).join('\n');
}
