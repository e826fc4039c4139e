"""Settings: embedded defaults, then config/settings.yaml, then ARFLOW_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ledger.db import default_url


class SettingsError(ValueError):
    """settings.yaml or an ARFLOW_* variable is wrong."""


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    policy_dir: Path
    timezone: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def section(self, name: str) -> dict[str, Any]:
        """One section of settings.yaml (``smtp``, ``mail``, ``calendar``, ``schedule`` …)."""
        value = self.data.get(name) or {}
        if not isinstance(value, dict):
            raise SettingsError(f"settings.yaml: '{name}' must be a mapping")
        return value

    @property
    def templates_dir(self) -> Path:
        return self.home / "config" / "templates"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "var" / "outbox"

    @property
    def send_journal(self) -> Path:
        """The dispatcher's local record of accepted sends (``ARFLOW_SEND_JOURNAL``)."""
        override = os.environ.get("ARFLOW_SEND_JOURNAL", "").strip()
        return Path(override) if override else self.home / "var" / "send-journal.jsonl"

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """The business date in the configured timezone (the shell's one clock read)."""
        return datetime.now(ZoneInfo(self.timezone)).date()


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping")
    return data


def load_settings(home: Path | None = None) -> Settings:
    home = Path(home or os.environ.get("ARFLOW_HOME") or Path.cwd())
    config_path = Path(os.environ.get("ARFLOW_CONFIG") or home / "config" / "settings.yaml")
    data = _read_yaml(config_path)
    database = data.get("database") or {}
    url = os.environ.get("ARFLOW_DATABASE_URL") or database.get("url") or default_url(home)
    policy_dir = Path(os.environ.get("ARFLOW_POLICY_DIR") or data.get("policy_dir") or "rules")
    if not policy_dir.is_absolute():
        policy_dir = home / policy_dir
    timezone = os.environ.get("ARFLOW_TIMEZONE") or data.get("timezone") or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"unknown timezone {timezone!r}") from exc
    return Settings(home=home, database_url=url, policy_dir=policy_dir, timezone=timezone,
                    data=data)
