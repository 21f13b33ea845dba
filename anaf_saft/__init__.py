"""The `anaf.saft` worker: consumes queue `anaf.saft` (task names routed there by celeryconfig)."""
