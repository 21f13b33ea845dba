"""The ``anaf.saft`` worker: SAF-T (D406) files (``saft.generate``) on queue ``anaf.saft``."""
