"""Settings: one frozen dataclass, loaded once and passed down (nothing reads config at import).

Sources in order: field defaults → an optional YAML file (``tsunagu.yaml`` or ``TSUNAGU_CONFIG``)
→ ``TSUNAGU_<FIELD>`` environment variables → explicit overrides (CLI flags, test mappings).
Secrets (the CKAN token) come only from the environment or ``${VAR}`` in the file, and are
redacted in ``repr``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any, get_origin, get_type_hints

import yaml

from tsunagu.errors import ConfigError
from tsunagu.typed_input import problems

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent  # package data: in a checkout and in a wheel


def _setting(default: Any, help: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"help": help, "secret": secret}, repr=not secret)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        Path("instance"), "Where the local catalogue, stored files and reports live."
    )
    datasets_dir: Path = _setting(
        PROJECT_ROOT / "datasets", "Departmental dataset manifests (dataset.yaml) live below here."
    )
    schemas_dir: Path = _setting(
        PACKAGE_DIR / "schemas", "Standard Table Schemas and their registry."
    )
    municipality_code: str = _setting("122173", "全国地方公共団体コード of the publishing city.")
    municipality_name: str = _setting(
        "千葉県柏市", "地方公共団体名 written into the standard column."
    )
    municipality_bbox: tuple[float, float, float, float] = _setting(
        (139.85, 35.77, 140.11, 35.95),
        "lon/lat box of the city (W,S,E,N) with a margin; points outside it are warned about.",
    )
    max_file_bytes: int = _setting(200 * 1024 * 1024, "Largest input file accepted, in bytes.")
    max_columns: int = _setting(1000, "Most columns a table may have (checked on the header).")
    max_line_bytes: int = _setting(1024 * 1024, "Longest line a CSV may have, in bytes.")
    max_cell_chars: int = _setting(32767, "Longest cell, in characters (Excel's own limit).")
    max_unzipped_bytes: int = _setting(
        1024 * 1024 * 1024, "Most bytes an archive may expand to before it is refused."
    )
    max_zip_members: int = _setting(100, "Most members an archive may hold.")
    max_features: int = _setting(200_000, "Most features a GIS layer may have.")
    max_vertices: int = _setting(
        2_000_000, "Most coordinates a GIS layer may have in all (its map page stays small)."
    )
    catalogue: str = _setting("local", 'Where to publish: "local" (embedded) or "ckan".')
    database_url: str | None = _setting(
        None, "SQLAlchemy URL of the local catalogue; default SQLite under data_dir."
    )
    ckan_url: str | None = _setting(None, "Base URL of the CKAN to publish to.")
    ckan_token: str | None = _setting(None, "CKAN API token (raw, env only).", secret=True)
    ckan_timeout: float = _setting(30.0, "Seconds before a CKAN request is abandoned.")
    secret_key: str | None = _setting(
        None,
        "Flask session/CSRF key (env only); default: generated once under data_dir.",
        secret=True,
    )
    max_upload_bytes: int = _setting(50 * 1024 * 1024, "Largest upload the web app accepts.")
    redis_url: str | None = _setting(
        None,
        "Redis for background jobs on RQ workers (`rq worker -u URL tsunagu`); "
        "default: one worker thread in the web process.",
        secret=True,  # may carry a password
    )
    job_timeout: int = _setting(3600, "Seconds an upload's validation or publishing may take.")
    api_rate: str = _setting(
        "600/minute", "Requests per client to /api/ (token bucket per address, per worker)."
    )
    indicators_daily: str = _setting(
        "off",
        "on: the web app publishes the EBPM indicators dataset once a day by itself (the first"
        " request of a day queues the job; once per day however many workers).",
    )
    allowed_hosts: str = _setting(
        "localhost,127.0.0.1,[::1]",
        "Host names the site answers to (comma-separated; '.example.jp' matches subdomains); "
        "any other Host header gets 400, so it never reaches an absolute link.",
    )
    proxy_hops: int = _setting(
        1,
        "Reverse proxies in front of the app; X-Forwarded-For/-Proto are read that many hops "
        "deep, and only on requests from trusted_proxies (0: never).",
    )
    trusted_proxies: str = _setting(
        "127.0.0.1,::1",
        "Addresses or networks of the reverse proxies whose X-Forwarded-* headers are believed.",
    )
    cookie_secure: str = _setting(
        "auto",
        'Session cookie "Secure" flag: "auto" (when the request came over HTTPS), "always", '
        '"never" (local http only).',
    )
    site_title: str = _setting("柏市オープンデータ", "Name of the site shown in page headers.")
    site_title_en: str = _setting(
        "Kashiwa City Open Data", "Name of the site on English pages and in English feeds."
    )
    municipality_name_en: str = _setting("Kashiwa City, Chiba", "The city's name on English pages.")
    tile_url: str = _setting(
        "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png", "Basemap tile URL template."
    )
    tile_attribution: str = _setting(
        '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
        "Attribution shown with the basemap.",
    )
    usage_counting: str = _setting(
        "on", 'Count page views, downloads and API requests (counts only, no IP): "on" or "off".'
    )
    usage_flush_seconds: float = _setting(
        10.0, "Seconds between writes of the in-memory use counts to the catalogue database."
    )

    def __post_init__(self) -> None:
        # Relative paths are anchored to the working directory now, once: Flask's send_file
        # resolves a relative path against the package folder, and a worker that changes its
        # directory would read another tree; every face (CLI, serve, wsgi, gunicorn) agrees.
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Path) and not value.is_absolute():
                object.__setattr__(self, item.name, _absolute(value))
        # Checks no type can say; the types themselves are pydantic's (see _coerce).
        if not re.fullmatch(r"\d{6}", self.municipality_code):
            _refuse(
                "municipality_code",
                f'municipality_code must be 6 digits, got "{self.municipality_code}"',
                f"municipality_code は6桁の数字です（「{self.municipality_code}」）",
            )
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                words = ", ".join(f'"{a}"' for a in allowed)
                _refuse(
                    name,
                    f'{name} must be one of {words}, got "{value}"',
                    f"{name} は {'・'.join(allowed)} のどれかです（「{value}」）",
                )
        _check_rate(self.api_rate)
        for name in ("proxy_hops", "usage_flush_seconds"):
            if getattr(self, name) < 0:
                value = getattr(self, name)
                _refuse(
                    name,
                    f"{name} must be 0 or more, got {value}",
                    f"{name} は0以上です（「{value}」）",
                )
        for name in (
            "max_file_bytes",
            "max_columns",
            "max_line_bytes",
            "max_cell_chars",
            "max_features",
            "max_vertices",
        ):
            if getattr(self, name) <= 0:
                value = getattr(self, name)
                _refuse(
                    name,
                    f"{name} must be positive, got {value}",
                    f"{name} は1以上です（「{value}」）",
                )

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'catalogue.sqlite3').resolve()}"

    def replace(self, **changes: Any) -> Settings:
        return _given(dataclasses.replace(self, **changes), self.given | set(changes))

    @property
    def given(self) -> frozenset[str]:
        """The settings set explicitly (file, environment, overrides), not left at defaults.

        The pipeline labels a file with the configured municipality only when the operator set
        it: the default (柏市) must never be written into another city's rows.
        """
        return self.__dict__.get("_given", frozenset())


#: settings that take one of a few words
_CHOICES = {
    "cookie_secure": ("auto", "always", "never"),
    "catalogue": ("local", "ckan"),
    "usage_counting": ("on", "off"),
    "indicators_daily": ("on", "off"),
}


def _refuse(name: str, en: str, ja: str) -> None:
    """Raise the ConfigError for setting ``name``; load_settings adds where it was set."""
    error = ConfigError(en, message_ja=ja)
    error.setting = name
    raise error


def _check_rate(api_rate: str) -> None:
    """An API rate the limiter can read, or a settings error at start (never a 500 later)."""
    rate = RATE_PATTERN.fullmatch(api_rate)
    if rate is None or int(rate[1]) < 1:
        _refuse(
            "api_rate",
            f'api_rate (TSUNAGU_API_RATE) must be like "600/minute" (a count of 1 or more per'
            f' second, minute, hour or day), got "{api_rate}"',
            "api_rate（TSUNAGU_API_RATE）は「600/minute」のように、回数（1以上）と"
            f"second・minute・hour・day で書きます（「{api_rate}」）",
        )


def _given(settings: Settings, names: set[str] | frozenset[str]) -> Settings:
    object.__setattr__(settings, "_given", frozenset(names))  # frozen: not a setting itself
    return settings


def _absolute(path: Path) -> Path:
    """``path`` against the working directory, ``..`` folded; symlinks are kept (no resolve)."""
    return Path(os.path.abspath(path))


def settings_help() -> dict[str, str]:
    return {f.name: f.metadata["help"] for f in fields(Settings)}


# The API rate limit's form; the web app's limiter reads it with the same pattern.
RATE_PATTERN = re.compile(r"\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


@cache
def _adapter(name: str) -> Any:
    """pydantic's validator for one setting's declared type (built once, on first use).

    Numbers written for a text setting (``municipality_code: 122173`` in YAML) stay text, and
    ``nan``/``inf`` are no number of bytes or seconds.
    """
    from pydantic import ConfigDict, TypeAdapter

    hint = get_type_hints(Settings)[name]
    return TypeAdapter(hint, config=ConfigDict(coerce_numbers_to_str=True, allow_inf_nan=False))


def _coerce(name: str, raw: Any, where: tuple[str, str]) -> Any:
    """``raw`` as the setting's type; a ConfigError naming ``where`` it came from otherwise."""
    from pydantic import ValidationError

    if isinstance(raw, bool) and _CHOICES.get(name) == ("on", "off"):
        raw = "on" if raw else "off"  # YAML 1.1 reads a bare on/off as true/false
    if isinstance(raw, str) and get_origin(get_type_hints(Settings)[name]) is tuple:
        raw = raw.split(",")  # TSUNAGU_MUNICIPALITY_BBOX=139.85,35.77,140.11,35.95
    try:
        return _adapter(name).validate_python(raw)
    except ValidationError as exc:
        first = problems(exc, name)[0]
        raise ConfigError(
            f"setting {first.field} ({where[0]}) has a bad value: {first.message_en}",
            message_ja=f"設定 {first.field}（{where[1]}）の値が不正です: {first.message_ja}",
        ) from None


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    env: dict[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build Settings from file, environment and explicit overrides, validating once."""
    env = dict(os.environ if env is None else env)
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    origin: dict[str, tuple[str, str]] = {}  # setting -> where it was set (en, ja), for errors
    path = config_file or (Path(env["TSUNAGU_CONFIG"]) if env.get("TSUNAGU_CONFIG") else None)
    if path is not None:
        path = _absolute(path)  # named in errors as the user can find it from anywhere
        for key, raw in _read_config_file(path).items():
            if key not in known:
                raise ConfigError(
                    f'unknown setting "{key}" in {path}; known: {sorted(known)}',
                    message_ja=f"{path} の設定「{key}」はありません（tsunagu config で一覧）",
                )
            if isinstance(raw, str):
                raw = _ENV_VAR.sub(lambda m: env.get(m.group(1), ""), raw)
            origin[key] = (str(path), str(path))
            values[key] = _coerce(key, raw, origin[key])
    for name in known:
        env_name = f"TSUNAGU_{name.upper()}"
        if env_name in env:
            origin[name] = (f"environment variable {env_name}", f"環境変数 {env_name}")
            values[name] = _coerce(name, env[env_name], origin[name])
    for key, raw in (overrides or {}).items():
        if key not in known:
            raise ConfigError(
                f'unknown setting "{key}"; known: {sorted(known)}',
                message_ja=f"設定「{key}」はありません（tsunagu config で一覧）",
            )
        if raw is not None:
            origin[key] = ("option", "オプション")
            values[key] = _coerce(key, raw, origin[key])
    try:
        return _given(Settings(**values), set(values))
    except ConfigError as exc:
        where = origin.get(exc.setting or "")
        if where is None:
            raise
        raise ConfigError(
            f"{exc.message_en} (set in {where[0]})", message_ja=f"{exc.message_ja}（{where[1]}）"
        ) from None


def _read_config_file(path: Path) -> dict[str, Any]:
    """The settings file as a mapping, or a ConfigError naming it."""
    if not path.is_file():
        raise ConfigError(
            f"config file not found: {path}",
            message_ja=f"設定ファイルが見つかりません: {path}",
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"{path}: cannot be read as UTF-8 YAML: {exc}",
            message_ja=f"{path} を UTF-8 の YAML として読めません: {exc}",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: must be a YAML mapping (setting: value lines)",
            message_ja=f"{path} は「設定名: 値」の形の YAML で書いてください",
        )
    return data
