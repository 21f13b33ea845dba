export * from "./errors.js";
export { CircuitBreaker, type BreakerOptions } from "./breaker.js";
export {
  FINAL_STATES,
  WorkersCoreClient,
  type Accepted,
  type ClientOptions,
  type SendOptions,
  type TaskHandle,
  type TaskState,
  type TaskStatus,
  type WaitOptions,
} from "./client.js";
export * from "./workers.js";
export type * from "./generated/tasks.js";
export { TASK_WORKERS } from "./generated/tasks.js";
export type { EventData, EventName, TypedEvent } from "./generated/events.js";
export { EVENTS_EXCHANGE } from "./generated/events.js";
export type { components as GatewayComponents, paths as GatewayPaths } from "./generated/gateway.js";
