"""The `anaf.efactura` worker: consumes queue `anaf.efactura` (task names routed there by celeryconfig)."""
