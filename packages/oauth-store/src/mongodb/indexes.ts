import { DatabaseError } from "@atom/errors";
import type { Collection, CreateIndexesOptions, IndexSpecification } from "mongodb";

/** What index creation needs of a collection, whatever its document type. */
type Indexable = Pick<Collection, "createIndex">;

interface IndexPlan {
  collection: Indexable;
  key: IndexSpecification;
  options: CreateIndexesOptions & { name: string };
}

/**
 * Creates the adapter's indexes one by one, the unique ones first: they carry correctness (one row per state, one per
 * `(userId, provider)`), while the TTL index is only housekeeping, so a server that refuses TTL indexes must not
 * leave the tokens without their uniqueness. `createIndexes` of an identical index is a no-op on the server, which
 * makes this idempotent. The first failure stops it with a `DATABASE_ERROR` naming the index (driver error as cause).
 * @internal
 */
export async function createIndexes(states: Indexable, tokens: Indexable): Promise<void> {
  const plan: IndexPlan[] = [
    { collection: states, key: { state: 1 }, options: { unique: true, name: "oauth_states_state_key" } },
    { collection: tokens, key: { userId: 1, provider: 1 }, options: { unique: true, name: "oauth_tokens_user_provider_key" } },
    { collection: states, key: { expiresAt: 1 }, options: { expireAfterSeconds: 0, name: "oauth_states_expires_at_ttl" } },
  ];
  for (const { collection, key, options } of plan) {
    try {
      await collection.createIndex(key, options);
    } catch (error) {
      throw new DatabaseError({
        message: `[@atom/oauth-store] [mongodb] ensureIndexes could not create index "${options.name}"`,
        details: { index: options.name },
        cause: error,
      });
    }
  }
}
