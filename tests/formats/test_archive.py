from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from tsunagu.errors import FormatError
from tsunagu.formats.archive import _copy_member, safe_extract

SHAPEFILE = {"sites.shp": b"shp", "sites.shx": b"shx", "sites.dbf": b"dbf", "sites.prj": b"prj"}


def make_zip(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def job(tmp_path: Path) -> tuple[Path, Path]:
    """(upload dir, empty work dir) inside tmp_path, so escapes are visible on the filesystem."""
    upload, work = tmp_path / "upload", tmp_path / "job" / "work"
    upload.mkdir()
    work.mkdir(parents=True)
    return upload, work


def refused(zip_path: Path, work: Path, settings, **kwargs) -> FormatError:
    with pytest.raises(FormatError) as info:
        safe_extract(zip_path, work, settings, **kwargs)
    assert info.value.problem is not None and info.value.problem.location.file == zip_path.name
    return info.value


def test_extracts_a_plain_shapefile(job, settings):
    upload, work = job
    paths = safe_extract(make_zip(upload / "s.zip", SHAPEFILE), work, settings)
    assert sorted(p.name for p in paths) == sorted(SHAPEFILE)
    assert (work / "sites.dbf").read_bytes() == b"dbf"


def test_parent_traversal_is_refused_and_nothing_written_outside(job, settings, tmp_path):
    upload, work = job
    members = {**SHAPEFILE, "../../evil.shp": b"x", "../escape.prj": b"x"}
    error = refused(make_zip(upload / "evil.zip", members), work, settings)
    assert error.code == "archive-unsafe-member"
    assert error.problem.params["member"] == "../../evil.shp"
    assert files_under(tmp_path) == ["upload/evil.zip"]


@pytest.mark.parametrize(
    ("member", "code"),
    [
        ("/abs/sites.shp", "archive-unsafe-member"),
        ("C:\\temp\\sites.shp", "archive-unsafe-member"),
        ("dir\\..\\sites.shp", "archive-unsafe-member"),
        ("inner.zip", "archive-nested"),
        ("notes.txt", "archive-member-not-allowed"),
        ("layer.vrt", "archive-member-not-allowed"),
    ],
)
def test_unsafe_members_are_refused(job, settings, member, code):
    upload, work = job
    error = refused(
        make_zip(upload / "bad.zip", {**SHAPEFILE, member: b"PK\x03\x04"}), work, settings
    )
    assert (error.code, error.problem.params["member"]) == (code, member)
    assert files_under(work) == []


def test_valid_shapefile_plus_extra_evil_member_is_refused(job, settings, tmp_path):
    upload, work = job
    error = refused(make_zip(upload / "x.zip", {**SHAPEFILE, "../evil.txt": b"x"}), work, settings)
    assert error.code == "archive-unsafe-member"
    assert files_under(tmp_path) == ["upload/x.zip"]


def test_symlink_member_is_refused(job, settings):
    upload, work = job
    error = refused(make_zip(upload / "l.zip", SHAPEFILE, symlink="link.prj"), work, settings)
    assert (error.code, error.problem.params["member"]) == ("archive-symlink", "link.prj")


def test_duplicate_names_are_refused(job, settings):
    upload, work = job
    path = upload / "dup.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sites.shp", b"a")
        zf.writestr("SITES.shp", b"b")
    assert refused(path, work, settings).code == "archive-duplicate-member"


def test_too_many_members_is_refused(job, settings):
    upload, work = job
    members = {f"part{i}.prj": b"x" for i in range(6)}
    error = refused(
        make_zip(upload / "many.zip", members), work, settings.replace(max_zip_members=5)
    )
    assert error.code == "archive-too-many-members"
    assert error.problem.params == {"count": 6, "limit": 5}


def test_bomb_is_refused_from_the_central_directory_before_extracting(job, settings):
    upload, work = job
    path = make_zip(upload / "bomb.zip", {**SHAPEFILE, "sites.dbf": b"\0" * 2_000_000})
    assert path.stat().st_size < 20_000
    error = refused(path, work, settings.replace(max_unzipped_bytes=1_000_000))
    assert error.code == "archive-too-large"
    assert error.problem.params["limit"] == 1_000_000
    assert files_under(work) == []


def test_lying_size_header_is_caught_by_the_streaming_counter(job, settings):
    upload, work = job
    path = make_zip(upload / "liar.zip", {"sites.dbf": b"\0" * 500_000, "sites.shp": b"shp"})
    data = bytearray(path.read_bytes())
    central = data.rfind(b"sites.dbf") - 46  # sites.dbf's central-directory entry
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # claims 10 bytes
    path.write_bytes(bytes(data))
    error = refused(path, work, settings.replace(max_unzipped_bytes=1_000))
    # zipfile never inflates past the declared size; the CRC then fails: refused, nothing kept
    assert (error.code, error.problem.params["member"]) == ("archive-member-damaged", "sites.dbf")
    assert files_under(work) == []


def test_streaming_counter_stops_inflating_at_the_budget(job, settings):
    upload, work = job
    path = make_zip(upload / "big.zip", {"sites.dbf": b"\0" * 300_000})
    with zipfile.ZipFile(path) as zf, pytest.raises(FormatError) as info:
        _copy_member(zf, zf.getinfo("sites.dbf"), work / "sites.dbf", 100_000, "big.zip")
    assert info.value.code == "archive-too-large"
    assert (work / "sites.dbf").stat().st_size <= 100_000


def test_not_a_zip_is_refused(job, settings):
    upload, work = job
    path = upload / "fake.zip"
    path.write_bytes(b"not a zip at all")
    assert refused(path, work, settings).code == "archive-unreadable"


def test_macos_resource_forks_are_skipped(job, settings):
    upload, work = job
    members = {**SHAPEFILE, "__MACOSX/._sites.shp": b"junk"}
    paths = safe_extract(make_zip(upload / "mac.zip", members), work, settings)
    assert sorted(p.name for p in paths) == sorted(SHAPEFILE)
    assert not (work / "__MACOSX").exists()
