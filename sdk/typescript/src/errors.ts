// One error tree, the same as the Python SDK's: every failure the client reports is a WorkersCoreError.

export interface ErrorInfo {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export class WorkersCoreError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(message: string, code = "workers_core_error", details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** The task ran and failed (the worker's structured error), or it was revoked. */
export class TaskFailed extends WorkersCoreError {}
/** No final state within the caller's timeout (the task may still finish). */
export class TaskTimeout extends WorkersCoreError {}
/** 400/413/422: the payload does not match the task's schema. */
export class InvalidPayload extends WorkersCoreError {}
/** 401: no, a bad or an expired token. */
export class Unauthorized extends WorkersCoreError {}
/** 403: the token's scopes do not allow this task. */
export class Forbidden extends Unauthorized {}
/** 404: unknown task, or a task this caller cannot see. */
export class NotFound extends WorkersCoreError {}
/** 409: the idempotency key was used with another payload. */
export class Conflict extends WorkersCoreError {}
/** 429: try again after `retryAfter` seconds. */
export class RateLimited extends WorkersCoreError {
  readonly retryAfter: number;
  constructor(message: string, retryAfter: number, code = "rate_limited", details: Record<string, unknown> = {}) {
    super(message, code, details);
    this.retryAfter = retryAfter;
  }
}
/** 5xx, network errors, a request that timed out. */
export class Unavailable extends WorkersCoreError {}
/** The circuit breaker is open: the gateway failed repeatedly, calls are refused until `retryAt`. */
export class CircuitOpen extends Unavailable {
  readonly retryAt: number;
  constructor(retryAt: number) {
    super(`circuit open until ${new Date(retryAt).toISOString()}`, "circuit_open");
    this.retryAt = retryAt;
  }
}

const BY_STATUS: Record<number, new (message: string, code?: string, details?: Record<string, unknown>) => WorkersCoreError> = {
  400: InvalidPayload,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  409: Conflict,
  413: InvalidPayload,
  422: InvalidPayload,
};

/** The error of a gateway answer `{"error": {"code", "message", "details"}}`. */
export function errorForStatus(status: number, body: unknown, retryAfter: number | null): WorkersCoreError {
  const error = (body as { error?: Partial<ErrorInfo> } | null)?.error ?? {};
  const code = typeof error.code === "string" ? error.code : `http_${status}`;
  const message = typeof error.message === "string" ? error.message : `gateway answered ${status}`;
  const details = error.details && typeof error.details === "object" ? error.details : {};
  if (status === 429) return new RateLimited(message, retryAfter ?? 1, code, details);
  const cls = BY_STATUS[status] ?? (status >= 500 ? Unavailable : WorkersCoreError);
  return new cls(message, code, details);
}
