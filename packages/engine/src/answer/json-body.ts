/**
 * A JSON answer's bytes, parsed at most once: its links are rewritten from the parsed value, and
 * the learner reads the ids it teaches from the same value.
 */
export class JsonBody {
  private parsed: { value: unknown } | undefined;

  constructor(readonly bytes: Buffer) {}

  /** The parsed value; undefined when the bytes are not JSON. */
  value(): unknown {
    if (!this.parsed) {
      let value: unknown;
      try {
        value = JSON.parse(this.bytes.toString('utf8'));
      } catch {
        value = undefined;
      }
      this.parsed = { value };
    }
    return this.parsed.value;
  }
}
