import { ExternalServiceError } from "@atom/errors";
import { z } from "zod";
import type { ActionDefinition } from "../types.js";

/** Input of `slack.post_message`. */
export interface SlackPostMessageInput {
  /** Channel id or name. */
  channel: string;
  /** Message text (also the notification fallback when `blocks` are set). */
  text: string;
  /** Block Kit blocks. */
  blocks?: unknown[];
  /** Reply in this thread. */
  thread_ts?: string;
}

/**
 * `slack.post_message`: `POST {baseUrl}/chat.postMessage` with the `slack` provider's bearer token. Output:
 * `{ channel, ts }`. A Slack `ok: false` answer is an `EXTERNAL_SERVICE_ERROR` carrying Slack's error code.
 * @param baseUrl Slack Web API base. @default "https://slack.com/api"
 */
export function slackPostMessage(baseUrl = "https://slack.com/api"): ActionDefinition<SlackPostMessageInput> {
  return {
    input: z.object({
      channel: z.string().min(1),
      text: z.string().min(1).max(40_000),
      blocks: z.array(z.unknown()).optional(),
      thread_ts: z.string().optional(),
    }) as z.ZodType<SlackPostMessageInput>,
    complexity: 1,
    feature: "slack",
    async execute(ctx) {
      const token = await ctx.credentials("slack");
      const response = await ctx.http.request({
        method: "POST",
        url: `${baseUrl.replace(/\/$/, "")}/chat.postMessage`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(ctx.input),
        signal: ctx.abortEmitter,
      });
      const body = response.body as { ok?: boolean; error?: string; channel?: string; ts?: string } | null;
      if (response.status !== 200 || body?.ok !== true) {
        throw new ExternalServiceError({
          service: "slack",
          message: `[@atom/workflow-engine] slack.post_message failed: ${body?.error ?? `HTTP ${response.status}`}`,
          details: { status: response.status, slackError: body?.error },
        });
      }
      return { channel: body.channel, ts: body.ts };
    },
  };
}
