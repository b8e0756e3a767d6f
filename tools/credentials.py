"""The channels Rasa opens: those of credentials.yml whose secrets are all in the environment.

credentials.yml names every secret as `${VARIABLE}`, which Rasa expands when it reads the file
and refuses to start if one is unset. A clinic uses some platforms, not all, so a connector
whose variables are not all set is left out (and said so) instead of stopping the server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Connectors:
    enabled: dict[str, Any]
    # connector name -> the environment variables it still needs
    disabled: dict[str, list[str]]

    def write(self, path: Path) -> Path:
        # Values keep their ${VARIABLE}s: Rasa expands them, so no secret is written to disk.
        path.write_text(yaml.safe_dump(self.enabled, sort_keys=False))
        return path

    def summary(self) -> str:
        lines = [f"  on:  {name}" for name in self.enabled]
        lines += [f"  off: {name} (set {', '.join(v)})" for name, v in self.disabled.items()]
        return "\n".join(lines)


def _variables(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(VARIABLE.findall(value))
    if isinstance(value, Mapping):
        return set().union(*(_variables(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_variables(v) for v in value))
    return set()


def active_connectors(path: Path, environment: Mapping[str, str]) -> Connectors:
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SystemExit(f"{path}: cannot read the channel credentials: {error}") from error
    if not isinstance(config, dict):
        raise SystemExit(f"{path}: expected a mapping of channel names to settings")
    enabled: dict[str, Any] = {}
    disabled: dict[str, list[str]] = {}
    for name, settings in config.items():
        missing = sorted(v for v in _variables(settings) if not environment.get(v))
        if missing:
            disabled[name] = missing
        else:
            enabled[name] = settings
    return Connectors(enabled, disabled)
