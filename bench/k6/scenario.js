// One tag of the load set: `LOAD_TAG=ocr LOAD_PAYLOADS=/abs/payloads.json GW_URL=... GW_TOKEN=... k6 run scenario.js`
// (bench/load.py sets these and starts the gateway, the workers, the fakes and Prometheus). The per-tag scale and
// SLO numbers are in tags.json (read by bench/load.py too); the reasons for each target are in README.md.
import { buildOptions, loadPayloads, runOne } from './lib.js';

const TAGS = JSON.parse(open('./tags.json'));
const cfg = TAGS[__ENV.LOAD_TAG];
if (!cfg) throw new Error(`LOAD_TAG must be one of ${Object.keys(TAGS).join(', ')}`);
cfg.tag = __ENV.LOAD_TAG;
export const options = buildOptions(cfg);
const items = loadPayloads(__ENV.LOAD_PAYLOADS);

export default function () {
  runOne(cfg, items);
}
