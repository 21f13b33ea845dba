"""Flows across workers, run as small durable orchestrations (``flow.*`` tasks on the ``flows`` queue)."""
