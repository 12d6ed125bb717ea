import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * Gives returned objects that hold secrets a prototype whose `toJSON` and `util.inspect` show `[redacted]` in place
 * of the named fields, so `res.json(tokens)`, `JSON.stringify` and `console.log(tokens)` never print a token.
 * The fields themselves stay plain, readable properties (`tokens.accessToken`); a spread or `structuredClone`
 * makes a plain copy that prints everything, on purpose.
 * @internal
 */
export function secretView<T extends object>(fields: readonly (keyof T & string)[]): (value: T) => T {
  const redacted = (value: T): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const field of fields) if (copy[field] !== null && copy[field] !== undefined) copy[field] = REDACTED;
    return copy;
  };
  const prototype = Object.defineProperties(
    {},
    {
      toJSON: {
        value(this: T) {
          return redacted(this);
        },
      },
      [inspect.custom]: {
        value(this: T, _depth: number, options: object) {
          return inspect(redacted(this), options);
        },
      },
    },
  );
  return (value) => Object.assign(Object.create(prototype) as T, value);
}
