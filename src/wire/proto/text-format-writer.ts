/**
 * The layout of printed text format: one field a line, nested messages
 * indented by two spaces between `name {` and `}` (as protoc --decode prints),
 * or everything on one line separated by single spaces (`name { a: 1 }`).
 */
export class TextWriter {
  #out = '';
  #indent = '';

  constructor(readonly singleLine = false) {}

  /** `name: value` */
  field(name: string, value: string): void {
    this.#emit(`${name}: ${value}`);
  }

  /** `name {`, then the nested fields, then close(). */
  open(name: string): void {
    this.#emit(`${name} {`);
    this.#indent += '  ';
  }

  close(): void {
    this.#indent = this.#indent.slice(2);
    this.#emit('}');
  }

  #emit(text: string): void {
    if (this.singleLine) this.#out += this.#out === '' ? text : ` ${text}`;
    else this.#out += `${this.#indent}${text}\n`;
  }

  toString(): string {
    return this.#out;
  }
}
