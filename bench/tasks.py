"""No-op task for bench/pipeline.py, loaded into our worker with WORKER_EXTRA_IMPORTS=bench.tasks."""

from celery import shared_task


@shared_task(name="ocr.bench.noop")
def noop(i: int = 0) -> int:
    return i
