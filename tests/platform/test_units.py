"""Unit tests of the platform's plain pieces: routes, retry policy, settings guard, artifact store, CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, SecretStr, ValidationError

import celeryconfig
from shared.artifacts import FilesystemArtifactStore
from shared.cli import main
from shared.config import BaseServiceSettings, WorkerSettings
from shared.errors import PayloadError, PermanentError, TransientError, error_dict
from shared.retry import RetryPolicy


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("ocr.extract", "ocr"),
        ("pdf.render", "pdf.render"),
        ("email.send", "email.send"),
        ("notify.slack", "notify.slack"),
        ("taxpayer.validate", "anaf.taxpayer"),
        ("efactura.submit", "anaf.efactura"),
        ("efactura.poll", "anaf.efactura"),
        ("etransport.submit", "anaf.etransport"),
        ("saft.generate", "anaf.saft"),
        ("reges.submit", "reges"),
        ("anaf.saft.ping", "anaf.saft"),
        ("notify.slack.ping", "notify.slack"),
        ("nope.task", None),
    ],
)
def test_routes_by_task_name(task: str, queue: str | None):
    assert celeryconfig.route_for(task) == queue


def test_reliability_settings():
    assert celeryconfig.task_acks_late and celeryconfig.task_reject_on_worker_lost
    assert celeryconfig.accept_content == ["json"] and celeryconfig.task_serializer == "json"
    assert celeryconfig.broker_transport_options["confirm_publish"] is True
    assert celeryconfig.worker_prefetch_multiplier == 1
    assert celeryconfig.result_extended is False  # task kwargs (personal data) never copied into Redis
    for tag in ("ocr", "pdf.render", "anaf.efactura", "anaf.saft"):
        assert celeryconfig.QUEUES[tag].prefetch == 1  # long tasks: nothing held behind a running one
    for spec in celeryconfig.QUEUES.values():
        q = celeryconfig.task_queue(spec)
        assert q.durable and q.queue_arguments["x-queue-type"] == "quorum"
        assert q.queue_arguments["x-dead-letter-routing-key"] == f"{spec.tag}.dlq"
        assert spec.soft_time_limit < spec.time_limit < celeryconfig.RABBITMQ_CONSUMER_TIMEOUT_S
    assert len(celeryconfig.QUEUES) == 9


def test_retry_policy_backs_off_with_jitter_and_honours_retry_after():
    policy = RetryPolicy(base=2, cap=60, first=1)
    waits = [policy.countdown(n) for n in range(10)]
    assert all(1 <= w <= 60 for w in waits)
    assert max(waits[6:]) >= 32  # grows exponentially until the cap
    assert 30 <= policy.countdown(0, retry_after=30) <= 31
    assert policy.countdown(3, retry_after=10_000) <= 61


def test_placeholder_secrets_are_refused_outside_development(monkeypatch: pytest.MonkeyPatch):
    class Secrets(BaseServiceSettings):
        token: SecretStr | None = None

    monkeypatch.setenv("WORKERS_CORE_ENV", "production")
    for bad in ("changeme", "", "<your token>", "CHANGE-ME-please"):
        with pytest.raises(ValidationError, match="placeholder secrets refused"):
            Secrets(token=SecretStr(bad))
    assert Secrets().token is None
    assert Secrets(token=SecretStr("a-real-long-token")).token is not None
    monkeypatch.setenv("WORKERS_CORE_ENV", "development")
    assert Secrets(token=SecretStr("changeme")).token is not None
    monkeypatch.setenv("WORKERS_CORE_ENV", "production")
    with pytest.raises(ValidationError, match="guest/guest"):
        WorkerSettings(RMQ_URL="amqp://guest:guest@rabbitmq.prod.svc:5672//")


def test_errors_are_structured_and_pydantic_errors_do_not_echo_input():
    class M(BaseModel):
        cui: int

    with pytest.raises(ValidationError) as info:
        M.model_validate({"cui": "secret-value"})
    err = PayloadError.from_validation_error(info.value).to_dict()
    assert err["errors"] == [{"loc": ["cui"], "msg": err["errors"][0]["msg"], "type": "int_parsing"}]
    assert "secret-value" not in json.dumps(err)
    assert error_dict(PermanentError("nope", code="anaf_nok"))["code"] == "anaf_nok"
    assert error_dict(RuntimeError("boom"))["code"] == "internal_error"
    assert TransientError("x").retryable and not PermanentError("y").retryable


def test_artifact_store_round_trip_and_refuses_traversal(tmp_path):
    store = FilesystemArtifactStore(tmp_path, max_bytes=1024)
    ref = store.put("Factură ș ț".encode(), name="../../etc/passwd", content_type="text/plain")
    assert ".." not in ref.key and store.get(ref.key) == "Factură ș ț".encode()
    assert ref.size == len("Factură ș ț".encode()) and len(ref.sha256) == 64
    for bad in ("../x", "/etc/passwd", "a/../../b", "", "a//b"):
        with pytest.raises(PayloadError):
            store.get(bad)
    with pytest.raises(PayloadError, match="too large"):
        store.put(b"x" * 2048, name="big")
    with pytest.raises(PermanentError):
        store.get("2026/01/01/missing")


def test_cli_send_rejects_bad_input_before_touching_the_broker():
    runner = CliRunner()
    assert runner.invoke(main, ["send", "ocr.ping", "--kwargs", "{not json"]).exit_code == 2
    assert runner.invoke(main, ["send", "ocr.ping", "--kwargs", "[1]"]).exit_code == 2
    assert runner.invoke(main, ["send", "unknown.task"]).exit_code == 2
    assert runner.invoke(main, ["worker", "no-such-tag"]).exit_code == 2


def test_cli_send_wait_queues_and_check_against_a_real_worker(start_worker, worker_env):
    worker = start_worker("ocr")
    env = {k: worker_env[k] for k in ("RMQ_URL", "REDIS_URL", "WORKERS_CORE_ENV")}
    runner = CliRunner()
    sent = runner.invoke(main, ["send", "ocr.ping", "--kwargs", '{"echo": "ț"}', "--wait"], env=env)
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["echo"] == "ț"
    listed = runner.invoke(main, ["queues", "--json"], env=env)
    rows = {r["queue"]: r for r in json.loads(listed.stdout)}
    assert rows["ocr"]["consumers"] == 1 and rows["ocr.dlq"]["messages"] is not None
    assert runner.invoke(main, ["check", "ocr", "--port", str(worker.port)], env=env).exit_code == 0
    worker.stop()
    assert runner.invoke(main, ["check", "ocr", "--port", str(worker.port)], env=env).exit_code == 1


def test_beat_schedule_collects_the_packages_periodic_tasks():
    from shared.cli import beat_schedule

    schedule = beat_schedule()
    assert schedule["reges-drain-results"]["task"] == "reges.drain"
    assert celeryconfig.route_for("reges.drain") == "reges"


def test_every_plugin_command_group_loads():
    from shared import plugins

    groups = plugins.cli_groups()  # entry points of the installed package: no list in shared/cli.py
    assert {"anaf", "efactura", "schemas", "registry", "reges", "saft", "etransport", "pdf", "ocr"} <= set(groups)
    runner = CliRunner()
    for name in groups:
        out = runner.invoke(main, [name, "--help"])
        assert out.exit_code == 0, (name, out.output)
