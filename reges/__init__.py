"""The `reges` worker: consumes queue `reges` (task names routed there by celeryconfig)."""
