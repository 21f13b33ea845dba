import { CircuitOpen } from "./errors.js";

export interface BreakerOptions {
  /** consecutive failures that open the circuit (default 5) */
  failureThreshold?: number;
  /** how long it stays open before one trial call is let through (default 10 s) */
  resetAfterMs?: number;
  now?: () => number;
}

/** closed -> (N consecutive failures) -> open -> (resetAfterMs) -> half-open: one trial call closes or re-opens it. */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly resetAfterMs: number;
  #now: () => number;
  #failures = 0;
  #openedAt: number | null = null;
  #trialInFlight = false;

  constructor(options: BreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.resetAfterMs = options.resetAfterMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get state(): "closed" | "open" | "half-open" {
    if (this.#openedAt === null) return "closed";
    return this.#now() - this.#openedAt >= this.resetAfterMs ? "half-open" : "open";
  }

  /** Throws CircuitOpen while open; in half-open lets exactly one call through. */
  before(): void {
    const state = this.state;
    if (state === "open" || (state === "half-open" && this.#trialInFlight)) {
      throw new CircuitOpen((this.#openedAt ?? this.#now()) + this.resetAfterMs);
    }
    if (state === "half-open") this.#trialInFlight = true;
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#trialInFlight = false;
  }

  failure(): void {
    this.#trialInFlight = false;
    this.#failures += 1;
    if (this.#openedAt !== null || this.#failures >= this.failureThreshold) this.#openedAt = this.#now();
  }

  /** Run `call` under the breaker; only errors `counts(error)` says are the remote side's open it. */
  async run<T>(call: () => Promise<T>, counts: (error: unknown) => boolean): Promise<T> {
    this.before();
    try {
      const value = await call();
      this.success();
      return value;
    } catch (error) {
      if (counts(error)) this.failure();
      else this.success();
      throw error;
    }
  }
}
