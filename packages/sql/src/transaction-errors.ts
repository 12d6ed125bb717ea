import { defineError } from "@atom/errors";
import { z } from "zod";

/**
 * `TRANSACTION_ABORTED` (500): Postgres rolled a transaction (or a savepoint) back instead of committing it, because
 * a statement in it failed and the error was caught. Postgres then refuses every statement until the end of the
 * transaction and answers `COMMIT` with a silent `ROLLBACK`; nothing the transaction (or savepoint) wrote was kept.
 * Let the failing statement's error propagate, or run it in a nested `transaction` (a savepoint) and catch that.
 */
export const TransactionAbortedError = defineError({
  code: "TRANSACTION_ABORTED",
  status: 500,
  message: (d) =>
    `[@atom/sql] ${d.scope} rolled back instead of committed: a statement in it failed and the error was caught; ` +
    "nothing it wrote was kept (let the error propagate, or run the statement in a nested transaction)",
  details: z.object({
    /** What was rolled back: the whole transaction, or the savepoint of a nested transaction. */
    scope: z.union([z.literal("transaction"), z.literal("savepoint")]),
  }),
});

/** SQLSTATE 25P02: a statement was sent to a transaction a failed statement had aborted. @internal */
export function isInFailedTransaction(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "25P02";
}
