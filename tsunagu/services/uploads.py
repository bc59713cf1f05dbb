"""Department uploads: store first, then run the CLI's pipeline, then publish on request.

No Flask here (house style §3.2e). The file is written under a server-generated id into a hidden
``.partial`` folder and renamed into ``uploads/<department>/<id>/`` only when complete, so a crash
never leaves half an upload that looks whole; the department's file name is metadata only
(OWASP; security doc §3 row 48), the stored name is ``source.<ext>`` from an allow-list, and the
first bytes must match the claimed format. A real ``dataset.yaml`` (department forced to the
signed-in one) sits next to it, so the same manifest checks and pipeline run as for
``datasets/``. ``status.json`` (written atomically) keeps the outcome across restarts. Publishing
holds a lock per dataset id: a publish asked for while one runs gets 409, a repeat the same result.

The request only stores and queues: validation, conversion and publishing run as background
jobs (:mod:`tsunagu.services.jobs`; :func:`process_job`, :func:`publish_job`), which write their
progress into ``status.json`` step by step, so the page can show it and survives a reload.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import yaml

from tsunagu.config import Settings
from tsunagu.errors import DatasetBusy, DatasetNotFound, PermissionDenied, TsunaguError
from tsunagu.publisher.batch import Outcome
from tsunagu.services import publishing
from tsunagu.services.jobs import JobQueue, owner_alive, worker_identity

log = logging.getLogger(__name__)
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")  # fullmatch: "$" accepts "id\n"
_KEPT = (".csv", ".xlsx", ".geojson", ".gpkg", ".zip", ".kml")
SUFFIXES = {**{s: s for s in _KEPT}, ".txt": ".csv", ".json": ".geojson"}  # allow-list
SIGNATURES = {".xlsx": b"PK\x03\x04", ".zip": b"PK\x03\x04", ".gpkg": b"SQLite format 3\x00"}
MAX_PROBLEMS_SHOWN = 200
CONTRACT = "schema.json"  # an own-schema dataset's contract, copied into each update's upload
PROPOSAL = "proposed-schema.json"  # a new dataset's inferred schema, until the department confirms
DRIFT = "schema-drift-"  # the codes of a file whose shape left its contract
#: A new dataset no standard covers waits in this state for its schema to be confirmed.
PROPOSED = "proposed"
#: States while a job is queued or running; the page polls until the state leaves them.
PENDING = ("queued", "processing", "publish-queued", "publishing")
#: The steps a job reports, in order (the pipeline's, then publishing).
STEPS = ("read", "normalize", "validate", "convert", "report", "publish")


class UploadRejected(TsunaguError):
    code = "upload-rejected"
    http_status = 400


class UploadNotFound(TsunaguError):
    code = "upload-not-found"
    http_status = 404


class UploadNotPublishable(TsunaguError):
    code = "upload-not-valid"
    http_status = 409


class RemovalNotConfirmed(UploadRejected):
    """A source left out of an update without the explicit yes: never dropped silently."""

    code = "removal-not-confirmed"


class SchemaNotDrifted(TsunaguError):
    code = "schema-not-drifted"
    http_status = 409


class SchemaNotProposed(TsunaguError):
    """A confirmation for an upload that is not waiting for one (a replayed or stale form)."""

    code = "schema-not-proposed"
    http_status = 409


class LossNotConfirmed(TsunaguError):
    """A version that loses columns or most rows, published without the explicit yes."""

    code = "loss-not-confirmed"
    http_status = 409


@dataclass(frozen=True)
class UploadRequest:
    """What the department filled in on the upload form (validated by the form)."""

    dataset_id: str
    title_ja: str
    title_en: str
    standard: str
    description_ja: str = ""
    description_en: str = ""
    licence: str = "CC-BY-4.0"
    update_frequency: str = "irregular"
    tags: tuple[str, ...] = ()
    sheet: str | None = None
    crs: str | None = None
    #: No standard: the schema is inferred from the file and confirmed before anything else.
    new_schema: bool = False


@dataclass(frozen=True)
class IncomingFile:
    """One file sent with an upload. ``key`` is the source it replaces when the department
    chose it on the page; ``None`` means it is matched to a source by its name."""

    filename: str
    stream: IO[bytes]
    key: str | None = None


def _comparable(name: str) -> str:
    """A file name as matched: NFKC (全角 → 半角), case folded, without folder or suffix."""
    import unicodedata

    stem = Path(name.replace("\\", "/")).stem
    return unicodedata.normalize("NFKC", stem).casefold().strip()


def match_files(sources: Sequence[Any], files: Sequence[IncomingFile]) -> dict[str, IncomingFile]:
    """Which source each uploaded file replaces (``{key: file}``), or a clear refusal.

    ``sources`` are the dataset's published files (:class:`~tsunagu.services.departments.
    SavedSource`). A file names its source when chosen on the page; otherwise it matches the
    source with the same name (suffix and 全角/半角 aside); a dataset of one file takes the one
    file whatever its name (a new year's file is often renamed). A file that matches nothing,
    or two files for one source, is refused rather than guessed.
    """
    keys = [s.key for s in sources]
    matched: dict[str, IncomingFile] = {}
    for incoming in files:
        key = incoming.key
        if key is not None and key not in keys:
            raise UploadRejected(
                f"the dataset has no file {key!r}; choose one of its files",
                message_ja=f"このデータセットに「{key}」というファイルはありません。"
                "一覧のファイルから選んでください",
            )
        if key is None:
            named = [
                s.key for s in sources if _comparable(s.name) == _comparable(incoming.filename)
            ]
            if len(named) == 1:
                key = named[0]
            elif len(keys) == 1 and len(files) == 1:
                key = keys[0]
            else:
                known = "、".join(s.name for s in sources)
                raise UploadRejected(
                    f"{incoming.filename!r} matches none of this dataset's files ({known}); "
                    "choose on the page which file it replaces",
                    message_ja=f"「{incoming.filename}」がこのデータセットのどのファイル"
                    f"（{known}）の更新か分かりません。画面で対応するファイルを選んでください",
                )
        if key in matched:
            raise UploadRejected(
                f"two files were sent for {key!r}; send one file per part of the dataset",
                message_ja=f"「{key}」に2つのファイルが送られました。1つのファイルにつき1つずつ"
                "送ってください",
            )
        matched[key] = incoming
    return matched


@dataclass
class Upload:
    id: str
    department: str
    directory: Path
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return str(self.status.get("state", "stored"))

    @property
    def pending(self) -> bool:
        return self.state in PENDING

    @property
    def manifest_path(self) -> Path:
        return self.directory / "dataset.yaml"

    @property
    def out_dir(self) -> Path:
        return self.directory / "out"

    @property
    def source_path(self) -> Path:
        return self.directory / str(self.status["stored_name"])

    def artifact(self, kind: str) -> Path | None:
        """A report file (``report-html``, ``report-xlsx``) of the last run, if one was written."""
        for outcome in self.status.get("outcomes", []):
            relative = outcome.get("artifacts", {}).get(kind)
            if relative:
                return self.directory / relative
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_text(path: Path, text: str) -> None:
    """Write-then-rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    _write_text(path, json.dumps(data, ensure_ascii=False, indent=1))


def stored_suffix(filename: str) -> str:
    suffix = Path(filename.replace("\\", "/")).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise UploadRejected(
            f'files ending "{suffix or "(none)"}" are not accepted; use one of {known}',
            message_ja=f"「{suffix or '（拡張子なし）'}」のファイルは受け付けていません（{known}）",
        )
    return SUFFIXES[suffix]


def _check_signature(path: Path, suffix: str) -> None:
    expected = SIGNATURES.get(suffix)
    if expected is None or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        if fh.read(len(expected)) != expected:
            raise UploadRejected(
                f"the file's content is not {suffix} (its first bytes do not match)",
                message_ja=f"ファイルの中身が {suffix} 形式ではありません",
            )


def _copy_limited(stream: IO[bytes], target: Path, limit: int) -> int:
    written = 0
    with target.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            written += len(chunk)
            if written > limit:
                raise UploadRejected(
                    f"the file is larger than the limit of {limit:,} bytes",
                    message_ja=f"ファイルが上限（{limit:,} バイト）を超えています",
                )
            out.write(chunk)
    return written


@dataclass(frozen=True)
class _SourcePlan:
    uploaded: dict[str, IncomingFile]
    kept: list[Any]
    removed: list[Any]


class UploadStore:
    """``<data_dir>/uploads``: one folder per department, one per upload."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.data_dir / "uploads"

    # -- storing ---------------------------------------------------------------------------
    def store(
        self,
        department: dict[str, str],
        files: Sequence[IncomingFile],
        form: UploadRequest,
        saved: Any = None,
        removed: Collection[str] = (),
        removal_confirmed: bool = False,
    ) -> Upload:
        """Keep the files and their manifest before anything reads them; returns the upload.

        ``department`` is ``{"id": slug, "ja": name, "en": name}`` of the signed-in department.
        ``saved`` is the dataset as last published (a :class:`~tsunagu.services.departments.
        SavedDataset`) when this is an update: the new manifest is its manifest with only the
        fields the user changed (mapping, values, constants kept). Each file replaces one of
        its sources (:func:`match_files`); every other source keeps its published file, copied
        in, unless it is in ``removed`` and the removal was confirmed.
        """
        if not files:
            raise UploadRejected("choose a file", message_ja="ファイルを選んでください")
        plan = self._plan(files, saved, removed, removal_confirmed)
        upload_id = secrets.token_hex(16)
        final = self.root / department["id"] / upload_id
        partial = final.with_name(f".{upload_id}.partial")
        partial.mkdir(parents=True)
        try:
            entries = self._copy_sources(partial, plan, saved)
            first = next(e for e in entries if e["uploaded"])
            if saved is None:
                self._write_manifest(partial, department, first["stored_name"], form)
            else:
                from tsunagu.services.departments import contract_of, merge_update

                stored = {e["key"]: e["stored_name"] for e in entries}
                uploaded = {e["key"] for e in entries if e["uploaded"]}
                merged = merge_update(saved.manifest, asdict(form), stored, department, uploaded)
                contract = contract_of(saved.manifest)
                if contract is not None:  # the dataset's own schema comes along as its contract
                    shutil.copyfile(contract, partial / CONTRACT)
                    merged["schema"] = CONTRACT
                self._write_municipality()
                text = yaml.safe_dump(merged, allow_unicode=True, sort_keys=False)
                (partial / "dataset.yaml").write_text(text, encoding="utf-8")
            status = {
                "state": "stored",
                "created": _now(),
                "original_name": first["original_name"],
                "stored_name": first["stored_name"],
                "size": sum(e["size"] for e in entries if e["uploaded"]),
                "dataset_id": form.dataset_id,
                "request": asdict(form),
                "update": saved is not None,
                "new_schema": form.new_schema and saved is None,
                "sources": entries,
                "removed_sources": [{"key": s.key, "name": s.name} for s in plan.removed],
            }
            _write_json(partial / "status.json", status)
            os.replace(partial, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return Upload(upload_id, department["id"], final, status)

    def _plan(
        self, files: Sequence[IncomingFile], saved: Any, removed: Collection[str], confirmed: bool
    ) -> _SourcePlan:
        """What happens to each source: replaced by a file, kept as published, or removed."""
        if saved is None:
            if len(files) > 1 or removed:
                raise UploadRejected(
                    "a new dataset starts from one file; add the others as an update",
                    message_ja="新しいデータセットは1つのファイルで登録してください。"
                    "ほかのファイルは公開後に「更新」から追加できます",
                )
            return _SourcePlan({"main": files[0]}, [], [])
        sources = list(saved.sources)
        matched = match_files(sources, files)
        unknown = set(removed) - {s.key for s in sources}
        clash = set(removed) & set(matched)
        if unknown or clash:
            raise UploadRejected(
                "a file to remove is not in the dataset or is also uploaded",
                message_ja="外すファイルがこのデータセットにないか、同時にアップロードされています",
            )
        gone = [s for s in sources if s.key in removed]
        if gone and not confirmed:
            names = "、".join(s.name for s in gone)
            raise RemovalNotConfirmed(
                f"removing {names} from the dataset must be confirmed",
                message_ja=f"「{names}」をデータセットから外すには、確認のチェックを入れてください",
            )
        if len(gone) == len(sources):
            raise UploadRejected(
                "a dataset keeps at least one file",
                message_ja="データセットのファイルをすべて外すことはできません",
            )
        kept = [s for s in sources if s.key not in matched and s.key not in removed]
        return _SourcePlan(matched, kept, gone)

    def _copy_sources(self, folder: Path, plan: _SourcePlan, saved: Any) -> list[dict[str, Any]]:
        """Write the uploaded files and copy the kept ones into ``folder``; one entry each."""
        order = [s.key for s in saved.sources] if saved is not None else list(plan.uploaded)
        kept = {s.key: s for s in plan.kept}
        entries: list[dict[str, Any]] = []
        for i, key in enumerate(order):
            incoming = plan.uploaded.get(key)
            if incoming is not None:
                suffix = stored_suffix(incoming.filename)
                name = f"source{suffix}" if not entries else f"source-{i + 1}{suffix}"
                target = folder / name
                size = _copy_limited(incoming.stream, target, self.settings.max_upload_bytes)
                _check_signature(target, suffix)
                entries.append(
                    {
                        "key": key,
                        "original_name": incoming.filename[:255],
                        "stored_name": name,
                        "size": size,
                        "uploaded": True,
                    }
                )
            elif key in kept:
                entries.append(self._keep(folder, i, kept[key]))
        if not any(e["uploaded"] for e in entries):
            raise UploadRejected("choose a file", message_ja="ファイルを選んでください")
        return entries

    def _keep(self, folder: Path, index: int, source: Any) -> dict[str, Any]:
        """Copy a published source (a shapefile with its parts) in, so it stays as it was."""
        path = Path(source.path)
        if not path.is_file():
            raise UploadRejected(
                f"the published file {source.name!r} is missing, so it cannot be kept; "
                "upload it with this update",
                message_ja=f"公開中のファイル「{source.name}」が見つからないため引き継げません。"
                "このファイルも一緒にアップロードしてください",
            )
        stem = f"kept-{index + 1}"
        shutil.copy2(path, folder / f"{stem}{path.suffix}")
        if path.suffix.lower() == ".shp":
            for part in path.parent.iterdir():
                if part.stem == path.stem and part != path:
                    shutil.copy2(part, folder / f"{stem}{part.suffix}")
        return {
            "key": source.key,
            "original_name": source.name,
            "stored_name": f"{stem}{path.suffix}",
            "size": path.stat().st_size,
            "uploaded": False,
        }

    def _write_manifest(
        self,
        folder: Path,
        department: dict[str, str],
        stored: str,
        form: UploadRequest,
    ) -> None:
        self._write_municipality()
        source: dict[str, Any] = {"path": stored}
        if form.sheet:
            source["sheet"] = form.sheet
        if form.crs:
            source["crs"] = form.crs
        manifest = {
            "id": form.dataset_id,
            "title": {"ja": form.title_ja, "en": form.title_en or form.title_ja},
            "description": {"ja": form.description_ja, "en": form.description_en},
            "department": {
                "id": department["id"],
                "name": {"ja": department["ja"], "en": department["en"]},
            },
            **({} if form.new_schema else {"standard": form.standard}),
            "licence": form.licence,
            "update_frequency": form.update_frequency,
            "tags": list(form.tags),
            "sources": [source],
        }
        text = yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False)
        (folder / "dataset.yaml").write_text(text, encoding="utf-8")

    def _write_municipality(self) -> None:
        """The city's code and name for every upload manifest (found by walking up the tree)."""
        path = self.root / "municipality.yaml"
        data = {"code": self.settings.municipality_code, "name": self.settings.municipality_name}
        text = yaml.safe_dump(data, allow_unicode=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_text(path, text)

    # -- finding ---------------------------------------------------------------------------
    def get(self, upload_id: str) -> Upload:
        """Any department's upload by id (the caller authorises); ids are checked, not globbed."""
        if UPLOAD_ID.fullmatch(upload_id) and self.root.is_dir():
            for folder in self.root.iterdir():
                candidate = folder / upload_id
                if folder.is_dir() and (candidate / "status.json").is_file():
                    status = json.loads((candidate / "status.json").read_text(encoding="utf-8"))
                    return Upload(upload_id, folder.name, candidate, status)
        raise UploadNotFound(
            f"no upload {upload_id!r}", message_ja="そのアップロードは見つかりません"
        )

    def for_department(self, department: str) -> list[Upload]:
        folder = self.root / department
        if not folder.is_dir():
            return []
        uploads = [self.get(p.name) for p in folder.iterdir() if UPLOAD_ID.fullmatch(p.name)]
        return sorted(uploads, key=lambda u: u.status.get("created", ""), reverse=True)

    def save(self, upload: Upload) -> None:
        _write_json(upload.directory / "status.json", upload.status)

    # -- processing ------------------------------------------------------------------------
    def run(
        self,
        upload: Upload,
        on_step: Callable[[str], None] | None = None,
        accept_schema: bool = False,
    ) -> list[Outcome]:
        """The standard pipeline over the stored manifest, writing reports under ``out/``;
        ``accept_schema`` as ``tsunagu publish --accept-schema`` (the drift step rewrites the
        upload's contract and keeps the old one under ``schema-history/``)."""
        from tsunagu.publisher.batch import plan_jobs, run_jobs
        from tsunagu.publisher.context import RunContext

        shutil.rmtree(upload.out_dir, ignore_errors=True)
        jobs = list(plan_jobs(upload.manifest_path))
        hook = (lambda name, _draft: on_step(name)) if on_step else None
        from tsunagu.formats.base import ReadOptions

        shown = ReadOptions(display_name=str(upload.status.get("original_name") or "") or None)
        context = RunContext(
            settings=self.settings,
            out_dir=upload.out_dir,
            read_options=shown,
            accept_schema=accept_schema,
        )
        return run_jobs(jobs, context, on_step=hook)

    # -- queuing ---------------------------------------------------------------------------
    def queue_processing(self, upload: Upload, queue: JobQueue) -> Upload:
        """Mark the stored upload queued and hand it to the job queue; returns at once."""
        self._queued(upload, queue, "queued")
        queue.enqueue("upload.process", upload.id)
        return upload

    def queue_publish(
        self, upload: Upload, queue: JobQueue, catalogue: Any, actor: str, confirmed: bool = False
    ) -> Upload:
        """Check what can be checked at once (valid, own dataset, no publish running, a loss of
        columns or most rows confirmed), then queue the publishing job. A published upload is
        left as it is (a double click)."""
        if upload.state == "published" or upload.state in ("publish-queued", "publishing"):
            return upload
        if upload.state != "valid":
            raise UploadNotPublishable(
                "this upload has errors and cannot be published; fix the file and upload it again",
                message_ja="このアップロードにはエラーがあり公開できません。"
                "ファイルを直して再度アップロードしてください",
            )
        self._check_owner(catalogue, upload)
        losing = {
            key: changes
            for key, changes in self.changes_by_source(upload, catalogue).items()
            if changes.needs_confirmation
        }
        if losing and not confirmed:
            removed = ", ".join(c for ch in losing.values() for c in ch.columns_removed) or "-"
            rows = ", ".join(f"{c.rows_before} → {c.rows_after}" for c in losing.values())
            raise LossNotConfirmed(
                f"this version drops columns ({removed}) or most rows ({rows}); confirm to publish",
                message_ja=f"この版では列（{removed}）または大半の行（{rows}）がなくなります。"
                "確認してから公開してください",
            )
        if losing:  # who accepted what, kept
            main = losing.get("main") or next(iter(losing.values()))
            upload.status["loss_confirmed"] = main.to_dict()
            if len(losing) > 1 or "main" not in losing:
                upload.status["loss_confirmed_by_source"] = {
                    key: changes.to_dict() for key, changes in losing.items()
                }
        dataset_id = str(upload.status["dataset_id"])
        try:
            with publishing.dataset_lock(self.settings, dataset_id, wait=False):
                pass  # only a probe: is a publish (web or CLI) running now?
        except DatasetBusy:
            publishing.audit_log(self.settings).record(
                "publish-rejected", actor, dataset=dataset_id, reason="in progress"
            )
            raise
        upload.status.pop("publish_error", None)
        upload.status["actor"] = actor  # for a job queued again after its process died
        self._queued(upload, queue, "publish-queued")
        queue.enqueue("upload.publish", upload.id, actor)
        return upload

    def queue_accept_schema(self, upload: Upload, queue: JobQueue, actor: str) -> Upload:
        """The department accepts its file's new shape (the web's ``--accept-schema``): the
        upload is checked again with the drift accepted, and the acceptance is audited with
        ``actor`` once the contract is rewritten. Only an upload blocked by drift qualifies, so a
        stale page or a replayed form cannot rewrite a contract that still holds."""
        if upload.pending:
            return upload  # a double click: the first request queued it
        if not has_drift(upload):
            raise SchemaNotDrifted(
                "this upload's columns still fit the dataset's schema; there is nothing to accept",
                message_ja="このアップロードの列はデータセットのスキーマに合っています。"
                "承認するスキーマの変更はありません",
            )
        upload.status["accept_schema"] = {"actor": actor, "asked": _now()}
        self._queued(upload, queue, "queued")
        queue.enqueue("upload.process", upload.id)
        return upload

    def changes(self, upload: Upload, catalogue: Any) -> Any:
        """The change summary of this upload's first changed source (the only one, for a
        dataset of one file) against the published version; None when there is none."""
        found = self.changes_by_source(upload, catalogue)
        return next(iter(found.values()), None)

    def changes_by_source(self, upload: Upload, catalogue: Any) -> dict[str, Any]:
        """``{source key: change summary}`` (:mod:`tsunagu.services.changes`) for every source
        uploaded now, each against the published CSV of the same source, so a part of a
        dataset of several files cannot lose rows or columns unseen. A source kept as published
        is not compared (its file is the published one); one new to the dataset has nothing
        to compare with."""
        from tsunagu.services.changes import compare_with_published

        dataset_id = str(upload.status["dataset_id"])
        uploaded = {
            str(s.get("key")) for s in upload.status.get("sources") or [] if s.get("uploaded")
        }
        found: dict[str, Any] = {}
        for outcome in upload.status.get("outcomes") or []:
            key = _source_key(outcome, dataset_id)
            if uploaded and key not in uploaded:
                continue
            artifacts = outcome.get("artifacts") or {}
            if not artifacts.get("csv"):
                continue
            csv_path = upload.directory / artifacts["csv"]
            package = artifacts.get("datapackage")
            if not csv_path.is_file():
                continue
            summary = compare_with_published(
                catalogue,
                dataset_id,
                csv_path,
                upload.directory / package if package else None,
                key,
            )
            if summary is not None:
                found[key] = summary
        return found

    def preview(self, upload: Upload, rows: int = 20) -> dict[str, Any] | None:
        """The first converted rows, and the GeoJSON's URL-safe name when there is a map."""
        from tsunagu.services.changes import Table

        csv_path = upload.artifact("csv")
        if csv_path is None or not csv_path.is_file():
            return None
        table = Table.read_csv(csv_path, n_rows=rows)
        geojson = upload.artifact("geojson")
        return {
            "columns": table.columns,
            "rows": table.rows,
            "geojson": geojson is not None and geojson.is_file(),
        }

    def _queued(self, upload: Upload, queue: JobQueue, state: str) -> None:
        # An in-process job dies with this process; an RQ job is Redis's to keep.
        owner = worker_identity() if queue.backend == "inprocess" else None
        upload.status.update(state=state, queued=_now(), owner=owner, progress=[])
        self.save(upload)

    def recover(self, upload: Upload, queue: JobQueue) -> Upload:
        """Queue again a job whose process died before it finished (a restart, a crash): the
        stored file and manifest are all it needs."""
        if not upload.pending or owner_alive(upload.status.get("owner")):
            return upload
        log.warning("upload %s: its job's process is gone; queuing it again", upload.id)
        if upload.state in ("publish-queued", "publishing"):
            self._queued(upload, queue, "publish-queued")
            queue.enqueue("upload.publish", upload.id, str(upload.status.get("actor", "")))
        else:
            self.queue_processing(upload, queue)
        return upload

    def _progress(self, upload: Upload) -> Callable[[str], None]:
        def done(step: str) -> None:
            upload.status.setdefault("progress", []).append(step)
            self.save(upload)

        return done

    # -- the jobs --------------------------------------------------------------------------
    def process(self, upload: Upload) -> Upload:
        """Validate the stored upload; a failure is recorded on it, and the file stays."""
        upload.status.update(state="processing", started=_now(), owner=worker_identity())
        upload.status["progress"] = []
        self.save(upload)
        if self.awaits_schema(upload):
            return self._propose(upload)
        accepting = upload.status.get("accept_schema")
        try:
            outcomes = self.run(
                upload, on_step=self._progress(upload), accept_schema=bool(accepting)
            )
            if accepting:  # the contract was rewritten (old one kept): a decision, audited
                actor = str(accepting.get("actor") or "")
                publishing.audit_accepted(publishing.audit_log(self.settings), outcomes, actor)
                upload.status["schema_accepted"] = {**accepting, "done": _now()}
        except Exception:  # handled here: logged once, recorded, the upload kept for retry
            log.exception("processing upload %s failed", upload.id)
            upload.status.update(state="failed", processed=_now(), outcomes=[])
        else:
            upload.status.pop("accept_schema", None)  # accepted once; never again silently
            summaries = [self._summary(upload, o) for o in outcomes]
            valid = bool(summaries) and all(s["valid"] for s in summaries)
            upload.status.update(
                state="valid" if valid else "invalid", processed=_now(), outcomes=summaries
            )
        self.save(upload)
        return upload

    # -- a new dataset's schema ------------------------------------------------------------
    def awaits_schema(self, upload: Upload) -> bool:
        """A new dataset without a standard whose contract the department has not confirmed."""
        return bool(upload.status.get("new_schema")) and not (upload.directory / CONTRACT).exists()

    def _propose(self, upload: Upload) -> Upload:
        """Infer the file's schema (as ``tsunagu describe``) and wait for the department."""
        from tsunagu.formats.base import ReadOptions
        from tsunagu.model import Report
        from tsunagu.services.describing import describe_file, manifest_data

        sources = manifest_data(upload.directory).get("sources") or [{}]
        entry = sources[0] if isinstance(sources[0], dict) else {}
        shown = str(upload.status.get("original_name") or "") or None
        options = ReadOptions(sheet=entry.get("sheet"), crs=entry.get("crs"), display_name=shown)
        try:
            described = describe_file(upload.source_path, self.settings, options, None, shown)
        except Exception:  # handled here: logged once, recorded, the upload kept for retry
            log.exception("describing upload %s failed", upload.id)
            upload.status.update(state="failed", processed=_now(), outcomes=[])
            self.save(upload)
            return upload
        upload.status["progress"] = ["read"]
        if described.descriptor is None:  # unreadable: its problems, as any report shows them
            report = Report(problems=described.problems)
            summary = {
                "label": str(upload.status["dataset_id"]),
                "valid": False,
                "counts": report.to_dict()["summary"],
                "problems": [_problem(p) for p in described.problems[:MAX_PROBLEMS_SHOWN]],
                "more_problems": max(0, len(described.problems) - MAX_PROBLEMS_SHOWN),
            }
            upload.status.update(state="invalid", processed=_now(), outcomes=[summary])
        else:
            _write_json(upload.directory / PROPOSAL, described.descriptor)
            upload.status.update(state=PROPOSED, processed=_now(), outcomes=[])
        self.save(upload)
        return upload

    def proposal(self, upload: Upload) -> dict[str, Any] | None:
        """The schema proposed for a new dataset, while it waits for confirmation."""
        path = upload.directory / PROPOSAL
        if upload.state != PROPOSED or not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def confirm_schema(self, upload: Upload, queue: JobQueue, actor: str) -> Upload:
        """The department confirms the proposed schema: it is written beside the upload's
        manifest as the dataset's contract (``schema: schema.json``), the confirmation is
        audited with ``actor``, and the file is checked against it as any upload. Only an
        upload waiting for its schema qualifies (a replayed form changes nothing)."""
        from tsunagu.services.describing import write_contract

        proposal = self.proposal(upload)
        if proposal is None:
            raise SchemaNotProposed(
                "this upload is not waiting for a schema to be confirmed",
                message_ja="このアップロードは確認待ちのスキーマがありません",
            )
        write_contract(upload.directory, proposal)
        dataset_id = str(upload.status["dataset_id"])
        fields = [str(f.get("name")) for f in proposal.get("fields") or []]
        publishing.audit_log(self.settings).record(
            "schema-confirmed", actor, dataset=dataset_id, fields=fields
        )
        upload.status["schema_confirmed"] = {"actor": actor, "done": _now()}
        return self.queue_processing(upload, queue)

    def _summary(self, upload: Upload, outcome: Outcome) -> dict[str, Any]:
        summary: dict[str, Any] = {"label": outcome.label, "valid": outcome.valid}
        if outcome.draft is not None:
            summary["source_key"] = str(outcome.draft.report.facts.get("source_key", "main"))
        if outcome.error is not None:
            summary["error"] = {"ja": outcome.error.message_ja, "en": outcome.error.message_en}
        draft = outcome.draft
        if draft is None:
            return summary
        problems = draft.report.problems
        summary["counts"] = draft.report.to_dict()["summary"]
        summary["problems"] = [_problem(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        summary["more_problems"] = max(0, len(problems) - MAX_PROBLEMS_SHOWN)
        summary["artifacts"] = {
            kind: str(path.relative_to(upload.directory))
            for kind, path in draft.artifacts.items()
            if kind in ("report-html", "report-xlsx", "csv", "geojson", "datapackage")
            and path.is_file()
        }
        return summary

    # -- publishing ------------------------------------------------------------------------
    def publish(self, upload: Upload, catalogue: Any, actor: str) -> Upload:
        """Publish a valid upload into the department's own organisation, once (the job).

        Waits for a publish of the same dataset id that is running (in another worker) and
        then re-reads the upload, so a repeat gives the same result, not a second version.
        A failure is recorded on the upload (``publish_error``) and it stays publishable.
        """
        dataset_id = str(upload.status["dataset_id"])
        with publishing.dataset_lock(self.settings, dataset_id) as held:
            upload = self.get(upload.id)  # re-read under the lock: another job may have won
            if upload.state == "published":
                return upload
            upload.status.update(state="publishing", started=_now(), owner=worker_identity())
            upload.status.update(actor=actor, progress=[])
            self.save(upload)
            try:
                return self._publish_locked(upload, catalogue, actor, held)
            except Exception as exc:  # recorded on the upload; it can be published again
                log.exception("publishing upload %s failed", upload.id)
                message = exc if isinstance(exc, TsunaguError) else None
                upload.status.update(
                    state="valid",
                    publish_error={
                        "ja": message.message_ja if message else "公開の処理中に問題が起きました",
                        "en": message.message_en if message else "publishing failed",
                    },
                )
                self.save(upload)
                return upload

    def _publish_locked(
        self, upload: Upload, catalogue: Any, actor: str, held: publishing.DatasetLock
    ) -> Upload:
        from tsunagu.manifest import load_manifest

        self._check_owner(catalogue, upload)
        outcomes = self.run(upload, on_step=self._progress(upload))
        manifest = load_manifest(upload.manifest_path)
        result = publishing.publish(
            self.settings,
            catalogue,
            manifest,
            outcomes,
            actor=actor,
            received=upload.status.get("created"),
            held=held,
        )
        if result.result is None:
            upload.status.update(state="invalid", blocked=result.blocked_reason)
        else:
            upload.status.update(state="published", published=_now(), version=result.result.version)
            upload.status["progress"].append("publish")
        self.save(upload)
        return upload

    def _check_owner(self, catalogue: Any, upload: Upload) -> None:
        """A dataset id already owned by another department cannot be taken over."""
        try:
            existing = catalogue.get_dataset(str(upload.status["dataset_id"]))
        except DatasetNotFound:
            return
        if existing.meta.organisation != upload.department:
            raise PermissionDenied(
                f"dataset {existing.meta.id!r} belongs to another department",
                message_ja=f"データセット「{existing.meta.id}」は他の部署のものです",
                code="other-department",
            )


def process_job(upload_id: str, *, settings: Settings, catalogue: Any = None) -> str:
    """The ``upload.process`` job: validate and convert a stored upload; returns its state."""
    store = UploadStore(settings)
    return store.process(store.get(upload_id)).state


def publish_job(upload_id: str, actor: str, *, settings: Settings, catalogue: Any = None) -> str:
    """The ``upload.publish`` job; on an RQ worker it opens the configured catalogue itself."""
    from tsunagu.catalogue import open_catalogue

    store = UploadStore(settings)
    catalogue = catalogue if catalogue is not None else open_catalogue(settings)
    return store.publish(store.get(upload_id), catalogue, actor).state


def _source_key(outcome: dict[str, Any], dataset_id: str) -> str:
    """The source an outcome is about (``main``, or a part's key; its label is ``id:key``)."""
    if outcome.get("source_key"):
        return str(outcome["source_key"])
    label = str(outcome.get("label", ""))
    return label.split(":", 1)[1] if label.startswith(f"{dataset_id}:") else "main"


def has_drift(upload: Upload) -> bool:
    """Whether the upload was blocked because its file's shape left the dataset's schema."""
    return upload.state == "invalid" and any(
        str(p.get("code", "")).startswith(DRIFT)
        for o in upload.status.get("outcomes") or []
        for p in o.get("problems") or []
    )


def _problem(problem: Any) -> dict[str, Any]:
    loc = problem.location
    return {
        "code": problem.code,
        "severity": problem.severity.value,
        "row": loc.row,
        "column": loc.column,
        "ja": problem.message("ja"),
        "en": problem.message("en"),
    }
