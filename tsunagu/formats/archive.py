"""Safe zip handling: inspect the central directory, then extract with a byte counter.

The stdlib already sanitises ``..`` names, but a department's zip is still refused outright when
it holds anything odd (absolute or drive paths, symlinks, duplicates, nested archives, members
that are not part of a shapefile), because GDAL would happily read a valid shapefile next to a
``../evil.txt`` and we would never know. Sizes are checked from the central directory first and
again while inflating, since headers can lie; nothing is written outside ``dest_dir``.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from tsunagu.formats.gdal_env import refuse

if TYPE_CHECKING:
    from tsunagu.config import Settings

SHAPEFILE_SUFFIXES = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix"})
NESTED_SUFFIXES = frozenset({".zip", ".7z", ".rar", ".lzh", ".gz", ".tgz", ".tar", ".bz2", ".xz"})
IGNORED_PREFIX = "__MACOSX/"  # Finder's resource forks: never extracted, never read
_DRIVE = re.compile(r"^[A-Za-z]:")
CHUNK = 64 * 1024


def _member_problem(info: zipfile.ZipInfo, allowed: frozenset[str]) -> str | None:
    """The problem code of one central-directory entry, or None if it may be extracted."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or "\\" in name or ".." in parts:
        return "archive-unsafe-member"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "archive-symlink"
    if info.flag_bits & 0x1:
        return "archive-encrypted"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in NESTED_SUFFIXES:
        return "archive-nested"
    if suffix not in allowed:
        return "archive-member-not-allowed"
    return None


def inspect_zip(
    zf: zipfile.ZipFile, file_name: str, settings: Settings, allowed: frozenset[str]
) -> list[zipfile.ZipInfo]:
    """The members to extract, after refusing the whole archive for any unsafe entry."""
    infos = [
        i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith(IGNORED_PREFIX)
    ]
    if len(infos) > settings.max_zip_members:
        raise refuse(
            "archive-too-many-members",
            file_name,
            count=len(infos),
            limit=settings.max_zip_members,
        )
    seen: set[str] = set()
    for info in infos:
        code = _member_problem(info, allowed)
        if code:
            raise refuse(code, file_name, member=info.filename)
        key = info.filename.casefold()
        if key in seen:
            raise refuse("archive-duplicate-member", file_name, member=info.filename)
        seen.add(key)
    declared = sum(i.file_size for i in infos)
    if declared > settings.max_unzipped_bytes:
        raise refuse(
            "archive-too-large", file_name, size=declared, limit=settings.max_unzipped_bytes
        )
    return infos


def _copy_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, file_name: str
) -> int:
    """Inflate one member into ``target`` (which must not exist), counting bytes as they come."""
    written = 0
    with zf.open(info) as src, target.open("xb") as dst:
        while chunk := src.read(CHUNK):
            written += len(chunk)
            if written > budget or written > info.file_size:
                raise refuse("archive-too-large", file_name, size=written, limit=budget)
            dst.write(chunk)
    return written


def safe_extract(
    zip_path: Path,
    dest_dir: Path,
    settings: Settings,
    *,
    allowed_suffixes: frozenset[str] = SHAPEFILE_SUFFIXES,
    display_name: str | None = None,
) -> list[Path]:
    """Extract a department's zip into ``dest_dir`` (an empty work directory) or refuse it.

    Raises FormatError naming the archive and the offending member; on a size overrun while
    inflating, whatever was written so far is removed.
    """
    file_name = display_name or zip_path.name
    root = dest_dir.resolve()
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise refuse("archive-unreadable", file_name, detail=str(exc)) from exc
    extracted: list[Path] = []
    with zf:
        infos = inspect_zip(zf, file_name, settings, allowed_suffixes)
        budget = settings.max_unzipped_bytes
        try:
            for info in infos:
                target = (root / info.filename).resolve()
                if not target.is_relative_to(root):
                    raise refuse("archive-unsafe-member", file_name, member=info.filename)
                target.parent.mkdir(parents=True, exist_ok=True)
                extracted.append(target)
                try:
                    budget -= _copy_member(zf, info, target, budget, file_name)
                except (zipfile.BadZipFile, EOFError) as exc:
                    # zipfile stops inflating at the size the central directory declares, so
                    # a lying header ends here as a CRC (or short-data) mismatch: name it.
                    raise refuse("archive-member-damaged", file_name, member=info.filename) from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            _remove(extracted)
            raise refuse("archive-unreadable", file_name, detail=str(exc)) from exc
        except BaseException:
            _remove(extracted)
            raise
    return extracted


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
