/**
 * What is wrong with a .proto file, said the way compilers say it:
 *
 *   notes.proto:5:16: illegal token 'int32', ';' expected
 *   notes.proto:2:8: cannot find import "missing.proto" (looked in: …)
 *   notes.proto:7:3: no such type 'Missing' (in message notes.Note)
 *
 * protobufjs's parser reports the line alone (`… (line 5)`) and its resolver
 * neither line nor file; ProtoFileError carries all three, so a program (or
 * the CLI, which exits 2 for it: the file was the user's input) can point at
 * the mistake. The column is where the offending token first appears on that
 * line (the parser does not keep offsets).
 */
import * as path from 'node:path';

export class ProtoFileError extends Error {
  /** The file as given, or relative to the working directory. */
  readonly file: string;
  /** 1-based; undefined when the problem has no place in the file (it cannot be read). */
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The problem alone, without the place. */
  readonly problem: string;

  constructor(file: string, problem: string, line?: number, column?: number, options?: { cause?: unknown }) {
    const where = line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
    super(`${where}: ${problem}`, options);
    this.name = 'ProtoFileError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

/** A path for people: relative to the working directory when it is inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** protobufjs's parse error (`illegal token 'x', ';' expected (file, line 5)`) as a ProtoFileError. */
export function parseError(file: string, source: string, err: unknown): ProtoFileError {
  const message = err instanceof Error ? err.message : String(err);
  const match = /^(.*?) \((?:[^()]*, )?line (\d+)\)$/s.exec(message);
  if (match === null) return new ProtoFileError(displayPath(file), message, undefined, undefined, { cause: err });
  const problem = match[1]!;
  const line = Number(match[2]);
  const token = /'([^']*)'/.exec(problem)?.[1];
  return new ProtoFileError(displayPath(file), problem, line, columnOf(source, line, token), { cause: err });
}

/** Where `needle` first appears in `source` as a whole word (1-based line and column), if it does. */
export function locate(source: string, needle: string): { line: number; column: number } | undefined {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lines = source.split('\n');
  const word = new RegExp(`(^|[^\\w.])(${escaped})(?![\\w])`);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/\/\/.*$/, '');
    const m = word.exec(text);
    if (m !== null) return { line: i + 1, column: m.index + m[1]!.length + 1 };
  }
  return undefined;
}

function columnOf(source: string, line: number, token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  const text = source.split('\n')[line - 1];
  if (text === undefined) return undefined;
  const at = text.indexOf(token);
  return at < 0 ? undefined : at + 1;
}
