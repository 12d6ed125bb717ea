import type { SqlDatabase } from "@atom/sql";
import type { CancelScope } from "./cancel-scope.js";
import type { CompiledNode, CompiledWorkflow } from "./validate.js";
import type { EngineEvents, NodeResult, NodeServices, RunResult, RunStore } from "./types.js";

/**
 * Where an engine keeps what its queue adapters need. `Symbol.for`, so the ESM and CJS builds (two copies of this
 * module) agree on it.
 * @internal
 */
export const ENGINE_INTERNALS: unique symbol = Symbol.for("@atom/workflow-engine.internals") as never;

/** One node of a run, executed alone (see {@link EngineInternals.runNode}). @internal */
export interface RunNodeParams {
  workflow: CompiledWorkflow;
  node: CompiledNode;
  runId: string;
  input: unknown;
  agentId?: string;
  /** Every node of the run settled so far. */
  settled: Record<string, NodeResult>;
  /** Cancels the node (its job's run was stopped, or the worker is shutting down). */
  cancel?: CancelScope;
  approvals?: Readonly<Record<string, string>>;
}

/** What an engine lends its queue adapters. @internal */
export interface EngineInternals {
  /** Validates and compiles a definition (cached per object). @throws WorkflowInvalidError */
  compile(definition: unknown): CompiledWorkflow;
  /** Runs one node with the engine's semantics (templates, retries, timeouts, events) and writes nothing. */
  runNode(params: RunNodeParams): Promise<RunResult>;
  /** Emits an engine event to the engine's listeners. */
  emit<E extends keyof EngineEvents>(event: E, payload: EngineEvents[E]): void;
  /** The engine's services (clock, limits). */
  readonly services: NodeServices;
  /** The engine's run store. */
  readonly store: RunStore;
}

/** The internals of an engine made by `createWorkflowEngine`, or `undefined`. @internal */
export function engineInternals(engine: unknown): EngineInternals | undefined {
  return (engine as { [ENGINE_INTERNALS]?: EngineInternals } | null)?.[ENGINE_INTERNALS];
}

/** Where a Postgres run store keeps its tables (`Symbol.for`, as {@link ENGINE_INTERNALS}). @internal */
export const STORE_TABLES: unique symbol = Symbol.for("@atom/workflow-engine.store-tables") as never;

/** The tables of a Postgres run store, for adapters that write them inside their own transactions. @internal */
export interface StoreTables {
  /** The database the store was given. */
  db: SqlDatabase;
  /** Qualified name of the runs table. */
  runs: string;
  /** Qualified name of the node results table. */
  results: string;
  /** Resolves once the store's migrations ran. */
  ready(): Promise<void>;
}

/** The tables of a `postgresRunStore`, or `undefined` for any other store. @internal */
export function storeTables(store: unknown): StoreTables | undefined {
  return (store as { [STORE_TABLES]?: StoreTables } | null)?.[STORE_TABLES];
}
