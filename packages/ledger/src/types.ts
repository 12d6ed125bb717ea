import type { RecognitionPeriod } from "./periods.js";

/** The five account types. Assets and expenses increase with debits; liabilities, equity and revenue with credits. */
export type AccountType = "asset" | "liability" | "equity" | "revenue" | "expense";

/** Which side increases an account. */
export type NormalSide = "debit" | "credit";

/** An account of the chart. */
export interface Account {
  /** Chart code, e.g. `"2200"`. */
  code: string;
  /** A human name, e.g. `Deferred Revenue`. */
  name: string;
  /** Decides the normal side: debit for assets and expenses, credit for the rest. */
  type: AccountType;
  /** ISO 4217; one currency per account. */
  currency: string;
  /** Whether the balance may go past zero against the normal side. */
  allowNegative: boolean;
}

/** An account with its current balance on its normal side (a negative number means past zero). */
export interface AccountBalance extends Account {
  /** The balance on the normal side, in minor units. */
  balance: bigint;
}

/** One stored line of a transaction. */
export interface Entry {
  /** The account's code. */
  account: string;
  /** `debit` or `credit`. */
  side: NormalSide;
  /** Minor units, greater than 0. */
  amount: bigint;
  /** The account's currency. */
  currency: string;
}

/** What links a transaction to the business object it records (an invoice, an order). */
export interface SourceRef {
  /** The kind of object, e.g. `invoice`. */
  type: string;
  /** Its id. */
  id: string;
}

/** A posted, immutable transaction. */
export interface Transaction {
  /** A UUID. */
  id: string;
  /** What happened. */
  description: string;
  /** Two or more entries whose debits equal credits per currency. */
  entries: Entry[];
  /** When it counts for balances as of a time (may be earlier than `createdAt`). */
  effectiveAt: Date;
  /** When it was posted. */
  createdAt: Date;
  /** The key it was posted with, if any. */
  idempotencyKey: string | null;
  /** The business object it records, if any. */
  sourceRef: SourceRef | null;
  /** Free-form data given at posting. */
  metadata: Record<string, unknown> | null;
  /** The transaction this one reverses. */
  reverses: string | null;
}

/** A stored transaction with the fingerprint of its content, for idempotency checks. */
export interface StoredTransaction extends Transaction {
  /** A hash of the content, to tell a repeat from a conflicting reuse of an idempotency key. */
  fingerprint: string;
}

/** One row of a statement. */
export interface StatementLine {
  /** The transaction of the entry. */
  transactionId: string;
  /** The transaction's description. */
  description: string;
  /** The transaction's effective time. */
  effectiveAt: Date;
  /** The entry's side. */
  side: NormalSide;
  /** The entry's amount. */
  amount: bigint;
  /** Balance after this line, on the account's normal side. */
  balance: bigint;
}

/** An entry as storage lists it for statements. */
export interface EntryRow {
  /** Insertion order, to break ties between entries with the same `effectiveAt`. */
  seq: bigint;
  /** The transaction of the entry. */
  transactionId: string;
  /** The transaction's description. */
  description: string;
  /** The transaction's effective time. */
  effectiveAt: Date;
  /** The entry's side. */
  side: NormalSide;
  /** The entry's amount. */
  amount: bigint;
}

/** Invoice statuses: DRAFT → OPEN → PAID | VOID. */
export type InvoiceStatus = "DRAFT" | "OPEN" | "PAID" | "VOID";

/** An invoice known to the ledger. */
export interface Invoice {
  /** The invoice id. */
  id: string;
  /** Who is billed. */
  customerId: string;
  /** The total, in minor units. */
  amount: bigint;
  /** ISO 4217. */
  currency: string;
  /** DRAFT → OPEN → PAID | VOID. */
  status: InvoiceStatus;
  /** What is billed. */
  description: string;
  /** When it was created. */
  createdAt: Date;
}

/**
 * A ratable recognition schedule of one invoice, made by `scheduleRecognition`: the deferred amount is recognized
 * in `periods` equal parts (the remainder on the last), one as each period ends.
 */
export interface RecognitionSchedule {
  /** The invoice recognized (one schedule per invoice). */
  invoiceId: string;
  /** When the first period starts. */
  start: Date;
  /** When the last period ends (exactly `periods` periods after `start`). */
  end: Date;
  /** The length of each period. */
  period: RecognitionPeriod;
  /** How many periods. */
  periods: number;
  /** The total recognized over the schedule: the invoice's deferred amount when it was scheduled. */
  amount: bigint;
  /** The invoice's currency. */
  currency: string;
  /** How many periods have been recognized so far. */
  recognizedPeriods: number;
  /** When the next unrecognized period ends (it is due then); `null` once every period is recognized. */
  nextDueAt: Date | null;
  /** When the schedule was made. */
  createdAt: Date;
}

/** A query function inside a storage transaction (see {@link LedgerStorageTx.connection}). */
export interface LedgerConnection {
  /** Runs one parameterized statement (`$1`, `$2`, …) in the transaction. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<LedgerQueryResult<R>>;
}

/** What {@link LedgerConnection.query} returns. */
export interface LedgerQueryResult<R> {
  /** The rows returned. */
  rows: R[];
}

/** Totals of debits and credits of an account, for balances as of a time. */
export interface EntryTotals {
  /** Sum of debit entries. */
  debit: bigint;
  /** Sum of credit entries. */
  credit: bigint;
}

/**
 * The operations a storage backend performs inside one transaction. The ledger's rules live in the core and call
 * these; a backend only stores. `lockAccounts` must lock in the order given (sorted by code) so writers never deadlock.
 */
export interface LedgerStorageTx {
  /** The accounts with these codes (missing ones left out), locked until the transaction ends, in the given order. */
  lockAccounts(codes: readonly string[]): Promise<AccountBalance[]>;
  /** One account with its balance, unlocked. */
  getAccount(code: string): Promise<AccountBalance | undefined>;
  /** Stores a new account with a zero balance; a taken code is a unique violation. */
  insertAccount(account: Account): Promise<void>;
  /** Every account, by code. */
  listAccounts(): Promise<AccountBalance[]>;
  /** Sets an account's stored balance (after a posting). */
  setBalance(code: string, balance: bigint): Promise<void>;
  /** Stores a transaction and its entries; a taken idempotency key or reversal target is a unique violation. */
  insertTransaction(transaction: StoredTransaction): Promise<void>;
  /** A transaction by id. */
  getTransaction(id: string): Promise<StoredTransaction | undefined>;
  /** The transaction posted with this idempotency key. */
  findByIdempotencyKey(key: string): Promise<StoredTransaction | undefined>;
  /** The transaction that reverses this one. */
  findReversal(id: string): Promise<StoredTransaction | undefined>;
  /** The transactions linked to a business object, oldest first. */
  transactionsBySource(source: SourceRef): Promise<StoredTransaction[]>;
  /** Debit and credit totals of an account for entries effective at or before `asOf`. */
  totals(code: string, asOf: Date): Promise<EntryTotals>;
  /** Entries of an account in (effectiveAt, seq) order, after `after` when given. */
  listEntries(code: string, options: { from?: Date; to?: Date; after?: { effectiveAt: Date; seq: bigint }; limit: number }): Promise<EntryRow[]>;
  /** Totals of the entries strictly before a position (for a statement's opening balance). */
  totalsBefore(code: string, position: { effectiveAt: Date; seq: bigint }): Promise<EntryTotals>;
  /** An invoice of the built-in table, locked for this transaction with `lock: true`. */
  getInvoice(id: string, options?: { lock?: boolean }): Promise<Invoice | undefined>;
  /** Stores an invoice; a taken id is a unique violation. */
  insertInvoice(invoice: Invoice): Promise<void>;
  /** Changes an invoice's status. */
  setInvoiceStatus(id: string, status: InvoiceStatus): Promise<void>;
  /**
   * A query function inside this transaction, for SQL storages (Postgres), handed to a custom `InvoiceSource` so
   * its invoice table is updated atomically with the postings. Absent for storages without SQL.
   */
  connection?: LedgerConnection;
  /** Stores a new schedule; a second schedule for the same invoice is a unique violation. */
  insertSchedule(schedule: RecognitionSchedule): Promise<void>;
  /** The invoice's schedule, locked for this transaction with `lock: true`. */
  getSchedule(invoiceId: string, options?: { lock?: boolean }): Promise<RecognitionSchedule | undefined>;
  /** Invoice ids of schedules with `nextDueAt` at or before `asOf`, soonest first, at most `limit`. */
  dueSchedules(asOf: Date, limit: number): Promise<string[]>;
  /** Records a schedule's progress after recognizing periods. */
  setScheduleProgress(invoiceId: string, recognizedPeriods: number, nextDueAt: Date | null): Promise<void>;
}

/**
 * Lets one call join the host's own database transaction, so that, say, an order row and its ledger posting commit
 * or roll back together. Accepted as the last argument (or in the options object) of every `Ledger` method.
 */
export interface LedgerCallOptions {
  /**
   * A database client inside your open transaction: a `pg` client after `BEGIN`, or the `tx` of PGlite's
   * `transaction()`. The call runs in a savepoint on it and never commits; your `COMMIT` or `ROLLBACK` decides.
   * Only Postgres storage accepts one.
   */
  client?: unknown;
}

/** A storage backend: `memoryLedger()`, `postgresLedger({ pool })`, or your own (check it with `@atom/ledger/testing`). */
export interface LedgerStorage {
  /**
   * Runs `fn` atomically: every write or none. With `options.client`, inside the caller's open transaction on that
   * client (a savepoint, never a commit); a storage without clients refuses it with a `VALIDATION_ERROR`.
   */
  transaction<T>(fn: (tx: LedgerStorageTx) => Promise<T>, options?: LedgerCallOptions): Promise<T>;
  /** True when `error` is the backend's unique-constraint violation (a concurrent identical idempotency key). */
  isUniqueViolation(error: unknown): boolean;
}
