"""Documents (PDF, images, Word/Excel that is not a table, ZIP of documents) as resources.

A document gets no validation report; it is checked for what it *is* instead. Its first bytes
must say the same as its name (a ``.pdf`` must start ``%PDF-``), executables are refused under
any name, Office files carrying macros are refused, archives are checked member by member and
against the zip limits, and the size is limited like any input. Nothing here opens a document
with anything that could run its content: only leading bytes and zip directory entries are read.
The magic numbers are written out here because no content-sniffing library is installed and the
handful of formats a city publishes needs no more.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from tsunagu.errors import Location, Severity
from tsunagu.model import Draft
from tsunagu.publisher.context import RunContext, spec_for, stem_for

_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc/.xls/.ppt (OLE2 compound file)
_OLE_MACROS = "_VBA_PROJECT".encode("utf-16-le")


@dataclass(frozen=True)
class Kind:
    format: str  # what the catalogue shows (and the openness level is read from)
    mediatype: str
    stars: int  # 5★ open data level of the format alone (★ PDF, ★★ XLSX, ★★★ CSV …)


#: suffix → what the file must be.
KINDS: dict[str, Kind] = {
    ".pdf": Kind("PDF", "application/pdf", 1),
    ".png": Kind("PNG", "image/png", 1),
    ".jpg": Kind("JPEG", "image/jpeg", 1),
    ".jpeg": Kind("JPEG", "image/jpeg", 1),
    ".gif": Kind("GIF", "image/gif", 1),
    ".docx": Kind(
        "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 1
    ),
    ".xlsx": Kind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 2),
    ".pptx": Kind(
        "PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation", 1
    ),
    ".doc": Kind("DOC", "application/msword", 1),
    ".xls": Kind("XLS", "application/vnd.ms-excel", 2),
    ".csv": Kind("CSV", "text/csv", 3),
    ".zip": Kind("ZIP", "application/zip", 1),
}
_OOXML_PART = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}


def _matches(suffix: str, head: bytes) -> bool:
    if suffix == ".pdf":
        return head.startswith(b"%PDF-")
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if suffix in (".docx", ".xlsx", ".pptx", ".zip"):
        return head.startswith(b"PK\x03\x04")
    if suffix in (".doc", ".xls"):
        return head.startswith(_OLE)
    if suffix == ".csv":
        return b"\x00" not in head
    return False


def check_document(path: Path, ctx: RunContext) -> tuple[str, dict] | None:
    """Why ``path`` cannot be published as a document (problem code and params), or None."""
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if size > ctx.settings.max_file_bytes:
        return "document-too-large", {"size": size, "limit": ctx.settings.max_file_bytes}
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(_EXECUTABLE) or head.startswith(b"#!"):
        return "document-executable", {}
    if suffix not in KINDS:
        return "document-format-unknown", {"suffix": suffix or "-", "known": " ".join(KINDS)}
    if not _matches(suffix, head):
        return "document-content-mismatch", {"format": KINDS[suffix].format}
    if head.startswith(_OLE) and _OLE_MACROS in path.read_bytes():
        return "document-macros", {}
    if head.startswith(b"PK\x03\x04"):
        return _check_zip(path, suffix, ctx)
    return None


def _check_zip(path: Path, suffix: str, ctx: RunContext) -> tuple[str, dict] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = [m.filename for m in members]
            total = sum(m.file_size for m in members)
            if (
                len(members) > ctx.settings.max_zip_members
                or total > ctx.settings.max_unzipped_bytes
            ):
                return "document-zip-too-large", {"members": len(members), "bytes": total}
            if any(Path(n).is_absolute() or ".." in Path(n).parts for n in names):
                return "document-zip-unsafe-path", {}
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return "document-macros", {}
            part = _OOXML_PART.get(suffix)
            if part is not None:
                return (
                    None
                    if any(n.startswith(part) for n in names)
                    else ("document-content-mismatch", {"format": KINDS[suffix].format})
                )
            for member in members:  # a ZIP of documents: each one must be a document too
                if member.is_dir():
                    continue
                inner = Path(member.filename).suffix.lower()
                with archive.open(member) as fh:
                    head = fh.read(4096)
                if head.startswith(_EXECUTABLE) or head.startswith(b"#!"):
                    return "document-executable", {"member": member.filename}
                if inner not in KINDS or inner == ".zip" or not _matches(inner, head):
                    return "document-zip-member", {"member": member.filename}
    except zipfile.BadZipFile:
        return "document-content-mismatch", {"format": KINDS[suffix].format}
    return None


class CheckDocument:
    """The one step of a document's pipeline: check it, then stage it for publishing."""

    name: ClassVar[str] = "document"
    needs_valid: ClassVar[bool] = False

    def run(self, draft: Draft, ctx: RunContext) -> Draft:
        path = draft.source.path
        refused = check_document(path, ctx)
        if refused is not None:
            code, params = refused
            draft.report.add(code, Severity.ERROR, Location(file=path.name), **params)
            return draft
        kind = KINDS[path.suffix.lower()]
        draft.report.facts["document"] = {
            "format": kind.format,
            "mediatype": kind.mediatype,
            "stars": kind.stars,
            "size": path.stat().st_size,
        }
        if ctx.out_dir is None or not ctx.write_outputs:
            return draft
        out_dir = Path(ctx.out_dir) / stem_for(draft.manifest, spec_for(draft), path)
        out_dir.mkdir(parents=True, exist_ok=True)
        staged = out_dir / path.name
        shutil.copyfile(path, staged)
        return draft.evolve(artifacts={**draft.artifacts, "document": staged})
