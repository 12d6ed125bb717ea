import { expectTypeOf, test } from "vitest";
import { OAuthStateUsedError, createOAuthStore, type ConsumedState, type OAuthStoreAdapter, type OAuthTokens } from "./index.js";
import { mongodbAdapter } from "./mongodb/index.js";
import { postgresAdapter } from "./postgres/index.js";

test("the store's results are typed", () => {
  const store = createOAuthStore();
  expectTypeOf(store.consumeState("s", { provider: "p" })).resolves.toEqualTypeOf<ConsumedState>();
  expectTypeOf(store.getTokens("u", "p")).resolves.toEqualTypeOf<OAuthTokens | null>();
  expectTypeOf(new OAuthStateUsedError().code).toEqualTypeOf<"OAUTH_STATE_USED">();
});

test("adapters satisfy the contract and take the user's clients", () => {
  expectTypeOf(postgresAdapter).returns.toEqualTypeOf<OAuthStoreAdapter>();
  expectTypeOf(mongodbAdapter).returns.toMatchTypeOf<OAuthStoreAdapter>();
  // @ts-expect-error a pool is required
  postgresAdapter({});
});
