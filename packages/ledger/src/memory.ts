import { ValidationError } from "@atom/errors";
import type {
  Account,
  AccountBalance,
  EntryRow,
  EntryTotals,
  Invoice,
  LedgerCallOptions,
  LedgerStorage,
  LedgerStorageTx,
  RecognitionSchedule,
  StoredTransaction,
} from "./types.js";

interface StoredEntry extends EntryRow {
  account: string;
}

const before = (a: { effectiveAt: Date; seq: bigint }, b: { effectiveAt: Date; seq: bigint }) =>
  a.effectiveAt.getTime() < b.effectiveAt.getTime() || (a.effectiveAt.getTime() === b.effectiveAt.getTime() && a.seq < b.seq);

const UNIQUE_VIOLATION = Symbol("unique violation");

/**
 * In-memory ledger storage: the reference for the storage kit and a fast default for tests. Transactions run one
 * at a time; a failed transaction's writes are undone, so nothing is half-written.
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

  const totalsWhere = (code: string, keep: (entry: StoredEntry) => boolean): EntryTotals => {
    const totals = { debit: 0n, credit: 0n };
    for (const entry of entries) if (entry.account === code && keep(entry)) totals[entry.side] += entry.amount;
    return totals;
  };

  const open = (undo: (() => void)[]): LedgerStorageTx => ({
    async lockAccounts(codes) {
      return codes.flatMap((code) => {
        const account = accounts.get(code);
        return account ? [{ ...account }] : [];
      });
    },
    async getAccount(code) {
      const account = accounts.get(code);
      return account ? { ...account } : undefined;
    },
    async insertAccount(account: Account) {
      if (accounts.has(account.code)) throw Object.assign(new Error(`account ${account.code} exists`), { [UNIQUE_VIOLATION]: true });
      accounts.set(account.code, { ...account, balance: 0n });
      undo.push(() => accounts.delete(account.code));
    },
    async listAccounts() {
      return [...accounts.values()].sort((a, b) => (a.code < b.code ? -1 : 1)).map((a) => ({ ...a }));
    },
    async setBalance(code, balance) {
      const account = accounts.get(code) as AccountBalance;
      const previous = account.balance;
      account.balance = balance;
      undo.push(() => {
        account.balance = previous;
      });
    },
    async insertTransaction(transaction) {
      if (transaction.idempotencyKey !== null && byKey.has(transaction.idempotencyKey)) {
        throw Object.assign(new Error("duplicate idempotency key"), { [UNIQUE_VIOLATION]: true });
      }
      transactions.set(transaction.id, transaction);
      if (transaction.idempotencyKey !== null) byKey.set(transaction.idempotencyKey, transaction.id);
      if (transaction.reverses !== null) reversals.set(transaction.reverses, transaction.id);
      const count = transaction.entries.length;
      for (const entry of transaction.entries) {
        seq += 1n;
        entries.push({ ...entry, seq, transactionId: transaction.id, description: transaction.description, effectiveAt: transaction.effectiveAt });
      }
      undo.push(() => {
        transactions.delete(transaction.id);
        if (transaction.idempotencyKey !== null) byKey.delete(transaction.idempotencyKey);
        if (transaction.reverses !== null) reversals.delete(transaction.reverses);
        entries.splice(entries.length - count, count);
      });
    },
    async getTransaction(id) {
      return transactions.get(id);
    },
    async findByIdempotencyKey(key) {
      const id = byKey.get(key);
      return id === undefined ? undefined : transactions.get(id);
    },
    async findReversal(id) {
      const reversal = reversals.get(id);
      return reversal === undefined ? undefined : transactions.get(reversal);
    },
    async transactionsBySource(source) {
      return [...transactions.values()].filter((t) => t.sourceRef?.type === source.type && t.sourceRef.id === source.id);
    },
    async totals(code, asOf) {
      return totalsWhere(code, (entry) => entry.effectiveAt.getTime() <= asOf.getTime());
    },
    async totalsBefore(code, position) {
      return totalsWhere(code, (entry) => before(entry, position));
    },
    async listEntries(code, options) {
      return entries
        .filter((entry) => entry.account === code)
        .filter((entry) => !options.from || entry.effectiveAt.getTime() >= options.from.getTime())
        .filter((entry) => !options.to || entry.effectiveAt.getTime() <= options.to.getTime())
        .sort((a, b) => (before(a, b) ? -1 : 1))
        .filter((entry) => !options.after || before(options.after, entry))
        .slice(0, options.limit)
        .map(({ account: _account, ...row }) => row);
    },
    async getInvoice(id) {
      const invoice = invoices.get(id);
      return invoice ? { ...invoice } : undefined;
    },
    async insertInvoice(invoice) {
      if (invoices.has(invoice.id)) throw Object.assign(new Error(`invoice ${invoice.id} exists`), { [UNIQUE_VIOLATION]: true });
      invoices.set(invoice.id, { ...invoice });
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
      schedules.set(schedule.invoiceId, { ...schedule });
      undo.push(() => schedules.delete(schedule.invoiceId));
    },
    async getSchedule(invoiceId) {
      const schedule = schedules.get(invoiceId);
      return schedule ? { ...schedule } : undefined;
    },
    async dueSchedules(asOf, limit) {
      return [...schedules.values()]
        .filter((s) => s.nextDueAt !== null && s.nextDueAt.getTime() <= asOf.getTime())
        .sort((a, b) => (a.nextDueAt as Date).getTime() - (b.nextDueAt as Date).getTime() || (a.invoiceId < b.invoiceId ? -1 : 1))
        .slice(0, limit)
        .map((s) => s.invoiceId);
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
