import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServer } from "../../test/http-server.js";
import { installTripwire } from "../../test/tripwire.js";
import { createHttpClient } from "../http.js";
import { createWorkflowEngine, type WorkflowDefinition } from "../index.js";

const tripwire = installTripwire();
let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    if (req.url === "/api/chat.postMessage") {
      const body = JSON.parse(req.body) as { channel: string };
      res.end(JSON.stringify(body.channel === "#gone" ? { ok: false, error: "channel_not_found" } : { ok: true, channel: "C1", ts: "1.2" }));
    } else if (req.url === "/gmail/v1/users/me/messages/send") {
      res.end(JSON.stringify({ id: "m1", threadId: "t1" }));
    } else res.end("{}");
  });
});
beforeEach(() => {
  server.seen.length = 0;
});
const http = createHttpClient({ allowHosts: ["127.0.0.1"] });
afterAll(async () => {
  await http.close();
  await server.close();
  expect(tripwire.violations).toEqual([]);
});

const action = (name: string, input: Record<string, unknown>): WorkflowDefinition => ({
  id: "a",
  version: 1,
  nodes: [{ id: "act", type: "action", config: { action: name, input } }],
  edges: [],
});

describe("built-in actions", () => {
  const tokens: Record<string, string> = { slack: "xoxb-secret", google: "ya29-secret" };
  const engineFor = () =>
    createWorkflowEngine({
      http,
      slackBaseUrl: `${server.url}/api`,
      gmailBaseUrl: server.url,
      credentials: async (provider) => tokens[provider] ?? "",
    });

  it("slack.post_message posts to chat.postMessage", async () => {
    const slack = engineFor();
    const result = await slack.run(action("slack.post_message", { channel: "#ops", text: "Deploy {{ $input.v }} done" }), { v: "1.2" });
    expect(result.outputs.act).toEqual({ channel: "C1", ts: "1.2" });
    expect(server.seen[0]).toMatchObject({
      method: "POST",
      body: '{"channel":"#ops","text":"Deploy 1.2 done"}',
      headers: expect.objectContaining({ authorization: "Bearer xoxb-secret" }),
    });
    expect(JSON.stringify(result)).not.toContain("xoxb-secret");
    const gone = await slack.run(action("slack.post_message", { channel: "#gone", text: "hi" }));
    expect(gone.nodes.act?.error).toMatchObject({
      code: "EXTERNAL_SERVICE_ERROR",
      message: "[@atom/workflow-engine] slack.post_message failed: channel_not_found",
      details: { service: "slack", slackError: "channel_not_found" },
    });
  });

  it("gmail.send posts a base64url RFC 5322 message", async () => {
    const gmail = engineFor();
    const result = await gmail.run(action("gmail.send", { to: "ada@example.com", subject: "Héllo", text: "Body ✓" }));
    expect(result.outputs.act).toEqual({ id: "m1", threadId: "t1" });
    const raw = (JSON.parse(server.seen[0]?.body ?? "{}") as { raw: string }).raw;
    const message = Buffer.from(raw, "base64url").toString("utf8");
    expect(message).toContain("To: ada@example.com\r\n");
    expect(message).toContain(`Subject: =?UTF-8?B?${Buffer.from("Héllo").toString("base64")}?=\r\n`);
    expect(message.endsWith(Buffer.from("Body ✓").toString("base64"))).toBe(true);
    expect(server.seen[0]?.headers.authorization).toBe("Bearer ya29-secret");
  });

  it("rejects header injection and bad input before any request", async () => {
    const engine = engineFor();
    const result = await engine.run(action("gmail.send", { to: "a@example.com", subject: "x\r\nBcc: evil@example.com", text: "" }));
    expect(result.nodes.act?.error).toMatchObject({
      code: "VALIDATION_ERROR",
      message: '[@atom/workflow-engine] action "gmail.send" input.subject: must not contain line breaks',
    });
    const slack = await engine.run(action("slack.post_message", { channel: "" }));
    expect(slack.nodes.act?.error?.details).toMatchObject({ field: "input.channel" });
    expect(server.seen).toEqual([]);
  });

  it("rejects unknown actions at validation", () => {
    const engine = engineFor();
    expect(engine.validate(action("fax.send", {})).problems).toEqual([
      { nodeId: "act", field: "nodes.0.config.action", message: "unknown action" },
    ]);
  });
});

describe("action base URLs", () => {
  it("refuses credentials in slackBaseUrl and gmailBaseUrl when the engine is created", () => {
    for (const field of ["slackBaseUrl", "gmailBaseUrl"] as const) {
      expect(() => createWorkflowEngine({ [field]: "https://bot:xoxb-secret@gateway.example/api" })).toThrowError(
        expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field }) }),
      );
    }
  });
});
