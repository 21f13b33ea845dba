"""Generate the values.schema.json of the worker, registry, gateway and beat charts from ONE description.

The three charts share values/common.yaml, so they share its schema: the common part is written once here and each
chart adds its own keys. Every schema refuses unknown top-level keys (a typo in a values file fails the release).
Usage: gen_chart_schemas.py [--root REPO] [--check]   (--check: exit 1 when a committed schema differs)
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

QUEUES = [
    "ocr",
    "pdf.render",
    "email.send",
    "notify.slack",
    "anaf.taxpayer",
    "anaf.efactura",
    "anaf.etransport",
    "anaf.saft",
    "reges",
    "flows",
]
defs = {
    "tag": {
        "description": "An image tag: required, never 'latest', OCI tag grammar.",
        "type": "string",
        "minLength": 1,
        "maxLength": 128,
        "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
        "not": {"enum": ["latest", "LATEST", "Latest"]},
    },
    "digest": {"type": "string", "pattern": "^(sha256:[a-f0-9]{64})?$"},
    "componentImage": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "tag": {"$ref": "#/definitions/tag"},
            "digest": {"$ref": "#/definitions/digest"},
        },
    },
    "resources": {
        "type": "object",
        "additionalProperties": False,
        "required": ["requests", "limits"],
        "properties": {
            "requests": {"type": "object", "required": ["cpu", "memory"]},
            "limits": {"type": "object", "required": ["memory"]},
        },
    },
    "secretRefs": {
        "description": "env var name -> where the secret store keeps it",
        "type": "object",
        "propertyNames": {"pattern": "^[A-Z_][A-Z0-9_]*$"},
        "additionalProperties": {"$ref": "#/definitions/secretRef"},
    },
    "secretRef": {
        "type": "object",
        "required": ["key", "property"],
        "additionalProperties": False,
        "properties": {"key": {"type": "string", "minLength": 1}, "property": {"type": "string", "minLength": 1}},
    },
}
common = {
    "fullnameOverride": {"type": "string"},
    "image": {
        "type": "object",
        "additionalProperties": False,
        "required": ["repositoryPrefix", "tag"],
        "properties": {
            "repositoryPrefix": {"type": "string", "minLength": 1, "pattern": "^[a-z0-9.:/_-]+$"},
            "tag": {"$ref": "#/definitions/tag"},
            "digest": {"$ref": "#/definitions/digest"},
            "pullPolicy": {"type": "string", "enum": ["Always", "IfNotPresent", "Never"]},
        },
    },
    "imagePullSecrets": {"type": "array"},
    "serviceAccount": {"type": "object"},
    "celery": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "env": {
                "type": "object",
                "not": {"required": ["ARTIFACT_DIR"]},
                "description": "ARTIFACT_DIR is refused: artifacts live in the object store (artifacts.store)",
            },
            "overrides": {"type": "object"},
        },
    },
    "registryUrl": {"type": "string", "pattern": "^(https?://.+)?$"},
    "artifacts": {
        "type": "object",
        "additionalProperties": False,
        "required": ["store"],
        "properties": {
            "store": {
                "type": "string",
                "pattern": "^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?)?$",
                "description": "s3://bucket/prefix: the shared object store (never a pod-local path)",
            },
            "endpoint": {"type": "string", "pattern": "^(https?://.+)?$"},
            "publicUrl": {
                "type": "string",
                "pattern": "^(https?://[^/?#]+)?$",
                "description": "ARTIFACT_S3_PUBLIC_URL: the S3 address callers reach (signs presigned links)",
            },
            "region": {"type": "string", "minLength": 1},
        },
    },
    "redis": {
        "type": "object",
        "properties": {
            "persistence": {
                "type": "object",
                "required": ["requireAof"],
                "properties": {
                    "requireAof": {"type": "boolean"},
                    "appendfsync": {"enum": ["always", "everysec"]},
                    "size": {"type": "string"},
                },
            }
        },
    },
    "healthPort": {"type": "integer", "minimum": 1024, "maximum": 65535},
    "podSecurityContext": {
        "type": "object",
        "required": ["runAsNonRoot", "runAsUser"],
        "properties": {"runAsNonRoot": {"const": True}, "runAsUser": {"type": "integer", "minimum": 1}},
    },
    "containerSecurityContext": {
        "type": "object",
        "required": ["allowPrivilegeEscalation", "runAsNonRoot"],
        "properties": {"allowPrivilegeEscalation": {"const": False}, "runAsNonRoot": {"const": True}},
    },
    "serviceMonitor": {"type": "object"},
    "podDisruptionBudget": {"type": "object"},
    "networkPolicy": {"type": "object", "properties": {"enabled": {"type": "boolean"}}},
    "externalSecrets": {
        "type": "object",
        "properties": {
            "enabled": {"type": "boolean"},
            "refreshInterval": {"type": "string"},
            "storeRef": {
                "type": "object",
                "required": ["kind", "name"],
                "properties": {"kind": {"enum": ["SecretStore", "ClusterSecretStore"]}, "name": {"type": "string"}},
            },
            "broker": {"$ref": "#/definitions/secretRefs"},
            "artifacts": {"$ref": "#/definitions/secretRefs"},
            "validation": {"$ref": "#/definitions/secretRefs"},
            "workerToken": {
                "type": "object",
                "required": ["key", "propertyPrefix"],
                "additionalProperties": False,
                "properties": {
                    "key": {"type": "string", "minLength": 1},
                    "propertyPrefix": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}
mode = {"type": "string", "enum": ["keda", "hpa", "none"]}
worker = {
    "worker": {
        "type": "object",
        "additionalProperties": False,
        "required": ["queue", "image"],
        "properties": {
            "queue": {"type": "string", "enum": QUEUES},
            "image": {"$ref": "#/definitions/componentImage"},
            "replicas": {"type": "integer", "minimum": 0},
            "concurrency": {"type": "integer", "minimum": 1, "maximum": 256},
            "resources": {"$ref": "#/definitions/resources"},
            "terminationGracePeriodSeconds": {"type": "integer", "minimum": 30},
            "probes": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"startupFailureThreshold": {"type": "integer", "minimum": 1}},
            },
            "extraEnv": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
            "shmSizeLimit": {"type": "string"},
            "nodeSelector": {"type": "object"},
            "tolerations": {"type": "array"},
            "affinity": {"type": "object"},
            "topologySpread": {"type": "boolean"},
        },
    },
    "credentials": {"$ref": "#/definitions/secretRefs"},
    "database": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "enabled": {"type": "boolean"},
            "urlEnv": {"type": "string", "pattern": "^([A-Z_][A-Z0-9_]*)?$"},
            "ref": {"type": "object"},
            "migrate": {
                "type": "object",
                "additionalProperties": False,
                "required": ["args"],
                "properties": {
                    "args": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    "backoffLimit": {"type": "integer", "minimum": 0},
                    "activeDeadlineSeconds": {"type": "integer", "minimum": 60},
                },
            },
        },
        "if": {"properties": {"enabled": {"const": True}}},
        "then": {
            "required": ["urlEnv", "ref"],
            "properties": {"urlEnv": {"minLength": 1}, "ref": {"$ref": "#/definitions/secretRef"}},
        },
    },
    "autoscaling": {
        "type": "object",
        "additionalProperties": False,
        "required": ["mode", "minReplicas", "maxReplicas", "cpuUtilization", "keda"],
        "properties": {
            "mode": mode,
            "minReplicas": {"type": "integer", "minimum": 1},
            "maxReplicas": {"type": "integer", "minimum": 1},
            "cpuUtilization": {"type": "integer", "minimum": 1, "maximum": 100},
            "scaleDownStabilizationSeconds": {"type": "integer", "minimum": 0},
            "keda": {
                "type": "object",
                "additionalProperties": False,
                "required": ["queueLength", "protocol", "cooldownPeriod"],
                "properties": {
                    "queueLength": {"type": "integer", "minimum": 1},
                    "protocol": {
                        "type": "string",
                        "enum": ["http"],
                        "description": "http (management API) so unacked, in-flight messages count",
                    },
                    "pollingInterval": {"type": "integer", "minimum": 1},
                    "cooldownPeriod": {"type": "integer", "minimum": 0},
                    "vhostName": {"type": "string"},
                    "hostSecretKey": {"type": "string", "minLength": 1},
                    "fallbackReplicas": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
    "backlogJob": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "enabled": {"type": "boolean"},
            "queueLength": {"type": "integer", "minimum": 1},
            "activationQueueLength": {"type": "integer", "minimum": 0},
            "maxReplicaCount": {"type": "integer", "minimum": 1},
            "pollingInterval": {"type": "integer", "minimum": 1},
            "activeDeadlineSeconds": {"type": "integer", "minimum": 60},
            "idleSeconds": {"type": "integer", "minimum": 1},
        },
    },
    "rollouts": {
        "type": "object",
        "properties": {
            "enabled": {"type": "boolean"},
            "prometheusAddress": {"type": "string"},
            "successRate": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "maxP95LatencySeconds": {"type": "number", "exclusiveMinimum": 0},
            "analysisInterval": {"type": "string"},
            "failureLimit": {"type": "integer", "minimum": 0},
            "steps": {"type": "array", "minItems": 1},
        },
    },
    "tests": {"type": "object"},
}
registry = {
    "registry": {
        "type": "object",
        "additionalProperties": False,
        "required": ["image", "port"],
        "properties": {
            "image": {"$ref": "#/definitions/componentImage"},
            "args": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "replicas": {"type": "integer", "minimum": 1},
            "port": {"type": "integer", "minimum": 1024, "maximum": 65535},
            "resources": {"$ref": "#/definitions/resources"},
            "terminationGracePeriodSeconds": {"type": "integer", "minimum": 1},
            "config": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
            "credentials": {"$ref": "#/definitions/secretRefs"},
            "jobs": {
                "type": "object",
                "additionalProperties": False,
                "description": "background jobs in a second container of each pod (workers-core registry jobs)",
                "properties": {
                    "enabled": {"type": "boolean"},
                    "args": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    "port": {"type": "integer", "minimum": 1024, "maximum": 65535},
                    "resources": {"$ref": "#/definitions/resources"},
                },
            },
            "autoscaling": {
                "type": "object",
                "properties": {
                    "enabled": {"type": "boolean"},
                    "minReplicas": {"type": "integer", "minimum": 1},
                    "maxReplicas": {"type": "integer", "minimum": 1},
                    "cpuUtilization": {"type": "integer", "minimum": 1, "maximum": 100},
                },
            },
        },
    },
}
# the gateway release has the registry's shape (one HTTP Deployment + Service, HPA, credentials), no jobs container
gateway = {"gateway": copy.deepcopy(registry["registry"])}
del gateway["gateway"]["properties"]["jobs"]  # the registry's jobs container only
console = {
    "console": {
        "type": "object",
        "additionalProperties": False,
        "required": ["image", "port", "ingest"],
        "properties": {
            "image": {"$ref": "#/definitions/componentImage"},
            "args": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "replicas": {"type": "integer", "minimum": 1},
            "port": {"type": "integer", "minimum": 1024, "maximum": 65535},
            "resources": {"$ref": "#/definitions/resources"},
            "terminationGracePeriodSeconds": {"type": "integer", "minimum": 1},
            "config": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
            "credentials": {"$ref": "#/definitions/secretRefs"},
            "autoscaling": {
                "type": "object",
                "properties": {
                    "enabled": {"type": "boolean"},
                    "minReplicas": {"type": "integer", "minimum": 1},
                    "maxReplicas": {"type": "integer", "minimum": 1},
                    "cpuUtilization": {"type": "integer", "minimum": 1, "maximum": 100},
                },
            },
            "scale": {
                "type": "object",
                "additionalProperties": False,
                "required": ["enabled", "deployments"],
                "properties": {
                    "enabled": {
                        "type": "boolean",
                        "description": "a Role allowing get/patch on deployments/scale of the named Deployments",
                    },
                    "deployments": {
                        "type": "array",
                        "uniqueItems": True,
                        "items": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$"},
                    },
                },
            },
            "ingest": {
                "type": "object",
                "additionalProperties": False,
                "required": ["args"],
                "properties": {
                    "args": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    "resources": {"$ref": "#/definitions/resources"},
                },
            },
        },
    },
}
beat = {
    "beat": {
        "type": "object",
        "additionalProperties": False,
        "required": ["image"],
        "properties": {
            "image": {"$ref": "#/definitions/componentImage"},
            "replicas": {"const": 1, "description": "exactly one beat pod; the Redis lock guards the overlap"},
            "lockTimeoutSeconds": {"type": "integer", "minimum": 10, "maximum": 600},
            "maxLoopIntervalSeconds": {"type": "integer", "minimum": 1, "maximum": 60},
            "resources": {"$ref": "#/definitions/resources"},
        },
    },
    "retention": {
        "type": "object",
        "additionalProperties": False,
        "required": ["enabled", "schedule", "days", "resources"],
        "properties": {
            "enabled": {"type": "boolean"},
            "schedule": {"type": "string", "pattern": "^(@(daily|weekly|midnight)|(\\S+\\s+){4}\\S+)$"},
            "timeZone": {"type": "string", "minLength": 1},
            "applyLifecycle": {"type": "boolean"},
            "days": {
                "description": "ARTIFACT_RETENTION_DAYS: days per artifact kind (0 or null: keep until deleted)",
                "type": "object",
                "propertyNames": {"pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
                "additionalProperties": {"type": ["integer", "null"], "minimum": 0},
            },
            "startingDeadlineSeconds": {"type": "integer", "minimum": 60},
            "activeDeadlineSeconds": {"type": "integer", "minimum": 60},
            "backoffLimit": {"type": "integer", "minimum": 0},
            "resources": {"$ref": "#/definitions/resources"},
        },
    },
}
CHARTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("worker", worker, ["image", "worker", "autoscaling", "healthPort", "artifacts", "registryUrl"]),
    ("registry", registry, ["image", "registry", "healthPort"]),
    ("gateway", gateway, ["image", "gateway", "healthPort"]),
    ("beat", beat, ["image", "beat", "artifacts", "registryUrl"]),
    ("console", console, ["image", "console", "registryUrl"]),
]


def schema(chart: str, own: dict[str, Any], required: list[str]) -> str:
    doc = {
        "$schema": "https://json-schema.org/draft-07/schema#",
        "title": f"workers-core {chart} chart values (common.yaml + the release's file)",
        "type": "object",
        "additionalProperties": False,
        "definitions": defs,
        "required": required,
        "properties": {
            **copy.deepcopy(common),
            **own,
            "workers-core-lib": {"type": "object", "description": "values scope of the library chart (unused)"},
            "global": {"type": "object"},
        },
    }
    return json.dumps(doc, indent=2) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    stale = 0
    for chart, own, required in CHARTS:
        path = a.root / "infra" / "helm" / chart / "values.schema.json"
        text = schema(chart, own, required)
        if a.check:
            if not path.exists() or path.read_text() != text:
                print(f"FAIL {path} differs from gen_chart_schemas.py (regenerate it; do not edit it by hand)")
                stale += 1
        else:
            path.write_text(text)
    print(f"chart schemas: {len(CHARTS)} charts, {stale} stale")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
