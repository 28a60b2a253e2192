"""Build the Settings object from defaults, a YAML file, `.env` and the environment.

The loader merges the layers itself, remembering where every value came from, so that a bad
value is reported as e.g. ``ollama.connect_timeout_s: Input should be a valid number (from
/etc/workshop.yaml line 4)`` or ``(from environment variable WORKSHOP_SSH__PORT)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import SecretStr, ValidationError

from workshop_tui.config.paths import default_data_dir
from workshop_tui.config.settings import Settings
from workshop_tui.domain.errors import ConfigError

ENV_PREFIX = "WORKSHOP_"
CONFIG_ENV_VAR = "WORKSHOP_CONFIG"
# Variables with the prefix that point at settings rather than being settings themselves.
_NOT_SETTINGS = {CONFIG_ENV_VAR}
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


def load_settings(
    config_file: Path | str | None = None,
    *,
    data_dir: Path | str | None = None,
    ollama_url: str | None = None,
    env: Mapping[str, str] | None = None,
    dotenv_path: Path | None = Path(".env"),
) -> Settings:
    """Read every layer, validate, and return the settings; raise ConfigError naming the key."""
    env = dict(os.environ if env is None else env)
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}

    config_file = config_file or env.get(CONFIG_ENV_VAR)
    if config_file:
        _merge(merged, origin, *_read_yaml(Path(config_file)))
    if dotenv_path is not None and dotenv_path.is_file():
        values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
        _merge(merged, origin, *_from_env_vars(values, f"{dotenv_path}"))
    _merge(merged, origin, *_from_env_vars(env, "environment"))
    if data_dir is not None:
        _merge(merged, origin, {"data_dir": str(data_dir)}, {"data_dir": "--data-dir"})
    if ollama_url is not None:
        _merge(merged, origin, {"ollama": {"urls": [ollama_url]}}, {"ollama.urls": "--ollama-url"})

    merged.setdefault("data_dir", str(default_data_dir(env)))
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from None

    settings.data_dir = settings.data_dir.expanduser()
    if not settings.ollama.urls:
        settings.ollama.urls = [env.get("OLLAMA_HOST") or DEFAULT_OLLAMA_URL]
    if settings.ollama.api_key is None and env.get("OLLAMA_API_KEY"):
        settings.ollama.api_key = SecretStr(env["OLLAMA_API_KEY"])
    _check_writable(settings.data_dir, "data_dir", origin.get("data_dir", "default"))
    if settings.qdrant.path is not None and settings.qdrant.url is None:
        _check_writable(settings.qdrant.path, "qdrant.path", origin.get("qdrant.path", "default"))
    return settings


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"config file {path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: expected a mapping of settings at the top level")
    origin: dict[str, str] = {}
    _record_lines(node, "", path, origin)
    return data, origin


def _record_lines(node: yaml.Node | None, prefix: str, path: Path, origin: dict[str, str]) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        key = f"{prefix}{key_node.value}"
        origin[key] = f"{path} line {key_node.start_mark.line + 1}"
        _record_lines(value_node, key + ".", path, origin)


def _from_env_vars(values: Mapping[str, str], label: str) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name, raw in values.items():
        if not name.upper().startswith(ENV_PREFIX) or name.upper() in _NOT_SETTINGS:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"{name} ({label}): {'.'.join(parts)} mixes a value and a section")
        target[parts[-1]] = _decode_env_value(raw, parts)
        where = "environment variable" if label == "environment" else f"{label}:"
        origin[".".join(parts)] = f"{where} {name}"
    return data, origin


def _decode_env_value(raw: str, parts: list[str]) -> Any:
    text = raw.strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return raw
    if parts == ["ollama", "urls"]:
        return [u.strip() for u in text.split(",") if u.strip()]
    return raw


def _merge(target: dict[str, Any], origin: dict[str, str], data: dict[str, Any], where: dict[str, str]) -> None:
    def merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
        for key, value in src.items():
            if isinstance(value, dict) and isinstance(dst.get(key), dict):
                merge(dst[key], value)
            else:
                dst[key] = value

    merge(target, data)
    origin.update(where)


def _describe(exc: ValidationError, origin: dict[str, str]) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "settings"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        source = _source_of(key, origin)
        lines.append(f"{key}: {message} (from {source})")
    return "invalid settings:\n  " + "\n  ".join(lines)


def _source_of(key: str, origin: dict[str, str]) -> str:
    parts = key.split(".")
    while parts:
        found = origin.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return "defaults"


def _check_writable(path: Path, key: str, source: str) -> None:
    """Fail early, without creating anything, if `path` can never be created or written."""
    probe = path.expanduser()
    if probe.exists() and not probe.is_dir():
        raise ConfigError(f"{key}: {probe} exists and is not a folder (from {source})")
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{key}: {path} cannot be created or written; {probe} is not writable (from {source})")
