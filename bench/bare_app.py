"""A bare Celery app with the same reliability settings as ours (celeryconfig) but none of our layers:
no structlog chain, metrics, spans, correlation ids, health app or bootsteps. The pipeline baseline."""

import os

from celery import Celery
from kombu import Queue

import celeryconfig

app = Celery("bare")
app.config_from_object(celeryconfig)
app.conf.broker_url = os.environ["RMQ_URL"]
app.conf.result_backend = os.environ["REDIS_URL"]
app.conf.task_queues = (
    Queue(
        "bench.bare",
        exchange=celeryconfig.TASK_EXCHANGE,
        routing_key="bench.bare",
        durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": "workers-core.dlx",
            "x-dead-letter-routing-key": "bench.bare.dlq",
            "x-delivery-limit": 5,
        },
    ),
)
app.conf.task_routes = {
    "bench.bare.noop": {"queue": "bench.bare", "exchange": "workers-core", "routing_key": "bench.bare"}
}
app.conf.task_default_queue = "bench.bare"


@app.task(name="bench.bare.noop")
def noop(i: int = 0) -> int:
    return i
