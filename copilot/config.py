"""One Settings object for the whole product, read once from COPILOT_* variables and `.env`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pm-copilot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPILOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Where projects, caches and locks live.")
    chroma_url: str | None = Field(
        default=None, description="A Chroma server, e.g. http://127.0.0.1:8000; embedded Chroma when unset."
    )
    chroma_token: SecretStr | None = Field(default=None, description="Bearer token for the Chroma server.")
    chroma_tenant: str = Field(default="default_tenant", description="Chroma server tenant.")
    chroma_database: str = Field(default="default_database", description="Chroma server database.")
    embeddings: Literal["wordllama", "openai"] = "wordllama"
    analysis_embedding: Literal["wordllama", "minilm"] = Field(
        default="wordllama", description="What theme analysis clusters with: wordllama (fast) or minilm (extra)."
    )
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_embedding_model: str = "text-embedding-3-small"
    openai_model: str = "gpt-4o-mini"
    local_model_path: Path | None = Field(default=None, description="A .gguf file for the local provider.")
    local_context_tokens: int = Field(default=4096, ge=512, le=131072)
    local_threads: int | None = Field(default=None, ge=1, description="CPU threads for the local model.")
    model_timeout_s: float = Field(default=60.0, gt=0, description="Seconds before a model call times out.")
    model_retries: int = Field(default=3, ge=0, le=10, description="Retries on 429, 5xx and timeouts, with backoff.")
    block_real_models: bool = Field(
        default=False, description="Refuse any model call that would leave this machine (set by the test suite)."
    )
    provider: Literal["extractive", "openai", "local", "fake"] = "extractive"
    chunk_tokens: int = Field(default=400, ge=50, le=8000, description="Tokens per chunk of a long document.")
    # 5,000 is within Chroma's largest add (5,461): measured, one add of 5,000 costs the store 10% less CPU per
    # record than adds of 2,000.
    ingest_batch: int = Field(default=5000, ge=10, le=5000, description="Records embedded and stored at a time.")
    # Chroma holds Python's interpreter lock for the whole of one add, about 0.7 ms a record. Ingest jobs write in
    # a child process (api/job_process.py); a small upload ingested in the request writes 250 at a time.
    store_write_slice: int | None = Field(
        default=None, ge=100, le=5000, description="Records per store call (default: the batch; 250 in the API)."
    )
    reader_process_min_bytes: int = Field(
        default=4_000_000, ge=0, description="Inputs this large are read in a second process (0: always)."
    )
    lock_timeout_s: float = Field(default=600.0, ge=0, description="How long an ingest waits for another writer.")
    near_duplicate_ratio: float = Field(default=90.0, ge=50, le=100, description="rapidfuzz ratio for near-dups.")
    numeric_threads: int = Field(
        default=1, ge=1, le=64, description="Threads per numeric pool (BLAS, OpenMP, tokenizers); see threads.py."
    )
    # Measured: a 200,000-column header made Chroma's metadata segment fail for good; 5,000 columns still stored.
    max_columns: int = Field(default=2000, ge=2, le=10_000, description="Tables with more columns are refused.")
    max_cell_chars: int = Field(default=1_000_000, ge=1000, description="Rows with a longer cell are skipped.")
    api_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated bearer tokens for the HTTP API, each KEY (every project) or "
        "KEY:proj1|proj2 (those projects) or KEY:* (every project). Unset: no auth, loopback only.",
    )
    rate_limit: str = Field(default="120/minute", description="Requests per API key (or client), e.g. 10/second.")
    auth_failure_limit: str = Field(
        default="10/minute", description="Wrong API keys per client address before every attempt from it gets 429."
    )
    redis_url: SecretStr | None = Field(
        default=None, description="redis://… shared by every API process: rate limits and Slack dedupe."
    )
    job_lease_s: float = Field(
        default=30.0, ge=1, description="A job's claim expires this long after its worker's last heartbeat."
    )
    max_upload_mb: float = Field(default=100.0, gt=0, description="Largest request body the API accepts (413 above).")
    sync_ingest_mb: float = Field(default=2.0, ge=0, description="Uploads this small are ingested in the request.")
    cors_origins: str = Field(default="", description="Comma-separated origins allowed by CORS; empty: none.")
    slack_bot_token: SecretStr | None = Field(default=None, description="xoxb-… token of the Slack app.")
    slack_signing_secret: SecretStr | None = Field(default=None, description="Checks every Events API request.")
    slack_app_token: SecretStr | None = Field(default=None, description="xapp-… token: Socket Mode (copilot slack).")
    slack_channels: str = Field(default="", description="Channel to project, e.g. C0123=demo,C0456=mobile.")
    slack_default_project: str | None = Field(default=None, description="The project of unmapped channels and DMs.")
    slack_api_url: str | None = Field(default=None, description="Slack Web API base URL (tests use a local one).")
    slack_file_hosts: str = Field(
        default="files.slack.com", description="Hosts a shared file is fetched from with the bot token (https)."
    )
    slack_max_file_mb: float = Field(default=50.0, gt=0, description="Largest shared file the bot downloads.")

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def service_db(self) -> Path:
        """SQLite file of the service: conversations, jobs and feedback."""
        return self.data_dir / "service.sqlite"

    @property
    def slack_projects(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.slack_channels.split(",") if "=" in item)
        return {channel.strip(): project.strip() for channel, project in pairs}

    @property
    def api_key_list(self) -> list[str]:
        raw = self.api_keys.get_secret_value() if self.api_keys else ""
        return [k.strip() for k in raw.split(",") if k.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings; a bad COPILOT_* value is a config error naming the variable, not a validation traceback."""
    try:
        return Settings()
    except ValidationError as exc:
        from copilot.errors import CopilotError, ErrorCode

        problems = "; ".join(
            f"COPILOT_{'_'.join(str(p) for p in e['loc']).upper()}={e.get('input')!r}: {e['msg']}" for e in exc.errors()
        )
        raise CopilotError(ErrorCode.config, f"bad setting: {problems}") from None


def reset_settings() -> None:
    """Forget the cached settings (tests and long-lived processes that change the environment)."""
    get_settings.cache_clear()
