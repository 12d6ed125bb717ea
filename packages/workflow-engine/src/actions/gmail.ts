import { ExternalServiceError } from "@atom/errors";
import { z } from "zod";
import type { ActionDefinition } from "../types.js";

/** Input of `gmail.send`. */
export interface GmailSendInput {
  /** Recipient(s). */
  to: string | string[];
  /** Subject line. */
  subject: string;
  /** Plain-text body. */
  text: string;
  /** Carbon copies. */
  cc?: string[];
  /** Blind carbon copies. */
  bcc?: string[];
  /** From header (defaults to the authorised account). */
  from?: string;
}

// Header values must not carry CR/LF, or a recipient could inject headers.
const headerValue = z.string().min(1).max(998).regex(/^[^\r\n]*$/, "must not contain line breaks");
const email = headerValue.pipe(z.email());

function encodeSubject(subject: string): string {
  return /^[\x20-\x7e]*$/.test(subject) ? subject : `=?UTF-8?B?${Buffer.from(subject, "utf8").toString("base64")}?=`;
}

/** Builds the RFC 5322 message Gmail expects, base64url-encoded. @internal */
export function buildRawMessage(input: GmailSendInput): string {
  const to = Array.isArray(input.to) ? input.to : [input.to];
  const lines = [
    ...(input.from ? [`From: ${input.from}`] : []),
    `To: ${to.join(", ")}`,
    ...(input.cc?.length ? [`Cc: ${input.cc.join(", ")}`] : []),
    ...(input.bcc?.length ? [`Bcc: ${input.bcc.join(", ")}`] : []),
    `Subject: ${encodeSubject(input.subject)}`,
    "MIME-Version: 1.0",
    'Content-Type: text/plain; charset="UTF-8"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from(input.text, "utf8").toString("base64"),
  ];
  return Buffer.from(lines.join("\r\n"), "utf8").toString("base64url");
}

/**
 * `gmail.send`: `POST {baseUrl}/gmail/v1/users/me/messages/send` with the `google` provider's bearer token.
 * Output: `{ id, threadId }`.
 * @param baseUrl Gmail API base. @default "https://gmail.googleapis.com"
 */
export function gmailSend(baseUrl = "https://gmail.googleapis.com"): ActionDefinition<GmailSendInput> {
  return {
    input: z.object({
      to: z.union([email, z.array(email).min(1)]),
      subject: headerValue,
      text: z.string(),
      cc: z.array(email).optional(),
      bcc: z.array(email).optional(),
      from: headerValue.optional(),
    }) as z.ZodType<GmailSendInput>,
    complexity: 2,
    feature: "gmail",
    async execute(ctx) {
      const token = await ctx.credentials("google");
      const response = await ctx.http.request({
        method: "POST",
        url: `${baseUrl.replace(/\/$/, "")}/gmail/v1/users/me/messages/send`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ raw: buildRawMessage(ctx.input) }),
        signal: ctx.abortEmitter,
      });
      const body = response.body as { id?: string; threadId?: string } | null;
      if (response.status < 200 || response.status >= 300 || !body?.id) {
        throw new ExternalServiceError({
          service: "gmail",
          message: `[@atom/workflow-engine] gmail.send failed: HTTP ${response.status}`,
          details: { status: response.status },
        });
      }
      return { id: body.id, threadId: body.threadId };
    },
  };
}
