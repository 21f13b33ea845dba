"""The `email.send` worker: consumes queue `email.send` (task names routed there by celeryconfig)."""
