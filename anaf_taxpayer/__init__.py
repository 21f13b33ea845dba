"""The ``anaf.taxpayer`` worker: VAT-registry lookups (``taxpayer.validate``) on queue ``anaf.taxpayer``."""
