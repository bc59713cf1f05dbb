"""The dashboard, the indicator APIs, the department to-do list, the dataset-page charts and the
counting rule, through the app's own routes (test client over a real local catalogue)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.webapp.conftest import _file, _meta
from tsunagu.catalogue.base import PublishRequest
from tsunagu.catalogue.usage import totals
from tsunagu.config import load_settings
from tsunagu.publisher.audit import AuditLog
from tsunagu.webapp import create_app

PERSON = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CRAWLER = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
SCRIPT = "python-requests/2.32.3"


def _counts(app) -> dict[tuple[str, str], int]:
    counter = app.extensions["tsunagu_usage"]
    counter.flush()
    return totals(counter.store.rows())


def _get(client, url: str, agent: str = PERSON, **headers: str):
    return client.get(url, headers={"User-Agent": agent, **headers})


def test_counting_follows_the_documented_bot_rule(app, client):
    page, download = "/datasets/kashiwa-aed", "/datasets/kashiwa-aed/resources/csv/aed.csv"
    api, package = "/api/v1/datasets/kashiwa-aed", "/api/3/action/package_show?id=kashiwa-aed"
    for agent in (PERSON, CRAWLER, SCRIPT, ""):
        for url in (page, download, api, package, "/api/v1/datasets", "/ogc/collections"):
            assert _get(client, url, agent).status_code == 200, (url, agent)
    assert _get(client, "/datasets/kashiwa-aed/versions/1/csv/aed.csv").status_code == 200
    assert _get(client, "/datasets/nothing-here").status_code == 404  # errors are not counted
    assert client.head(page, headers={"User-Agent": PERSON}).status_code == 200
    assert _get(client, page, **{"Sec-Purpose": "prefetch"}).status_code == 200
    assert _get(client, "/datasets").status_code == 200  # not a dataset page
    assert _counts(app) == {
        ("page", "kashiwa-aed"): 1,  # the person only (not the crawler, the script, no agent)
        ("download", "kashiwa-aed"): 2,  # the latest file and version 1, by the person
        ("api", "kashiwa-aed"): 6,  # person, script and no agent; twice each; not the crawler
        ("api", ""): 6,  # the search and the OGC collection list: no single dataset
    }
    text = _get(client, "/dashboard?lang=ja").get_data(as_text=True)
    by_file = text.split('id="downloads-by-file"')[1].split("</table>")[0]
    assert re.findall(r"<tr><th[^>]*>([^<]*)</th><td>([^<]*)</td><td>(\d+)</td></tr>", by_file) == [
        ("kashiwa-aed", "csv", "2")
    ]
    rows = app.extensions["tsunagu_usage"].store.rows()
    assert {r.resource_key for r in rows if r.kind == "download"} == {"csv"}


def test_counting_can_be_switched_off(tmp_path, published):
    settings = load_settings({"data_dir": tmp_path / "off", "usage_counting": "off"}, env={})
    app = create_app(settings, catalogue=published)
    assert "tsunagu_usage" not in app.extensions
    assert _get(app.test_client(), "/datasets/kashiwa-aed").status_code == 200


def test_dashboard_in_japanese_and_english(client):
    _get(client, "/datasets/kashiwa-aed")
    ja = _get(client, "/dashboard?lang=ja")
    assert ja.status_code == 200
    text = ja.get_data(as_text=True)
    assert "オープンデータの指標（EBPM）" in text
    assert text.count('class="status-') == 13  # the full list of standards, one row each
    assert "AED設置箇所一覧" in text and "未整備" in text
    assert 'data-chart="line"' in text and "<table data-chart-source>" in text
    assert "vendor/chart.js/chart.umd.min.js" in text and "/static/charts.js" in text
    assert "/datasets/tsunagu-indicators" not in text  # not published yet: no link to a 404
    en = _get(client, "/dashboard?lang=en").get_data(as_text=True)
    assert "Open data indicators (EBPM)" in en and "Coverage" in en and "Not published" in en


def test_dashboard_filters_by_department_and_period(client):
    page = _get(client, "/dashboard?department=shimin&from=2020-01-01&to=2020-01-31")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "市民課" in text
    assert 'value="2020-01-01"' in text
    assert "kashiwa-aed" not in text.split('id="freshness"')[1].split("</section>")[0]


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("?from=2026-02-30", 400, "2026-02-30"),
        ("?from=2026-03-05&to=2026-03-01", 400, "2026-03-05"),
        ("?department=nowhere", 404, "nowhere"),
    ],
)
def test_bad_filters_get_a_clear_page_not_a_500(client, query, status, words):
    page = _get(client, f"/dashboard{query}")
    assert page.status_code == status
    assert words in page.get_data(as_text=True)


def test_indicator_apis_json_csv_schema(client):
    data = _get(client, "/api/v1/indicators").get_json()
    assert data["summary"]["standards_total"] == 13
    assert data["summary"]["standards_published"] == 2
    schema = _get(client, "/api/v1/indicators/schema.json").get_json()
    answer = _get(client, "/api/v1/indicators.csv?department=kenko")
    assert answer.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert list(table[0]) == [f["name"] for f in schema["fields"]]
    assert {r["department"] for r in table if r["dataset"]} == {"kenko"}
    error = _get(client, "/api/v1/indicators?to=yesterday")
    assert error.status_code == 400 and error.get_json()["code"] == "bad-period"


def test_department_page_shows_its_to_do_list(app, client, published):
    audit = AuditLog(app.extensions["tsunagu"].settings.data_dir / "audit.jsonl")
    quality = {
        "cells": 40,
        "problem_cells": 3,
        "problems": {"warning": 4},
        "rules_failed": ["1-10"],
    }
    audit.record("publish", "cli", dataset="kashiwa-aed", result="update", quality={"m": quality})
    audit.record(
        "blocked", "kenko", dataset="kashiwa-aed-2", department="kenko",
        department_title={"ja": "健康政策課", "en": "Health"}, standard="aed-installations",
        reason="3 件のエラー: 緯度が範囲外です",
    )  # fmt: skip
    text = _get(client, "/organisations/kenko").get_data(as_text=True)
    todo = text.split('id="todo"')[1]
    assert "公開が止まっているデータ" in todo and "kashiwa-aed-2" in todo
    assert "緯度が範囲外です" in todo
    assert "直すとよい警告" in todo and "警告 4 件" in todo and "1-10" in todo
    filtered = _get(client, "/dashboard?department=kenko").get_data(as_text=True)
    assert "kashiwa-aed-2" in filtered.split('id="todo"')[1]  # also where no dataset is public
    other = _get(client, "/organisations/shimin").get_data(as_text=True)
    assert "いま対応が必要なものはありません。" in other


def test_population_dataset_page_has_a_pyramid_and_totals_by_area(app, client, published, tmp_path):
    header = "地域名,総人口,男性,女性,0-4歳の男性,0-4歳の女性,85歳以上の男性,85歳以上の女性,世帯数"
    body = "柏一丁目,100,48,52,10,12,38,40,50\r\n柏二丁目,200,90,110,20,30,70,80,90\r\n"
    folder = tmp_path / "pop"
    folder.mkdir()
    pop = _file(folder, "csv", "pop.csv", f"{header}\r\n{body}", "CSV", "text/csv")
    published.publish(
        PublishRequest(_meta("pyramid", standard="population-by-area-and-age"), (pop,))
    )
    text = _get(client, "/datasets/pyramid").get_data(as_text=True)
    charts = text.split('id="charts"')[1]
    assert 'data-chart="pyramid"' in charts
    assert (
        '<th scope="row">0-4歳</th><td data-value="30">30</td><td data-value="42">42</td>' in charts
    )
    assert '<th scope="row">85歳以上</th><td data-value="108">108</td>' in charts
    assert '<th scope="row">柏二丁目</th><td data-value="200">200</td>' in charts
    assert "vendor/chart.js/chart.umd.min.js" in charts


def test_any_numeric_table_offers_a_chosen_chart(client):
    text = _get(client, "/datasets/kashiwa-population").get_data(as_text=True)
    charts = text.split('id="charts"')[1]
    assert 'data-chart="choice"' in charts and "<option>人口</option>" in charts
    assert '<option value="line">' in charts
    plain = _get(client, "/datasets/hostile").get_data(as_text=True)
    assert 'id="charts"' not in plain  # no numeric column, no chart


def test_a_department_upload_is_timed_from_arrival_to_publication(tmp_path, published, data_path):
    from tests.webapp.test_upload import csrf_token, post_upload, settled, sign_in, state, upload_id
    from tsunagu.services.tokens import TokenStore

    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings, catalogue=published)
    token = TokenStore(settings.database).create("kenko").token
    client = app.test_client()
    assert sign_in(client, token).status_code == 303
    ident = upload_id(post_upload(client, data_path("webapp/aed_good.csv")))
    page = settled(client, ident)  # uploads run as background jobs
    publish = client.post(f"/upload/{ident}/publish", data={"csrf_token": csrf_token(page.text)})
    assert publish.status_code == 303
    assert state(settled(client, ident).text) == "published"
    [timed] = client.get("/api/v1/indicators").get_json()["upload_to_publication"]
    assert timed["dataset_id"] == "kashiwa-aed-upload" and timed["department"] == "kenko"
    assert 0 <= timed["days"] < 0.01  # seconds, in days
    assert timed["start"] <= timed["end"]
    text = client.get("/dashboard").get_data(as_text=True)
    assert "登録→公開" in text.split('id="responsiveness"')[1]
    rejected = upload_id(
        post_upload(client, data_path("webapp/aed_missing_name.csv"), dataset_id="kashiwa-aed-2")
    )
    assert settled(client, rejected).status_code == 200
    todo = client.get("/organisations/kenko").get_data(as_text=True).split('id="todo"')[1]
    assert "公開できなかった登録" in todo and "kashiwa-aed-2" in todo
    assert "aed_missing_name" not in todo  # the file's own name stays private
    assert re.search(r"エラー [1-9][0-9]* 件", todo)
    section = todo.split("公開できなかった登録")[1].split("</ul>")[0]
    assert "kashiwa-aed-upload" not in section  # published, so not in the list


def test_a_department_with_only_blocked_attempts_has_its_page_and_to_do_list(app, client):
    """Nothing of 文化課 is in the catalogue, only its blocked attempt in the audit log: its page
    still exists (listed among the departments) and shows the blocked upload to fix."""
    audit = AuditLog(app.extensions["tsunagu"].settings.data_dir / "audit.jsonl")
    audit.record(
        "blocked", "bunka", dataset="bunka-props", department="bunka",
        department_title={"ja": "文化課", "en": "Culture Division"},
        standard="cultural-properties", reason="1 件のエラー: 文化財名が空です",
    )  # fmt: skip
    page = _get(client, "/organisations/bunka?lang=ja")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>文化課</h1>" in text and "データセット 0 件" in text
    todo = text.split('id="todo"')[1]
    assert "公開が止まっているデータ" in todo and "bunka-props" in todo
    assert "文化財名が空です" in todo
    listing = _get(client, "/organisations?lang=en").get_data(as_text=True)
    assert 'href="/organisations/bunka"' in listing and "Culture Division" in listing
    for unknown in ("nowhere", "..", "bunka-props"):  # only a slug the log names, exactly
        assert _get(client, f"/organisations/{unknown}").status_code == 404


def test_dashboard_shows_the_openness_of_non_standard_datasets(client, published, tmp_path):
    """Two datasets of no standard: a CSV (★★★) and a PDF report alone (★); the standard AED
    and population datasets are not in this count."""
    ja = _get(client, "/dashboard?lang=ja").get_data(as_text=True)
    assert "独自データセットはありません。" in ja
    folder = tmp_path / "own"
    folder.mkdir()
    own = {"standard": "", "standard_title": "", "organisation": "shimin"}
    table = _file(folder, "csv", "own.csv", "a,b\r\n1,2\r\n", "CSV", "text/csv")
    report = _file(folder, "doc1", "report.pdf", "%PDF-1.4", "PDF", "application/pdf")
    published.publish(PublishRequest(_meta("own-table", **own), (table,)))
    published.publish(PublishRequest(_meta("own-report", **own), (report,)))
    ja = _get(client, "/dashboard?lang=ja").get_data(as_text=True)
    section = ja.split("独自データセットの段階（5つ星）")[1].split("</ul>")[0]
    assert re.findall(r"<li>([^<]*)</li>", section) == ["★: 1 件", "★★★: 1 件"]
    en = _get(client, "/dashboard?lang=en").get_data(as_text=True)
    assert "Openness of non-standard datasets" in en
