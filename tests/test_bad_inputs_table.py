"""../shared/quality/security-and-bad-inputs.md §3, row by row: one parametrized case per row.

The file rows are driven as a department meets them: every file gets its own ``dataset.yaml``
(with a ``schema.json`` naming its columns) in one folder, and one ``tsunagu convert`` child
process runs over the whole folder (one start-up for fifty files keeps this fast). Each case then
reads its dataset's ``report.json`` (both languages) and outputs. The limits are lowered in a
settings file so the bombs and the vertex cap are reached with small files: what is tested is
that the guard exists and names its rule, not the size of the default. Rows about the site
(upload size, rendering, file names, concurrent posts, nested JSON) use the Flask test client.
A loopback listener counts connections: no row may make the product fetch anything.
"""

from __future__ import annotations

import io
import json
import math
import re
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.conftest import app, client, published  # noqa: F401  (fixtures)
from tests.webapp.test_upload import (  # noqa: F401  (fixtures and helpers)
    csrf_token,
    kenko,
    post_upload,
    settled,
    sign_in,
    state,
    tokens,
    upload_app,
    upload_id,
    upload_settings,
)

DATA = Path(__file__).parent / "data"
GIS, FORMATS = DATA / "gis", DATA / "formats"
MUNICIPALITY = (
    'code: "122173"\nname: 千葉県柏市\narea: [139.85, 35.77, 140.11, 35.95]\n'
    "departments:\n  bousai:\n    ja: 防災安全課\n    en: Disaster Prevention Division\n"
)
LIMITS = {  # lowered so that small files reach every guard
    "max_file_bytes": 40_000_000,
    "max_unzipped_bytes": 8_000_000,
    "max_vertices": 10_000,
}
MY_NUMBERS = ["123456789018", "234567890121", "345678901234", "987654321093"]  # synthetic
CORPORATE = ["7123456789012", "4011001098993", "2120901007402", "6000020122173"]
STAMPS = [
    f"2024{m:02d}{d:02d}{h:02d}{q:02d}"
    for m in (4, 5)
    for d in (1, 15)
    for h in range(8, 18)
    for q in (0, 15, 30, 45)
]
Maker = Callable[[Path, int], tuple[str, list[str]]]  # (folder, listener port) → source, fields


# ---------------------------------------------------------------------------------------------
# The files, one maker per dataset folder


def raw(data: bytes, fields: tuple[str, ...] = ("a", "b"), name: str = "x.csv") -> Maker:
    def make(folder: Path, _port: int) -> tuple[str, list[str]]:
        (folder / name).write_bytes(data)
        return name, list(fields)

    return make


def table(header: str, rows: list[str], encoding: str = "utf-8") -> Maker:
    text = header + "\n" + "".join(r + "\n" for r in rows)
    return raw(text.encode(encoding), tuple(header.split(",")))


def copied(
    name: str, *, src: Path = GIS, fields: tuple[str, ...] = ("名称",), to: str = ""
) -> Maker:
    def make(folder: Path, _port: int) -> tuple[str, list[str]]:
        target = folder / (to or name)
        target.write_bytes((src / name).read_bytes())
        if name == "vrt_disguised.geojson":
            (folder / "secret.csv").write_bytes((src / "secret.csv").read_bytes())
        return target.name, list(fields)

    return make


def shapefile_parts(skip: tuple[str, ...] = ()) -> list[tuple[str, bytes]]:
    return [
        (f"sites.{ext}", (GIS / f"sites_cp932.{ext}").read_bytes())
        for ext in ("shp", "shx", "dbf", "prj")
        if ext not in skip
    ]


def zipped(members: Callable[[], list[tuple[str, bytes]]], *, symlink: str | None = None) -> Maker:
    def make(folder: Path, _port: int) -> tuple[str, list[str]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Duplicate name" is the point
            with zipfile.ZipFile(folder / "x.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in members():
                    zf.writestr(name, data)
                if symlink:
                    info = zipfile.ZipInfo(symlink)
                    info.external_attr = 0o120777 << 16
                    zf.writestr(info, "/etc/passwd")
        return "x.zip", ["施設名", "住所", "収容人数"]

    return make


def with_parts(*extra: tuple[str, bytes], skip: tuple[str, ...] = (), **replace: bytes) -> Maker:
    def members() -> list[tuple[str, bytes]]:
        parts = [(n, replace.get(n.split(".")[1], d)) for n, d in shapefile_parts(skip)]
        return parts + list(extra)

    return zipped(members)


def dbf_claiming_4g_records() -> bytes:
    data = (GIS / "sites_cp932.dbf").read_bytes()
    return data[:4] + struct.pack("<I", 0xFFFFFFFF) + data[8:]


def long_line(folder: Path, _port: int) -> tuple[str, list[str]]:
    with (folder / "x.csv").open("wb") as fh:  # a 16 MB line without a newline
        fh.write(b"id,text\n1,")
        for _ in range(16):
            fh.write(b"a" * (1 << 20))
    return "x.csv", ["id", "text"]


def over_the_file_limit(folder: Path, _port: int) -> tuple[str, list[str]]:
    with (folder / "x.csv").open("wb") as fh:  # sparse: 1 byte over, no 40 MB written
        fh.truncate(LIMITS["max_file_bytes"] + 1)
    return "x.csv", ["a"]


def xlsx(fill: Callable[[Any, int], list[str]], name: str = "x.xlsx") -> Maker:
    def make(folder: Path, port: int) -> tuple[str, list[str]]:
        import openpyxl

        book = openpyxl.Workbook()
        fields = fill(book, port)
        book.save(folder / name)
        return name, fields

    return make


def hidden_my_numbers(book: Any, _port: int) -> list[str]:
    sheet = book.active
    sheet.title = "一覧"
    sheet.append(["名称"])
    sheet.append(["柏市役所"])
    hidden = book.create_sheet("控え")
    hidden.sheet_state = "hidden"
    hidden.append(["個人番号"])
    for number in MY_NUMBERS:
        hidden.append([number])
    return ["名称"]


def formulas(book: Any, port: int) -> list[str]:
    sheet = book.active
    sheet.append(["名称", "値"])
    sheet.append(["a", "=A1*2"])
    sheet.append(["b", f'=WEBSERVICE("http://127.0.0.1:{port}/formula")'])
    return ["名称", "値"]


def bomb_member(zf: zipfile.ZipFile, name: str, size: int, head: bytes = b"") -> None:
    with zf.open(name, "w", force_zip64=True) as member:
        member.write(head)
        chunk = b" " * (1 << 20)
        for _ in range(size >> 20):
            member.write(chunk)


def xlsx_bomb(folder: Path, _port: int) -> tuple[str, list[str]]:
    with zipfile.ZipFile(folder / "x.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types/>")
        bomb_member(zf, "xl/worksheets/sheet1.xml", 12 << 20)
    return "x.xlsx", ["a"]


def shapefile_bomb(folder: Path, _port: int) -> tuple[str, list[str]]:
    with zipfile.ZipFile(folder / "x.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in shapefile_parts(skip=("dbf",)):
            zf.writestr(name, data)
        bomb_member(zf, "sites.dbf", 12 << 20, (GIS / "sites_cp932.dbf").read_bytes())
    return "x.zip", ["施設名", "住所", "収容人数"]


def lying_zip(path: Path) -> Path:
    """A shapefile zip whose ``sites.dbf`` inflates to 12 MB (over the 8 MB limit) while its
    central-directory entry claims the real 3-record size: the header check alone passes it."""
    real = (GIS / "sites_cp932.dbf").read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in shapefile_parts():
            zf.writestr(name, real + b" " * (12 << 20) if name == "sites.dbf" else data)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"sites.dbf") - 46  # sites.dbf's central-directory entry
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 24 : central + 28] = len(real).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:  # the lie is what the central directory now says
        assert sum(i.file_size for i in zf.infolist()) < LIMITS["max_unzipped_bytes"]
    return path


def lying_shapefile(folder: Path, _port: int) -> tuple[str, list[str]]:
    lying_zip(folder / "x.zip")
    return "x.zip", ["施設名", "住所", "収容人数"]


def nested_zip() -> list[tuple[str, bytes]]:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("a.csv", "a\n1\n")
    return [*shapefile_parts(), ("inner.zip", inner.getvalue())]


def vrt_over_http(folder: Path, port: int) -> tuple[str, list[str]]:
    (folder / "x.geojson").write_text(
        '<OGRVRTDataSource><OGRVRTLayer name="s"><SrcDataSource>'
        f"/vsicurl/http://127.0.0.1:{port}/internal/secret.csv"
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    return "x.geojson", ["a"]


def features(*items: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(items)}).encode()


def point(x: float, y: float, **properties: Any) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": [x, y]}
    return {"type": "Feature", "properties": {"名称": "x", **properties}, "geometry": geometry}


def geojson(data: bytes, fields: tuple[str, ...] = ("名称",)) -> Maker:
    return raw(data, fields, "x.geojson")


def deep_geojson() -> bytes:
    depth = 1_000_000
    return (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        b'"geometry":{"type":"Polygon","coordinates":' + b"[" * depth + b"0" + b"]" * depth
    ) + b"}}]}"


def many_vertices() -> bytes:
    n = LIMITS["max_vertices"] + 2000
    ring = [
        [
            139.97 + 0.001 * math.cos(2 * math.pi * i / n),
            35.86 + 0.001 * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    shape = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    return features({"type": "Feature", "properties": {"名称": "x"}, "geometry": shape})


def mixed_types() -> bytes:
    collection = {"type": "GeometryCollection", "geometries": [point(139.97, 35.86)["geometry"]]}
    line = {"type": "LineString", "coordinates": [[139.97, 35.86], [139.98, 35.87]]}
    return features(
        point(139.97, 35.86),
        {"type": "Feature", "properties": {"名称": "y"}, "geometry": collection},
        {"type": "Feature", "properties": {"名称": "z"}, "geometry": line},
    )


def plain_sqlite(folder: Path, _port: int) -> tuple[str, list[str]]:
    connection = sqlite3.connect(folder / "x.gpkg")
    connection.execute("create table t(a)")
    connection.commit()
    connection.close()
    return "x.gpkg", ["a"]


def descriptor(path: str) -> Maker:
    def make(folder: Path, port: int) -> tuple[str, list[str]]:
        resource = {"name": "x", "path": path.format(port=port), "format": "csv"}
        (folder / "datapackage.json").write_text(json.dumps({"name": "x", "resources": [resource]}))
        return "datapackage.json", ["a"]

    return make


UTF8_THEN_CP932 = "".join(f"{i},柏{i}\n" for i in range(5000)).encode() + "5001,髙橋\n".encode(
    "cp932"
)
FOLDERS: dict[str, Maker] = {
    "1": raw(b""),
    "2": over_the_file_limit,
    "3": long_line,
    "4": raw((",".join(f"c{i}" for i in range(100_000)) + "\n").encode() * 2),
    "5": raw(b"a,b\n" + b"a," * 200_000 + b"a\n"),
    "6": raw(b"id,text\n1," + b"a" * 40_000 + b"\n", ("id", "text")),
    "7": raw(b"a,b\n1,x\x00y\n"),
    "8-nul": raw(b"\x00" * 4096),
    "8-binary": raw(bytes((i * 7919) % 256 for i in range(3000))),
    "8-png": copied("png_renamed.csv", src=FORMATS, to="x.csv"),
    "9": table("id,施設名", ["1,髙", "2,﨑", "3,①", "4,㈱", "5,ｶｼﾜ"], "cp932"),
    "10": table("id,施設名", ["1,髙"], "cp932"),
    "11": raw(b"id,name\n" + UTF8_THEN_CP932, ("id", "name")),
    "12-utf16": table("id,施設名", ["1,柏"], "utf-16"),
    "12-bom": table("id,施設名", ["1,柏"], "utf-8-sig"),
    "13": raw(
        ("名称,名称,,備考,区分,住所,電話, \n" + "柏,手賀,x,y,z,柏市,04,w\n" * 5).encode(),
        ("名称", "備考", "区分", "住所", "電話"),
    ),
    "16": raw(
        "名称,備考\n柏,=1+1\n手賀,+1+1\n我孫子,-2+3\n流山,@SUM(1 1)\n"
        '松戸,"\t=1+1"\n野田,＝1+1\n'.encode(),
        ("名称", "備考"),
    ),
    "17": xlsx_bomb,
    "18-xlsm": copied("macro.xlsx", src=FORMATS, to="x.xlsm"),
    "18-hidden": xlsx(hidden_my_numbers),
    "19": xlsx(formulas),
    "20": copied("huge_dimension.xlsx", src=FORMATS, fields=("施設名", "電話番号"), to="x.xlsx"),
    "21": with_parts(("../../zs_evil/x.txt", b"x")),
    "22-absolute": with_parts(("/abs/x.txt", b"x")),
    "22-drive": with_parts(("C:\\x.txt", b"x")),
    "22-symlink": zipped(shapefile_parts, symlink="link.prj"),
    "22-duplicate": with_parts(("sites.prj", b"again")),
    "23": with_parts(("../evil.txt", b"x")),
    "24-shapefile": shapefile_bomb,
    "24-geojson": zipped(lambda: [("x.geojson", b"{}")]),
    "24-lying": lying_shapefile,
    "25-nested": zipped(nested_zip),
    "25-members": with_parts(*[(f"m{i}.prj", b"x") for i in range(120)]),
    "26": copied("vrt_disguised.geojson"),
    "27": vrt_over_http,
    "28-prj": with_parts(skip=("prj",)),
    "28-shx": with_parts(skip=("shx",)),
    "28-dbf": with_parts(skip=("dbf",)),
    "29": with_parts(prj=b"garbage"),
    "30": with_parts(dbf=dbf_claiming_4g_records()),
    "31": with_parts(("sites.cpg", b"UTF-8")),
    "32": geojson(deep_geojson()),
    "33": geojson(many_vertices()),
    "34": copied("legacy_crs_6677.geojson", fields=("名称", "収容人数")),
    "35": geojson(features(point(-5000, -35000))),
    "36": copied("bad_coordinates.geojson"),
    "37-38-39": copied("geometry_problems.geojson"),
    "40": geojson(mixed_types()),
    "41-layers": copied("two_layers.gpkg", fields=("施設名", "住所", "収容人数")),
    "41-sqlite": plain_sqlite,
    "42": table("個人番号,名称", [f"{n},x" for n in MY_NUMBERS]),
    "43": table("法人番号,事業者", [f"{n},法人" for n in CORPORATE]),
    "44": table("受付日時,備考", [f"{s},{s} 受付" for s in STAMPS]),
    "45": table(
        "氏名,電話番号,メール",
        ["柏 太郎,090-1234-5678,yamada.taro1975@gmail.com", "柏 花子,080-2345-6789,h@yahoo.co.jp"],
    ),
    "46": table("施設名,代表電話,所在地", ["柏市役所,04-7167-1111,千葉県柏市柏五丁目10番1号"]),
    "47": geojson(
        features(
            *(
                point(139.9722 + i * 1e-4, 35.8641, 氏名=f"柏 太郎{i}", 区分="避難行動要支援者")
                for i in range(5)
            )
        ),
        ("名称", "氏名", "区分"),
    ),
    "47-nameless": geojson(
        features(*(point(139.9722 + i * 1e-4, 35.8641, 区分="避難行動要支援者") for i in range(5))),
        ("名称", "区分"),
    ),
    "50-http": descriptor("http://127.0.0.1:{port}/x.csv"),
    "50-parent": descriptor("../../etc/passwd"),
}


# ---------------------------------------------------------------------------------------------
# One convert over every folder


@dataclass
class Batch:
    root: Path
    out: Path
    stdout: str
    stderr: str
    returncode: int
    fetches: list[str]

    def report(self, key: str) -> dict[str, Any]:
        path = self.out / f"row-{key}" / "report.json"
        assert path.is_file(), f"no report for row {key}\n{self.stdout[-3000:]}"
        return json.loads(path.read_text(encoding="utf-8"))

    def problems(self, key: str, code: str | None = None) -> list[dict[str, Any]]:
        found = self.report(key)["problems"]
        return [p for p in found if code is None or p["code"] == code]

    def codes(self, key: str) -> set[str]:
        return {p["code"] for p in self.problems(key)}

    def outputs(self, key: str) -> list[str]:
        folder = self.out / f"row-{key}"
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith("report"))

    def output(self, key: str, suffix: str) -> Path:
        return self.out / f"row-{key}" / f"row-{key}{suffix}"

    def refused(self, key: str, code: str, *parts: str) -> dict[str, Any]:
        """The dataset stopped with ``code``, in both languages, naming where; no outputs."""
        matching = self.problems(key, code)
        assert matching, (key, self.codes(key))
        problem = matching[0]
        assert problem["severity"] in ("error", "block"), problem
        assert problem["location"].get("file"), problem  # the message names the file
        en, ja = problem["message"]["en"], problem["message"]["ja"]
        assert en.startswith(problem["location"]["file"]) and "{" not in en + ja, problem
        assert re.search("[\u3040-\u30ff\u4e00-\u9fff]", ja), ja
        for part in parts:
            assert part in en, (part, en)
        assert self.outputs(key) == [], f"row {key} published outputs despite {code}"
        return problem

    def valid(self, key: str) -> dict[str, Any]:
        report = self.report(key)
        blocking = [p for p in report["problems"] if p["severity"] in ("error", "block")]
        assert blocking == [], blocking
        assert self.output(key, ".csv").is_file(), self.outputs(key)
        return report


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    root = tmp_path_factory.mktemp("table")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    fetches: list[str] = []
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            fetches.append(connection.recv(200).decode("latin-1"))
            connection.close()

    watcher = threading.Thread(target=count, daemon=True)
    watcher.start()
    rows = root / "rows"
    rows.mkdir()
    (rows / "municipality.yaml").write_text(MUNICIPALITY, encoding="utf-8")
    for key, make in FOLDERS.items():
        folder = rows / f"row-{key}"
        folder.mkdir()
        source, fields = make(folder, port)
        schema = {"fields": [{"name": f, "type": "string"} for f in fields]}
        (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), "utf-8")
        (folder / "dataset.yaml").write_text(
            f"id: row-{key}\ntitle: {{ja: 行{key}, en: row {key}}}\ndepartment: bousai\n"
            f"schema: schema.json\nsources:\n  - path: {source}\n",
            encoding="utf-8",
        )
    config = root / "tsunagu.yaml"
    config.write_text(json.dumps(LIMITS), encoding="utf-8")
    out = root / "out"
    done = subprocess.run(
        [sys.executable, "-m", "tsunagu", "--config", str(config), "--lang", "en",
         "--data-dir", str(root / "instance"), "convert", str(rows), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "250"},
    )  # fmt: skip
    stop.set()
    watcher.join(timeout=5)
    listener.close()
    return Batch(root, out, done.stdout, done.stderr, done.returncode, fetches)


def test_the_batch_ran_without_a_traceback_and_fetched_nothing(batch):
    assert "Traceback" not in batch.stdout + batch.stderr, batch.stderr[-3000:]
    assert batch.returncode == 2, batch.stdout[-3000:]  # unreadable inputs among them
    assert batch.fetches == []  # no VRT, formula, descriptor or anything else called out
    assert not list(batch.root.rglob("zs_evil")) and not list(batch.root.rglob("evil.txt"))


# ---------------------------------------------------------------------------------------------
# The rows


def row_1(b: Batch, request) -> None:
    b.refused("1", "file-empty", "The file is empty")


def row_2(b: Batch, request) -> None:
    from tsunagu.config import load_settings
    from tsunagu.services.tokens import TokenStore
    from tsunagu.webapp import create_app

    b.refused("2", "file-too-large", f"the limit is {LIMITS['max_file_bytes']} bytes")
    data_dir = request.getfixturevalue("tmp_path") / "small"
    settings = load_settings({"data_dir": data_dir, "max_upload_bytes": 1500}, env={})
    data_dir.mkdir(parents=True)
    site = create_app(settings, catalogue=request.getfixturevalue("published"))
    session = site.test_client()
    assert sign_in(session, TokenStore(settings.database).create("kenko").token).status_code == 303
    with_length = post_upload(session, DATA / "webapp" / "aed_good.csv")
    assert with_length.status_code == 413 and "1,500 bytes" in with_length.text
    chunked = session.post(  # no Content-Length: the limit still holds while reading
        "/upload",
        input_stream=io.BytesIO(b"x" * 4000),
        content_type="multipart/form-data; boundary=z",
        environ_overrides={"wsgi.input_terminated": True},
        headers={"Transfer-Encoding": "chunked"},
    )
    assert chunked.status_code in (400, 413), chunked.status_code
    assert not list((data_dir / "uploads").glob("kenko/*"))


def row_3(b: Batch, request) -> None:
    b.refused("3", "line-too-long", "x.csv, row 2:", "The line is too long")


def row_4(b: Batch, request) -> None:
    b.refused("4", "too-many-columns", "x.csv, row 1:", "(100000; the limit is 1000)")


def row_5(b: Batch, request) -> None:
    b.refused("5", "too-many-columns", "x.csv, row 2:")


def row_6(b: Batch, request) -> None:
    b.refused("6", "cell-too-long", 'x.csv, row 2, column "text":', "limit 32767")


def row_7(b: Batch, request) -> None:
    b.refused("7", "nul-byte", "x.csv, row 2:", "NUL character (0x00)")


def row_8(b: Batch, request) -> None:
    for key in ("8-nul", "8-binary", "8-png"):
        b.refused(key, "file-not-text", "not a text CSV file")


def row_9(b: Batch, request) -> None:
    report = b.valid("9")
    assert report["facts"]["encoding"] == "cp932"
    text = b.output("9", ".csv").read_text(encoding="utf-8")
    assert text.splitlines() == ["id,施設名", "1,髙", "2,﨑", "3,①", "4,㈱", "5,カシワ"]
    assert [c["code"] for c in report["changes"]] == ["normalized-kana"]  # said, not silent


def row_10(b: Batch, request) -> None:
    b.valid("10")
    text = b.output("10", ".csv").read_text(encoding="utf-8")
    assert "髙" in text and "īą" not in text


def row_11(b: Batch, request) -> None:
    b.refused("11", "encoding-undecodable", "row 5002, byte ")


def row_12(b: Batch, request) -> None:
    for key in ("12-utf16", "12-bom"):
        b.valid(key)
        assert b.output(key, ".csv").read_bytes().startswith("id,施設名\r\n".encode())  # no BOM


def row_13(b: Batch, request) -> None:
    b.refused("13", "header-duplicate", "appears in both column 1 and column 2")
    assert len(b.problems("13", "header-empty")) == 2  # the blank and the space-only one


def row_14(b: Batch, request) -> None:
    header = "<img src=x onerror=alert(1)>"
    site = request.getfixturevalue("client")
    _publish_hostile(request, header)
    for url in ("/datasets/hostile-table", "/datasets"):
        page = site.get(url)
        assert page.status_code == 200
        assert header not in page.text, url
    assert "&lt;img src=x onerror=alert(1)&gt;" in site.get("/datasets/hostile-table").text


def row_15(b: Batch, request) -> None:
    site = request.getfixturevalue("client")
    _publish_hostile(request, "名称")
    page = site.get("/datasets/hostile-table").text
    for payload in PAYLOADS[:2]:  # markup; the JS-literal ones are inert in HTML text and are
        assert payload not in page, payload  # the map's (tests/webapp/test_map_popups_browser)
    rows = site.get("/api/v1/datasets/hostile-table/rows")
    assert rows.status_code == 200 and rows.mimetype == "application/json"
    assert rows.headers["X-Content-Type-Options"] == "nosniff"
    assert set(PAYLOADS) <= {v for r in rows.json["rows"] for v in r.values()}  # exact JSON


def row_16(b: Batch, request) -> None:
    from tsunagu.services.dataset_view import excel_csv_chunks

    warning = b.problems("16", "formula-like-cells")[0]
    assert warning["severity"] == "warning"
    assert "rows: 2, 3, 4, 5, 6, 7" in warning["message"]["en"]  # names the cells
    canonical = b.output("16", ".csv").read_text(encoding="utf-8").splitlines()
    assert "野田,＝1+1" in canonical  # never turned into a live =1+1
    for_excel = b"".join(excel_csv_chunks(b.output("16", ".csv"))).decode("utf-8-sig")
    cells = [line.split(",", 1)[1] for line in for_excel.splitlines()[1:]]
    assert all(c.lstrip('"').startswith("'") for c in cells if c != "＝1+1"), cells
    with zipfile.ZipFile(b.out / "row-16" / "report.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in book.read(n) for n in sheets)


def row_17(b: Batch, request) -> None:
    b.refused("17", "archive-too-large", f"the limit is {LIMITS['max_unzipped_bytes']}")


def row_18(b: Batch, request) -> None:
    b.refused("18-xlsm", "excel-macro-refused", ".xlsm")
    b.refused("18-hidden", "excel-hidden-personal-number", "sheet '控え'")
    assert "excel-hidden-content" in b.codes("18-hidden")  # reported, not only blocked
    assert MY_NUMBERS[0] not in json.dumps(b.report("18-hidden"))  # never echoed


def row_19(b: Batch, request) -> None:
    assert "excel-formula-flattened" in b.codes("19")
    assert not [f for f in b.fetches if "/formula" in f]  # WEBSERVICE never called


def row_20(b: Batch, request) -> None:
    report = b.report("20")
    assert report["facts"].get("rows", 0) <= 10  # read in bounded time, not 1M×16k cells
    assert not [p for p in report["problems"] if p["code"].startswith("schema-drift")]


def row_21(b: Batch, request) -> None:
    b.refused("21", "archive-unsafe-member", '"../../zs_evil/x.txt"')


def row_22(b: Batch, request) -> None:
    b.refused("22-absolute", "archive-unsafe-member", '"/abs/x.txt"')
    b.refused("22-drive", "archive-unsafe-member", '"C:\\x.txt"')
    b.refused("22-symlink", "archive-symlink")
    b.refused("22-duplicate", "archive-duplicate-member", "sites.prj")


def row_23(b: Batch, request) -> None:
    b.refused("23", "archive-unsafe-member", '"../evil.txt"')


def row_24(b: Batch, request) -> None:
    b.refused("24-shapefile", "archive-too-large")
    b.refused("24-geojson", "archive-member-not-allowed")  # refused before inflating
    # The header lies: the streaming read stops at the declared size and the CRC fails, so
    # nothing past the claim is inflated; refused, and no work file is left anywhere.
    b.refused("24-lying", "archive-member-damaged", '"sites.dbf"', "unpacking stopped")
    assert not [p for p in b.root.rglob("sites.*") if p.stat().st_size > 1 << 20]
    # The same zip uploaded through the site: the upload is refused the same way, not a 500.
    session, settings = request.getfixturevalue("kenko"), request.getfixturevalue("upload_settings")
    zip_path = lying_zip(request.getfixturevalue("tmp_path") / "lying.zip")
    ident = upload_id(post_upload(session, zip_path, filename="sites.zip"))
    page = settled(session, ident)
    assert state(page.text) == "invalid" and 'data-code="archive-member-damaged"' in page.text
    assert 'id="publish"' not in page.text
    stored = [p for p in (settings.data_dir / "uploads").rglob("*") if p.is_file()]
    assert all(p.stat().st_size < 1 << 20 for p in stored), stored  # nothing inflated past


def row_25(b: Batch, request) -> None:
    b.refused("25-nested", "archive-nested", "inner.zip")
    b.refused("25-members", "archive-too-many-members")


def row_26(b: Batch, request) -> None:
    b.refused("26", "format-content-mismatch", "begins like XML/HTML")
    assert "hunter2" not in b.stdout and "hunter2" not in json.dumps(b.report("26"))


def row_27(b: Batch, request) -> None:
    b.refused("27", "format-content-mismatch")
    assert not [f for f in b.fetches if "/internal/" in f]


def row_28(b: Batch, request) -> None:
    b.refused("28-prj", "crs-missing", '"sites.prj" is missing')
    b.refused("28-shx", "shapefile-part-missing", '"sites.shx"')
    b.refused("28-dbf", "shapefile-part-missing", '"sites.dbf"')


def row_29(b: Batch, request) -> None:
    b.refused("29", "crs-unknown", "sites.prj")


def row_30(b: Batch, request) -> None:
    report = b.valid("30")  # GDAL clamps the lie: the 3 real records, in bounded time
    assert report["facts"]["features"] == 3


def row_31(b: Batch, request) -> None:
    assert b.problems("31", "dbf-cpg-wrong")[0]["severity"] == "warning"
    assert "柏第一小学校" in b.output("31", ".csv").read_text(encoding="utf-8")


def row_32(b: Batch, request) -> None:
    b.refused("32", "geojson-too-deep")
    site = request.getfixturevalue("client")
    deep = '{"q": ' * 100_000 + "1" + "}" * 100_000
    answer = site.post("/api/3/action/package_search", data=deep, content_type="application/json")
    assert answer.status_code == 400 and answer.mimetype == "application/json"
    assert "JSON" in answer.json  # CKAN's own shape for an undecodable body: a JSON string


def row_33(b: Batch, request) -> None:
    b.refused("33", "geometry-too-many-vertices", f"{LIMITS['max_vertices']}")


def row_34(b: Batch, request) -> None:
    assert b.problems("34", "geojson-crs-member")[0]["severity"] == "warning"
    b.valid("34")
    output = json.loads(b.output("34", ".geojson").read_text(encoding="utf-8"))
    assert "crs" not in output
    lon, lat = output["features"][0]["geometry"]["coordinates"]
    assert 139.9 < lon < 140.0 and 35.8 < lat < 35.9


def row_35(b: Batch, request) -> None:
    problem = b.refused("35", "crs-metres-as-degrees", "feature 1")
    assert problem["location"]["feature"] == 1


def row_36(b: Batch, request) -> None:
    b.refused("36", "coordinate-swapped-geo", "feature 2")
    b.refused("36", "crs-metres-as-degrees", "feature 3")
    located = {
        p["location"].get("feature")
        for p in b.problems("36")
        if p["severity"] in ("error", "block")
    }
    assert {2, 3, 4, 5, 6, 7} <= located, located  # lon 500 too; each by its feature
    flagged = {p["location"].get("feature") for p in b.problems("36", "coordinate-not-finite")}
    assert len(flagged) >= 3 and None not in flagged  # NaN, Infinity, 1e308 by feature


def row_37(b: Batch, request) -> None:
    assert b.problems("37-38-39", "geometry-repaired")[0]["location"]["feature"] == 2
    b.refused("37-38-39", "geometry-repair-changes-type", "feature 4", "Polygon → Point")


def row_38(b: Batch, request) -> None:
    features = [p["location"]["feature"] for p in b.problems("37-38-39", "geometry-unparsable")]
    assert features == [3, 8]


def row_39(b: Batch, request) -> None:
    assert b.problems("37-38-39", "geometry-null")[0]["location"]["feature"] == 5
    assert b.problems("37-38-39", "geometry-empty")[0]["location"]["feature"] == 6


def row_40(b: Batch, request) -> None:
    assert b.problems("40", "geometry-collection")[0]["location"]["feature"] == 2
    b.valid("40")


def row_41(b: Batch, request) -> None:
    b.refused("41-layers", "gis-layer-ambiguous", "shelters, areas")
    b.refused("41-sqlite", "format-content-mismatch", "read as gpkg", "begins like SQLite")


def row_42(b: Batch, request) -> None:
    problem = b.refused("42", "personal-number", 'column "個人番号"')
    assert problem["severity"] == "block"
    assert not any(n in json.dumps(b.report("42")) for n in MY_NUMBERS)


def row_43(b: Batch, request) -> None:
    b.valid("43")
    assert "personal-number" not in b.codes("43")


def row_44(b: Batch, request) -> None:
    b.valid("44")
    assert not b.codes("44") & {"personal-number", "personal-data-suspected"}


def row_45(b: Batch, request) -> None:
    b.refused("45", "personal-data-suspected")
    columns = {p["location"].get("column") for p in b.problems("45", "personal-data-suspected")}
    assert {"氏名", "電話番号", "メール"} <= columns


def row_46(b: Batch, request) -> None:
    b.valid("46")  # a facility's own phone and address are public by design
    assert "personal-data-suspected" not in b.codes("46")
    note = b.problems("46", "personal-data-public-contact")  # passes, with a note that says so
    assert [p["severity"] for p in note] == ["info"]
    assert "代表電話, 所在地" in note[0]["message"]["en"] and "代表電話" in note[0]["message"]["ja"]


def row_47(b: Batch, request) -> None:
    b.refused("47", "personal-data-suspected", 'column "氏名"')
    block = b.refused("47-nameless", "care-locations", "500 m mesh")  # no names: still blocked
    assert block["severity"] == "block"


def row_48(b: Batch, request) -> None:
    from tsunagu.services.uploads import UploadStore

    session, settings = request.getfixturevalue("kenko"), request.getfixturevalue("upload_settings")
    source = DATA / "webapp" / "empty.csv"
    names = ["../../x.csv", "x.csv%00.png.csv", "a" * 300 + ".csv", "CON.csv",
             "\u202ecod.csv", "<script>.csv"]  # fmt: skip
    for name in names:
        ident = upload_id(post_upload(session, source, filename=name))
        settled(session, ident)
        upload = UploadStore(settings).get(ident)
        assert upload.source_path.name == "source.csv"  # a server-generated name
        assert upload.directory.parent == settings.data_dir / "uploads" / "kenko"
        assert "<script>.csv" not in session.get(f"/upload/{ident}").text


def row_49(b: Batch, request) -> None:
    site, keys = request.getfixturevalue("upload_app"), request.getfixturevalue("tokens")
    catalogue = request.getfixturevalue("published")
    clients = [site.test_client(), site.test_client()]
    for one in clients:
        sign_in(one, keys["kenko"])
    barrier, answers = threading.Barrier(2), []

    def post(one) -> None:
        barrier.wait()
        answers.append(post_upload(one, DATA / "webapp" / "aed_good.csv"))

    threads = [threading.Thread(target=post, args=(one,)) for one in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(a.status_code for a in answers) in ([303, 303], [303, 409])
    for one, answer in zip(clients, answers, strict=True):
        if answer.status_code != 303:
            continue
        ident = upload_id(answer)
        token = csrf_token(settled(one, ident).text)
        one.post(f"/upload/{ident}/publish", data={"csrf_token": token})
        assert state(settled(one, ident).text) == "published"
    # One dataset, one version: the second publish of the same data is "unchanged" (it used to
    # make a version 2 differing only in its datapackage.json's ``created`` stamp).
    assert len(catalogue.list_versions("kashiwa-aed-upload")) == 1


def row_50(b: Batch, request) -> None:
    for key in ("50-http", "50-parent"):
        b.refused(key, "format-content-mismatch", "read as geojson")
    assert not [f for f in b.fetches if "/x.csv" in f]


PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "\\`);alert(1);//",
]


def _publish_hostile(request, header: str) -> None:
    """A published dataset whose header and cells carry the §2.1 payloads."""
    import hashlib

    from tests.webapp.conftest import _meta
    from tsunagu.catalogue.base import PublishRequest, ResourceFile

    catalogue = request.getfixturevalue("published")
    folder = request.getfixturevalue("tmp_path") / "hostile"
    folder.mkdir(exist_ok=True)
    path = folder / "x.csv"
    lines = [f'"{header}",備考'] + [
        f'"{p.replace(chr(34), chr(34) * 2)}",${{alert(1)}}' for p in PAYLOADS
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    data = path.read_bytes()
    file = ResourceFile(
        "csv", path, "x.csv", "CSV", "text/csv", hashlib.sha256(data).hexdigest(), len(data)
    )
    catalogue.publish(PublishRequest(_meta("hostile-table", tags=()), (file,)))


ROWS: dict[str, Callable[[Batch, Any], None]] = {
    name.removeprefix("row_"): check
    for name, check in sorted(globals().items(), key=lambda kv: kv[0])
    if name.startswith("row_") and callable(check)
}


def test_every_row_of_the_table_has_a_case():
    assert sorted(ROWS, key=int) == [str(n) for n in range(1, 51)]


@pytest.mark.parametrize("row", sorted(ROWS, key=int))
def test_row(row, batch, request):
    ROWS[row](batch, request)
