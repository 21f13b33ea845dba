// Validate every object of multi-document YAML files against the upstream OpenAPI schemas shipped in
// kubernetes-models (core kinds) and @kubernetes-models/* (KEDA, prometheus-operator, Argo Rollouts/CD,
// External Secrets). Exit 1 on any invalid object and on any kind no package knows (nothing goes unchecked).
// Usage: node validate-crds.mjs FILE.yaml [...]
import fs from "node:fs";
import * as yaml from "js-yaml";

const crdPkgs = {
  "keda.sh/v1alpha1": ["@kubernetes-models/keda/keda.sh/v1alpha1"],
  "monitoring.coreos.com/v1": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"],
  "argoproj.io/v1alpha1": [
    "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1",
    "@kubernetes-models/argo-cd/argoproj.io/v1alpha1",
  ],
  "external-secrets.io/v1": ["@kubernetes-models/external-secrets/external-secrets.io/v1"],
  "external-secrets.io/v1beta1": ["@kubernetes-models/external-secrets/external-secrets.io/v1beta1"],
};

async function findModel(apiVersion, kind) {
  for (const mod of crdPkgs[apiVersion] ?? [`kubernetes-models/${apiVersion}`]) {
    try {
      const m = await import(mod);
      if (m[kind]) return m[kind];
    } catch {
      // not this package
    }
  }
  return null;
}

let failed = 0, ok = 0, unknown = 0;
for (const file of process.argv.slice(2)) {
  let docs;
  try {
    docs = yaml.loadAll(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.log(`FAIL ${file}: YAML: ${e.message}`);
    failed++;
    continue;
  }
  for (const doc of docs) {
    if (!doc) continue;
    const id = `${file}: ${doc.apiVersion}/${doc.kind} ${doc.metadata?.name}`;
    const Model = await findModel(doc.apiVersion, doc.kind);
    if (!Model) { console.log(`UNKNOWN ${id} (no schema: not validated)`); unknown++; continue; }
    try { new Model(doc).validate(); ok++; } catch (e) { console.log(`FAIL ${id}: ${e.message}`); failed++; }
  }
}
console.log(`crd-validate: ${ok} ok, ${failed} invalid, ${unknown} unknown kinds`);
process.exit(failed || unknown ? 1 : 0);
