/**
 * How bad an error is. Drives the default HTTP status and whether the default `onError` hook logs it.
 *
 * | severity | default status | logged by default |
 * |---|---|---|
 * | `critical` | 500 | yes, with stack |
 * | `high` | 500 | yes, with stack |
 * | `medium` | 400 | no |
 * | `low` | 400 | no |
 * | `info` | 200 | no |
 */
export type Severity = "critical" | "high" | "medium" | "low" | "info";

/** Every severity, most severe first. */
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

/**
 * The HTTP status an error gets when neither it nor its class sets one.
 * @example statusForSeverity("high") // 500
 */
export function statusForSeverity(severity: Severity): number {
  switch (severity) {
    case "critical":
    case "high":
      return 500;
    case "medium":
    case "low":
      return 400;
    case "info":
      return 200;
  }
}

/** The severity an error gets from its status when it does not set one: 5xx is `high`, anything else `medium`. */
export function severityForStatus(status: number): Severity {
  return status >= 500 ? "high" : "medium";
}
