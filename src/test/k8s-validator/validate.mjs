// Validates Kubernetes objects (multi-document YAML on stdin) against their schemas: the core API from
// kubernetes-models, ScaledObject/TriggerAuthentication from @kubernetes-models/keda, ServiceMonitor and
// PrometheusRule from @kubernetes-models/prometheus-operator. An object of a kind none of them knows fails:
// nothing goes out unchecked. Prints one line per object; exit code 1 when any is invalid.
import { parseAllDocuments } from "yaml";

const modules = {
  "keda.sh/": (v) => `@kubernetes-models/keda/keda.sh/${v}`,
  "monitoring.coreos.com/": (v) => `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${v}`,
};

function modulePath(apiVersion) {
  for (const [group, path] of Object.entries(modules)) {
    if (apiVersion.startsWith(group)) return path(apiVersion.slice(group.length));
  }
  return `kubernetes-models/${apiVersion}`;
}

const input = await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8").on("data", (chunk) => (text += chunk)).on("end", () => resolve(text));
});

let failures = 0;
let count = 0;
for (const doc of parseAllDocuments(input)) {
  if (doc.errors.length) {
    console.log(`INVALID yaml: ${doc.errors.map((e) => e.message).join("; ")}`);
    failures++;
    continue;
  }
  const obj = doc.toJS();
  if (obj == null) continue;
  count++;
  const name = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name}`;
  try {
    const mod = await import(modulePath(obj.apiVersion));
    const Model = mod[obj.kind];
    if (typeof Model !== "function") throw new Error(`no schema for kind ${obj.kind} in ${obj.apiVersion}`);
    new Model(obj).validate();
    console.log(`valid ${name}`);
  } catch (e) {
    failures++;
    console.log(`INVALID ${name}: ${e.message}${e.errors ? " " + JSON.stringify(e.errors) : ""}`);
  }
}
console.log(`${count} objects, ${failures} invalid`);
process.exit(failures || count === 0 ? 1 : 0);
