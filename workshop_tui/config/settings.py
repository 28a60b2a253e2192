"""The one settings object, and the models of its sections.

Every field carries a docstring: `.env.example` documents the same keys, and a test keeps the two
in step. Values come from, in rising priority: these defaults, a YAML config file, `.env`, then
`WORKSHOP_*` environment variables (`__` separates nested keys: WORKSHOP_OLLAMA__URLS). The
loader is in `config/loader.py`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from workshop_tui.config.paths import default_data_dir


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, validate_default=True)


class OllamaSettings(_Section):
    urls: list[str] = Field(default_factory=list)
    """Base URLs of the Ollama hosts. Empty means OLLAMA_HOST, else http://127.0.0.1:11434."""
    api_key: SecretStr | None = None
    """Sent as a Bearer token when set (falls back to OLLAMA_API_KEY)."""
    connect_timeout_s: float = Field(5.0, gt=0)
    """Seconds to wait for a TCP connection to an Ollama host."""
    read_gap_s: float = Field(300.0, gt=0)
    """Longest silence allowed inside a reply; a cold model load sends nothing for a long time."""
    deadline_s: float = Field(1800.0, gt=0)
    """Overall limit for one call, stream included."""
    max_in_flight_per_host: int = Field(1, ge=1, le=64)
    """Generations sent to one host at once (match the host's OLLAMA_NUM_PARALLEL)."""
    down_retry_s: float = Field(15.0, gt=0)
    """How long a host that did not answer is skipped before it is tried again."""
    model_cache_ttl_s: float = Field(30.0, ge=0)
    """How long the merged model list is reused before the hosts are asked again."""
    num_ctx: int = Field(8192, ge=256)
    """Context window asked of Ollama unless a model or conversation says otherwise."""
    history_max_messages: int = Field(40, ge=1)
    """Most earlier messages sent with each chat turn."""
    history_max_chars: int = Field(24000, ge=1000)
    """Most characters of earlier messages sent with each chat turn."""
    tool_max_rounds: int = Field(5, ge=1, le=20)
    """Most model → tool → model rounds in one reply."""
    tool_timeout_s: float = Field(10.0, gt=0)
    """Time limit for one tool call."""


class QdrantSettings(_Section):
    path: Path | None = None
    """Folder of the embedded store. Empty means <data_dir>/qdrant (ignored when url is set)."""
    url: str | None = None
    """URL of a Qdrant server; when set it is used instead of the embedded store."""
    api_key: SecretStr | None = None
    """API key for the Qdrant server."""


class SshSettings(_Section):
    host: str = "0.0.0.0"  # noqa: S104 - attendees connect from their own machines
    """Address the SSH server listens on."""
    port: int = Field(2222, ge=0, le=65535)
    """Port the SSH server listens on (0 picks a free one, for tests)."""
    host_key: Path | None = None
    """Host key file. Empty means <data_dir>/ssh_host_key, created on first start."""
    max_sessions: int = Field(300, ge=1)
    """Sessions open at once, across all users."""
    max_sessions_per_user: int = Field(3, ge=1)
    """Sessions one user may have open at once."""
    registration_name: str = Field("register", max_length=64)
    """Username that opens the registration form without a password. Empty switches it off."""
    unknown_users_register: bool = True
    """An unknown username opens the registration form (with that name filled in) instead of asking
    for a password. This tells whoever connects whether a name is taken, as the registration form does."""
    idle_timeout_s: float = Field(3600.0, ge=0)
    """A session without a key press or click for this long is closed. 0 never closes one."""
    keepalive_interval_s: float = Field(15.0, gt=0)
    """Seconds between keepalive requests to a client that sends nothing."""
    keepalive_count_max: int = Field(3, ge=1)
    """Unanswered keepalives after which a connection is dropped as dead."""
    login_timeout_s: float = Field(60.0, gt=0)
    """Seconds a connection may take to sign in before it is dropped."""
    write_buffer_max_kb: int = Field(1024, ge=64)
    """Screen output queued for a client that stopped reading, in KiB, before its session is aborted."""
    shutdown_grace_s: float = Field(3.0, gt=0, le=4.5)
    """On SIGTERM, seconds the sessions get to close by themselves before the rest are cut off."""
    loop_stall_ms: int = Field(100, ge=10)
    """An event-loop stall longer than this is logged with the session that caused it."""
    sftp: bool = True
    """Offer SFTP, each account chrooted to its own upload folder <data_dir>/uploads/<username>."""
    upload_max_file_mb: int = Field(20, ge=1)
    """Largest file one SFTP upload may write, in MB."""
    upload_quota_mb: int = Field(200, ge=1)
    """Most bytes one account's upload folder may hold, in MB."""

    @field_validator("registration_name")
    @classmethod
    def _lower_registration_name(cls, value: str) -> str:
        return value.strip().lower()


class Quota(_Section):
    messages_per_day: int | None = Field(None, ge=0)
    """Chat messages a day; empty means unlimited."""
    tokens_per_day: int | None = Field(None, ge=0)
    """Prompt plus reply tokens a day; empty means unlimited."""
    concurrent_generations: int | None = Field(None, ge=1)
    """Replies being generated at once; empty means unlimited."""


def _default_quotas() -> dict[str, Quota]:
    return {
        "super_admin": Quota(),
        "admin": Quota(),
        "instructor": Quota(),
        "student": Quota(messages_per_day=500, tokens_per_day=500_000, concurrent_generations=2),
        "family": Quota(messages_per_day=300, tokens_per_day=300_000, concurrent_generations=1),
        "guest": Quota(messages_per_day=50, tokens_per_day=50_000, concurrent_generations=1),
    }


class AuthSettings(_Section):
    first_user_becomes_super_admin: bool = False
    """Make the first account registered on an empty database an active super_admin."""
    password_min_length: int = Field(10, ge=8, le=64)
    """Shortest password accepted."""
    password_max_length: int = Field(256, ge=16, le=4096)
    """Longest password accepted (argon2 cost grows with length)."""
    max_failures_per_account: int = Field(10, ge=1)
    """Failed logins per account within the window before logins are refused."""
    max_failures_per_address: int = Field(30, ge=1)
    """Failed logins from one source address within the window before it is refused."""
    failure_window_s: float = Field(300.0, gt=0)
    """Length of the rolling window for failed logins, in seconds."""
    hash_threads: int = Field(2, ge=1, le=16)
    """Password hashes computed at once (each costs memory and CPU)."""
    max_pending_logins_per_address: int = Field(8, ge=1)
    """Sign-ins from one source address being checked at once; more are refused until one ends."""
    max_registrations_per_address: int = Field(30, ge=1)
    """Registrations from one source address within the registration window (a classroom may share one)."""
    registration_window_s: float = Field(3600.0, gt=0)
    """Length of the rolling window for registrations, in seconds."""


class DocumentLimits(_Section):
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    """Largest document file accepted."""
    max_pages: int = Field(500, ge=1)
    """Most PDF pages accepted in one document."""
    max_chars: int = Field(2_000_000, ge=1000)
    """Most characters of extracted text kept from one document."""
    chunk_size: int = Field(1000, ge=100)
    """Characters per chunk."""
    chunk_overlap: int = Field(100, ge=0)
    """Characters shared by neighbouring chunks."""
    embed_batch_size: int = Field(32, ge=1, le=512)
    """Chunks sent to Ollama in one embed request."""
    import_dir: Path | None = None
    """Folder whose files admins and the CLI may import by path. Empty means <data_dir>/imports."""


class WorkshopFileSettings(_Section):
    """Caps on the workshop files `import` reads and `export` checks its own output against. The
    cap keeps a mistaken or hostile file cheap to refuse (it is read whole before it is checked);
    documents are written beside an export as files, so only chats make an export this large."""

    max_file_mb: int = Field(2, ge=1, le=512)
    """Largest workshop file (YAML or CSV) an import reads, in MB; raise it for `export --include-chats`."""


class Settings(BaseSettings):
    """Everything the process can be told. Build it with `config.loader.load_settings`."""

    model_config = SettingsConfigDict(extra="forbid", use_attribute_docstrings=True, validate_default=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    """Folder for the database, the embedded Qdrant store, logs and uploads."""
    database_url: str | None = None
    """SQLAlchemy async URL. Empty means SQLite at <data_dir>/workshop.db."""
    log_level: str = "INFO"
    """Lowest level written to <data_dir>/logs/workshop.log."""
    ollama: OllamaSettings = Field(default_factory=OllamaSettings)
    qdrant: QdrantSettings = Field(default_factory=QdrantSettings)
    ssh: SshSettings = Field(default_factory=SshSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    documents: DocumentLimits = Field(default_factory=DocumentLimits)
    quotas: dict[str, Quota] = Field(default_factory=_default_quotas)
    """Per-role quotas; a user's own overrides win."""
    workshop_file: WorkshopFileSettings = Field(default_factory=WorkshopFileSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The loader merges file, .env and environment itself so that it knows where each value
        # came from; the model only validates what it is handed.
        return (init_settings,)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("quotas")
    @classmethod
    def _known_roles(cls, value: dict[str, Quota]) -> dict[str, Quota]:
        roles = set(_default_quotas())
        unknown = sorted(set(value) - roles)
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; expected one of {', '.join(sorted(roles))}")
        return {**_default_quotas(), **value}

    @model_validator(mode="after")
    def _chunking_fits(self) -> Settings:
        if self.documents.chunk_overlap >= self.documents.chunk_size:
            raise ValueError("documents.chunk_overlap must be smaller than documents.chunk_size")
        return self

    # Derived locations. Computing them creates nothing.
    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "workshop.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.sqlite_path}"

    @property
    def qdrant_path(self) -> Path:
        return self.qdrant.path or self.data_dir / "qdrant"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def import_dir(self) -> Path:
        return self.documents.import_dir or self.data_dir / "imports"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def ssh_host_key_path(self) -> Path:
        return self.ssh.host_key or self.data_dir / "ssh_host_key"
