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
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tsunagu import __version__
from tsunagu.catalogue.base import (
    DatasetRecord,
    PublishRequest,
    PublishResult,
    ResourceFile,
    SearchPage,
    VersionRecord,
    resource_diff,
)
from tsunagu.catalogue.ckan_mapping import (
    extras_of,
    meta_digest,
    meta_from_package,
    package_fields,
    resource_record,
)
from tsunagu.catalogue.retry import RetryPolicy
from tsunagu.config import Settings
from tsunagu.errors import (
    CatalogueConflict,
    CatalogueError,
    CatalogueUnavailable,
    ConfigError,
    DatasetNotFound,
    PermissionDenied,
    PublishError,
    TsunaguError,
)

_STATUS = re.compile(r"""['"], (\d{3}), ['"]""")


def _translate(exc: Exception, action: str) -> TsunaguError:
    """One place where ckanapi's and requests' exceptions become ours."""
    import ckanapi
    import requests

    if isinstance(exc, ckanapi.NotFound):
        return DatasetNotFound(
            f"CKAN {action}: not found", message_ja=f"CKAN {action}: 見つかりません"
        )
    if isinstance(exc, ckanapi.NotAuthorized):
        return PermissionDenied(
            f"CKAN {action}: not authorised", message_ja=f"CKAN {action}: 権限がありません"
        )
    if isinstance(exc, ckanapi.ValidationError):
        fields = {k: v for k, v in (exc.error_dict or {}).items() if k != "__type"}
        listing = "; ".join(f"{k}: {v}" for k, v in fields.items())
        return CatalogueConflict(
            f"CKAN {action} refused the data: {listing}",
            message_ja=f"CKAN {action} がデータを受け付けません: {listing}",
        )
    if isinstance(exc, ckanapi.SearchIndexError | requests.Timeout | requests.ConnectionError):
        return CatalogueUnavailable(
            f"CKAN {action}: {exc.__class__.__name__}",
            message_ja=f"CKAN {action} に接続できません",
            detail=str(exc),
        )
    status = _STATUS.search(str(exc))
    code = int(status.group(1)) if status else 0
    if code >= 500 or code == 429:
        return CatalogueUnavailable(
            f"CKAN {action}: HTTP {code}", message_ja=f"CKAN {action}: HTTP {code}"
        )
    return CatalogueError(f"CKAN {action}: {str(exc)[:300]}", detail=str(exc))


class CkanCatalogue:
    name = "ckan"

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        import ckanapi

        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._ckan = ckanapi.RemoteCKAN(self.url, apikey=token, user_agent=f"tsunagu/{__version__}")

    def __repr__(self) -> str:  # never the token
        return f"CkanCatalogue({self.url!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> CkanCatalogue:
        if not settings.ckan_url:
            raise ConfigError(
                "catalogue=ckan needs TSUNAGU_CKAN_URL",
                message_ja="CKAN を使うには TSUNAGU_CKAN_URL を設定してください",
            )
        return cls(settings.ckan_url, settings.ckan_token, timeout=settings.ckan_timeout)

    # -- transport -----------------------------------------------------------------------
    def _call(self, action: str, files: dict[str, Any] | None = None, **data: Any) -> Any:
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

    def _show(self, dataset_id: str) -> dict[str, Any] | None:
        try:
            return self._retried("package_show", id=dataset_id)
        except DatasetNotFound:
            return None

    # -- writing -------------------------------------------------------------------------
    def check(self) -> None:
        """Reachable, and the token may create datasets (a bad token is silently anonymous)."""
        self._retried("status_show")
        try:
            self._call("package_create")  # empty: authorisation is checked before validation
        except PermissionDenied as exc:
            raise PermissionDenied(
                f"the CKAN token at {self.url} is missing or not accepted"
                " (CKAN treats a bad token as anonymous)",
                message_ja=f"{self.url} の CKAN トークンが未設定か無効です"
                "（CKAN は無効なトークンを匿名扱いにします）",
            ) from exc
        except CatalogueConflict:
            return  # validation error: we are allowed, the empty dict was just not a dataset

    def publish(self, request: PublishRequest, *, dry_run: bool = False) -> PublishResult:
        meta = request.meta
        package = self._show(meta.id)
        if package is not None and package.get("state") == "deleted":
            self._discard(package["id"])
            package = None
        current = {
            r["tsunagu_key"]: r
            for r in (package or {}).get("resources", [])
            if r.get("tsunagu_key")
        }
        changes = resource_diff(
            {k: r.get("hash", "") for k, r in current.items()},
            {r.key: r.sha256 for r in request.resources},
        )
        meta_changed = package is None or extras_of(package).get(
            "tsunagu_meta_sha256"
        ) != meta_digest(meta)
        moving = sum(c.action in ("create", "update") for c in changes)
        if package is None:
            action = "create"
        elif meta_changed or any(c.action != "unchanged" for c in changes):
            action = "update"
        else:
            action = "unchanged"
        result = PublishResult(meta.id, action, changes, meta_changed, moving, None, dry_run)
        if dry_run or action == "unchanged":
            return result
        self._ensure_organisation(request)
        if package is None:
            self._create(request)
        else:
            self._update(request, package, current, changes, meta_changed)
        return result

    def _ensure_organisation(self, request: PublishRequest) -> None:
        meta = request.meta
        try:
            self._retried("organization_show", id=meta.organisation)
        except DatasetNotFound:
            try:
                self.retry.call(lambda: self._upsert_org(request))
            except PermissionDenied as exc:
                raise self._denied(meta.organisation) from exc

    def _upsert_org(self, request: PublishRequest) -> None:
        meta = request.meta
        try:
            self._call(
                "organization_create",
                name=meta.organisation,
                title=meta.organisation_title_ja,
                description=meta.organisation_title_en,
            )
        except CatalogueConflict:
            self._call("organization_show", id=meta.organisation)  # created by a dropped attempt

    def _denied(self, organisation: str) -> PermissionDenied:
        return PermissionDenied(
            f'the CKAN token cannot write to organisation "{organisation}";'
            " make its user an editor there",
            message_ja=f"CKAN トークンでは組織「{organisation}」に書き込めません。"
            "利用者をその組織の編集者にしてください",
        )

    def _guarded(self, organisation: str, step: Callable[[], Any]) -> Any:
        try:
            return self.retry.call(step)
        except PermissionDenied as exc:
            raise self._denied(organisation) from exc

    def _create(self, request: PublishRequest) -> None:
        meta = request.meta
        fields = package_fields(meta)

        def show_or_create() -> dict[str, Any]:
            found = self._show(meta.id)
            return (
                found if found is not None else self._call("package_create", private=True, **fields)
            )

        package = self._guarded(meta.organisation, show_or_create)
        try:
            for res in request.resources:
                self.retry.call(lambda res=res: self._put_resource(package["id"], res))
            self._verify(package["id"], request)
            self._guarded(
                meta.organisation,
                lambda: self._call("package_patch", id=package["id"], private=False),
            )
        except TsunaguError:
            self._discard(package["id"])
            raise

    def _update(
        self,
        request: PublishRequest,
        package: dict[str, Any],
        current: dict[str, Any],
        changes: Any,
        meta_changed: bool,
    ) -> None:
        by_key = {r.key: r for r in request.resources}
        done: list[tuple[str, dict[str, Any] | None, Path | None]] = []
        with tempfile.TemporaryDirectory(prefix="tsunagu-ckan-") as backup_dir:
            try:
                for change in changes:
                    if change.action not in ("create", "update"):
                        continue
                    old = current.get(change.key)
                    backup = self._download(old, Path(backup_dir)) if old else None
                    self.retry.call(
                        lambda key=change.key: self._put_resource(package["id"], by_key[key])
                    )
                    done.append((change.key, old, backup))
                if meta_changed:
                    fields = package_fields(request.meta)
                    self._guarded(
                        request.meta.organisation,
                        lambda: self._call("package_patch", id=package["id"], **fields),
                    )
            except TsunaguError as exc:
                self._restore(package["id"], done)
                raise PublishError(
                    f"publishing {request.meta.id} failed and was rolled back: {exc}",
                    message_ja=f"{request.meta.id} の公開に失敗し戻しました: {exc.message_ja}",
                    code=exc.code,
                ) from exc
        for change in changes:
            if change.action == "remove":
                self._retried("resource_delete", id=current[change.key]["id"])

    def _put_resource(self, package_id: str, res: ResourceFile) -> dict[str, Any]:
        """Upsert by resource key, so a retry after a dropped response never duplicates."""
        package = self._call("package_show", id=package_id)
        existing = next((r for r in package["resources"] if r.get("tsunagu_key") == res.key), None)
        if existing is not None and existing.get("hash") == res.sha256:
            return existing
        fields = {
            "name": res.name,
            "format": res.format,
            "mimetype": res.mediatype,
            "hash": res.sha256,
            "size": res.size,
            "tsunagu_key": res.key,
            "description": res.description,
        }
        with res.path.open("rb") as fh:
            if existing is not None:
                return self._call(
                    "resource_patch", files={"upload": (res.name, fh)}, id=existing["id"], **fields
                )
            return self._call(
                "resource_create", files={"upload": (res.name, fh)}, package_id=package_id, **fields
            )

    def _verify(self, package_id: str, request: PublishRequest) -> None:
        package = self._retried("package_show", id=package_id)
        have = {r.get("tsunagu_key"): r.get("hash") for r in package["resources"]}
        missing = [r.key for r in request.resources if have.get(r.key) != r.sha256]
        if missing:
            raise PublishError(f"CKAN is missing resources after upload: {missing}")

    def _download(self, resource: dict[str, Any], directory: Path) -> Path:
        target = directory / resource["id"]
        headers = {"Authorization": self._token} if self._token else {}

        def fetch() -> Path:
            import requests

            try:
                with self._ckan.session.get(
                    resource["url"], headers=headers, timeout=self.timeout, stream=True
                ) as response:
                    response.raise_for_status()
                    with target.open("wb") as out:
                        for chunk in response.iter_content(1 << 20):
                            out.write(chunk)
            except requests.RequestException as exc:
                raise _translate(exc, "download") from exc
            return target

        if self._ckan.session is None:
            import requests

            self._ckan.session = requests.Session()
        return self.retry.call(fetch)

    def _restore(
        self, package_id: str, done: list[tuple[str, dict[str, Any] | None, Path | None]]
    ) -> None:
        for key, old, backup in reversed(done):
            try:
                if old is None:
                    package = self._retried("package_show", id=package_id)
                    for r in package["resources"]:
                        if r.get("tsunagu_key") == key:
                            self._retried("resource_delete", id=r["id"])
                elif backup is not None:
                    previous = ResourceFile(
                        key,
                        backup,
                        old.get("name") or key,
                        old.get("format") or "",
                        old.get("mimetype") or "",
                        old.get("hash") or "",
                        backup.stat().st_size,
                    )
                    self.retry.call(lambda p=previous: self._put_resource(package_id, p))
            except TsunaguError:
                continue  # best effort; the error that caused the rollback is what gets raised

    def _discard(self, package_id: str) -> None:
        for action in ("dataset_purge", "package_delete"):
            try:
                self._retried(action, id=package_id)
                return
            except (PermissionDenied, CatalogueError):
                continue

    def delete_dataset(self, dataset_id: str, *, actor: str = "cli") -> None:
        package = self._show(dataset_id)
        if package is None:
            raise DatasetNotFound(f"dataset {dataset_id!r} not found")
        self._discard(package["id"])

    # -- reading -------------------------------------------------------------------------
    def get_dataset(self, dataset_id: str) -> DatasetRecord:
        package = self._show(dataset_id)
        if package is None or package.get("state") == "deleted":
            raise DatasetNotFound(
                f"dataset {dataset_id!r} not found",
                message_ja=f"データセット「{dataset_id}」はありません",
            )
        return _record(package)

    def search(
        self, q: str = "", filters: dict[str, str] | None = None, *, start: int = 0, rows: int = 20
    ) -> SearchPage:
        fq = " ".join(
            f'{"extras_standard" if k == "standard" else k}:"{v}"'
            for k, v in (filters or {}).items()
        )
        result = self._retried(
            "package_search",
            q=q or "*:*",
            fq=fq,
            start=start,
            rows=rows,
            **{"facet.field": ["organization", "tags", "res_format"]},
        )
        facets = {name: dict(values) for name, values in (result.get("facets") or {}).items()}
        return SearchPage(tuple(_record(p) for p in result["results"]), result["count"], facets)

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


def _record(package: dict[str, Any]) -> DatasetRecord:
    return DatasetRecord(
        meta=meta_from_package(package),
        resources=tuple(resource_record(r) for r in package.get("resources") or []),
        created=package.get("metadata_created", ""),
        modified=package.get("metadata_modified", ""),
        private=bool(package.get("private")),
    )
