import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { parseInput } from "@atom/errors";
import { z } from "zod";
import { OAuthDecryptionFailedError, OAuthPlaintextRefusedError } from "./errors.js";

/** A 256-bit key: 32 bytes, or their base64 / base64url encoding. */
export type EncryptionKey = Uint8Array | string;

/**
 * Encryption at rest (AES-256-GCM). Several keys may be listed so old rows stay readable during a rotation;
 * new writes always use `current`. Key ids are stored with each value.
 *
 * @example
 * ```ts
 * encryption: { keys: { v2: process.env.OAUTH_KEY_V2!, v1: process.env.OAUTH_KEY_V1! }, current: "v2" }
 * ```
 */
export interface EncryptionOptions {
  /**
   * Keys by id (`[A-Za-z0-9_-]{1,32}`, not `__proto__`): each 32 random bytes, as a Buffer/Uint8Array or
   * base64/base64url. Generate one with `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`.
   */
  keys: Record<string, EncryptionKey>;
  /** The id of the key new values are encrypted with: an own key of `keys` (an inherited name like `toString` is none). */
  current: string;
  /**
   * Whether a stored value that is not encrypted is read as it is. Off by default: a plaintext row in an encrypted
   * store is either a leftover from before encryption was turned on or a value someone wrote into the database
   * behind the store's back (a token of theirs, planted on a victim's row), and reading it throws
   * `OAUTH_PLAINTEXT_REFUSED`. Turn it on only while migrating plaintext rows with `reencryptAll()`.
   * @default false
   */
  allowPlaintext?: boolean;
}

/** Which secret of a row a value is; part of the additional authenticated data. */
export type SecretField = "access_token" | "refresh_token" | "raw" | "code_verifier";

/** Seals and opens secrets for one (userId, provider) row. @internal */
export interface Sealer {
  readonly enabled: boolean;
  seal(value: string, userId: string, provider: string, field: SecretField): string;
  open(stored: string, userId: string, provider: string, field: SecretField): string;
  /** True when `stored` is not encrypted under the current key (plaintext or an older key). */
  isStale(stored: string): boolean;
}

const PREFIX = "enc:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a key must be and how to make one: the message of every refused key (never the key itself). */
const KEY_REQUIREMENT =
  "must be 32 bytes (256 bits): a Buffer or Uint8Array, or a base64 or base64url string of 32 bytes (44 characters, 43 unpadded); " +
  `generate one with node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

const keySchema = z
  .union([z.instanceof(Uint8Array), z.string()], {
    // An unset environment variable (`process.env.OAUTH_KEY_V1!`) is the usual way to get here.
    error: (issue) => (issue.input === undefined ? `is missing; a key ${KEY_REQUIREMENT}` : KEY_REQUIREMENT),
  })
  // Buffer.from(…, "base64") skips characters outside the alphabet, so a garbled key could still decode to 32 bytes:
  // a string is accepted only when it is exactly the canonical encoding of the bytes it decodes to.
  .refine((key) => typeof key !== "string" || isCanonicalBase64Key(key), KEY_REQUIREMENT)
  .transform((key) => (typeof key === "string" ? Buffer.from(key, "base64") : Buffer.from(key)))
  .refine((key) => key.length === 32, KEY_REQUIREMENT);

/** True for 32 bytes written as base64 (`+/`) or base64url (`-_`), padded or not, with nothing else in the string. */
function isCanonicalBase64Key(key: string): boolean {
  const unpadded = key.endsWith("=") ? key.slice(0, -1) : key;
  if (unpadded.length !== 43) return false;
  const url = /^[A-Za-z0-9_-]+$/.test(unpadded);
  if (!url && !/^[A-Za-z0-9+/]+$/.test(unpadded)) return false;
  return Buffer.from(unpadded, "base64").toString(url ? "base64url" : "base64").replace(/=$/, "") === unpadded;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const PROTO_KEY = "is not allowed as a key id";

// The record copy drops an own `__proto__` key (JSON.parse makes one) without a word, so look at the input first.
const keysSchema = z
  .unknown()
  .superRefine((keys, ctx) => {
    if (typeof keys === "object" && keys !== null && Object.hasOwn(keys, "__proto__")) {
      ctx.addIssue({ code: "custom", message: PROTO_KEY, path: ["__proto__"] });
    }
  })
  .pipe(z.record(z.string().regex(KEY_ID, "key ids are 1-32 characters of [A-Za-z0-9_-]"), keySchema))
  // Looked up by id from stored values: a Map has no inherited entries ("constructor", "toString") to find.
  .transform((keys) => new Map(Object.entries(keys)));

const optionsSchema = z
  .strictObject({
    keys: keysSchema,
    current: z.string(),
    allowPlaintext: z.boolean().default(false),
  })
  // zod runs this refinement even when a key was refused (keys then is not the Map): that issue is reported already.
  .refine((options) => !(options.keys instanceof Map) || options.keys.has(options.current), {
    message: "must name one of the keys",
    path: ["current"],
  });

/**
 * `enc:<keyId>:<base64url(iv | tag | ciphertext)>` with a key id of the key-id grammar and at least an IV and a full
 * tag. Anything else that starts with `enc:` is not a sealed value, and nothing of it is repeated in an error: it
 * may be a plaintext secret that happens to start that way.
 */
const SEALED = /^enc:([A-Za-z0-9_-]{1,32}):((?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?)$/;

// One `randomBytes` call per value cost more than the cipher itself; IVs are taken from a pool of the same CSPRNG
// output instead, 12 fresh bytes per value, each used once, the pool refilled when spent.
const IV_POOL_BYTES = IV_BYTES * 512;
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivOffset = 0;
  }
  ivOffset += IV_BYTES;
  return ivPool.subarray(ivOffset - IV_BYTES, ivOffset);
}

function aad(userId: string, provider: string, field: SecretField): Buffer {
  return Buffer.from(JSON.stringify(["@atom/oauth-store", userId, provider, field]));
}

/**
 * Builds the sealer: AES-256-GCM with a random 96-bit IV per value, the (userId, provider, field) triple as
 * additional authenticated data, stored as `enc:<keyId>:<base64url(iv | tag | ciphertext)>`.
 * Without options, values are stored as given. With options, a stored value without the `enc:` prefix is refused
 * unless `allowPlaintext` is set.
 * @internal
 */
export function createSealer(options: EncryptionOptions | undefined): Sealer {
  if (options === undefined) {
    return { enabled: false, seal: (value) => value, open: (stored) => stored, isStale: () => false };
  }
  const { keys, current, allowPlaintext } = parseInput(optionsSchema, options, "[@atom/oauth-store] createOAuthStore encryption");
  const currentKey = keys.get(current) as Buffer;
  const currentPrefix = `${PREFIX}${current}:`;
  return {
    enabled: true,
    seal(value, userId, provider, field) {
      const iv = nextIv();
      const cipher = createCipheriv("aes-256-gcm", currentKey, iv);
      cipher.setAAD(aad(userId, provider, field));
      const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
      return currentPrefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    },
    open(stored, userId, provider, field) {
      if (!stored.startsWith(PREFIX)) {
        if (allowPlaintext) return stored;
        throw new OAuthPlaintextRefusedError({ field });
      }
      const sealed = SEALED.exec(stored);
      const packed = sealed === null ? undefined : Buffer.from(sealed[2] as string, "base64url");
      if (sealed === null || packed === undefined || packed.length < IV_BYTES + TAG_BYTES) {
        throw new OAuthDecryptionFailedError({ keyId: null });
      }
      const keyId = sealed[1] as string;
      const key = keys.get(keyId);
      if (key === undefined) throw new OAuthDecryptionFailedError({ keyId });
      try {
        // authTagLength pins the tag to 16 bytes: GCM would otherwise verify a tag cut to 4, far easier to forge.
        const decipher = createDecipheriv("aes-256-gcm", key, packed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(userId, provider, field));
        decipher.setAuthTag(packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(packed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch (error) {
        throw new OAuthDecryptionFailedError({ keyId }, { cause: error });
      }
    },
    isStale: (stored) => !stored.startsWith(currentPrefix),
  };
}
