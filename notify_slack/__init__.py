"""The `notify.slack` worker: consumes queue `notify.slack` (task names routed there by celeryconfig)."""
