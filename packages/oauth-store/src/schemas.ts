import { z } from "zod";

/** Schemas of the public inputs. @internal */
export const idSchema = z.string().trim().min(1, "must be a non-empty string").max(255);

const scopesSchema = z
  .union([z.array(z.string().min(1)), z.string()])
  .transform((scopes) => (typeof scopes === "string" ? scopes.split(/\s+/).filter(Boolean) : scopes));

const jsonObject = z.record(z.string(), z.unknown());

export const storeOptionsSchema = z.object({
  stateTtl: z.number().positive().default(600),
  refreshLockTtl: z.number().positive().default(30),
  refreshWait: z
    .object({ intervalMs: z.number().int().positive().default(50), timeoutMs: z.number().int().positive().default(10_000) })
    .default({ intervalMs: 50, timeoutMs: 10_000 }),
});

export const createStateSchema = z.object({
  userId: idSchema,
  provider: idSchema,
  scopes: z.array(z.string().min(1)).default([]),
  redirectUri: z.url().optional(),
  pkce: z.boolean().default(false),
  metadata: jsonObject.optional(),
});

export const stateValueSchema = z.string().min(1, "must be a non-empty string").max(512);

export const consumeOptionsSchema = z.object({ provider: idSchema, userId: idSchema.optional() });

const expirySchema = {
  expiresAt: z.date().nullable().optional(),
  expiresIn: z.number().nonnegative().optional(),
};

export const saveTokensSchema = z.object({
  userId: idSchema,
  provider: idSchema,
  accessToken: z.string().min(1, "must be a non-empty string"),
  refreshToken: z.string().min(1).nullable().optional(),
  ...expirySchema,
  scopes: scopesSchema.default([]),
  tokenType: z.string().min(1).default("Bearer"),
  raw: jsonObject.optional(),
});

export const refreshedSchema = z.object({
  accessToken: z.string().min(1, "must be a non-empty string"),
  refreshToken: z.string().min(1).nullable().optional(),
  ...expirySchema,
  scopes: scopesSchema.optional(),
  tokenType: z.string().min(1).optional(),
  raw: jsonObject.optional(),
});

export const purgeSchema = z.object({
  before: z.date().optional(),
  limit: z.number().int().positive().max(100_000).default(1000),
});

export const batchSchema = z.object({ batchSize: z.number().int().positive().max(10_000).default(500) });

export const skewSchema = z.object({ skewSeconds: z.number().nonnegative().default(60) });
