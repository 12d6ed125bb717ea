import { hash } from "node:crypto";
import { ValidationError } from "@atom/errors";
import { z } from "zod";
import { ApprovalRequired } from "../approval.js";
import { credentialToken } from "../credentials.js";
import { defineNode } from "../define-node.js";
import { gateOf } from "../node-context.js";
import { ActionNotFoundError, GovernanceDeniedError } from "../errors.js";
import type { ActionContext, ActionRegistry, NodeType } from "../types.js";

/**
 * `action`: runs a registered action (`slack.post_message`, `gmail.send`, yours) with a templated `input`. When the
 * engine has a governance checker, the run's agent must be allowed first: `deny` fails the node with
 * `GOVERNANCE_DENIED`; `approval_required` pauses the run with the proposal id in `pendingApproval`; once a person
 * approves it, `resume(runId, { approvals: { [nodeId]: proposalId } })` passes it back as governance's `approvalId`.
 * @internal Built by the engine around its registry.
 */
export function actionNode(registry: ActionRegistry): NodeType<{ action: string; input: Record<string, unknown> }> {
  return defineNode({
    type: "action",
    config: z.object({
      action: z.string().refine((name) => registry.get(name) !== undefined, "unknown action"),
      input: z.record(z.string(), z.unknown()).default({}),
    }),
    async execute(ctx) {
      const { config, services } = ctx;
      const action = registry.get(config.action);
      if (!action) throw new ActionNotFoundError({ action: config.action });
      const parsed = action.input.safeParse(config.input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = ["input", ...(issue?.path ?? []).map(String)].join(".");
        throw new ValidationError({
          field,
          message: `[@atom/workflow-engine] action "${config.action}" ${field}: ${issue?.message ?? "invalid"}`,
        });
      }
      const gate = gateOf(ctx);
      // What an approval is for: this run's node, with this input. Governance binds an approval to it, so one given
      // for another run, node or input is refused (a reviewer who approved tagging c-2 never tags c-1). Each id is
      // encoded, so ids holding "/" cannot make two runs' nodes share a path.
      const request = {
        method: "RUN",
        path: `/runs/${encodeURIComponent(ctx.runId)}/nodes/${encodeURIComponent(ctx.node.id)}`,
        digest: `sha256:${hash("sha256", JSON.stringify(parsed.data) ?? "null", "base64url")}`,
      };
      if (services.governance && gate?.passed(request.digest) !== true) {
        // Fail closed: a gate cannot decide for nobody.
        if (ctx.agentId === undefined) {
          throw new GovernanceDeniedError({ action: config.action, reason: "the run has no agentId to check" });
        }
        const decision = await services.governance.check({
          agentId: ctx.agentId,
          action: config.action,
          complexity: action.complexity,
          request,
          ...(action.feature === undefined ? {} : { feature: action.feature }),
          ...(ctx.approvalId === undefined ? {} : { approvalId: ctx.approvalId }),
        });
        if (decision.outcome === "deny") {
          throw new GovernanceDeniedError({ action: config.action, reason: decision.reason, agentId: ctx.agentId });
        }
        if (decision.outcome === "approval_required") throw new ApprovalRequired(config.action, decision.reason, decision.proposalId);
        // A retry of this node with the same input repeats the allowed action (same idempotency key): it must not
        // spend a second approval. A retry whose input resolved differently was not allowed, so it asks again.
        gate?.pass(request.digest);
      }
      const actionCtx: ActionContext<unknown> = {
        input: parsed.data,
        http: services.http,
        credentials: (provider) => credentialToken(services, provider, ctx),
        get signal() {
          return ctx.signal;
        },
        get abortEmitter() {
          return ctx.abortEmitter;
        },
        idempotencyKey: ctx.idempotencyKey,
        runId: ctx.runId,
        ...(ctx.agentId === undefined ? {} : { agentId: ctx.agentId }),
      };
      return action.execute(actionCtx);
    },
  });
}
