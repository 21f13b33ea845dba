// Shared k6 code of the load set: submit a task through the gateway, follow it to a final state by polling
// GET /v1/tasks/{id}, and record the end-to-end latency (POST sent -> final state seen) and the outcome.
// The per-tag scale and SLO numbers live in tags.json; bench/load.py starts the stack and runs scenario.js.
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import { Counter, Rate, Trend } from 'k6/metrics';

const FINAL = { SUCCESS: true, FAILURE: true, REVOKED: true };
const e2e = new Trend('task_e2e', true);
const taskErrors = new Rate('task_errors');
const succeeded = new Counter('task_succeeded');
const failed = new Counter('task_failed');
const nonFinal = new Counter('task_nonfinal');
const submitted = new Counter('task_submitted');
const statusErrors = new Counter('task_status_errors'); // GET /v1/tasks/{id} answered other than 200

// Items written by bench/load_payloads.py: [{task, kind, body: "<JSON text>"}], shared by every VU.
export function loadPayloads(path) {
  return new SharedArray('payloads', () => JSON.parse(open(path)));
}

// k6 options of one tag: closed-loop VUs sharing a fixed number of iterations, SLO thresholds as code.
// LOAD_VUS / LOAD_ITERATIONS override the tag's scale (bench/load.py --vus / --iterations).
export function buildOptions(cfg) {
  const vus = Number(__ENV.LOAD_VUS || cfg.vus);
  const iterations = Math.max(Number(__ENV.LOAD_ITERATIONS || cfg.iterations), vus);
  const thresholds = {
    task_errors: ['rate==0'], // every valid payload ends in SUCCESS
    task_nonfinal: ['count==0'], // no task left PENDING / STARTED / RETRY when its VU gives up following it
    checks: ['rate==1'], // every POST answered 202
    task_e2e: [`p(95)<${cfg.p95_ms}`],
  };
  for (const kind of cfg.kinds || []) {
    // reported per payload kind (the SLO is the tag's: a queue is FIFO, small tasks wait behind large ones)
    thresholds[`task_e2e{kind:${kind}}`] = ['max>=0'];
  }
  for (const task of cfg.tasks) {
    // listed so that the summary export carries the per-task counts bench/load.py compares with Prometheus
    thresholds[`task_succeeded{task:${task}}`] = ['count>=0'];
    thresholds[`task_submitted{task:${task}}`] = ['count>=0'];
  }
  return {
    scenarios: {
      load: { executor: 'shared-iterations', vus, iterations, maxDuration: cfg.max_duration || '10m' },
    },
    thresholds,
    summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
    discardResponseBodies: false,
  };
}

function headers() {
  return { 'Content-Type': 'application/json', Authorization: `Bearer ${__ENV.GW_TOKEN}` };
}

// Poll until a final state or the tag's follow limit; 50 ms, doubling to cfg.poll_max_s.
function follow(cfg, statusUrl, started, tags) {
  let delay = 0.05;
  let logged = false;
  const deadline = started + cfg.follow_s * 1000;
  while (Date.now() < deadline) {
    sleep(delay);
    delay = Math.min(delay * 2, cfg.poll_max_s || 0.5);
    const res = http.get(statusUrl, { headers: headers(), tags: { name: 'GET /v1/tasks/{id}' } });
    if (res.status === 200) {
      const state = res.json('state');
      if (FINAL[state]) return state;
    } else {
      statusErrors.add(1, tags);
      if (!logged) console.error(`GET ${statusUrl}: ${res.status} ${String(res.body).slice(0, 200)}`);
      logged = true;
    }
  }
  return 'NOT_FINAL';
}

export function runOne(cfg, items) {
  const item = items[exec.scenario.iterationInTest % items.length];
  const tags = { task: item.task, kind: item.kind };
  const started = Date.now();
  const res = http.post(`${__ENV.GW_URL}/v1/tasks/${item.task}`, item.body, {
    headers: headers(),
    tags: { name: `POST /v1/tasks/${item.task}` },
  });
  const ok = check(res, { 'accepted (202)': (r) => r.status === 202 }, tags);
  submitted.add(ok ? 1 : 0, tags);
  if (!ok) {
    console.error(`${item.task} ${item.kind}: ${res.status} ${String(res.body).slice(0, 300)}`);
    taskErrors.add(1, tags);
    nonFinal.add(0, tags);
    return;
  }
  const state = follow(cfg, `${__ENV.GW_URL}${res.json('status_url')}`, started, tags);
  const final = state !== 'NOT_FINAL';
  if (final) e2e.add(Date.now() - started, tags);
  succeeded.add(state === 'SUCCESS' ? 1 : 0, tags);
  failed.add(state === 'FAILURE' || state === 'REVOKED' ? 1 : 0, tags);
  nonFinal.add(final ? 0 : 1, tags);
  taskErrors.add(state !== 'SUCCESS', tags);
  if (state !== 'SUCCESS') console.error(`${item.task} ${item.kind} ${res.json('task_id')}: ${state}`);
  if (cfg.pace_s) sleep(cfg.pace_s);
}
