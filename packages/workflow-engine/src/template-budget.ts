import { NodeOutputTooLargeError } from "./errors.js";
import { MAX_JSON_VALUES, MAX_OUTPUT_CHARS } from "./json-limits.js";

/**
 * What one node's template resolution may produce, across its whole config and every `ctx.resolve` call (all the
 * items of a `map` or `filter` included): at most {@link MAX_OUTPUT_CHARS} interpolated characters and
 * {@link MAX_JSON_VALUES} resolved values. Each value in scope fits the JSON limits, but a node may repeat one in
 * many strings or over many items; charging as resolution goes fails the node before the text is built, not after.
 * @internal
 */
export class TemplateBudget {
  private chars = 0;
  private values = 0;

  constructor(private readonly nodeId?: string) {}

  /**
   * Charges `length` interpolated characters.
   * @throws NodeOutputTooLargeError (`NODE_OUTPUT_TOO_LARGE`) once the node's total passes `MAX_OUTPUT_CHARS`.
   */
  text(length: number): void {
    this.chars += length;
    if (this.chars > MAX_OUTPUT_CHARS) this.exceeded(`template renders more than ${MAX_OUTPUT_CHARS} characters`);
  }

  /**
   * Charges one resolved value (a string, a primitive, an object or an array).
   * @throws NodeOutputTooLargeError (`NODE_OUTPUT_TOO_LARGE`) once the node's total passes `MAX_JSON_VALUES`.
   */
  value(): void {
    if (++this.values > MAX_JSON_VALUES) this.exceeded(`templates resolve more than ${MAX_JSON_VALUES} values`);
  }

  private exceeded(problem: string): never {
    throw new NodeOutputTooLargeError(this.nodeId === undefined ? { problem } : { nodeId: this.nodeId, problem });
  }
}
