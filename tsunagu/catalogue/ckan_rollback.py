"""Undo journal for updating an existing CKAN dataset: back up, change, and put back on failure.

CKAN has no transactions across API calls, so an update that fails half-way would leave readers
a mix of old and new files. Before each resource is touched, the journal records what it was
(and keeps a downloaded copy of its file); on failure :meth:`UpdateJournal.restore` replays the
entries backwards, so the dataset ends with its previous files, hashes and resource ids. An
entry is written *before* the change is attempted, because a change whose response was lost
("committed, then the connection dropped") may still have happened on the server.

:class:`AtomicWrites` holds the two all-or-nothing write paths of
:class:`~tsunagu.catalogue.ckan.CkanCatalogue` (create: private staging → fill → verify →
public; update: journal → replace → restore on failure). The transport (requests, retries,
error mapping) stays in ``ckan.py``, the only module that imports ckanapi.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from tsunagu.catalogue import ckan_datastore as datastore
from tsunagu.catalogue.base import PublishRequest, ResourceFile, is_tabular
from tsunagu.catalogue.ckan_mapping import is_staging, package_fields
from tsunagu.catalogue.retry import RetryPolicy
from tsunagu.errors import (
    CatalogueConflict,
    DatasetNotFound,
    PermissionDenied,
    PublishError,
    TsunaguError,
)

CHUNK = 1 << 20


class Response(Protocol):
    def raise_for_status(self) -> None: ...

    def iter_content(self, chunk_size: int) -> Iterator[bytes]: ...


Fetch = Callable[[str], AbstractContextManager[Response]]


@dataclass(frozen=True)
class Undo:
    """One resource change to reverse: ``old`` is None when the resource was new."""

    key: str
    old: dict[str, Any] | None
    backup: Path | None

    def previous_file(self) -> ResourceFile | None:
        """The resource as it was, ready to be uploaded again (None for a new resource)."""
        if self.old is None or self.backup is None:
            return None
        return ResourceFile(
            self.key,
            self.backup,
            self.old.get("name") or self.key,
            self.old.get("format") or "",
            self.old.get("mimetype") or "",
            self.old.get("hash") or "",
            self.backup.stat().st_size,
            self.old.get("description") or "",
        )


def download(fetch: Fetch, resource: dict[str, Any], directory: Path) -> Path:
    """Copy a resource's current file to ``directory`` (streamed; bounded memory)."""
    target = directory / resource["id"]
    with fetch(resource["url"]) as response:
        response.raise_for_status()
        with target.open("wb") as out:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
    return target


class UpdateJournal:
    """What an update changed so far, in order, and how to put it back."""

    def __init__(self) -> None:
        self.entries: list[Undo] = []

    def before(self, key: str, old: dict[str, Any] | None, backup: Path | None) -> None:
        self.entries.append(Undo(key, old, backup))

    def restore(
        self,
        put: Callable[[ResourceFile], Any],
        delete_key: Callable[[str], None],
    ) -> list[str]:
        """Reverse every entry, newest first; returns the keys that could not be restored.

        Best effort by design: the error that caused the rollback is the one worth raising, and
        one resource that cannot be put back must not stop the others from being restored.
        """
        failed = []
        for undo in reversed(self.entries):
            previous = undo.previous_file()
            try:
                if undo.old is None:
                    delete_key(undo.key)
                elif previous is not None:
                    put(previous)
            except TsunaguError:
                failed.append(undo.key)
        return failed


class AtomicWrites:
    """The write paths of CkanCatalogue; the transport methods it uses are declared here and
    implemented there (one request each: ``_call``; upsert by key: ``_put_resource``)."""

    retry: RetryPolicy
    _call: Callable[..., Any]
    _retried: Callable[..., Any]
    _show_once: Callable[[str], dict[str, Any] | None]
    _gone_ok: Callable[..., None]
    _put_resource: Callable[[str, ResourceFile], dict[str, Any]]
    _backup: Callable[[dict[str, Any], Path], Path]
    _datastore_on: Callable[[], bool]

    def _put_filled(
        self, package_id: str, res: ResourceFile, schema: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Upload (upsert by key), then, for a tabular file, replace its DataStore table, so
        CKAN's Data API serves the same rows as the file; each step retried on its own."""
        resource = self.retry.call(lambda: self._put_resource(package_id, res))
        if is_tabular(res) and self._datastore_on():
            self.retry.call(
                lambda: datastore.fill(
                    self._call, resource["id"], res.path, schema or res.table_schema
                )
            )
        return resource

    def _purge_or_revive(
        self, package: dict[str, Any], request: PublishRequest
    ) -> dict[str, Any] | None:
        """A deleted dataset still holds its name: purge it, or (without the right to purge)
        bring it back as a private staging dataset that this publish then fills."""
        try:
            self.retry.call(lambda: self._gone_ok("dataset_purge", id=package["id"]))
            return None
        except PermissionDenied:
            fields = package_fields(request.meta, staging=True)
            return self._guarded(
                request.meta.organisation,
                lambda: self._call(
                    "package_patch", id=package["id"], state="active", private=True, **fields
                ),
            )

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

    def _remove(self, package_id: str) -> None:
        """Purge (no trace, the name is free again); without that right, delete (state=deleted,
        which the next publish revives)."""
        try:
            self.retry.call(lambda: self._gone_ok("dataset_purge", id=package_id))
        except PermissionDenied:
            self.retry.call(lambda: self._gone_ok("package_delete", id=package_id))

    def _create(self, request: PublishRequest, package: dict[str, Any] | None) -> None:
        """Private staging dataset → every resource → verify → public in one patch.

        ``package`` is a staging dataset left by an earlier attempt (resumed, not duplicated).
        """
        meta = request.meta

        def show_or_create() -> dict[str, Any]:
            found = self._show_once(meta.id)
            if found is not None and is_staging(found):
                return found  # our own earlier attempt, whose reply was lost: resume it
            if found is not None:  # published meanwhile by someone else: never overwrite it
                raise CatalogueConflict(
                    f"dataset {meta.id} was published by another run meanwhile; publish again",
                    message_ja=f"{meta.id} は別の公開処理で公開されました。"
                    "もう一度公開してください",
                )
            return self._call("package_create", private=True, **package_fields(meta, staging=True))

        if package is None:
            package = self._guarded(meta.organisation, show_or_create)
        package_id = package["id"]
        try:
            for res in request.resources:
                self._put_filled(package_id, res)
            self._remove_stale(package_id, request, ours_only=False)
            self._verify(package_id, request)
            fields = package_fields(meta)
            self._guarded(
                meta.organisation,
                lambda: self._call("package_patch", id=package_id, private=False, **fields),
            )
        except TsunaguError:
            self._discard(package_id)
            raise

    def _update(
        self,
        request: PublishRequest,
        package: dict[str, Any],
        current: dict[str, Any],
        changes: Any,
        meta_changed: bool,
        unfilled: tuple[str, ...] = (),
    ) -> None:
        """Replace the changed files (and their DataStore tables), fill the DataStore of the
        unchanged tabular files that have none yet (``unfilled``), patch the metadata; on a
        failure put every replaced file and table back."""
        by_key = {r.key: r for r in request.resources}
        package_id = package["id"]
        journal = UpdateJournal()
        filling = ""  # the unchanged file whose DataStore table is being filled, if any
        with tempfile.TemporaryDirectory(prefix="tsunagu-ckan-") as backup_dir:
            try:
                for change in changes:
                    if change.action not in ("create", "update"):
                        continue
                    old = current.get(change.key)
                    backup = self._backup(old, Path(backup_dir)) if old else None
                    journal.before(change.key, old, backup)  # before: a lost reply may have landed
                    self._put_filled(package_id, by_key[change.key])
                for key in unfilled:
                    filling = current[key]["id"]
                    res = by_key[key]
                    self.retry.call(
                        partial(datastore.fill, self._call, filling, res.path, res.table_schema)
                    )
                    filling = ""
                if meta_changed:
                    fields = package_fields(request.meta)
                    self._guarded(
                        request.meta.organisation,
                        lambda: self._call("package_patch", id=package_id, **fields),
                    )
            except TsunaguError as exc:
                if unfilled and filling:  # a half-filled table of an unchanged file: drop it
                    with contextlib.suppress(TsunaguError):
                        datastore.drop_table(self._call, filling)
                failed = journal.restore(
                    put=lambda f: self._put_filled(
                        package_id, f, by_key[f.key].table_schema if f.key in by_key else None
                    ),
                    delete_key=lambda k: self.retry.call(lambda: self._delete_key(package_id, k)),
                )
                raise _rolled_back(request.meta.id, exc, failed) from exc
        self._remove_stale(package_id, request, ours_only=True)

    def _delete_key(self, package_id: str, key: str) -> None:
        package = self._call("package_show", id=package_id)
        for resource in package["resources"]:
            if resource.get("tsunagu_key") == key:
                self._gone_ok("resource_delete", id=resource["id"])

    def _remove_stale(self, package_id: str, request: PublishRequest, *, ours_only: bool) -> None:
        """Delete resources the request no longer has, and duplicates of a key (keep the first).

        ``ours_only`` spares resources a person added by hand (no ``tsunagu_key``) to a published
        dataset; a staging dataset is entirely ours, so everything stale goes.
        """
        wanted = {r.key for r in request.resources}
        package = self._retried("package_show", id=package_id)
        seen: set[str] = set()
        for resource in package["resources"]:
            key = resource.get("tsunagu_key") or ""
            if ours_only and not key:
                continue
            if key in wanted and key not in seen:
                seen.add(key)
                continue
            self.retry.call(partial(self._gone_ok, "resource_delete", id=resource["id"]))

    def _verify(self, package_id: str, request: PublishRequest) -> None:
        package = self._retried("package_show", id=package_id)
        have = {r.get("tsunagu_key"): r.get("hash") for r in package["resources"]}
        missing = [r.key for r in request.resources if have.get(r.key) != r.sha256]
        if missing or len(package["resources"]) != len(request.resources):
            raise PublishError(
                f"CKAN does not hold exactly the uploaded resources (missing: {missing})",
                message_ja="CKAN のリソースがアップロードした内容と一致しません"
                f"（不足: {missing}）",
            )

    def _discard(self, package_id: str) -> None:
        """Cleanup after a failed create: best effort, the original error is the one raised.
        If even this fails the dataset stays private and marked staging, so it is never public
        and the next publish resumes it."""
        with contextlib.suppress(TsunaguError):
            self._remove(package_id)


def _rolled_back(dataset_id: str, exc: TsunaguError, failed: list[str]) -> PublishError:
    note_en = f" (could not restore: {', '.join(failed)})" if failed else ""
    note_ja = f"（戻せなかったリソース: {', '.join(failed)}）" if failed else ""
    return PublishError(
        f"publishing {dataset_id} failed and was rolled back{note_en}: {exc.message_en}",
        message_ja=f"{dataset_id} の公開に失敗し、元に戻しました{note_ja}: {exc.message_ja}",
        code=exc.code,
        detail=exc.detail,
    )
