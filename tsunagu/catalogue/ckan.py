"""CKAN through ckanapi — the only module that imports it (house style §3.2 b).

ckanapi has no timeout, no retry and leaks raw ``requests`` exceptions (measured in
../shared/quality/security-and-bad-inputs.md §2.6), so every call here passes an explicit
timeout, goes through :func:`_translate` into the CatalogueError family, and is retried by
:class:`~tsunagu.catalogue.retry.RetryPolicy` only when it is transient. Every write step is
an upsert keyed by name or resource key, so a retry after "committed, then the connection
dropped" finds the first attempt's work instead of duplicating it.

Atomicity: a new dataset is created private, filled, verified, and only then made public; if
anything fails it is purged. An existing dataset's changed files are backed up before each
replacement and restored if a later step fails, so readers keep the previous complete version.
Every tabular file also fills its DataStore table (:mod:`~tsunagu.catalogue.ckan_datastore`), in
the same all-or-nothing steps.

Reading: besides the metadata, the web app needs the files themselves (rows, features, OGC,
downloads); :meth:`CkanCatalogue.open_file` hands them out from a local cache keyed by the
resource's sha256 (:mod:`~tsunagu.catalogue.ckan_files`).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tsunagu import __version__
from tsunagu.catalogue.base import (
    KINDS,
    Action,
    DatasetRecord,
    PublishRequest,
    PublishResult,
    ResourceFile,
    SearchPage,
    VersionRecord,
    is_tabular,
    resource_diff,
)
from tsunagu.catalogue.ckan_files import FileCache
from tsunagu.catalogue.ckan_mapping import (
    extras_of,
    is_staging,
    kind_filter,
    meta_digest,
    meta_from_package,
    resource_fields,
    resource_record,
    solr_phrase,
)
from tsunagu.catalogue.ckan_rollback import AtomicWrites, download
from tsunagu.catalogue.retry import RetryPolicy
from tsunagu.config import Settings
from tsunagu.errors import (
    CatalogueConflict,
    CatalogueError,
    CatalogueUnavailable,
    ConfigError,
    DatasetNotFound,
    PermissionDenied,
    TsunaguError,
)

_STATUS = re.compile(r"""['"], (\d{3}), ['"]""")


def _status_of(exc: Exception) -> int:
    """HTTP status of a failed call: from the response, or from ckanapi's ``repr([url, status,
    body])`` message (its generic errors carry nothing else)."""
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return int(response.status_code)
    match = _STATUS.search(str(exc))
    return int(match.group(1)) if match else 0


def _field_errors(exc: Any) -> str:
    fields = {k: v for k, v in (getattr(exc, "error_dict", None) or {}).items() if k != "__type"}
    return "; ".join(
        f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in fields.items()
    )


def _translate(exc: Exception, action: str) -> TsunaguError:
    """One place where ckanapi's and requests' exceptions become ours.

    Transient (retried): timeouts, dropped connections, Solr down, 5xx, 408, 429. Everything
    else is an answer that asking again cannot change.
    """
    import ckanapi
    import requests

    if isinstance(exc, ckanapi.NotFound):
        return DatasetNotFound(
            f"CKAN {action}: not found", message_ja=f"CKAN {action}: 見つかりません"
        )
    if isinstance(exc, ckanapi.NotAuthorized):
        return PermissionDenied(
            f"CKAN {action}: not authorised",
            message_ja=f"CKAN {action}: 権限がありません",
            detail=str(exc),
        )
    if isinstance(exc, ckanapi.ValidationError):
        listing = _field_errors(exc)
        return CatalogueConflict(
            f"CKAN {action} refused the data: {listing}",
            message_ja=f"CKAN {action} がデータを受け付けません: {listing}",
        )
    if isinstance(exc, ckanapi.SearchQueryError):
        return CatalogueError(
            f"CKAN {action}: the search query was refused: {exc}",
            message_ja=f"CKAN {action}: 検索条件が受け付けられません: {exc}",
            code="catalogue-query-invalid",
        )
    transient = (
        ckanapi.SearchIndexError,
        ckanapi.SearchError,
        requests.Timeout,
        requests.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
    )
    if isinstance(exc, transient):
        return CatalogueUnavailable(
            f"CKAN {action}: {exc.__class__.__name__}",
            message_ja=f"CKAN {action} に接続できません（{exc.__class__.__name__}）",
            detail=str(exc),
        )
    return _by_status(_status_of(exc), action, str(exc))


def _by_status(code: int, action: str, detail: str) -> TsunaguError:
    """Errors that ckanapi could not classify (HTML from a proxy, odd bodies): by HTTP status."""
    if code >= 500 or code in (408, 429):
        return CatalogueUnavailable(
            f"CKAN {action}: HTTP {code}", message_ja=f"CKAN {action}: HTTP {code}", detail=detail
        )
    if code in (401, 403):
        return PermissionDenied(
            f"CKAN {action}: HTTP {code}, not authorised",
            message_ja=f"CKAN {action}: HTTP {code} 権限がありません",
            detail=detail,
        )
    if code == 404:
        return DatasetNotFound(f"CKAN {action}: HTTP 404", detail=detail)
    if code == 413:
        return CatalogueError(
            f"CKAN {action}: the file is larger than CKAN accepts (ckan.max_resource_size)",
            message_ja=f"CKAN {action}: ファイルが CKAN の上限"
            "（ckan.max_resource_size）を超えています",
            code="catalogue-file-too-large",
            detail=detail,
        )
    if code == 409:
        return CatalogueConflict(f"CKAN {action}: HTTP 409", detail=detail)
    return CatalogueError(f"CKAN {action}: HTTP {code or '?'}: {detail[:200]}", detail=detail)


class CkanCatalogue(AtomicWrites):
    name = "ckan"

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        import ckanapi

        self.url = url.rstrip("/")
        self._token = token.strip() if token else None  # a token file's newline breaks headers
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._datastore: bool | None = None
        self.files = FileCache(cache_dir or Path(tempfile.gettempdir()) / "tsunagu-ckan-files")
        self._ckan = ckanapi.RemoteCKAN(
            self.url, apikey=self._token, user_agent=f"tsunagu/{__version__}"
        )

    def __repr__(self) -> str:  # never the token
        return f"CkanCatalogue({self.url!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> CkanCatalogue:
        if not settings.ckan_url:
            raise ConfigError(
                "catalogue=ckan needs TSUNAGU_CKAN_URL",
                message_ja="CKAN を使うには TSUNAGU_CKAN_URL を設定してください",
            )
        return cls(
            settings.ckan_url,
            settings.ckan_token,
            timeout=settings.ckan_timeout,
            cache_dir=Path(settings.data_dir) / "cache" / "ckan-files",
        )

    # -- transport -----------------------------------------------------------------------
    def _call(self, action: str, files: dict[str, Any] | None = None, **data: Any) -> Any:
        """One request, no retry (callers decide what is safe to repeat)."""
        import ckanapi
        import requests

        try:
            return self._ckan.call_action(
                action, data, files=files, requests_kwargs={"timeout": self.timeout}
            )
        except (
            ckanapi.CKANAPIError,
            ckanapi.ServerIncompatibleError,
            requests.RequestException,
        ) as exc:
            raise _translate(exc, action) from exc

    def _retried(self, action: str, **data: Any) -> Any:
        return self.retry.call(lambda: self._call(action, **data))

    def _show_once(self, dataset_id: str) -> dict[str, Any] | None:
        try:
            return self._call("package_show", id=dataset_id)
        except DatasetNotFound:
            return None

    def _show(self, dataset_id: str) -> dict[str, Any] | None:
        return self.retry.call(lambda: self._show_once(dataset_id))

    def _gone_ok(self, action: str, **data: Any) -> None:
        """A delete whose retry finds nothing left: the first attempt did it."""
        try:
            self._call(action, **data)
        except DatasetNotFound:
            return

    def _datastore_on(self) -> bool:
        """Whether this CKAN runs the DataStore plugin (asked once: ``status_show``)."""
        if self._datastore is None:
            status = self._retried("status_show")
            self._datastore = "datastore" in (status.get("extensions") or [])
        return self._datastore

    # -- writing -------------------------------------------------------------------------
    def check(self) -> None:
        """Reachable, and the token names a user (CKAN silently treats a bad token as anonymous).

        Read-only on purpose (``user_show`` of the caller), so a bad token is caught before a
        single write request is sent.
        """
        self._retried("status_show")
        try:
            self._retried("user_show")
        except (PermissionDenied, DatasetNotFound) as exc:
            raise PermissionDenied(
                f"the CKAN token at {self.url} is missing or not accepted"
                " (CKAN treats a bad token as anonymous)",
                message_ja=f"{self.url} の CKAN トークンが未設定か無効です"
                "（CKAN は無効なトークンを匿名扱いにします）",
            ) from exc

    def publish(self, request: PublishRequest, *, dry_run: bool = False) -> PublishResult:
        meta = request.meta
        package = self._show(meta.id)
        if package is not None and package.get("state") == "deleted":
            package = None if dry_run else self._purge_or_revive(package, request)
        staging = package is not None and is_staging(package)
        current = _by_key(package)
        changes = resource_diff(
            {k: r.get("hash", "") for k, r in current.items()},
            {r.key: r.sha256 for r in request.resources},
        )
        extras = extras_of(package or {})
        # a package published before the kind extra existed gets it (a metadata-only patch)
        meta_changed = package is None or (
            extras.get("tsunagu_meta_sha256"),
            extras.get("kind"),
        ) != (
            meta_digest(meta),
            meta.kind,
        )
        moving = sum(c.action in ("create", "update") for c in changes)
        unfilled = _unfilled(current, request, changes, self._datastore_on())
        action: Action
        if package is None or staging:
            action = "create"
        elif meta_changed or unfilled or any(c.action != "unchanged" for c in changes):
            action = "update"
        else:
            action = "unchanged"
        result = PublishResult(meta.id, action, changes, meta_changed, moving, None, dry_run)
        if dry_run or action == "unchanged":
            return result
        self._ensure_organisation(request)
        if action == "create":
            self._create(request, package)
        else:
            self._update(request, package or {}, current, changes, meta_changed, unfilled)
        return result

    def _put_resource(self, package_id: str, res: ResourceFile) -> dict[str, Any]:
        """Upsert by resource key, so a retry after a dropped response never duplicates."""
        package = self._call("package_show", id=package_id)
        existing = next((r for r in package["resources"] if r.get("tsunagu_key") == res.key), None)
        if existing is not None and existing.get("hash") == res.sha256:
            return existing
        fields = resource_fields(res)
        with res.path.open("rb") as fh:
            if existing is not None:
                return self._call(
                    "resource_patch", files={"upload": (res.name, fh)}, id=existing["id"], **fields
                )
            return self._call(
                "resource_create", files={"upload": (res.name, fh)}, package_id=package_id, **fields
            )

    def _backup(self, resource: dict[str, Any], directory: Path) -> Path:
        import requests

        def attempt() -> Path:
            try:
                return download(self._fetch, resource, directory)
            except requests.RequestException as exc:
                raise _translate(exc, "download") from exc

        return self.retry.call(attempt)

    def _fetch(self, url: str) -> Any:
        """GET a file; the token goes only to this CKAN's own origin, never to another host."""
        import requests

        if self._ckan.session is None:
            self._ckan.session = requests.Session()
        same_origin = urlsplit(url)[:2] == urlsplit(self.url)[:2]
        headers = {"Authorization": self._token} if self._token and same_origin else {}
        return self._ckan.session.get(url, headers=headers, timeout=self.timeout, stream=True)

    def delete_dataset(self, dataset_id: str, *, actor: str = "cli") -> None:
        package = self._show(dataset_id)
        if package is None or package.get("state") == "deleted":
            raise DatasetNotFound(
                f"dataset {dataset_id!r} not found",
                message_ja=f"データセット「{dataset_id}」はありません",
            )
        self._remove(package["id"])

    # -- reading -------------------------------------------------------------------------
    def get_dataset(self, dataset_id: str) -> DatasetRecord:
        """A deleted dataset, or one still being filled (staging), does not exist for readers."""
        package = self._show(dataset_id)
        if package is None or package.get("state") == "deleted" or is_staging(package):
            raise DatasetNotFound(
                f"dataset {dataset_id!r} not found",
                message_ja=f"データセット「{dataset_id}」はありません",
            )
        return _record(package)

    def search(
        self, q: str = "", filters: dict[str, str] | None = None, *, start: int = 0, rows: int = 20
    ) -> SearchPage:
        fq = " ".join(_filter(k, v) for k, v in (filters or {}).items())
        result = self._retried(
            "package_search",
            q=q or "*:*",
            fq=fq,
            start=start,
            rows=rows,
            **{"facet.field": ["organization", "tags", "res_format"]},
        )
        facets = {name: dict(values) for name, values in (result.get("facets") or {}).items()}
        facets["kind"] = self._kind_counts(q, fq)
        return SearchPage(tuple(_record(p) for p in result["results"]), result["count"], facets)

    def _kind_counts(self, q: str, fq: str) -> dict[str, int]:
        """The 種類 facet: one count per kind (``rows=0``), since CKAN tokenises extras."""
        counts = {}
        for kind in KINDS:
            found = self._retried(
                "package_search", q=q or "*:*", fq=f"{fq} +{kind_filter(kind)}".strip(), rows=0
            )
            if found["count"]:
                counts[kind] = found["count"]
        return counts

    def open_file(
        self, dataset_id: str, key: str, version: int | None = None
    ) -> tuple[Path, dict[str, Any]]:
        """The resource's file, downloaded once into the cache under its sha256 (CKAN keeps only
        the current file: that is version 1, the only one :meth:`list_versions` names)."""
        package = self._show(dataset_id)
        found = None
        if package is not None and package.get("state") != "deleted" and not is_staging(package):
            found = _by_key(package).get(key) or next(
                (r for r in package.get("resources") or [] if r["id"] == key), None
            )
        if found is None or version not in (None, 1):
            raise DatasetNotFound(
                f"no file {key!r} in dataset {dataset_id} version {version or 'latest'}",
                message_ja=f"データセット「{dataset_id}」にファイル「{key}」はありません",
                code="resource-not-found",
            )
        record = resource_record(found)
        path, sha256 = self.files.get(found, lambda target: self._download_to(found, target))
        info = {
            "sha256": sha256,
            "size": path.stat().st_size,
            "name": record.name or path.name,
            "format": record.format,
            "mediatype": record.mediatype or "application/octet-stream",
        }
        return path, info

    def _download_to(self, resource: dict[str, Any], target: Path) -> None:
        import requests

        def attempt() -> None:
            try:
                with self._fetch(resource["url"]) as response:
                    response.raise_for_status()
                    with target.open("wb") as out:
                        for chunk in response.iter_content(1 << 20):
                            out.write(chunk)
            except requests.RequestException as exc:
                raise _translate(exc, "download") from exc

        self.retry.call(attempt)

    def release_connections(self) -> None:
        """Close the HTTP session (its pooled sockets must not be shared across a fork)."""
        if self._ckan.session is not None:
            self._ckan.session.close()
            self._ckan.session = None

    def versions_of(self, dataset_ids: list[str]) -> dict[str, list[VersionRecord]]:
        """CKAN has no bulk read of packages by id: one ``package_show`` each."""
        return {dataset_id: self.list_versions(dataset_id) for dataset_id in dataset_ids}

    def list_versions(self, dataset_id: str) -> list[VersionRecord]:
        """CKAN keeps no file history of its own: the current state is the only version."""
        record = self.get_dataset(dataset_id)
        return [
            VersionRecord(1, record.modified, "", {r.key: r.sha256 for r in record.resources}, {})
        ]

    def resource_url(self, dataset_id: str, key: str, version: int | None = None) -> str:
        for resource in self.get_dataset(dataset_id).resources:
            if resource.key == key:
                return resource.url
        raise DatasetNotFound(
            f"dataset {dataset_id} has no resource {key!r}", code="resource-not-found"
        )


def _unfilled(
    current: dict[str, dict[str, Any]], request: PublishRequest, changes: Any, on: bool
) -> tuple[str, ...]:
    """Unchanged tabular files whose DataStore table is missing (published before the DataStore
    was on, or emptied by hand): an otherwise unchanged publish fills them."""
    if not on:
        return ()
    unchanged = {c.key for c in changes if c.action == "unchanged"}
    return tuple(
        r.key
        for r in request.resources
        if r.key in unchanged and is_tabular(r) and not current[r.key].get("datastore_active")
    )


def _by_key(package: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {
        r["tsunagu_key"]: r for r in (package or {}).get("resources", []) if r.get("tsunagu_key")
    }


def _filter(name: str, value: str) -> str:
    """One search filter as a required ``fq`` clause (filters combine with AND); standard and
    kind live in extras."""
    if name == "kind":
        return f"+{kind_filter(value)}"
    return f"+{'extras_standard' if name == 'standard' else name}:{solr_phrase(value)}"


def _record(package: dict[str, Any]) -> DatasetRecord:
    return DatasetRecord(
        meta=meta_from_package(package),
        resources=tuple(resource_record(r) for r in package.get("resources") or []),
        created=package.get("metadata_created", ""),
        modified=package.get("metadata_modified", ""),
        private=bool(package.get("private")),
    )
