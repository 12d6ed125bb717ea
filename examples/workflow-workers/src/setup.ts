import pg from "pg";
import PgBoss from "pg-boss";
import { createWorkflowEngine, type WorkflowDefinition, type WorkflowEngine } from "@atom/workflow-engine";
import { postgresRunStore } from "@atom/workflow-engine/postgres";

/** The demo's workflow: a branch, a fan-out, a two-second delay (a scheduled job: no process waits) and a join. */
export const orderWorkflow: WorkflowDefinition = {
  id: "order-placed",
  version: 1,
  nodes: [
    { id: "big", type: "condition", config: { conditionType: "greater_than", field: "total", value: 100 } },
    { id: "vip", type: "transform", config: { operation: "format", template: "VIP order {{ $run.input.orderId }}" } },
    { id: "standard", type: "transform", config: { operation: "format", template: "order {{ $run.input.orderId }}" } },
    { id: "cool-off", type: "delay", config: { ms: 2000 } },
    { id: "receipt", type: "transform", config: { operation: "format", template: "receipt for {{ $run.input.orderId }}" } },
    { id: "summary", type: "transform", config: { operation: "format", template: "{{ $node.vip.output }} / {{ $node.receipt.output }}" } },
  ],
  edges: [
    { from: "big", to: "vip", branch: "true" },
    { from: "big", to: "standard", branch: "false" },
    { from: "vip", to: "cool-off" },
    { from: "vip", to: "receipt" },
    { from: "cool-off", to: "summary" },
    { from: "receipt", to: "summary" },
  ],
};

/** The queue of this demo (its own, so it never meets other jobs). */
export const QUEUE = "demo-workflow-nodes";

/** A pool, a started pg-boss and an engine on the run store, all on DATABASE_URL. */
export async function connect(): Promise<{ pool: pg.Pool; boss: PgBoss; engine: WorkflowEngine; close(): Promise<void> }> {
  const url = process.env.DATABASE_URL ?? "";
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const boss = new PgBoss({ connectionString: url, max: 4, schedule: false });
  boss.on("error", (error: Error) => console.error("pg-boss:", error.message));
  await boss.start();
  const engine = createWorkflowEngine({ store: postgresRunStore({ pool }) });
  return {
    pool,
    boss,
    engine,
    async close() {
      await boss.stop({ graceful: false, wait: true });
      await engine.close();
      await pool.end();
    },
  };
}
