// fetch-based client of the workers-core task gateway: typed tasks, retries that reuse one idempotency key,
// per-request timeouts (AbortController), a circuit breaker, and progress over server-sent events.
import { randomUUID } from "node:crypto";
import { CircuitBreaker, type BreakerOptions } from "./breaker.js";
import {
  errorForStatus,
  RateLimited,
  TaskFailed,
  TaskTimeout,
  Unavailable,
  WorkersCoreError,
  type ErrorInfo,
} from "./errors.js";
import type { components } from "./generated/gateway.js";
import type { TaskName, TaskPayloads, TaskResults } from "./generated/tasks.js";
import { readSse } from "./sse.js";

export type Accepted = components["schemas"]["Accepted"];
export type TaskState = components["schemas"]["TaskStatus"]["state"];

/** Where a task stands (`GET /v1/tasks/{id}`), with the result typed by the task's name. */
export interface TaskStatus<N extends TaskName = TaskName> {
  task_id: string;
  name: N;
  state: TaskState;
  result: TaskResults[N] | null;
  error: ErrorInfo | null;
  correlation_id: string;
  tenant: string;
  created_at: string;
  done_at?: string | null;
}

export interface TaskHandle<N extends TaskName = TaskName> {
  taskId: string;
  name: N;
  correlationId: string;
  statusUrl: string;
  eventsUrl: string;
  /** true when the gateway answered an earlier send of the same idempotency key and body */
  replayed: boolean;
  idempotencyKey: string;
}

export interface ClientOptions {
  baseUrl: string;
  /** a bearer token, or a function returning a fresh one */
  token: string | (() => string | Promise<string>);
  /** per-request timeout (default 10 s) */
  timeoutMs?: number;
  /** retries of a send on network errors, 502/503/504 and short 429s (default 3) */
  retries?: number;
  /** first backoff delay, doubled per retry (default 200 ms) */
  backoffMs?: number;
  /** a 429 with a longer Retry-After is not retried (default 5 s) */
  maxRetryAfterMs?: number;
  breaker?: BreakerOptions | CircuitBreaker;
  fetch?: typeof fetch;
}

export interface SendOptions {
  /** reused by every retry; generated when absent */
  idempotencyKey?: string;
  correlationId?: string;
  signal?: AbortSignal;
}

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const FINAL_STATES: ReadonlySet<TaskState> = new Set(["SUCCESS", "FAILURE", "REVOKED"]);
const RETRY_STATUS = new Set([502, 503, 504]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts toward the breaker: the gateway or the network failed, not the caller's request. */
const remoteFailure = (error: unknown) => error instanceof Unavailable;

export class WorkersCoreClient {
  readonly baseUrl: string;
  readonly breaker: CircuitBreaker;
  #options: Required<Pick<ClientOptions, "timeoutMs" | "retries" | "backoffMs" | "maxRetryAfterMs">>;
  #token: ClientOptions["token"];
  #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#options = {
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 200,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 5_000,
    };
    this.breaker = options.breaker instanceof CircuitBreaker ? options.breaker : new CircuitBreaker(options.breaker);
  }

  async #headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const token = typeof this.#token === "function" ? await this.#token() : this.#token;
    return { Authorization: `Bearer ${token}`, Accept: "application/json", ...extra };
  }

  /** One request under the breaker and a timeout; a non-2xx answer becomes the client's error. */
  async #request(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Response> {
    return this.breaker.run(async () => {
      const timeout = AbortSignal.timeout(init.timeoutMs ?? this.#options.timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await this.#fetch(this.baseUrl + path, {
          method,
          headers: await this.#headers(init.body === undefined ? init.headers : { "Content-Type": "application/json", ...init.headers }),
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal,
        });
      } catch (error) {
        if (init.signal?.aborted) throw error;
        const timedOut = timeout.aborted;
        throw new Unavailable(timedOut ? `${method} ${path}: no answer within the timeout` : `${method} ${path}: ${String(error)}`,
          timedOut ? "timeout" : "gateway_unreachable");
      }
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        const retryAfter = response.headers.get("Retry-After");
        throw errorForStatus(response.status, body, retryAfter === null ? null : Number(retryAfter));
      }
      return response;
    }, remoteFailure);
  }

  #retryDelay(error: unknown, attempt: number): number | null {
    if (attempt >= this.#options.retries) return null;
    if (error instanceof RateLimited) {
      const ms = error.retryAfter * 1000;
      return ms <= this.#options.maxRetryAfterMs ? ms : null;
    }
    if (error instanceof Unavailable && error.code !== "circuit_open") return this.#options.backoffMs * 2 ** attempt;
    return null;
  }

  /** `POST /v1/tasks/{name}`: 202 once the broker confirmed; retried with the same Idempotency-Key. */
  async send<N extends TaskName>(name: N, payload: TaskPayloads[N], options: SendOptions = {}): Promise<TaskHandle<N>> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const headers: Record<string, string> = { "Idempotency-Key": idempotencyKey };
    if (options.correlationId) headers["X-Correlation-Id"] = options.correlationId;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.#request("POST", `/v1/tasks/${encodeURIComponent(name)}`, { body: payload, headers, signal: options.signal });
        const body = (await response.json()) as Accepted;
        return {
          taskId: body.task_id,
          name,
          correlationId: body.correlation_id,
          statusUrl: body.status_url,
          eventsUrl: body.events_url,
          replayed: response.headers.get("Idempotency-Replayed") === "true",
          idempotencyKey,
        };
      } catch (error) {
        const delay = this.#retryDelay(error, attempt);
        if (delay === null || options.signal?.aborted) throw error;
        await sleep(delay);
      }
    }
  }

  /** `GET /v1/tasks/{id}`. */
  async status<N extends TaskName>(handle: TaskHandle<N> | { taskId: string; name: N }): Promise<TaskStatus<N>> {
    const response = await this.#request("GET", `/v1/tasks/${encodeURIComponent(handle.taskId)}`);
    return (await response.json()) as TaskStatus<N>;
  }

  /** Every state the task goes through (server-sent events), the final one last. */
  async *progress<N extends TaskName>(handle: TaskHandle<N> | { taskId: string; name: N }, options: WaitOptions = {}): AsyncGenerator<TaskStatus<N>> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const timedOut = () => new TaskTimeout(`${handle.name} ${handle.taskId}: no final state within ${timeoutMs} ms`, "task_timeout");
    let response: Response;
    try {
      response = await this.#request("GET", `/v1/tasks/${encodeURIComponent(handle.taskId)}/events`, {
        headers: { Accept: "text/event-stream" }, signal, timeoutMs,
      });
    } catch (error) {
      if (deadline.aborted) throw timedOut();
      throw error;
    }
    if (!response.body) throw new Unavailable("the event stream has no body", "bad_gateway_answer");
    try {
      for await (const message of readSse(response.body)) {
        if (message.event === "state") {
          const status = JSON.parse(message.data) as TaskStatus<N>;
          yield status;
          if (FINAL_STATES.has(status.state)) return;
        } else if (message.event === "end" || message.event === "timeout") {
          return;
        }
      }
    } catch (error) {
      if (deadline.aborted) throw timedOut();
      throw error;
    }
    throw new TaskTimeout(`${handle.name} ${handle.taskId}: the event stream ended before a final state`, "task_timeout");
  }

  /** The task's typed result; TaskFailed (with the worker's code/message/details) or TaskTimeout otherwise. */
  async wait<N extends TaskName>(handle: TaskHandle<N> | { taskId: string; name: N }, options: WaitOptions = {}): Promise<TaskResults[N]> {
    let last: TaskStatus<N> | undefined;
    for await (const status of this.progress(handle, options)) last = status;
    if (!last) throw new TaskTimeout(`${handle.name} ${handle.taskId}: no state`, "task_timeout");
    if (last.state === "FAILURE") {
      const error = last.error ?? { code: "task_failed", message: `${handle.name} failed`, details: {} };
      throw new TaskFailed(error.message, error.code, error.details ?? {});
    }
    if (last.state === "REVOKED") throw new TaskFailed(`${handle.name} ${handle.taskId} was revoked`, "revoked");
    return last.result as TaskResults[N];
  }

  /** send + wait. */
  async run<N extends TaskName>(name: N, payload: TaskPayloads[N], options: SendOptions & WaitOptions = {}): Promise<TaskResults[N]> {
    return this.wait(await this.send(name, payload, options), options);
  }

  /** `GET /v1/tasks`: the tasks this token may send, with their schemas. */
  async tasks(): Promise<components["schemas"]["TaskList"]["tasks"]> {
    const response = await this.#request("GET", "/v1/tasks");
    return ((await response.json()) as components["schemas"]["TaskList"]).tasks;
  }
}

export { WorkersCoreError };
