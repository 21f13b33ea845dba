// The TypeScript client against the REAL gateway and a REAL notify.slack worker (started by test/stack.mjs).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import {
  CircuitOpen,
  Conflict,
  Forbidden,
  InvalidPayload,
  NotFound,
  SlackClient,
  TaskFailed,
  TaskTimeout,
  Unauthorized,
  Unavailable,
  WorkersCoreClient,
} from "../dist/index.js";

let stack;
before(async () => { stack = await startStackOnce(); }, { timeout: 150_000 });
after(async () => { await stack?.stop(); });

async function startStackOnce() {
  const { startStack } = await import("./support/stack.mjs");
  return startStack();
}

/** A loopback proxy to the gateway that can answer by itself first (503s, silence) and records every request. */
async function proxy(target, script = []) {
  const seen = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    const step = script.shift();
    if (step === "503") {
      res.writeHead(503, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { code: "broker_unavailable", message: "scripted", details: {} } }));
    }
    if (step === "hang") return; // never answers: the client's timeout must fire
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "content-length", "connection"].includes(k))),
      body: body.length ? body : undefined,
    });
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => { server.closeAllConnections(); server.close(); } };
}

describe("WorkersCoreClient against the gateway", () => {
  it("sends, follows SSE progress and returns the typed result; the per-worker helper too", async () => {
    const client = new WorkersCoreClient({ baseUrl: stack.url, token: stack.token });
    const handle = await client.send("notify.slack", { text: "Factură plătită", channel: "#facturi" }, { correlationId: "ts-corr-1" });
    assert.equal(handle.correlationId, "ts-corr-1");
    const states = [];
    for await (const status of client.progress(handle, { timeoutMs: 60_000 })) states.push(status.state);
    assert.equal(states.at(-1), "SUCCESS");
    const status = await client.status(handle);
    assert.equal(status.result.status, "sent");
    assert.equal(status.result.channel, "C0000FACTURI");
    assert.equal(status.correlation_id, "ts-corr-1");
    const viaHelper = await new SlackClient(client).notify({ text: "din helper" }, { timeoutMs: 60_000 });
    assert.equal(viaHelper.status, "sent");
  });

  it("replays the same key, refuses another body under it (409), and surfaces a task failure", async () => {
    const client = new WorkersCoreClient({ baseUrl: stack.url, token: stack.token });
    const key = `ts-${Date.now()}`;
    const first = await client.send("notify.slack", { text: "o dată" }, { idempotencyKey: key });
    const again = await client.send("notify.slack", { text: "o dată" }, { idempotencyKey: key });
    assert.equal(again.taskId, first.taskId);
    assert.equal(again.replayed, true);
    await assert.rejects(client.send("notify.slack", { text: "alt text" }, { idempotencyKey: key }),
      (e) => e instanceof Conflict && e.code === "idempotency_key_reused");
    await assert.rejects(client.run("notify.slack", { text: "x", channel: "#nu-exista" }, { timeoutMs: 60_000 }),
      (e) => e instanceof TaskFailed && e.code === "slack_rejected" && e.details.slack_error === "channel_not_found");
  });

  it("retries a 503 with the SAME idempotency key (one task), and times out a silent gateway", async () => {
    const flaky = await proxy(stack.url, ["503", "503"]);
    try {
      const client = new WorkersCoreClient({ baseUrl: flaky.url, token: stack.token, retries: 3, backoffMs: 20 });
      const handle = await client.send("notify.slack", { text: "după reîncercări" });
      const posts = flaky.seen.filter((r) => r.method === "POST");
      assert.equal(posts.length, 3);
      assert.equal(new Set(posts.map((r) => r["headers"]["idempotency-key"])).size, 1);
      assert.equal(posts[0].headers["idempotency-key"], handle.idempotencyKey);
      assert.equal((await client.wait(handle, { timeoutMs: 60_000 })).status, "sent");
    } finally {
      flaky.close();
    }
    const silent = await proxy(stack.url, ["hang"]);
    try {
      const client = new WorkersCoreClient({ baseUrl: silent.url, token: stack.token, retries: 0, timeoutMs: 300 });
      const started = Date.now();
      await assert.rejects(client.send("notify.slack", { text: "x" }), (e) => e instanceof Unavailable && e.code === "timeout");
      assert.ok(Date.now() - started < 3_000);
    } finally {
      silent.close();
    }
  });

  it("opens the circuit after repeated failures and lets one trial through after the reset time", async () => {
    const client = new WorkersCoreClient({ baseUrl: "http://127.0.0.1:1", token: stack.token, retries: 0,
      breaker: { failureThreshold: 2, resetAfterMs: 200 } });
    for (let i = 0; i < 2; i++) await assert.rejects(client.status({ taskId: "x", name: "notify.slack" }), Unavailable);
    assert.equal(client.breaker.state, "open");
    await assert.rejects(client.status({ taskId: "x", name: "notify.slack" }), CircuitOpen);
    await new Promise((ok) => setTimeout(ok, 250));
    assert.equal(client.breaker.state, "half-open");
    await assert.rejects(client.status({ taskId: "x", name: "notify.slack" }), (e) => e instanceof Unavailable && !(e instanceof CircuitOpen));
    assert.equal(client.breaker.state, "open");
  });

  it("maps the gateway's refusals to the same error types as the Python SDK", async () => {
    const anonymous = new WorkersCoreClient({ baseUrl: stack.url, token: "not-a-jwt", retries: 0 });
    await assert.rejects(anonymous.send("notify.slack", { text: "x" }), Unauthorized);
    const slackOnly = new WorkersCoreClient({ baseUrl: stack.url, token: stack.slack_only_token, retries: 0 });
    await assert.rejects(slackOnly.send("email.send", { to: ["a@example.com"], subject: "s", text: "t" }), Forbidden);
    await assert.rejects(slackOnly.send("notify.slack", { text: 5 }), (e) => e instanceof InvalidPayload && e.details.errors.length > 0);
    await assert.rejects(slackOnly.send("no.such.task", {}), NotFound);
    const handle = await slackOnly.send("notify.slack", { text: "al meu" });
    const other = new WorkersCoreClient({ baseUrl: stack.url, token: stack.other_tenant_token, retries: 0 });
    await assert.rejects(other.status(handle), NotFound);
    const listed = await slackOnly.tasks();
    assert.deepEqual(listed.map((t) => t.name), ["notify.slack"]);
    await assert.rejects(slackOnly.wait(handle, { timeoutMs: 1 }), TaskTimeout);
  });
});
