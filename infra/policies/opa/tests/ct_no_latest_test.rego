# Unit tests for the CTNoLatest rego (package ctnolatest). Written the `opa test` way; run here by
# tools/infra_checks/rego_test.py, which loads the rego embedded in ../ct-no-latest.template.yaml.
package ctnolatest

import future.keywords.contains
import future.keywords.if
import future.keywords.in

deployment(image) := {
  "review": {
    "kind": {"group": "apps", "kind": "Deployment"},
    "object": {
      "metadata": {"name": "w"},
      "spec": {"template": {"spec": {"containers": [{"name": "worker", "image": image}]}}},
    },
  },
  "parameters": {"disallowedTags": ["latest"]},
}

test_latest_tag_denied if {
  count(violation) == 1 with input as deployment("ghcr.io/acme/worker:latest")
}

test_latest_tag_denied_case_insensitive if {
  count(violation) == 1 with input as deployment("ghcr.io/acme/worker:LATEST")
}

test_pinned_tag_allowed if {
  count(violation) == 0 with input as deployment("ghcr.io/acme/worker:1.4.2")
}

test_missing_tag_denied if {
  count(violation) == 1 with input as deployment("ghcr.io/acme/worker")
}

test_registry_port_is_not_a_tag if {
  count(violation) == 1 with input as deployment("registry.local:5000/acme/worker")
}

test_registry_port_with_tag_allowed if {
  count(violation) == 0 with input as deployment("registry.local:5000/acme/worker:2.0.0")
}

test_digest_without_tag_allowed if {
  img := "ghcr.io/acme/worker@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  count(violation) == 0 with input as deployment(img)
}

test_latest_with_digest_still_denied if {
  img := "ghcr.io/acme/worker:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  count(violation) == 1 with input as deployment(img)
}

test_message_names_container_and_image if {
  some v in violation with input as deployment("acme/worker:latest")
  contains(v.msg, "<worker>")
  contains(v.msg, "<acme/worker:latest>")
}

test_init_container_checked if {
  inp := {
    "review": {
      "kind": {"group": "apps", "kind": "Deployment"},
      "object": {"metadata": {"name": "w"}, "spec": {"template": {"spec": {
        "initContainers": [{"name": "init", "image": "busybox:latest"}],
        "containers": [{"name": "worker", "image": "acme/worker:1.0"}],
      }}}},
    },
    "parameters": {},
  }
  count(violation) == 1 with input as inp
}

test_pod_checked if {
  inp := {
    "review": {"kind": {"group": "", "kind": "Pod"}, "object": {"metadata": {"name": "p"}, "spec": {
      "containers": [{"name": "a", "image": "acme/a:latest"}, {"name": "b", "image": "acme/b"}],
    }}},
    "parameters": {},
  }
  count(violation) == 2 with input as inp
}

test_cronjob_checked if {
  inp := {
    "review": {"kind": {"group": "batch", "kind": "CronJob"}, "object": {"metadata": {"name": "c"}, "spec": {
      "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "acme/c:latest"}]}}}},
    }}},
    "parameters": {},
  }
  count(violation) == 1 with input as inp
}

test_scaledjob_checked if {
  inp := {
    "review": {"kind": {"group": "keda.sh", "kind": "ScaledJob"}, "object": {"metadata": {"name": "s"}, "spec": {
      "jobTargetRef": {"template": {"spec": {"containers": [{"name": "d", "image": "acme/d:latest"}]}}},
    }}},
    "parameters": {},
  }
  count(violation) == 1 with input as inp
}

test_rollout_checked if {
  inp := object.union(deployment("acme/r:latest"), {"review": {"kind": {"group": "argoproj.io", "kind": "Rollout"}}})
  count(violation) == 1 with input as inp
}

test_custom_disallowed_tag if {
  inp := object.union(deployment("acme/worker:dev"), {"parameters": {"disallowedTags": ["latest", "dev"]}})
  count(violation) == 1 with input as inp
}

test_exempt_exact_image if {
  inp := object.union(deployment("acme/worker:latest"), {"parameters": {"exemptImages": ["acme/worker:latest"]}})
  count(violation) == 0 with input as inp
}

test_exempt_prefix if {
  inp := object.union(deployment("mirror.local/tools/x:latest"), {"parameters": {"exemptImages": ["mirror.local/tools/*"]}})
  count(violation) == 0 with input as inp
}

test_unrelated_kind_ignored if {
  inp := {"review": {"kind": {"group": "", "kind": "ConfigMap"}, "object": {"metadata": {"name": "x"}, "data": {}}}, "parameters": {}}
  count(violation) == 0 with input as inp
}
