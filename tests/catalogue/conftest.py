"""Catalogue fixtures: real implementations only — SQLite always, PostgreSQL and CKAN when set.

``CKAN_URL`` plus ``CKAN_API_TOKEN`` (or ``CKAN_API_TOKEN_FILE``) point at the real CKAN from
../shared/ckan-local (``.ci/run`` starts it); ``TSUNAGU_TEST_PG_URL`` at a PostgreSQL database.
Without them those parameters skip with the reason.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile


def ckan_credentials() -> tuple[str, str] | None:
    url = os.environ.get("CKAN_URL")
    token = os.environ.get("CKAN_API_TOKEN")
    token_file = os.environ.get("CKAN_API_TOKEN_FILE")
    if not token and token_file and Path(token_file).is_file():
        token = Path(token_file).read_text(encoding="utf-8").strip()
    return (url, token) if url and token else None


def make_local(tmp_path: Path, url: str | None = None):
    from tsunagu.catalogue.local import LocalCatalogue

    return LocalCatalogue(url or f"sqlite:///{tmp_path / 'cat.sqlite3'}", tmp_path / "storage")


def make_ckan(**kwargs):
    from tsunagu.catalogue.ckan import CkanCatalogue
    from tsunagu.catalogue.retry import RetryPolicy

    creds = ckan_credentials()
    if creds is None:
        pytest.skip("CKAN_URL and CKAN_API_TOKEN(_FILE) not set: start ../shared/ckan-local/up.sh")
    url = kwargs.pop("url", creds[0])
    retry = kwargs.pop("retry", RetryPolicy(base_delay=0.05, max_delay=0.2))
    return CkanCatalogue(url, creds[1], timeout=kwargs.pop("timeout", 10), retry=retry)


@pytest.fixture(
    params=[
        "local-sqlite",
        pytest.param("local-postgres", marks=pytest.mark.postgres),
        pytest.param("ckan", marks=pytest.mark.ckan),
    ]
)
def catalogue(request, tmp_path):
    if request.param == "local-sqlite":
        return make_local(tmp_path)
    if request.param == "local-postgres":
        url = os.environ.get("TSUNAGU_TEST_PG_URL")
        if not url:
            pytest.skip("TSUNAGU_TEST_PG_URL not set (a PostgreSQL database for tests)")
        return make_local(tmp_path, url)
    return make_ckan()


@pytest.fixture
def unique_id() -> str:
    """Dataset ids unique per test, so runs against a shared CKAN never collide."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_request(tmp_path: Path) -> Callable[..., PublishRequest]:
    def _make(dataset_id: str, files: dict[str, str], **meta_changes: object) -> PublishRequest:
        folder = tmp_path / "files" / uuid.uuid4().hex[:6]
        folder.mkdir(parents=True)
        resources = []
        for key, content in files.items():
            ext = "geojson" if key.endswith("geojson") else "csv"
            path = folder / f"{dataset_id}-{key}.{ext}"
            path.write_text(content, encoding="utf-8")
            data = path.read_bytes()
            fmt, mediatype = (
                ("GeoJSON", "application/geo+json") if ext == "geojson" else ("CSV", "text/csv")
            )
            resources.append(
                ResourceFile(
                    key,
                    path,
                    path.name,
                    fmt,
                    mediatype,
                    hashlib.sha256(data).hexdigest(),
                    len(data),
                )
            )
        meta = {
            "id": dataset_id,
            "title_ja": "柏市AED設置箇所一覧",
            "title_en": "Kashiwa AEDs",
            "description_ja": "市の施設のAED",
            "description_en": "AEDs in city facilities",
            "organisation": "kenko",
            "organisation_title_ja": "健康政策課",
            "organisation_title_en": "Health Policy Division",
            "standard": "aed-installations",
            "standard_title": "AED設置箇所一覧",
            "licence": "CC-BY-4.0",
            "update_frequency": "yearly",
            "tags": ("防災", "AED"),
            "municipality_code": "122173",
            "municipality_name": "千葉県柏市",
            "spatial": None,
        }
        meta.update(meta_changes)
        return PublishRequest(DatasetMeta(**meta), tuple(resources), {"summary": {"error": 0}})

    return _make


class CkanDirect:
    """Reads and cleans CKAN directly (never through the fault proxy), to assert the real state."""

    def __init__(self, url: str, token: str | None) -> None:
        import requests

        self.url = url.rstrip("/")
        self.token = token
        self.session = requests.Session()

    def action(self, action_name: str, /, *, anonymous: bool = False, **data: object) -> dict:
        headers = {} if anonymous or not self.token else {"Authorization": self.token}
        response = self.session.post(
            f"{self.url}/api/3/action/{action_name}", json=data, headers=headers, timeout=30
        )
        return response.json()

    def package(self, dataset_id: str, *, anonymous: bool = False) -> dict | None:
        body = self.action("package_show", anonymous=anonymous, id=dataset_id)
        return body["result"] if body.get("success") else None

    def purge(self, dataset_id: str) -> None:
        self.action("dataset_purge", id=dataset_id)

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def ckan_direct():
    creds = ckan_credentials()
    if creds is None:
        pytest.skip("CKAN_URL and CKAN_API_TOKEN(_FILE) not set: start ../shared/ckan-local/up.sh")
    direct = CkanDirect(*creds)
    yield direct
    direct.close()


@pytest.fixture
def fault_proxy(ckan_direct):
    """A fault-injecting proxy in front of the real CKAN; stopped when the test ends."""
    from tests.catalogue.fault_proxy import FaultProxy

    proxy = FaultProxy(ckan_direct.url).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxied_ckan(fault_proxy):
    """``proxied_ckan(token=..., attempts=..., timeout=...)`` → CkanCatalogue through the proxy,
    with an injected sleep that records the delays instead of waiting."""
    from tsunagu.catalogue.ckan import CkanCatalogue
    from tsunagu.catalogue.retry import RetryPolicy

    def _make(*, token: str | None = None, attempts: int = 3, timeout: float = 10):
        creds = ckan_credentials()
        assert creds is not None
        slept: list[float] = []
        policy = RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=4, sleep=slept.append)
        return CkanCatalogue(
            fault_proxy.url, creds[1] if token is None else token, timeout=timeout, retry=policy
        )

    return _make
