import { ValidationError } from "@atom/errors";
import { signedAmount } from "./accounting.js";
import { LedgerAlreadyReversedError } from "./errors.js";
import { checkPosting, lowestBalanceSince } from "./posting-rules.js";
import type {
  Account,
  AccountBalance,
  DueSchedule,
  EntryRow,
  EntryTotals,
  Invoice,
  LedgerCallOptions,
  LedgerStorage,
  LedgerStorageTx,
  RecognitionSchedule,
  ScopedKey,
  StoredTransaction,
} from "./types.js";

interface StoredEntry extends EntryRow {
  account: string;
}

const before = (a: { effectiveAt: Date; seq: bigint }, b: { effectiveAt: Date; seq: bigint }) =>
  a.effectiveAt.getTime() < b.effectiveAt.getTime() || (a.effectiveAt.getTime() === b.effectiveAt.getTime() && a.seq < b.seq);

const UNIQUE_VIOLATION = Symbol("unique violation");

const keyOf = (key: ScopedKey) => `${key.scope}\u0000${key.key}`;

/** Copies in and out, so nothing a caller holds aliases the stored state. */
const copy = <T>(value: T): T => structuredClone(value);

/**
 * In-memory ledger storage: the reference for the storage kit and a fast default for tests. Transactions run one
 * at a time; a failed transaction's writes are undone, so nothing is half-written. Everything returned is a copy.
 */
export function memoryLedger(): LedgerStorage {
  const accounts = new Map<string, AccountBalance>();
  const transactions = new Map<string, StoredTransaction>();
  const byKey = new Map<string, string>();
  const reversals = new Map<string, string>();
  const entries: StoredEntry[] = [];
  const invoices = new Map<string, Invoice>();
  const schedules = new Map<string, RecognitionSchedule>();
  let seq = 0n;
  let queue: Promise<unknown> = Promise.resolve();

  const totalsWhere = (keep: (entry: StoredEntry) => boolean): Map<string, EntryTotals> => {
    const totals = new Map<string, EntryTotals>();
    for (const entry of entries) {
      if (!keep(entry)) continue;
      const total = totals.get(entry.account) ?? { debit: 0n, credit: 0n };
      total[entry.side] += entry.amount;
      totals.set(entry.account, total);
    }
    return totals;
  };
  const totalsOf = (code: string, keep: (entry: StoredEntry) => boolean): EntryTotals =>
    totalsWhere((entry) => entry.account === code && keep(entry)).get(code) ?? { debit: 0n, credit: 0n };

  /** Net changes of an account's entries effective after `at`, one per distinct time, oldest first. */
  const changesAfter = (account: AccountBalance, at: Date): bigint[] => {
    const byTime = new Map<number, bigint>();
    for (const entry of entries) {
      if (entry.account !== account.code || entry.effectiveAt.getTime() <= at.getTime()) continue;
      const time = entry.effectiveAt.getTime();
      byTime.set(time, (byTime.get(time) ?? 0n) + signedAmount(account.type, entry.side, entry.amount));
    }
    return [...byTime].sort(([a], [b]) => a - b).map(([, change]) => change);
  };

  const store = (transaction: StoredTransaction, undo: (() => void)[]) => {
    transactions.set(transaction.id, transaction);
    if (transaction.idempotency) byKey.set(keyOf(transaction.idempotency), transaction.id);
    if (transaction.reverses !== null) reversals.set(transaction.reverses, transaction.id);
    for (const entry of transaction.entries) {
      seq += 1n;
      entries.push({ ...entry, seq, transactionId: transaction.id, description: transaction.description, effectiveAt: transaction.effectiveAt });
    }
    const count = transaction.entries.length;
    undo.push(() => {
      transactions.delete(transaction.id);
      if (transaction.idempotency) byKey.delete(keyOf(transaction.idempotency));
      if (transaction.reverses !== null) reversals.delete(transaction.reverses);
      entries.splice(entries.length - count, count);
    });
  };

  const open = (undo: (() => void)[]): LedgerStorageTx => ({
    async post(input) {
      const request = copy(input);
      const existing = request.idempotency ? byKey.get(keyOf(request.idempotency)) : undefined;
      if (existing !== undefined) return { status: "existing", transaction: copy(transactions.get(existing) as StoredTransaction) };
      if (request.reverses !== null && reversals.has(request.reverses)) {
        throw new LedgerAlreadyReversedError({ transactionId: request.reverses, reason: "was already reversed" });
      }
      const touched = [...new Set(request.entries.map((e) => e.account))].sort().flatMap((code) => {
        const account = accounts.get(code);
        return account ? [account] : [];
      });
      const checked = await checkPosting(request, touched, (account) => lowestBalanceSince(account.balance, changesAfter(account, request.effectiveAt)));
      const { entries: resolved, ...rest } = request;
      const transaction: StoredTransaction = { ...rest, entries: resolved.map((e, i) => ({ ...e, currency: checked.entries[i]?.currency ?? "" })), idempotencyKey: request.idempotency?.scope === "caller" ? request.idempotency.key : null };
      store(transaction, undo);
      for (const [code, balance] of checked.balances) {
        const account = accounts.get(code) as AccountBalance;
        const previous = account.balance;
        account.balance = balance;
        undo.push(() => {
          account.balance = previous;
        });
      }
      return { status: "posted", transaction: copy(transaction) };
    },
    async getAccount(code) {
      const account = accounts.get(code);
      return account ? { ...account } : undefined;
    },
    async insertAccount(account: Account) {
      if (accounts.has(account.code)) return false;
      accounts.set(account.code, { ...account, balance: 0n });
      undo.push(() => accounts.delete(account.code));
      return true;
    },
    async listAccounts() {
      return [...accounts.values()].sort((a, b) => (a.code < b.code ? -1 : 1)).map((a) => ({ ...a }));
    },
    async getTransaction(id) {
      const transaction = transactions.get(id);
      return transaction && copy(transaction);
    },
    async findByIdempotencyKey(key) {
      const id = byKey.get(keyOf(key));
      return id === undefined ? undefined : copy(transactions.get(id));
    },
    async findReversal(id) {
      const reversal = reversals.get(id);
      return reversal === undefined ? undefined : copy(transactions.get(reversal));
    },
    async transactionsBySource(source) {
      return [...transactions.values()].filter((t) => t.sourceRef?.type === source.type && t.sourceRef.id === source.id).map(copy);
    },
    async totals(code, asOf) {
      return totalsOf(code, (entry) => entry.effectiveAt.getTime() <= asOf.getTime());
    },
    async totalsAfter(after, code) {
      return totalsWhere((entry) => (code === undefined || entry.account === code) && entry.effectiveAt.getTime() > after.getTime());
    },
    async totalsBefore(code, position) {
      return totalsOf(code, (entry) => before(entry, position));
    },
    async listEntries(code, options) {
      return entries
        .filter((entry) => entry.account === code)
        .filter((entry) => !options.from || entry.effectiveAt.getTime() >= options.from.getTime())
        .filter((entry) => !options.to || entry.effectiveAt.getTime() <= options.to.getTime())
        .sort((a, b) => (before(a, b) ? -1 : 1))
        .filter((entry) => !options.after || before(options.after, entry))
        .slice(0, options.limit)
        .map(({ account: _account, ...row }) => copy(row));
    },
    async getInvoice(id) {
      const invoice = invoices.get(id);
      return invoice && copy(invoice);
    },
    async insertInvoice(invoice) {
      if (invoices.has(invoice.id)) throw Object.assign(new Error(`invoice ${invoice.id} exists`), { [UNIQUE_VIOLATION]: true });
      invoices.set(invoice.id, copy(invoice));
      undo.push(() => invoices.delete(invoice.id));
    },
    async setInvoiceStatus(id, status) {
      const invoice = invoices.get(id) as Invoice;
      const previous = invoice.status;
      invoice.status = status;
      undo.push(() => {
        invoice.status = previous;
      });
    },
    async insertSchedule(schedule) {
      if (schedules.has(schedule.invoiceId)) {
        throw Object.assign(new Error(`schedule for ${schedule.invoiceId} exists`), { [UNIQUE_VIOLATION]: true });
      }
      schedules.set(schedule.invoiceId, copy(schedule));
      undo.push(() => schedules.delete(schedule.invoiceId));
    },
    async getSchedule(invoiceId) {
      const schedule = schedules.get(invoiceId);
      return schedule && copy(schedule);
    },
    async dueSchedules(asOf, limit, after) {
      const order = (a: DueSchedule, b: DueSchedule) => a.nextDueAt.getTime() - b.nextDueAt.getTime() || (a.invoiceId < b.invoiceId ? -1 : a.invoiceId > b.invoiceId ? 1 : 0);
      return [...schedules.values()]
        .flatMap((s) => (s.nextDueAt !== null && s.nextDueAt.getTime() <= asOf.getTime() ? [{ invoiceId: s.invoiceId, nextDueAt: new Date(s.nextDueAt) }] : []))
        .filter((s) => after === undefined || order(s, after) > 0)
        .sort(order)
        .slice(0, limit);
    },
    async setScheduleProgress(invoiceId, recognizedPeriods, nextDueAt) {
      const schedule = schedules.get(invoiceId) as RecognitionSchedule;
      const previous = { recognizedPeriods: schedule.recognizedPeriods, nextDueAt: schedule.nextDueAt };
      schedule.recognizedPeriods = recognizedPeriods;
      schedule.nextDueAt = nextDueAt;
      undo.push(() => Object.assign(schedule, previous));
    },
  });

  return {
    transaction<T>(fn: (tx: LedgerStorageTx) => Promise<T>, options?: LedgerCallOptions): Promise<T> {
      if (options?.client !== undefined) {
        return Promise.reject(
          new ValidationError({ field: "client", message: "[@atom/ledger] [memory] memory storage has no database clients to join" }),
        );
      }
      const result = queue.then(async () => {
        const undo: (() => void)[] = [];
        try {
          return await fn(open(undo));
        } catch (error) {
          for (const step of undo.reverse()) step();
          throw error;
        }
      });
      queue = result.catch(() => undefined);
      return result;
    },
    isUniqueViolation: (error) => typeof error === "object" && error !== null && UNIQUE_VIOLATION in error,
  };
}
