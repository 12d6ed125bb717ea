import { defineError } from "@atom/errors";
import { z } from "zod";

/**
 * `FLAGS_CONFIG_ERROR` (500, critical): a flag's configuration is invalid, for example
 * `BROWSER_GOVERNANCE_ENABLED=maybe`. Thrown by {@link defineFlags} at startup, never at first read.
 */
export const FlagsConfigError = defineError({
  code: "FLAGS_CONFIG_ERROR",
  status: 500,
  severity: "critical",
  name: "FlagsConfigError",
  message: (d) => `[@atom/flags] ${d.variable}=${JSON.stringify(d.value)} is not a valid ${d.expected}`,
  details: z.object({
    /** The flag's key. */
    flag: z.string(),
    /** The environment variable (or source key) read. */
    variable: z.string(),
    /** The value that could not be parsed. */
    value: z.string(),
    /** What the flag accepts, e.g. `boolean (true/false/1/0/yes/no/on/off)`. */
    expected: z.string(),
  }),
});
