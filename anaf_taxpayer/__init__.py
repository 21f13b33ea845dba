"""The `anaf.taxpayer` worker: consumes queue `anaf.taxpayer` (task names routed there by celeryconfig)."""
