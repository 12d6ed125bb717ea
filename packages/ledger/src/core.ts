import { randomUUID } from "node:crypto";
import { ConflictError, isAtomError, parseInput, ValidationError } from "@atom/errors";
import { z } from "zod";
import { balanceFromTotals, NORMAL_SIDE, signedAmount } from "./accounting.js";
import { postingFingerprint } from "./canonical.js";
import {
  LedgerAccountNotFoundError,
  LedgerAlreadyReversedError,
  LedgerBalanceAssertionError,
  LedgerIdempotencyConflictError,
  LedgerTransactionManagedError,
  LedgerTransactionNotFoundError,
} from "./errors.js";
import { MAX_AMOUNT } from "./money.js";
import {
  accountArgumentSchema,
  accountSchema,
  asOfSchema,
  assertionSchema,
  isStorableDate,
  postSchema,
  reverseSchema,
  sourceRefSchema,
  statementSchema,
  transactionIdSchema,
} from "./schemas.js";
import { type ScopeLifetime, scopeLifetime } from "./scope-lifetime.js";
import type {
  Account,
  AccountBalance,
  EntryTotals,
  LedgerCallOptions,
  LedgerStorage,
  LedgerStorageTx,
  PostingEntry,
  PostingRequest,
  ScopedKey,
  SourceRef,
  StatementLine,
  StoredTransaction,
  Transaction,
} from "./types.js";

/** Input of {@link LedgerScope.post}. */
export type PostInput = z.input<typeof postSchema>;
/** Input of {@link LedgerScope.createAccount}. */
export type AccountInput = z.input<typeof accountSchema>;

/** One row of a trial balance. */
export interface TrialBalanceRow {
  /** The account's code. */
  code: string;
  /** The account's name. */
  name: string;
  /** The account's type. */
  type: Account["type"];
  /** The account's currency. */
  currency: string;
  /** The balance when it sits on the debit side, else 0. */
  debit: bigint;
  /** The balance when it sits on the credit side, else 0. */
  credit: bigint;
}

/** A trial balance: every account in the debit or credit column, totals per currency. */
export interface TrialBalance {
  /** One row per account, by code. */
  rows: TrialBalanceRow[];
  /** Σ debit and Σ credit columns per currency. */
  totals: Record<string, EntryTotals>;
  /** Σ debit balances = Σ credit balances for every currency. */
  balanced: boolean;
}

/** A page of a statement. */
export interface Statement {
  /** The account's code. */
  account: string;
  /** The page's lines, oldest first. */
  lines: StatementLine[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/**
 * The posting operations available inside one storage transaction (what `Ledger.withTransaction` hands its
 * callback). Usable only while the callback runs: afterwards every call is refused with `LEDGER_SCOPE_CLOSED`.
 */
export interface LedgerScope {
  /** Posts a balanced transaction (see `Ledger.post`). */
  post(input: PostInput): Promise<Transaction>;
  /** Posts the mirror of a transaction (see `Ledger.reverse`). */
  reverse(transactionId: string, options: { reason: string }): Promise<Transaction>;
  /** An account's balance as of now, or as of a time. */
  balance(account: string, options?: { asOf?: Date }): Promise<bigint>;
  /** Creates an account, or returns the identical one that exists. */
  createAccount(input: AccountInput): Promise<Account>;
  /** The transactions linked to a business object. */
  transactionsBySource(type: string, id: string): Promise<Transaction[]>;
}

/** @internal What the invoice layer needs beyond {@link LedgerScope}: its own key namespace and tables. */
export interface ManagedScope extends LedgerScope {
  /** Posts in the ledger's key namespace; a repeat of `key` returns the first transaction with `repeated: true`. */
  postManaged(key: string, input: Omit<PostInput, "idempotencyKey" | "autoCreate">): Promise<{ transaction: Transaction; repeated: boolean }>;
  /** The transaction posted with `key` in the ledger's namespace. */
  findManaged(key: string): Promise<Transaction | undefined>;
  /** Reverses a transaction, managed ones included (the invoice layer decides when that is allowed). */
  reverseManaged(transactionId: string, reason: string): Promise<Transaction>;
  /** The storage transaction's invoice and schedule tables (no posting or balance writes). */
  records: Pick<
    LedgerStorageTx,
    "getInvoice" | "insertInvoice" | "setInvoiceStatus" | "connection" | "insertSchedule" | "getSchedule" | "dueSchedules" | "setScheduleProgress"
  >;
}

/**
 * @internal A check the posting core runs inside the storage transaction of every posting it applies to, before
 * the posting is written (the invoice layer's limit on deferred revenue drawn for an invoice).
 */
export interface PostingGuard {
  /** Whether `check` must see this posting (then the core posts it in a transaction of its own, never directly). */
  applies(sourceRef: SourceRef | null | undefined, entries: readonly Pick<PostingEntry, "account" | "side">[]): boolean;
  /** Throws to refuse the posting; nothing is written then. */
  check(tx: LedgerStorageTx, request: PostingRequest): Promise<void>;
}

/** The posting operations of a `Ledger`: accounts, postings, balances, reversals and reports. */
export interface PostingOperations {
  /** Creates an account (idempotent when identical, also under concurrency). @throws {ValidationError} */
  createAccount(input: AccountInput, options?: LedgerCallOptions): Promise<Account>;
  /**
   * Posts a balanced transaction atomically. With an `idempotencyKey`, a repeat (same content, metadata key order
   * aside) returns the original transaction and posts nothing.
   * @throws LedgerUnbalancedError, LedgerAccountNotFoundError, LedgerCurrencyMismatchError,
   *   LedgerNormalBalanceViolationError (also when a backdated decrease would overdraw any time since its
   *   `effectiveAt`), LedgerBalanceOutOfRangeError, LedgerIdempotencyConflictError, ValidationError — and writes nothing
   */
  post(input: PostInput, options?: LedgerCallOptions): Promise<Transaction>;
  /**
   * Posts the mirror of a transaction, linked to it, effective now — or at the original's `effectiveAt` when that is
   * later, so a reversal never takes effect before what it reverses. A transaction is reversed at most once;
   * reversals and the transactions the invoice operations posted (`LEDGER_TRANSACTION_MANAGED`: void the invoice
   * instead) cannot be.
   * @throws ValidationError naming `reason` when it is missing
   */
  reverse(transactionId: string, options: { reason: string } & LedgerCallOptions): Promise<Transaction>;
  /** An account's balance on its normal side, as of now (future-dated entries not yet counted) or as of a time. */
  balance(account: string, options?: { asOf?: Date } & LedgerCallOptions): Promise<bigint>;
  /** Every account with its balance (as of now, or a time) in the debit or credit column. */
  trialBalance(options?: { asOf?: Date } & LedgerCallOptions): Promise<TrialBalance>;
  /** An account's entries with the running balance, paginated by cursor. */
  statement(account: string, options?: z.input<typeof statementSchema> & LedgerCallOptions): Promise<Statement>;
  /** The transactions linked to a business object. */
  transactionsBySource(type: string, id: string, options?: LedgerCallOptions): Promise<Transaction[]>;
  /** Throws `LEDGER_BALANCE_ASSERTION_FAILED` unless the balance is `expected` (beancount's `balance` directive). */
  assertBalance(account: string, expected: bigint, options?: { asOf?: Date } & LedgerCallOptions): Promise<void>;
  /**
   * Runs several operations in one storage transaction: all of them commit, or none (when `fn` throws). The scope
   * offers the posting operations only; balances change by posting, never directly.
   *
   * The transaction ends only once every scope call `fn` started has settled, awaited or not; a scope call made
   * after `fn` returned or threw is refused with `LEDGER_SCOPE_CLOSED` and writes nothing. On Postgres, a scope call
   * the database failed (a `DATABASE_ERROR` to `fn`) aborts the transaction: if `fn` catches it and returns,
   * nothing is committed and `withTransaction` rejects with `TRANSACTION_ABORTED` (from `@atom/sql`).
   * @throws LedgerScopeClosedError, TransactionAbortedError, and what `fn` throws
   */
  withTransaction<T>(fn: (scope: LedgerScope) => Promise<T>, options?: LedgerCallOptions): Promise<T>;
}

/** @internal The posting core: the posting operations, plus what the invoice layer builds on. */
export interface PostingCore extends PostingOperations {
  /** The same, with the invoice layer's extra operations. */
  managed<T>(fn: (scope: ManagedScope) => Promise<T>, options?: LedgerCallOptions): Promise<T>;
  /** Maps what escapes a storage (a unique violation nobody handled) to an `AtomError`. */
  guard<T>(work: () => Promise<T>): Promise<T>;
}

function publicTransaction(stored: StoredTransaction): Transaction {
  return {
    id: stored.id,
    description: stored.description,
    entries: stored.entries.map((e) => ({ ...e })),
    effectiveAt: new Date(stored.effectiveAt),
    createdAt: new Date(stored.createdAt),
    idempotencyKey: stored.idempotency?.scope === "caller" ? stored.idempotency.key : null,
    sourceRef: stored.sourceRef ? { ...stored.sourceRef } : null,
    metadata: stored.metadata === null ? null : structuredClone(stored.metadata),
    reverses: stored.reverses,
  };
}

function encodeCursor(position: { effectiveAt: Date; seq: bigint }): string {
  return Buffer.from(JSON.stringify([position.effectiveAt.toISOString(), position.seq.toString()])).toString("base64url");
}

function decodeCursor(cursor: string): { effectiveAt: Date; seq: bigint } {
  try {
    const [at, seq] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [string, string];
    const effectiveAt = new Date(at);
    // Only positions a storage can hold: a storable date and a seq within Postgres' bigint.
    if (!isStorableDate(effectiveAt) || !/^\d{1,19}$/.test(seq) || BigInt(seq) > MAX_AMOUNT) throw new Error("bad cursor");
    return { effectiveAt, seq: BigInt(seq) };
  } catch {
    throw new ValidationError({ field: "cursor", message: "[@atom/ledger] statement: cursor is not one this ledger issued" });
  }
}

/** Builds the storage request for a validated posting; the fingerprint covers the content, not the id or clock. */
function postingRequest(input: z.output<typeof postSchema>, now: Date, idempotency: ScopedKey | null, reverses: string | null): PostingRequest {
  const entries = input.entries.map((e) => ({ account: e.account, side: e.side, amount: e.amount, currency: e.currency ?? null }));
  return {
    id: randomUUID(),
    description: input.description,
    effectiveAt: input.effectiveAt ?? now,
    createdAt: now,
    idempotency,
    fingerprint: postingFingerprint({
      entries,
      description: input.description,
      effectiveAt: input.effectiveAt?.toISOString() ?? null,
      sourceRef: input.sourceRef ?? null,
      metadata: input.metadata ?? null,
      reverses,
    }),
    sourceRef: input.sourceRef ?? null,
    metadata: input.metadata ?? null,
    reverses,
    entries,
  };
}

function sameAccount(stored: AccountBalance, wanted: Account): boolean {
  return stored.name === wanted.name && stored.type === wanted.type && stored.currency === wanted.currency && stored.allowNegative === wanted.allowNegative;
}

/** Balance from the stored one, minus what entries effective after `asOf` contributed. */
function balanceAsOf(account: AccountBalance, later: EntryTotals | undefined): bigint {
  return later ? account.balance - balanceFromTotals(account.type, later) : account.balance;
}

/** The validated account code of a positional argument. @throws {ValidationError} naming `account` */
function accountArgument(account: unknown, operation: string): string {
  return parseInput(accountArgumentSchema, { account }, `[@atom/ledger] ${operation}`).account;
}

/** The validated `asOf` of a read's options (without `client`). @throws {ValidationError} naming `asOf` or an unknown key */
function asOfOption(options: unknown, operation: string): Date | undefined {
  return parseInput(asOfSchema, options ?? {}, `[@atom/ledger] ${operation}`).asOf;
}

/** The validated id and reason of a reversal. @throws {ValidationError} naming `transactionId`, `reason` or an unknown key */
function reversalArguments(transactionId: unknown, options: unknown): { transactionId: string; reason: string } {
  const id = parseInput(transactionIdSchema, { transactionId }, "[@atom/ledger] reverse").transactionId;
  return { transactionId: id, reason: parseInput(reverseSchema, options ?? {}, "[@atom/ledger] reverse").reason };
}

/** @internal Builds the posting core. Every other layer uses only its operations. */
export function createPostingCore(storage: LedgerStorage, clock: () => Date, postingGuard?: PostingGuard): PostingCore {
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (!isAtomError(error) && storage.isUniqueViolation(error)) {
        throw new ConflictError({ message: "[@atom/ledger] a concurrent write took the same key; nothing was written, retry", cause: error });
      }
      throw error;
    }
  };
  const run = <T>(fn: (tx: LedgerStorageTx) => Promise<T>, options?: LedgerCallOptions): Promise<T> =>
    options?.client === undefined ? storage.transaction(fn) : storage.transaction(fn, { client: options.client });

  /** Answers a posting outcome: the new transaction, a repeat, or a conflicting reuse of the key. */
  const settle = (request: PostingRequest, outcome: Awaited<ReturnType<LedgerStorageTx["post"]>>) => {
    if (outcome.status === "existing" && outcome.transaction.fingerprint !== request.fingerprint) {
      throw new LedgerIdempotencyConflictError({ idempotencyKey: request.idempotency?.key ?? "", transactionId: outcome.transaction.id });
    }
    return { transaction: publicTransaction(outcome.transaction), repeated: outcome.status === "existing" };
  };

  const ensureAccounts = async (tx: LedgerStorageTx, definitions: readonly Account[]) => {
    for (const definition of definitions) await createIn(tx, definition);
  };

  const createIn = async (tx: LedgerStorageTx, account: Account): Promise<Account> => {
    if (!(await tx.insertAccount(account))) {
      const existing = (await tx.getAccount(account.code)) as AccountBalance;
      if (!sameAccount(existing, account)) {
        throw new ValidationError({ field: "code", message: `[@atom/ledger] createAccount: account ${account.code} exists with another definition` });
      }
    }
    return { ...account };
  };

  /** `managed`: posted by the invoice layer, which computed it under its own checks, so the guard does not see it. */
  const postIn = async (tx: LedgerStorageTx, input: z.output<typeof postSchema>, idempotency: ScopedKey | null, reverses: string | null = null, managed = false) => {
    if (input.autoCreate) await ensureAccounts(tx, input.autoCreate);
    const request = postingRequest(input, clock(), idempotency, reverses);
    if (!managed && postingGuard?.applies(request.sourceRef, request.entries)) await postingGuard.check(tx, request);
    return settle(request, await tx.post(request));
  };

  const callerKey = (input: z.output<typeof postSchema>): ScopedKey | null =>
    input.idempotencyKey === undefined ? null : { scope: "caller", key: input.idempotencyKey };

  /** The mirror of `original`, effective now, or at the original's `effectiveAt` when that is later (never before it). */
  const reversalInput = (original: StoredTransaction, reason: string): z.output<typeof postSchema> => ({
    description: `Reversal of ${original.id}: ${reason}`,
    ...(original.effectiveAt.getTime() > clock().getTime() ? { effectiveAt: new Date(original.effectiveAt) } : {}),
    entries: original.entries.map((e) => ({ account: e.account, side: e.side === "debit" ? "credit" : "debit", amount: e.amount, currency: e.currency })),
    ...(original.sourceRef ? { sourceRef: original.sourceRef } : {}),
    metadata: { reverses: original.id, reason },
  });

  const reverseIn = async (tx: LedgerStorageTx, transactionId: string, reason: string, allowManaged: boolean): Promise<Transaction> => {
    const original = await tx.getTransaction(transactionId);
    if (!original) throw new LedgerTransactionNotFoundError({ transactionId });
    if (original.reverses) throw new LedgerAlreadyReversedError({ transactionId, reason: "is a reversal and cannot be reversed" });
    if (!allowManaged && original.idempotency?.scope === "ledger") {
      throw new LedgerTransactionManagedError({ transactionId, invoiceId: original.sourceRef?.id ?? "" });
    }
    if (await tx.findReversal(transactionId)) throw new LedgerAlreadyReversedError({ transactionId, reason: "was already reversed" });
    return (await postIn(tx, reversalInput(original, reason), null, transactionId, allowManaged)).transaction;
  };

  /** Now: the stored balance less any future-dated entries (usually none); as of a past time: the entries until then. */
  const readBalance = async (tx: LedgerStorageTx, code: string, asOf?: Date): Promise<bigint> => {
    const account = await tx.getAccount(code);
    if (!account) throw new LedgerAccountNotFoundError({ account: code });
    if (asOf !== undefined) return balanceFromTotals(account.type, await tx.totals(code, asOf));
    return balanceAsOf(account, (await tx.totalsAfter(clock(), code)).get(code));
  };

  const transactionsBySourceIn = async (tx: LedgerStorageTx, type: unknown, id: unknown): Promise<Transaction[]> => {
    const source = parseInput(sourceRefSchema, { type, id }, "[@atom/ledger] transactionsBySource");
    return (await tx.transactionsBySource(source)).map(publicTransaction);
  };

  const scope = (tx: LedgerStorageTx, life: ScopeLifetime): LedgerScope => ({
    post: (input) =>
      life.operation(async () => {
        const parsed = parseInput(postSchema, input, "[@atom/ledger] post");
        return (await postIn(tx, parsed, callerKey(parsed))).transaction;
      }),
    reverse: (transactionId, options) =>
      life.operation(async () => {
        const { transactionId: id, reason } = reversalArguments(transactionId, options);
        return reverseIn(tx, id, reason, false);
      }),
    balance: (account, options) => life.operation(async () => readBalance(tx, accountArgument(account, "balance"), asOfOption(options, "balance"))),
    createAccount: (input) => life.operation(async () => createIn(tx, parseInput(accountSchema, input, "[@atom/ledger] createAccount"))),
    transactionsBySource: (type, id) => life.operation(() => transactionsBySourceIn(tx, type, id)),
  });

  const managedScope = (tx: LedgerStorageTx, life: ScopeLifetime): ManagedScope => ({
    ...scope(tx, life),
    postManaged: (key, input) => life.operation(async () => postIn(tx, parseInput(postSchema, input, "[@atom/ledger] post"), { scope: "ledger", key }, null, true)),
    findManaged: (key) =>
      life.operation(async () => {
        const found = await tx.findByIdempotencyKey({ scope: "ledger", key });
        return found && publicTransaction(found);
      }),
    reverseManaged: (transactionId, reason) => life.operation(() => reverseIn(tx, transactionId, reason, true)),
    records: tx,
  });

  /**
   * Runs `fn` with a scope on one storage transaction. The transaction ends only once the operations `fn` started
   * have settled (awaited or not), and the scope refuses any call after that.
   */
  const within = <S, T>(make: (tx: LedgerStorageTx, life: ScopeLifetime) => S, fn: (scope: S) => Promise<T>, options?: LedgerCallOptions): Promise<T> =>
    guard(() =>
      run(async (tx) => {
        const life = scopeLifetime();
        try {
          return await fn(make(life.guard(tx), life));
        } finally {
          await life.settle();
        }
      }, options),
    );

  /** One try, and a second when a concurrent writer won a unique key (the second sees its row and answers from it). */
  const once = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (isAtomError(error) || !storage.isUniqueViolation(error)) throw error;
      return work();
    }
  };

  const post: PostingCore["post"] = (input, options) =>
    guard(() => {
      const parsed = parseInput(postSchema, input, "[@atom/ledger] post");
      const direct = storage.post;
      if (direct && !parsed.autoCreate && !postingGuard?.applies(parsed.sourceRef, parsed.entries)) {
        return once(async () => {
          const request = postingRequest(parsed, clock(), callerKey(parsed), null);
          return settle(request, await direct.call(storage, request, options?.client === undefined ? {} : { client: options.client })).transaction;
        });
      }
      return once(() => run(async (tx) => (await postIn(tx, parsed, callerKey(parsed))).transaction, options));
    });

  return {
    createAccount: async (input, options) => {
      const account = parseInput(accountSchema, input, "[@atom/ledger] createAccount");
      return guard(() => run((tx) => createIn(tx, account), options));
    },
    post,
    reverse: async (transactionId, options) => {
      const { client, ...rest }: Partial<typeof options> = options ?? {};
      const { transactionId: id, reason } = reversalArguments(transactionId, rest);
      return guard(() => once(() => run((tx) => reverseIn(tx, id, reason, false), { client })));
    },
    balance: async (account, opts = {}) => {
      const { client, ...rest } = opts;
      const code = accountArgument(account, "balance");
      const asOf = asOfOption(rest, "balance");
      return guard(() => run((tx) => readBalance(tx, code, asOf), { client }));
    },
    trialBalance: async (opts = {}) => {
      const { client, ...rest } = opts;
      const asOf = asOfOption(rest, "trialBalance");
      return guard(() =>
        run(async (tx) => {
          const later = await tx.totalsAfter(asOf ?? clock());
          const rows: TrialBalanceRow[] = [];
          const totals: TrialBalance["totals"] = {};
          for (const account of await tx.listAccounts()) {
            const balance = balanceAsOf(account, later.get(account.code));
            const debitSide = (NORMAL_SIDE[account.type] === "debit") === balance >= 0n;
            const size = balance < 0n ? -balance : balance;
            const row = { code: account.code, name: account.name, type: account.type, currency: account.currency, debit: debitSide ? size : 0n, credit: debitSide ? 0n : size };
            rows.push(row);
            const total = totals[account.currency] ?? { debit: 0n, credit: 0n };
            total.debit += row.debit;
            total.credit += row.credit;
            totals[account.currency] = total;
          }
          return { rows, totals, balanced: Object.values(totals).every((t) => t.debit === t.credit) };
        }, { client }),
      );
    },
    async statement(account, opts = {}) {
      const { client, ...paging } = opts;
      const code = accountArgument(account, "statement");
      const { from, to, cursor, limit } = parseInput(statementSchema, paging, "[@atom/ledger] statement");
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      return guard(() =>
        run(async (tx) => {
          const account = await tx.getAccount(code);
          if (!account) throw new LedgerAccountNotFoundError({ account: code });
          const rows = await tx.listEntries(code, { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(after ? { after } : {}), limit: limit + 1 });
          const page = rows.slice(0, limit);
          const first = page[0];
          let balance = first ? balanceFromTotals(account.type, await tx.totalsBefore(code, first)) : 0n;
          const lines = page.map((row) => {
            balance += signedAmount(account.type, row.side, row.amount);
            return { transactionId: row.transactionId, description: row.description, effectiveAt: row.effectiveAt, side: row.side, amount: row.amount, balance };
          });
          const last = page.at(-1);
          return { account: code, lines, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
        }, { client }),
      );
    },
    transactionsBySource: async (type, id, options) => guard(() => run((tx) => transactionsBySourceIn(tx, type, id), options)),
    async assertBalance(account, expected, opts = {}) {
      const { client, ...rest } = opts;
      const checked = parseInput(assertionSchema, { account, expected }, "[@atom/ledger] assertBalance");
      const asOf = asOfOption(rest, "assertBalance");
      const actual = await guard(() => run((tx) => readBalance(tx, checked.account, asOf), { client }));
      if (actual !== checked.expected) {
        throw new LedgerBalanceAssertionError({
          account: checked.account,
          expected: checked.expected.toString(),
          actual: actual.toString(),
          ...(asOf ? { asOf: asOf.toISOString() } : {}),
        });
      }
    },
    withTransaction: (fn, options) => within(scope, fn, options),
    managed: (fn, options) => within(managedScope, fn, options),
    guard,
  };
}
