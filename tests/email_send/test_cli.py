"""``workers-core email`` commands, run through click against the real aiosmtpd."""

from __future__ import annotations

import json

from click.testing import CliRunner

from email_send.cli import cli
from tests.email_send.smtpd import SmtpServer, free_port


def test_check_ok_and_failing(smtp_server: SmtpServer) -> None:
    env = {**smtp_server.env(), "WORKERS_CORE_ENV": "test"}
    from email_send.config import get_settings

    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(cli, ["check"], env=env)
        assert ok.exit_code == 0, ok.output
        assert json.loads(ok.output)["status"] == "ok" and json.loads(ok.output)["tls"] is True
        get_settings.cache_clear()
        down = CliRunner().invoke(cli, ["check"], env={**env, "SMTP_PORT": str(free_port())})
        assert down.exit_code == 1 and json.loads(down.output)["error"]["code"] == "smtp_connection"
    finally:
        get_settings.cache_clear()


def test_templates_and_render() -> None:
    listed = CliRunner().invoke(cli, ["templates"], env={"WORKERS_CORE_ENV": "test"})
    assert listed.exit_code == 0 and {"invoice_issued", "notification"} <= set(listed.output.split())
    data = {"title": "Mentenanță", "message": "Între 22:00 și 23:00 & fără <b>acces</b>"}
    out = CliRunner().invoke(
        cli, ["render", "notification", "--data", json.dumps(data)], env={"WORKERS_CORE_ENV": "test"}
    )
    assert out.exit_code == 0, out.output
    rendered = json.loads(out.output)
    assert rendered["subject"] == "Mentenanță"
    assert "&amp; fără &lt;b&gt;acces&lt;/b&gt;" in rendered["html"]
    bad = CliRunner().invoke(cli, ["render", "notification", "--data", "{}"], env={"WORKERS_CORE_ENV": "test"})
    assert bad.exit_code == 1
