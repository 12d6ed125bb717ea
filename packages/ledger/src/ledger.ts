import { createHash, randomUUID } from "node:crypto";
import { parseInput, ValidationError } from "@atom/errors";
import { z } from "zod";
import { balanceFromTotals, NORMAL_SIDE, signedAmount } from "./accounting.js";
import {
  LedgerAccountNotFoundError,
  LedgerAlreadyReversedError,
  LedgerBalanceAssertionError,
  LedgerCurrencyMismatchError,
  LedgerIdempotencyConflictError,
  LedgerNormalBalanceViolationError,
  LedgerTransactionNotFoundError,
  LedgerUnbalancedError,
} from "./errors.js";
import { type InvoiceSource, storageInvoices } from "./invoice-source.js";
import { type InvoiceOperations, invoiceOperations } from "./invoices.js";
import { type RecognitionScheduleOperations, recognitionScheduleOperations } from "./recognition-schedule.js";
import { accountSchema, postSchema, statementSchema } from "./schemas.js";
import type {
  Account,
  AccountBalance,
  EntryTotals,
  LedgerCallOptions,
  LedgerStorage,
  LedgerStorageTx,
  SourceRef,
  StatementLine,
  StoredTransaction,
  Transaction,
} from "./types.js";

/** Input of {@link Ledger.post}. */
export type PostInput = z.input<typeof postSchema>;
/** Input of {@link Ledger.createAccount}. */
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

/** Options of {@link createLedger}. */
export interface LedgerOptions {
  /** Where transactions live: `memoryLedger()`, `postgresLedger({ pool })` or your own. */
  storage: LedgerStorage;
  /** Clock for `effectiveAt` and `createdAt`. @default () => new Date() */
  clock?: () => Date;
  /** Where invoices live. @default the storage's own invoice table */
  invoices?: InvoiceSource;
}

/** A double-entry ledger with invoices; see {@link createLedger}. */
export interface Ledger extends InvoiceOperations, RecognitionScheduleOperations {
  /** Creates an account (idempotent when identical). @throws {ValidationError} */
  createAccount(input: AccountInput, options?: LedgerCallOptions): Promise<Account>;
  /**
   * Posts a balanced transaction atomically. With an `idempotencyKey`, a repeat returns the original transaction
   * and posts nothing.
   * @throws LedgerUnbalancedError, LedgerAccountNotFoundError, LedgerCurrencyMismatchError,
   *   LedgerNormalBalanceViolationError, LedgerIdempotencyConflictError, ValidationError — and writes nothing
   */
  post(input: PostInput, options?: LedgerCallOptions): Promise<Transaction>;
  /** Posts the mirror of a transaction, linked to it. A transaction is reversed at most once. */
  reverse(transactionId: string, options: { reason: string } & LedgerCallOptions): Promise<Transaction>;
  /** An account's balance on its normal side, now or as of a time. */
  balance(account: string, options?: { asOf?: Date } & LedgerCallOptions): Promise<bigint>;
  /** Every account with its balance in the debit or credit column. */
  trialBalance(options?: { asOf?: Date } & LedgerCallOptions): Promise<TrialBalance>;
  /** An account's entries with the running balance, paginated by cursor. */
  statement(account: string, options?: z.input<typeof statementSchema> & LedgerCallOptions): Promise<Statement>;
  /** The transactions linked to a business object. */
  transactionsBySource(type: string, id: string, options?: LedgerCallOptions): Promise<Transaction[]>;
  /** Throws `LEDGER_BALANCE_ASSERTION_FAILED` unless the balance is `expected` (beancount's `balance` directive). */
  assertBalance(account: string, expected: bigint, options?: { asOf?: Date } & LedgerCallOptions): Promise<void>;
  /** Runs several operations in one storage transaction (used by invoices). @internal */
  withTransaction<T>(
    fn: (tx: LedgerStorageTx, post: (input: PostInput) => Promise<Transaction>) => Promise<T>,
    options?: LedgerCallOptions,
  ): Promise<T>;
}

const ledgerOptionsSchema = z.object({
  storage: z.custom<LedgerStorage>(
    (v) => typeof (v as LedgerStorage | null)?.transaction === "function" && typeof (v as LedgerStorage).isUniqueViolation === "function",
    "must implement transaction and isUniqueViolation",
  ),
  clock: z.custom<() => Date>((v) => typeof v === "function", "must be a function").optional(),
  invoices: z
    .custom<InvoiceSource>(
      (v) => typeof (v as InvoiceSource | null)?.getInvoice === "function" && typeof (v as InvoiceSource).setInvoiceStatus === "function",
      "must implement getInvoice and setInvoiceStatus",
    )
    .optional(),
});

function fingerprint(input: z.output<typeof postSchema>, currencies: string[]): string {
  const canonical = JSON.stringify({
    entries: input.entries.map((entry, i) => [entry.account, entry.side, entry.amount.toString(), currencies[i]]),
    description: input.description,
    effectiveAt: input.effectiveAt?.toISOString() ?? null,
    sourceRef: input.sourceRef ?? null,
    metadata: input.metadata ?? null,
  });
  return createHash("sha256").update(canonical).digest("base64url");
}

function publicTransaction(stored: StoredTransaction): Transaction {
  const { fingerprint: _fingerprint, ...transaction } = stored;
  return transaction;
}

function encodeCursor(position: { effectiveAt: Date; seq: bigint }): string {
  return Buffer.from(JSON.stringify([position.effectiveAt.toISOString(), position.seq.toString()])).toString("base64url");
}

function decodeCursor(cursor: string): { effectiveAt: Date; seq: bigint } {
  try {
    const [at, seq] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [string, string];
    const effectiveAt = new Date(at);
    if (Number.isNaN(effectiveAt.getTime()) || !/^\d+$/.test(seq)) throw new Error("bad cursor");
    return { effectiveAt, seq: BigInt(seq) };
  } catch {
    throw new ValidationError({ field: "cursor", message: "[@atom/ledger] statement: cursor is not one this ledger issued" });
  }
}

async function postInTx(tx: LedgerStorageTx, raw: PostInput, now: Date, reverses: string | null = null): Promise<Transaction> {
  const input = parseInput(postSchema, raw, "[@atom/ledger] post");
  const codes = [...new Set(input.entries.map((entry) => entry.account))].sort();
  let accounts = await tx.lockAccounts(codes);
  const missing = codes.filter((code) => !accounts.some((a) => a.code === code));
  if (missing.length > 0 && input.autoCreate) {
    for (const code of missing) {
      const definition = input.autoCreate.find((a) => a.code === code);
      if (definition) await tx.insertAccount(definition);
    }
    accounts = await tx.lockAccounts(codes);
  }
  const byCode = new Map(accounts.map((account) => [account.code, account]));
  const currencies: string[] = [];
  for (const [index, entry] of input.entries.entries()) {
    const account = byCode.get(entry.account);
    if (!account) throw new LedgerAccountNotFoundError({ account: entry.account, entry: index });
    if (entry.currency !== undefined && entry.currency !== account.currency) {
      throw new LedgerCurrencyMismatchError({ entry: index, account: account.code, expected: account.currency, actual: entry.currency });
    }
    currencies.push(account.currency);
  }
  const print = fingerprint(input, currencies);
  if (input.idempotencyKey !== undefined) {
    const existing = await tx.findByIdempotencyKey(input.idempotencyKey);
    if (existing) {
      if (existing.fingerprint !== print) {
        throw new LedgerIdempotencyConflictError({ idempotencyKey: input.idempotencyKey, transactionId: existing.id });
      }
      return publicTransaction(existing);
    }
  }
  const sums = new Map<string, { debits: bigint; credits: bigint }>();
  for (const [index, entry] of input.entries.entries()) {
    const currency = currencies[index] as string;
    const sum = sums.get(currency) ?? { debits: 0n, credits: 0n };
    if (entry.side === "debit") sum.debits += entry.amount;
    else sum.credits += entry.amount;
    sums.set(currency, sum);
  }
  for (const [currency, sum] of sums) {
    if (sum.debits !== sum.credits) {
      throw new LedgerUnbalancedError({ currency, debits: sum.debits.toString(), credits: sum.credits.toString() });
    }
  }
  const balances = new Map(accounts.map((account) => [account.code, account.balance]));
  const lastDecrease = new Map<string, number>();
  for (const [index, entry] of input.entries.entries()) {
    const account = byCode.get(entry.account) as AccountBalance;
    const change = signedAmount(account.type, entry.side, entry.amount);
    balances.set(account.code, (balances.get(account.code) as bigint) + change);
    if (change < 0n) lastDecrease.set(account.code, index);
  }
  for (const account of accounts) {
    const final = balances.get(account.code) as bigint;
    if (final < 0n && !account.allowNegative && final < account.balance) {
      throw new LedgerNormalBalanceViolationError({ account: account.code, entry: lastDecrease.get(account.code) ?? 0, balance: final.toString() });
    }
  }
  const transaction: StoredTransaction = {
    id: randomUUID(),
    description: input.description,
    entries: input.entries.map((entry, i) => ({ account: entry.account, side: entry.side, amount: entry.amount, currency: currencies[i] as string })),
    effectiveAt: input.effectiveAt ?? now,
    createdAt: now,
    idempotencyKey: input.idempotencyKey ?? null,
    sourceRef: input.sourceRef ?? null,
    metadata: input.metadata ?? null,
    reverses,
    fingerprint: print,
  };
  await tx.insertTransaction(transaction);
  for (const code of codes) await tx.setBalance(code, balances.get(code) as bigint);
  return publicTransaction(transaction);
}

/**
 * Creates a double-entry ledger on integer minor units (`bigint`): every posting is validated and balanced per
 * currency, account balances are kept in the same storage transaction as the entries, and nothing is ever updated
 * or deleted (corrections are reversals).
 *
 * @example
 * ```ts
 * const ledger = createLedger({ storage: memoryLedger() });
 * await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: "USD" });
 * await ledger.createAccount({ code: "3000", name: "Capital", type: "equity", currency: "USD" });
 * await ledger.post({
 *   description: "Owner investment",
 *   entries: [
 *     { account: "1000", side: "debit", amount: money("500.00", "USD").amount },
 *     { account: "3000", side: "credit", amount: 50_000n },
 *   ],
 * });
 * await ledger.balance("1000"); // 50000n
 * ```
 */
export function createLedger(options: LedgerOptions): Ledger {
  const { storage } = parseInput(ledgerOptionsSchema, options, "[@atom/ledger] createLedger");
  const invoices = options.invoices ?? storageInvoices;
  const clock = options.clock ?? (() => new Date());

  const run = async <T>(fn: (tx: LedgerStorageTx) => Promise<T>, options?: LedgerCallOptions): Promise<T> =>
    options?.client === undefined ? storage.transaction(fn) : storage.transaction(fn, { client: options.client });

  const post = async (input: PostInput, options?: LedgerCallOptions): Promise<Transaction> => {
    try {
      return await run((tx) => postInTx(tx, input, clock()), options);
    } catch (error) {
      // Two writers raced with the same idempotency key; the loser re-reads and answers like a repeat.
      if (!storage.isUniqueViolation(error)) throw error;
      return run((tx) => postInTx(tx, input, clock()), options);
    }
  };

  const withTransaction: Ledger["withTransaction"] = (fn, options) =>
    run((tx) => fn(tx, (input) => postInTx(tx, input, clock())), options);

  const readBalance = async (tx: LedgerStorageTx, code: string, asOf?: Date): Promise<bigint> => {
    const account = await tx.getAccount(code);
    if (!account) throw new LedgerAccountNotFoundError({ account: code });
    return asOf === undefined ? account.balance : balanceFromTotals(account.type, await tx.totals(code, asOf));
  };

  return {
    async createAccount(input, options) {
      const account = parseInput(accountSchema, input, "[@atom/ledger] createAccount");
      return run(async (tx) => {
        const existing = await tx.getAccount(account.code);
        if (existing) {
          const { balance: _balance, ...stored } = existing;
          if (JSON.stringify(stored) !== JSON.stringify(account)) {
            throw new ValidationError({ field: "code", message: `[@atom/ledger] createAccount: account ${account.code} exists with another definition` });
          }
          return stored;
        }
        await tx.insertAccount(account);
        return account;
      }, options);
    },
    post,
    async reverse(transactionId, { reason, client }) {
      if (typeof reason !== "string" || reason.length === 0) {
        throw new ValidationError({ field: "reason", message: "[@atom/ledger] reverse: reason is required" });
      }
      const reversal = async () =>
        run(async (tx) => {
          const original = await tx.getTransaction(transactionId);
          if (!original) throw new LedgerTransactionNotFoundError({ transactionId });
          if (original.reverses) throw new LedgerAlreadyReversedError({ transactionId, reason: "is a reversal and cannot be reversed" });
          if (await tx.findReversal(transactionId)) throw new LedgerAlreadyReversedError({ transactionId, reason: "was already reversed" });
          return postInTx(
            tx,
            {
              description: `Reversal of ${transactionId}: ${reason}`,
              entries: original.entries.map((e) => ({ account: e.account, side: e.side === "debit" ? "credit" : "debit", amount: e.amount })),
              ...(original.sourceRef ? { sourceRef: original.sourceRef } : {}),
              metadata: { reverses: transactionId, reason },
            },
            clock(),
            transactionId,
          );
        }, { client });
      try {
        return await reversal();
      } catch (error) {
        if (storage.isUniqueViolation(error)) throw new LedgerAlreadyReversedError({ transactionId, reason: "was already reversed" });
        throw error;
      }
    },
    balance: (account, opts = {}) => run((tx) => readBalance(tx, account, opts.asOf), opts),
    async trialBalance(opts = {}) {
      return run(async (tx) => {
        const rows: TrialBalanceRow[] = [];
        const totals: TrialBalance["totals"] = {};
        for (const account of await tx.listAccounts()) {
          const balance = opts.asOf === undefined ? account.balance : balanceFromTotals(account.type, await tx.totals(account.code, opts.asOf));
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
      }, opts);
    },
    async statement(code, opts = {}) {
      const { client, ...paging } = opts;
      const { from, to, cursor, limit } = parseInput(statementSchema, paging, "[@atom/ledger] statement");
      return run(async (tx) => {
        const account = await tx.getAccount(code);
        if (!account) throw new LedgerAccountNotFoundError({ account: code });
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
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
      }, { client });
    },
    transactionsBySource: (type, id, options) =>
      run(async (tx) => (await tx.transactionsBySource({ type, id } satisfies SourceRef)).map(publicTransaction), options),
    async assertBalance(account, expected, opts = {}) {
      const actual = await run((tx) => readBalance(tx, account, opts.asOf), opts);
      if (actual !== expected) {
        throw new LedgerBalanceAssertionError({
          account,
          expected: expected.toString(),
          actual: actual.toString(),
          ...(opts.asOf ? { asOf: opts.asOf.toISOString() } : {}),
        });
      }
    },
    withTransaction,
    ...invoiceOperations(withTransaction, clock, (error) => storage.isUniqueViolation(error), invoices),
    ...recognitionScheduleOperations(withTransaction, clock, invoices),
  };
}
