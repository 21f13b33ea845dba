"""``shared.settings_aliases``: a renamed env prefix still reads the old names, and the new names always win."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import SettingsConfigDict

from shared.settings_aliases import RenamedPrefixSettings


class Renamed(RenamedPrefixSettings):
    model_config = SettingsConfigDict(env_prefix="NOU_PACHET_", env_file=".env", extra="ignore")
    old_env_prefixes = ("VECHI_",)

    host: str = "implicit"
    port: int = 1


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # the settings read ``./.env``: start from none
    monkeypatch.setenv("WORKERS_CORE_ENV", "test")


def test_old_names_are_read_when_the_new_ones_are_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECHI_HOST", "vechi.firma.ro")
    assert (Renamed().host, Renamed().port) == ("vechi.firma.ro", 1)


def test_new_names_win_from_the_environment_and_from_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VECHI_HOST", "vechi.firma.ro")
    monkeypatch.setenv("VECHI_PORT", "25")
    (tmp_path / ".env").write_text("NOU_PACHET_HOST=din-dotenv.firma.ro\nVECHI_PORT=26\n", encoding="utf-8")
    settings = Renamed()
    assert settings.host == "din-dotenv.firma.ro"  # a new name in .env beats an old one in the environment
    assert settings.port == 25  # among old names, the environment beats .env, as for new names
    monkeypatch.setenv("NOU_PACHET_HOST", "nou.firma.ro")
    assert Renamed().host == "nou.firma.ro"


def test_constructor_arguments_win_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOU_PACHET_HOST", "nou.firma.ro")
    assert Renamed(host="argument").host == "argument"
