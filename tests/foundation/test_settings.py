"""Settings: layer order, and errors that name the key and where the bad value came from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workshop_tui.config.loader import load_settings
from workshop_tui.config.settings import Settings
from workshop_tui.domain.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_defaults_create_nothing_on_disk(tmp_path: Path) -> None:
    settings = load_settings(env={"XDG_DATA_HOME": str(tmp_path / "xdg")}, dotenv_path=None)
    assert settings.data_dir == tmp_path / "xdg" / "workshop-tui"
    assert not (tmp_path / "xdg").exists()
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{settings.data_dir / 'workshop.db'}"
    assert settings.ollama.urls == ["http://127.0.0.1:11434"]
    assert settings.ollama.num_ctx == 8192


def test_layers_apply_in_order_file_then_dotenv_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "workshop.yaml"
    config.write_text("ssh:\n  port: 2300\n  max_sessions: 10\nlog_level: debug\nollama:\n  num_ctx: 4096\n")
    dotenv = tmp_path / ".env"
    dotenv.write_text("WORKSHOP_SSH__PORT=2400\nWORKSHOP_OLLAMA__NUM_CTX=2048\n")
    env = {"WORKSHOP_CONFIG": str(config), "WORKSHOP_SSH__PORT": "2500", "WORKSHOP_DATA_DIR": str(tmp_path / "d")}
    settings = load_settings(env=env, dotenv_path=dotenv)
    assert settings.ssh.port == 2500  # environment beats .env and file
    assert settings.ollama.num_ctx == 2048  # .env beats file
    assert settings.ssh.max_sessions == 10  # file beats default
    assert settings.log_level == "DEBUG"
    assert settings.data_dir == tmp_path / "d"


def test_command_line_beats_everything(tmp_path: Path) -> None:
    env = {"WORKSHOP_DATA_DIR": str(tmp_path / "env"), "WORKSHOP_OLLAMA__URLS": "http://a:1,http://b:2"}
    settings = load_settings(data_dir=tmp_path / "cli", ollama_url="http://c:3", env=env, dotenv_path=None)
    assert settings.data_dir == tmp_path / "cli"
    assert settings.ollama.urls == ["http://c:3"]


def test_ollama_host_is_the_fallback_url(tmp_path: Path) -> None:
    settings = load_settings(env={"OLLAMA_HOST": "gpu-box:11434", "OLLAMA_API_KEY": "sekrit-4242"}, data_dir=tmp_path,
                             dotenv_path=None)
    assert settings.ollama.urls == ["gpu-box:11434"]
    assert settings.ollama.api_key is not None and settings.ollama.api_key.get_secret_value() == "sekrit-4242"
    assert "sekrit-4242" not in repr(settings)


def test_wrong_type_in_yaml_names_key_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("data_dir: /tmp/x\nollama:\n  connect_timeout_s: fast\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config, env={}, dotenv_path=None)
    expected = rf"ollama\.connect_timeout_s: .*valid number.*from {re.escape(str(config))} line 3"
    assert re.search(expected, str(err.value))


def test_unknown_key_in_yaml_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("ssh:\n  prot: 22\n")
    with pytest.raises(ConfigError, match=r"ssh\.prot: unknown setting \(from .*c\.yaml line 2\)"):
        load_settings(config, env={}, dotenv_path=None)


def test_unknown_and_bad_environment_variables_are_named(tmp_path: Path) -> None:
    env = {"WORKSHOP_SSH__PORT": "ssh", "WORKSHOP_COLOUR": "red", "WORKSHOP_DATA_DIR": str(tmp_path)}
    with pytest.raises(ConfigError) as err:
        load_settings(env=env, dotenv_path=None)
    message = str(err.value)
    assert "ssh.port: Input should be a valid integer" in message
    assert "environment variable WORKSHOP_SSH__PORT" in message
    assert "colour: unknown setting (from environment variable WORKSHOP_COLOUR)" in message


def test_bad_value_in_dotenv_names_the_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("WORKSHOP_SSH__PORT=99999\n")
    with pytest.raises(ConfigError, match=rf"ssh\.port: .*from {re.escape(str(dotenv))}: WORKSHOP_SSH__PORT"):
        load_settings(env={"WORKSHOP_DATA_DIR": str(tmp_path)}, dotenv_path=dotenv)


def test_unreachable_data_dir_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"data_dir: .*not a folder.*--data-dir"):
        load_settings(data_dir=blocker, env={}, dotenv_path=None)
    with pytest.raises(ConfigError, match=r"data_dir: .*cannot be created.*WORKSHOP_DATA_DIR"):
        load_settings(env={"WORKSHOP_DATA_DIR": str(blocker / "below")}, dotenv_path=None)


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("ssh:\n  port: [2222\n")
    with pytest.raises(ConfigError, match=r"c\.yaml line \d+, column \d+: not valid YAML"):
        load_settings(config, env={}, dotenv_path=None)


def test_quota_for_unknown_role_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("quotas:\n  teacher:\n    messages_per_day: 5\n")
    with pytest.raises(ConfigError, match=r"quotas: unknown role 'teacher'"):
        load_settings(config, env={}, dotenv_path=None, data_dir=tmp_path)


def test_partial_quota_override_keeps_other_roles(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("quotas:\n  guest:\n    messages_per_day: 5\n")
    settings = load_settings(config, env={}, dotenv_path=None, data_dir=tmp_path)
    assert settings.quotas["guest"].messages_per_day == 5
    assert settings.quotas["instructor"].messages_per_day is None
    assert settings.quotas["student"].concurrent_generations == 2


def _leaf_keys(model: type, prefix: str = "WORKSHOP_") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            keys += _leaf_keys(annotation, f"{prefix}{name.upper()}__")
        else:
            keys.append(f"{prefix}{name.upper()}")
    return keys


def test_env_example_documents_every_setting() -> None:
    text = (REPO / ".env.example").read_text()
    missing = [key for key in _leaf_keys(Settings) if f"# {key}=" not in text]
    assert missing == []
    for name, field in Settings.model_fields.items():
        assert field.description or hasattr(field.annotation, "model_fields"), f"{name} has no docstring"
