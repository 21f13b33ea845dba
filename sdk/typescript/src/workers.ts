// Thin per-worker helpers: the worker's tasks as methods (send + wait), typed by the generated contracts.
import type { SendOptions, TaskHandle, WaitOptions, WorkersCoreClient } from "./client.js";
import type { TaskName, TaskPayloads, TaskResults } from "./generated/tasks.js";

type Options = SendOptions & WaitOptions;

abstract class WorkerHelper {
  constructor(readonly client: WorkersCoreClient) {}
  protected run<N extends TaskName>(name: N, payload: TaskPayloads[N], options?: Options): Promise<TaskResults[N]> {
    return this.client.run(name, payload, options);
  }
  protected sendTask<N extends TaskName>(name: N, payload: TaskPayloads[N], options?: SendOptions): Promise<TaskHandle<N>> {
    return this.client.send(name, payload, options);
  }
}

export class EFacturaClient extends WorkerHelper {
  /** Upload an invoice (the result says where it stands; ANAF's verdict follows by events or `poll`). */
  submit(payload: TaskPayloads["efactura.submit"], options?: Options) { return this.run("efactura.submit", payload, options); }
  sendSubmit(payload: TaskPayloads["efactura.submit"], options?: SendOptions) { return this.sendTask("efactura.submit", payload, options); }
  poll(payload: TaskPayloads["efactura.poll"], options?: Options) { return this.run("efactura.poll", payload, options); }
}

export class ETransportClient extends WorkerHelper {
  submit(payload: TaskPayloads["etransport.submit"], options?: Options) { return this.run("etransport.submit", payload, options); }
  poll(payload: TaskPayloads["etransport.poll"], options?: Options) { return this.run("etransport.poll", payload, options); }
}

export class TaxpayerClient extends WorkerHelper {
  validate(payload: TaskPayloads["taxpayer.validate"], options?: Options) { return this.run("taxpayer.validate", payload, options); }
}

export class SaftClient extends WorkerHelper {
  generate(payload: TaskPayloads["saft.generate"], options?: Options) { return this.run("saft.generate", payload, options); }
}

export class PdfClient extends WorkerHelper {
  render(payload: TaskPayloads["pdf.render"], options?: Options) { return this.run("pdf.render", payload, options); }
}

export class OcrClient extends WorkerHelper {
  extract(payload: TaskPayloads["ocr.extract"], options?: Options) { return this.run("ocr.extract", payload, options); }
}

export class EmailClient extends WorkerHelper {
  send(payload: TaskPayloads["email.send"], options?: Options) { return this.run("email.send", payload, options); }
  sendBatch(payload: TaskPayloads["email.send_batch"], options?: Options) { return this.run("email.send_batch", payload, options); }
}

export class SlackClient extends WorkerHelper {
  notify(payload: TaskPayloads["notify.slack"], options?: Options) { return this.run("notify.slack", payload, options); }
}

export class RegesClient extends WorkerHelper {
  submit(payload: TaskPayloads["reges.submit"], options?: Options) { return this.run("reges.submit", payload, options); }
  drain(payload: TaskPayloads["reges.drain"], options?: Options) { return this.run("reges.drain", payload, options); }
  proposals(payload: TaskPayloads["reges.proposals"], options?: Options) { return this.run("reges.proposals", payload, options); }
}
