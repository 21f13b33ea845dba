"""Settings whose environment prefix was renamed: the new ``<PACKAGE>_`` names win, the old ones still read.

A worker's settings class moves to its package prefix (``EMAIL_SEND_``, ``NOTIFY_SLACK_``, ``PDF_RENDER_``)
and lists the prefixes it had before in ``old_env_prefixes``; a deployment that still sets ``SLACK_BOT_TOKEN``
keeps working until it is renamed. Precedence, highest first: constructor arguments, new names in the
environment, new names in ``.env``, old names in the environment, old names in ``.env``, secret files. Fields
with an explicit ``validation_alias`` list their old names in the alias (``AliasChoices``) themselves.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource, PydanticBaseSettingsSource

from shared.config import BaseServiceSettings

__all__ = ["RenamedPrefixSettings"]


class RenamedPrefixSettings(BaseServiceSettings):
    """``BaseServiceSettings`` that also reads the fields under each of ``old_env_prefixes`` (new names win)."""

    old_env_prefixes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        old_env = [EnvSettingsSource(settings_cls, env_prefix=prefix) for prefix in cls.old_env_prefixes]
        old_dotenv = [DotEnvSettingsSource(settings_cls, env_prefix=prefix) for prefix in cls.old_env_prefixes]
        return (init_settings, env_settings, dotenv_settings, *old_env, *old_dotenv, file_secret_settings)
