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

/**
 * Whose namespace an idempotency key lives in: `caller` for keys given to `post`, `ledger` for the keys the
 * invoice operations post with. The two never collide.
 */
export type KeyScope = "caller" | "ledger";

/** An idempotency key with its namespace. */
export interface ScopedKey {
  /** The namespace. */
  scope: KeyScope;
  /** The key. */
  key: string;
}

/** A stored transaction with what storage keeps for idempotency checks (never returned to callers). */
export interface StoredTransaction extends Transaction {
  /** The key with its namespace (`idempotencyKey` shows only caller keys). */
  idempotency: ScopedKey | null;
  /** A hash of the canonical content, to tell a repeat from a conflicting reuse of an idempotency key. */
  fingerprint: string;
}

/** One entry of a {@link PostingRequest}: the currency is `null` when the caller left it to the account. */
export interface PostingEntry {
  /** The account's code. */
  account: string;
  /** `debit` or `credit`. */
  side: NormalSide;
  /** Minor units, 1 to 2^63 − 1. */
  amount: bigint;
  /** The currency the caller gave, or `null` for the account's. */
  currency: string | null;
}

/** A validated posting, handed to storage to apply atomically. */
export interface PostingRequest {
  /** The new transaction's id (a UUID). */
  id: string;
  /** What happened. */
  description: string;
  /** When it counts for balances. */
  effectiveAt: Date;
  /** When it is posted. */
  createdAt: Date;
  /** The idempotency key with its namespace. */
  idempotency: ScopedKey | null;
  /** The canonical content hash. */
  fingerprint: string;
  /** The business object recorded. */
  sourceRef: SourceRef | null;
  /** Free-form JSON data. */
  metadata: Record<string, unknown> | null;
  /** The transaction this one reverses. */
  reverses: string | null;
  /** Two or more entries, in the caller's order. */
  entries: PostingEntry[];
}

/** What {@link LedgerStorageTx.post} did: posted the request, or found the transaction its key already posted. */
export type PostingOutcome =
  | {
      /** The request was posted. */
      status: "posted";
      /** The stored transaction. */
      transaction: StoredTransaction;
    }
  | {
      /** The key had already posted a transaction; nothing was written. */
      status: "existing";
      /** That transaction (its fingerprint may differ: the core decides between repeat and conflict). */
      transaction: StoredTransaction;
    };

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

/** A due schedule's position in {@link LedgerStorageTx.dueSchedules} order. */
export interface DueSchedule {
  /** The invoice. */
  invoiceId: string;
  /** Where its next unrecognized period ends. */
  nextDueAt: Date;
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

/** The invoice-table half of a storage transaction, as the default `InvoiceSource` uses it. */
export interface InvoiceRecords {
  /** An invoice of the built-in table, locked for this transaction with `lock: true`. */
  getInvoice(id: string, options?: { lock?: boolean }): Promise<Invoice | undefined>;
  /** Stores an invoice; a taken id is a unique violation. */
  insertInvoice(invoice: Invoice): Promise<void>;
  /** Changes an invoice's status. */
  setInvoiceStatus(id: string, status: InvoiceStatus): Promise<void>;
}

/**
 * The operations a storage backend performs inside one transaction. The core validates input and builds a
 * {@link PostingRequest}; `post` applies it atomically under the ledger's rules, which a storage without a server
 * of its own applies with `checkPosting` from `@atom/ledger`. There is no way to set a balance except by posting.
 */
export interface LedgerStorageTx extends InvoiceRecords {
  /**
   * Applies a posting: when its key already posted a transaction, returns that one and writes nothing; otherwise
   * locks the accounts (in code order), checks the request with the ledger's rules (throwing their typed errors:
   * `LEDGER_ACCOUNT_NOT_FOUND`, `LEDGER_CURRENCY_MISMATCH`, `LEDGER_UNBALANCED`, `LEDGER_BALANCE_OUT_OF_RANGE`,
   * `LEDGER_NORMAL_BALANCE_VIOLATION`, and `LEDGER_ALREADY_REVERSED` when `reverses` is taken), then stores the
   * transaction, its entries and the new balances.
   */
  post(request: PostingRequest): Promise<PostingOutcome>;
  /** One account with its balance over every entry (future-dated included), unlocked. */
  getAccount(code: string): Promise<AccountBalance | undefined>;
  /** Stores a new account with a zero balance; returns `false`, writing nothing, when the code is taken. */
  insertAccount(account: Account): Promise<boolean>;
  /** Every account with its balance over every entry, by code. */
  listAccounts(): Promise<AccountBalance[]>;
  /** A transaction by id. */
  getTransaction(id: string): Promise<StoredTransaction | undefined>;
  /** The transaction posted with this key in this namespace. */
  findByIdempotencyKey(key: ScopedKey): Promise<StoredTransaction | undefined>;
  /** The transaction that reverses this one. */
  findReversal(id: string): Promise<StoredTransaction | undefined>;
  /** The transactions linked to a business object, oldest first. */
  transactionsBySource(source: SourceRef): Promise<StoredTransaction[]>;
  /** Debit and credit totals of an account for entries effective at or before `asOf`. */
  totals(code: string, asOf: Date): Promise<EntryTotals>;
  /**
   * Debit and credit totals per account of the entries effective after `after` (future-dated ones, to take off the
   * stored balances), for one account or all; accounts without such entries are left out.
   */
  totalsAfter(after: Date, code?: string): Promise<Map<string, EntryTotals>>;
  /** Entries of an account in (effectiveAt, seq) order, after `after` when given. */
  listEntries(code: string, options: { from?: Date; to?: Date; after?: { effectiveAt: Date; seq: bigint }; limit: number }): Promise<EntryRow[]>;
  /** Totals of the entries strictly before a position (for a statement's opening balance). */
  totalsBefore(code: string, position: { effectiveAt: Date; seq: bigint }): Promise<EntryTotals>;
  /**
   * A query function inside this transaction, for SQL storages (Postgres), handed to a custom `InvoiceSource` so
   * its invoice table is updated atomically with the postings. Absent for storages without SQL.
   */
  connection?: LedgerConnection;
  /** Stores a new schedule; a second schedule for the same invoice is a unique violation. */
  insertSchedule(schedule: RecognitionSchedule): Promise<void>;
  /** The invoice's schedule, locked for this transaction with `lock: true`. */
  getSchedule(invoiceId: string, options?: { lock?: boolean }): Promise<RecognitionSchedule | undefined>;
  /**
   * Schedules with `nextDueAt` at or before `asOf`, by `nextDueAt` then invoice id, at most `limit`; with `after`,
   * only those past that position (the last schedule of the previous page).
   */
  dueSchedules(asOf: Date, limit: number, after?: DueSchedule): Promise<DueSchedule[]>;
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
  /**
   * Optional: applies one posting on its own, atomically, in as few round trips as the backend allows (Postgres: one
   * statement). Same contract as {@link LedgerStorageTx.post}; without it the core runs `post` in a `transaction`.
   */
  post?(request: PostingRequest, options?: LedgerCallOptions): Promise<PostingOutcome>;
  /** True when `error` is the backend's unique-constraint violation (a concurrent insert of the same invoice or schedule). */
  isUniqueViolation(error: unknown): boolean;
}
