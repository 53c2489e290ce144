"""Settings, read from `HANDOFF_*` environment variables (or a `.env` file).

Built by a cached function, never at import time, so tests and the CLI can override them. Every
setting is documented in README.md; `tests/handoff/test_settings.py` fails when one is not.
Only `api/` turns these into concrete backends.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from handoff.errors import ConfigError


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "handoff"


def _default_model_cache() -> Path:
    """Derived model files depend on the model, not on the data: one per user, like the hub's."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "handoff" / "models"


class Settings(BaseSettings):
    """All of handoff's configuration. The defaults run on one machine with no server."""

    model_config = SettingsConfigDict(
        env_prefix="HANDOFF_", env_file=".env", extra="ignore", frozen=True
    )

    home: Path = Field(default_factory=_default_home, description="Data directory.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite at HOME/handoff.db."
    )
    broker_url: str | None = Field(
        default=None, description="Celery broker; default a filesystem broker under HOME/broker."
    )
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL; default embedded Chroma under HOME/index."
    )
    embeddings: str = Field(
        default="minilm",
        description="'minilm' (offline all-MiniLM-L6-v2), 'st:<model name or path>', "
        "or 'openai:<model>' for an OpenAI-compatible embeddings endpoint.",
    )
    embeddings_base_url: str | None = Field(default=None, description="Embeddings endpoint URL.")
    embeddings_api_key: SecretStr | None = Field(
        default=None, description="API key for an 'openai:<model>' embeddings endpoint."
    )
    embeddings_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx",
        description="How a local model runs: 'torch' (sentence-transformers), 'onnx' (the same "
        "weights exported once to MODEL_CACHE, ~3x faster) or 'onnx-int8' (int8 weights).",
    )
    model_cache: Path = Field(
        default_factory=_default_model_cache,
        description="Where models derived from local files (ONNX exports) are kept.",
    )
    embeddings_threads: int = Field(
        default=0, ge=0, description="Threads the local embedding model uses; 0 = every core."
    )
    heading_embeddings: bool = Field(
        default=True,
        description="Read a wrap's headings and template questions that the label table does not "
        "know by their nearest example under the embeddings model (off: the table alone).",
    )
    asr: str = Field(default="auto", description="auto | whisper | pocketsphinx | faster-whisper")
    whisper_model: str = Field(default="base.en", description="Whisper model name or checkpoint.")
    max_media_seconds: float = Field(default=15 * 60, description="Longest clip accepted.")
    max_upload_bytes: int = Field(default=500 * 1024 * 1024, description="Largest upload.")
    max_json_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Largest JSON request body (413 past it)."
    )
    max_form_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest url-encoded form body, and largest text field of a multipart form.",
    )
    max_text_chars: int = Field(
        default=50_000,
        ge=100,
        description="Longest wrap in characters, pasted or uploaded as a text file.",
    )
    max_json_depth: int = Field(
        default=32,
        ge=4,
        le=200,
        description="Deepest nesting of brackets in a JSON body (422 past it, before parsing).",
    )
    max_items: int = Field(
        default=500, ge=10, description="Most items one declaration holds, over all its parts."
    )
    max_name_chars: int = Field(
        default=200,
        ge=20,
        description="Longest author, owner or item name (and any other name field).",
    )
    max_field_chars: int = Field(
        default=4_000,
        ge=100,
        description="Longest text of one declaration field, typed answer or question.",
    )
    max_chat_messages: int = Field(
        default=5_000, ge=10, description="Most messages read from one chat export or log."
    )
    max_export_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Most bytes read from a chat export, counted while decompressing.",
    )
    max_export_ratio: int = Field(
        default=100, ge=2, description="Highest compression ratio of a member of a zipped export."
    )
    max_export_files: int = Field(
        default=10_000, ge=1, description="Most files (members) in a zipped chat export."
    )
    llm: str | None = Field(
        default=None, description="langchain model id, e.g. 'openai:gpt-4o-mini'; none = offline."
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible server URL.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the LLM.")
    llm_timeout_s: float = Field(default=60.0, description="Per-request LLM timeout.")
    llm_max_retries: int = Field(
        default=2, ge=0, description="Provider-level retries per LLM request (timeouts, 5xx)."
    )
    llm_chunk_chars: int = Field(
        default=12_000, ge=500, description="Longest transcript piece sent to the LLM at once."
    )
    llm_threads: int | None = Field(
        default=None, ge=1, description="Threads a local model (HANDOFF_LLM=local) uses; all cores."
    )
    llm_context: int = Field(
        default=4096, ge=512, description="A local model's context window in tokens."
    )
    llm_max_tokens: int = Field(
        default=1024, ge=64, description="Longest answer a local model may write, in tokens."
    )
    llm_lookup_tokens: int = Field(
        default=0,
        ge=0,
        description="Prompt-lookup speculative decoding for a local model: tokens proposed at a "
        "time from the prompt (0 turns it off).",
    )
    llm_structured: Literal["auto", "json_schema", "function_calling", "json_mode"] = Field(
        default="auto",
        description="How structured answers are asked for; 'auto' picks per provider and falls "
        "back when a server refuses one.",
    )
    llm_refine: Literal["auto", "repair", "rewrite"] = Field(
        default="auto",
        description="Hybrid drafting: the LLM rewrites the offline draft or repairs what it left "
        "open; 'auto' repairs with a local model, rewrites with a server or hosted one.",
    )
    llm_fallback: bool = Field(
        default=True,
        description="Use the offline draft (labelled) when the LLM fails; false raises instead.",
    )
    llm_mode: Literal["hybrid", "llm"] = Field(
        default="hybrid",
        description="With HANDOFF_LLM: 'hybrid' stores the offline draft at once and lets the LLM "
        "refine it in the background; 'llm' has the LLM write the draft (offline fallback).",
    )
    default_team: str = Field(default="default", description="Team used when none is given.")
    timezone: str = Field(default="UTC", description="Time zone assumed for wraps that name none.")
    environment: Literal["development", "production"] = Field(
        default="development", description="'production' refuses unsafe defaults."
    )
    workers: int = Field(default=1, description="Embedded worker concurrency for `handoff serve`.")

    # -- durable jobs (issue 18): leases, time limits, shutdown --------------------------------
    job_lease_s: float = Field(
        default=30.0,
        ge=0.5,
        description="How long a worker's claim on a running job holds without a heartbeat (it "
        "renews it every third of that); a job whose lease ran out is re-queued.",
    )
    job_reap_interval_s: float = Field(
        default=15.0,
        ge=0.1,
        description="How often each worker looks for jobs whose lease ran out (and on start).",
    )
    job_queue_lease_s: float = Field(
        default=600.0,
        ge=1.0,
        description="How long a queued job waits for a worker before its message is sent again "
        "(in case it was lost); a duplicate message is harmless.",
    )
    job_shutdown_grace_s: float = Field(
        default=20.0,
        ge=0.0,
        description="On SIGTERM a worker finishes its running jobs for this long, then "
        "re-queues those still running and stops.",
    )
    stage_soft_limit_s: float = Field(
        default=600.0,
        ge=0.1,
        description="Base time limit of one job stage (decode, transcribe, extract, index); past "
        "it the stage is interrupted and the job fails, and can be retried.",
    )
    stage_hard_limit_s: float = Field(
        default=900.0,
        ge=0.1,
        description="Base hard limit of one stage: a stage that ignores its soft limit this long "
        "has its worker process stopped (the job fails; other jobs are re-queued).",
    )
    stage_limit_per_audio_s: float = Field(
        default=3.0,
        ge=0.0,
        description="Seconds added to both stage limits per second of a clip's audio.",
    )
    debug_stage_pause: str = Field(
        default="",
        description="Testing only: pause at the start of named stages, e.g. 'decode=5,extract=5' "
        "(seconds), to stop a worker mid-stage; empty in real use.",
    )

    # -- identities (issue 15): sign-in, sessions, tokens, single sign-on ----------------------
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs session cookies; at least 32 random characters. Development without "
        "one uses a key kept in HOME/secret_key; production refuses to start without it.",
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="Send cookies over HTTPS only; default on in production, off in development.",
    )
    public_url: str | None = Field(
        default=None,
        description="The address people use, e.g. https://handoff.example.com (OIDC redirects).",
    )
    session_max_age_s: int = Field(
        default=7 * 24 * 3600, ge=300, description="How long a browser sign-in lasts."
    )
    password_min_length: int = Field(
        default=12, ge=8, description="Shortest password a local account may have."
    )
    signin_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins per account within the window."
    )
    signin_max_failures_per_address: int = Field(
        default=20, ge=1, description="Failed sign-ins per client address within the window."
    )
    signin_window_s: int = Field(
        default=15 * 60, ge=1, description="The window sign-in failures are counted in."
    )
    rate_limit_url: str | None = Field(
        default=None,
        description="Redis URL where sign-in failures are counted, shared by every server; "
        "default in-process.",
    )
    open_signup: bool = Field(
        default=False,
        description="Single sign-on creates an account for anyone the provider signs in, "
        "whatever their email domain; production refuses it.",
    )
    oidc_issuer: str | None = Field(
        default=None, description="OpenID Connect issuer URL; single sign-on is off without it."
    )
    oidc_metadata_url: str | None = Field(
        default=None,
        description="Discovery document URL; default ISSUER/.well-known/openid-configuration.",
    )
    oidc_client_id: str | None = Field(default=None, description="OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="OIDC client secret (none for a public client with PKCE)."
    )
    oidc_scopes: str = Field(default="openid email profile", description="OIDC scopes requested.")
    oidc_allowed_domains: str = Field(
        default="",
        description="Comma-separated email domains whose people get an account at their first "
        "single sign-on; empty = only accounts an admin created (or everyone with OPEN_SIGNUP).",
    )
    oidc_auto_provision: bool = Field(
        default=True,
        description="Create accounts at first single sign-on (for the allowed domains).",
    )
    oidc_label: str = Field(default="single sign-on", description="Sign-in button's label.")

    # -- notifications (issue 16): email, Slack, webhooks, one-click action links --------------
    smtp_host: str | None = Field(
        default=None, description="SMTP server for notification email; email is off without it."
    )
    smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="SMTP port; default 465 with SSL, 587 with STARTTLS, 25 without either.",
    )
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        description="starttls (upgrade a plain connection), ssl (TLS from the first byte) or none.",
    )
    smtp_user: str | None = Field(default=None, description="SMTP user name; no login without it.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="handoff <handoff@localhost>", description="The From address of notification mail."
    )
    smtp_timeout_s: float = Field(
        default=10.0, gt=0, description="Seconds to wait for the SMTP server at each step."
    )
    slack_token: SecretStr | None = Field(
        default=None,
        description="Slack bot token (xoxb-...) with chat:write; Slack is off without it.",
    )
    slack_base_url: str | None = Field(
        default=None, description="Slack Web API base URL; default https://slack.com/api/."
    )
    slack_timeout_s: float = Field(default=10.0, gt=0, description="Seconds per Slack API call.")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Signs every webhook delivery (HMAC-SHA256) unless WEBHOOK_SECRETS names the "
        "URL; webhooks are refused without a secret.",
    )
    webhook_secrets: SecretStr | None = Field(
        default=None,
        description='Per-webhook signing secrets as a JSON object, {"https://example.com/hook": '
        '"secret"}; a secret as a whole, so the settings stay hashable and never printed.',
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="Seconds per webhook POST.")
    webhook_private_addresses: bool | None = Field(
        default=None,
        description="Deliver webhooks to loopback, private and link-local addresses; default on "
        "in development, off in production (a webhook URL must not reach internal services).",
    )
    action_link_ttl_s: int = Field(
        default=72 * 3600,
        ge=60,
        description="How long a one-click action link in an email or Slack message stays valid.",
    )
    # -- operators' metrics (issue 17) ---------------------------------------------------------
    prometheus: bool = Field(
        default=True,
        description="Serve operators' metrics at /metrics/prometheus (administrators only).",
    )
    # -- notifications (issue 16) ---------------------------------------------------------------
    notify_claim_timeout_s: float = Field(
        default=300.0,
        gt=0,
        description="How long a notification a worker took may go undelivered before another "
        "worker sends it again (a worker that died mid-send).",
    )

    # -- the CLI against a remote server (issue 15) --------------------------------------------
    url: str | None = Field(
        default=None,
        description="A handoff server's base URL, e.g. https://handoff.example.com: the CLI then "
        "calls its API as TOKEN's user instead of opening the local database.",
    )
    token: SecretStr | None = Field(
        default=None, description="The API token (hnd_...) the CLI sends to URL."
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'handoff.db'}"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies carry `Secure`: the setting, or on exactly when in production."""
        if self.secure_cookies is None:
            return self.environment == "production"
        return self.secure_cookies

    @property
    def webhooks_reach_private(self) -> bool:
        """Whether webhooks may go to non-public addresses: the setting, or development only."""
        if self.webhook_private_addresses is None:
            return self.environment == "development"
        return self.webhook_private_addresses

    @property
    def webhook_secret_map(self) -> dict[str, str]:
        """HANDOFF_WEBHOOK_SECRETS as {url: secret}; a value that is not such a JSON object is a
        ConfigError naming the variable (and never quoting it)."""
        if self.webhook_secrets is None or not self.webhook_secrets.get_secret_value().strip():
            return {}
        try:
            parsed = json.loads(self.webhook_secrets.get_secret_value())
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
        ):
            raise ConfigError(
                'HANDOFF_WEBHOOK_SECRETS must be a JSON object of URL to secret, {"https://...": '
                '"..."}.'
            )
        return parsed

    @property
    def stage_pauses(self) -> dict[str, float]:
        """DEBUG_STAGE_PAUSE as {stage: seconds}; a malformed entry is ignored."""
        out: dict[str, float] = {}
        for part in self.debug_stage_pause.split(","):
            stage, _, seconds = part.partition("=")
            try:
                out[stage.strip()] = float(seconds)
            except ValueError:
                continue
        return out

    @property
    def oidc_domains(self) -> frozenset[str]:
        return frozenset(
            d.strip().lower().lstrip("@") for d in self.oidc_allowed_domains.split(",") if d.strip()
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; `get_settings.cache_clear()` re-reads the environment."""
    return Settings()
