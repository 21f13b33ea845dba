"""Errors of the ``anaf.saft`` worker: one root, each class also one branch of ``shared.errors``.

    SaftError (WorkerError)            anything the SAF-T worker raises on purpose (``except SaftError``)
    ├── SaftInputError                 the request or its accounting data cannot make a D406 (PayloadError):
    │                                  an export file missing, the accounting checks failed; never retried
    ├── SaftConfigurationError         the worker cannot run as configured (PermanentError): no SQL source
    │                                  URL, DUKIntegrator or Java missing
    ├── SaftOutputRejectedError        the produced D406 failed the official XSD or DUKIntegrator
    │                                  (PermanentError): a generator bug or data the checks let through
    ├── SaftSourceChangedError         the source changed between the check pass and the write pass
    │                                  (TransientError): the next attempt reads a settled source
    └── SaftStorageError               the artifact volume has no room for the files (TransientError)

A missing or altered official XSD is ``shared.schemas.SchemasUnavailable`` (shared by every filing worker).
"""

from __future__ import annotations

from shared.errors import PayloadError, PermanentError, TransientError, WorkerError

__all__ = [
    "SaftConfigurationError",
    "SaftError",
    "SaftInputError",
    "SaftOutputRejectedError",
    "SaftSourceChangedError",
    "SaftStorageError",
]


class SaftError(WorkerError):
    """Root of the SAF-T tree."""

    code = "saft_error"


class SaftInputError(PayloadError, SaftError):
    """The request or its data cannot produce a D406; ``errors`` names each problem (``loc``, ``msg``).

    Its code stays ``invalid_payload`` (bad input, whatever the worker) unless the raise names a finer one.
    """


class SaftConfigurationError(PermanentError, SaftError):
    """A setting or a tool the worker needs is missing (the message names the variable to set)."""

    code = "saft_misconfigured"


class SaftOutputRejectedError(PermanentError, SaftError):
    """The generated file failed the XSD or DUKIntegrator; ``details["findings"]`` holds their verdicts."""

    code = "saft_output_rejected"


class SaftSourceChangedError(TransientError, SaftError):
    """Rows read in the write pass differ from the ones the check pass accepted."""

    code = "saft_source_changed"


class SaftStorageError(TransientError, SaftError):
    """Too little free space under the artifact root to write the files."""

    code = "saft_storage_full"
