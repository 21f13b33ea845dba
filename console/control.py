"""Actions on running workers through Celery's remote control, and scaling (Kubernetes API or a command).

A tag's instances are the nodes whose active queues include the tag (``inspect().active_queues()``), plus
drained nodes (which consume nothing) named after the tag as ``workers-core worker`` names them. ``drain`` is ``cancel_consumer``: the node stops taking new messages of
its queue and finishes what it holds.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Final

import httpx
from celery import Celery

import celeryconfig
from celeryconfig import QUEUES
from console.config import ConsoleSettings
from console.errors import BrokerError, RequestRefused

__all__ = ["POOL_ACTIONS", "Control", "ScaleResult"]

POOL_ACTIONS: Final = ("grow", "shrink", "restart")


def control_app(broker_url: str) -> Celery:
    app = Celery("workers-core-console", set_as_current=False)
    app.config_from_object(celeryconfig)
    app.conf.broker_url = broker_url
    app.conf.result_backend = None
    return app


def _status_message(answer: httpx.Response) -> str:
    """The ``message`` of a Kubernetes ``Status`` answer (or the start of the body)."""
    try:
        return str(answer.json().get("message") or answer.text[:300])
    except ValueError:
        return answer.text[:300]


def _numbered(node: str, tag: str) -> tuple[str, ...]:
    name = node.split("@")[0]
    return (name,) if name.startswith(f"{tag}-") and name[len(tag) + 1 :].isdigit() else ()


class ScaleResult(dict[str, Any]):
    """``{"mode": "api"|"command", "command": ..., "replicas": ...}``."""


class Control:
    def __init__(self, settings: ConsoleSettings, app: Celery | None = None, *, reply_timeout: float = 1.5) -> None:
        self.settings = settings
        self.app = app or control_app(settings.rmq_url.get_secret_value())
        self.reply_timeout = reply_timeout

    def nodes_of(self, tag: str) -> list[str]:
        if tag not in QUEUES:
            raise RequestRefused(f"unknown worker tag {tag!r}")
        try:
            queues = self.app.control.inspect(timeout=self.reply_timeout).active_queues() or {}
        except OSError as exc:
            raise BrokerError(f"remote control failed: {exc}") from exc
        # a drained node consumes nothing: its name (``<tag>@host`` / ``<tag>-n@host``, the CLI's default) tells
        return sorted(
            node
            for node, qs in queues.items()
            if any(q.get("name") == tag for q in qs or ()) or node.split("@")[0] in (tag, *_numbered(node, tag))
        )

    def _targets(self, tag: str, node: str | None) -> list[str]:
        nodes = self.nodes_of(tag)
        if node is not None:
            if node not in nodes:
                raise RequestRefused(f"{node!r} is not a live instance of {tag!r} (live: {', '.join(nodes) or 'none'})")
            return [node]
        if not nodes:
            raise RequestRefused(f"no live instance of {tag!r} answers remote control")
        return nodes

    def _call(self, method: str, *args: Any, destination: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        try:
            replies = getattr(self.app.control, method)(
                *args, destination=destination, reply=True, timeout=self.reply_timeout, **kwargs
            )
        except OSError as exc:
            raise BrokerError(f"remote control failed: {exc}") from exc
        return list(replies or [])

    def revoke(self, task_id: str, *, terminate: bool) -> None:
        try:
            self.app.control.revoke(task_id, terminate=terminate, signal="SIGTERM")
        except OSError as exc:
            raise BrokerError(f"remote control failed: {exc}") from exc

    def pool(self, tag: str, action: str, n: int, *, node: str | None = None) -> list[dict[str, Any]]:
        if action not in POOL_ACTIONS or not 1 <= n <= 64:
            raise RequestRefused("pool action must be grow|shrink|restart with 1 <= n <= 64")
        if action == "restart":  # new child processes, same code (worker_pool_restarts in celeryconfig)
            return self._call("pool_restart", destination=self._targets(tag, node), reload=False)
        return self._call(f"pool_{action}", n, destination=self._targets(tag, node))

    def rate_limit(self, tag: str, task: str, rate: str, *, node: str | None = None) -> list[dict[str, Any]]:
        if not task or not rate.strip():
            raise RequestRefused("a task name and a rate (e.g. 10/m, 0 for none) are required")
        return self._call("rate_limit", task, rate.strip(), destination=self._targets(tag, node))

    def drain(self, tag: str, *, node: str | None = None) -> list[dict[str, Any]]:
        return self._call("cancel_consumer", tag, destination=self._targets(tag, node))

    def resume(self, tag: str, *, node: str | None = None) -> list[dict[str, Any]]:
        return self._call("add_consumer", tag, destination=self._targets(tag, node))

    def scale(self, tag: str, replicas: int) -> ScaleResult:
        if tag not in QUEUES or not 0 <= replicas <= 100:
            raise RequestRefused("scale needs a known tag and 0 <= replicas <= 100")
        name = f"{self.settings.kube_deployment_prefix}{tag.replace('.', '-')}"
        ns = self.settings.kube_namespace
        command = f"kubectl -n {shlex.quote(ns)} scale deployment/{shlex.quote(name)} --replicas={replicas}"
        api = self.settings.kube_api()
        if api is None or not self.settings.kube_token_file.exists():
            return ScaleResult(mode="command", command=command, replicas=replicas)
        self._scale_in_cluster(api, ns, name, replicas)
        return ScaleResult(mode="api", command=command, replicas=replicas)

    def _scale_in_cluster(self, api: str, ns: str, name: str, replicas: int) -> None:
        """``PATCH`` the Deployment's ``scale`` subresource with the pod's service-account token."""
        token = self.settings.kube_token_file.read_text().strip()
        ca = self.settings.kube_ca_file
        url = f"{api}/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale"
        try:
            answer = httpx.patch(
                url,
                content=json.dumps({"spec": {"replicas": replicas}}),
                timeout=10,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/merge-patch+json"},
                verify=str(ca) if ca.exists() else True,
            )
        except httpx.HTTPError as exc:
            raise BrokerError(f"Kubernetes API unreachable: {exc}") from exc
        if answer.status_code >= 400:
            raise RequestRefused(f"Kubernetes refused the scale ({answer.status_code}): {_status_message(answer)}")
