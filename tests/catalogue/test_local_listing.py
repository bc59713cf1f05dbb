"""The local catalogue's listing: built from two queries, kept until the catalogue changes, and
never stale — another process's publish (another instance on the same database) and two
publishes within the same second are both seen at the next search."""

from __future__ import annotations

from sqlalchemy import event

from tests.catalogue.conftest import make_local


def count_queries(catalogue) -> list[str]:
    """The SELECT statements the catalogue sends from now on."""
    seen: list[str] = []

    def record(conn, cursor, statement, *rest) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(catalogue.engine, "before_cursor_execute", record)
    return seen


def test_a_listing_costs_the_same_queries_for_one_or_many_datasets(tmp_path, make_request):
    catalogue = make_local(tmp_path)
    for n in range(12):
        catalogue.publish(make_request(f"d-{n:02d}", {"csv": f"ID\n{n}\n"}))
    seen = count_queries(catalogue)
    page = catalogue.search("", rows=5)
    assert page.count == 12 and len(page.results) == 5
    assert all(len(r.resources) == 1 for r in page.results)
    first = len(seen)
    assert first <= 3, seen  # generation, datasets, resources: not one per dataset
    catalogue.search("", {"organization": "kenko"}, rows=100)
    assert len(seen) == first + 1  # unchanged catalogue: only the generation is read


def test_another_instance_sees_each_publish_even_within_one_second(tmp_path, make_request):
    reader = make_local(tmp_path)
    writer = make_local(tmp_path)
    writer.publish(make_request("d-1", {"csv": "ID\n1\n"}, title_ja="一"))
    assert [r.meta.title_ja for r in reader.search("").results] == ["一"]
    for title in ("二", "三"):  # the same second: timestamps alone could not tell them apart
        writer.publish(make_request("d-1", {"csv": "ID\n1\n"}, title_ja=title))
        assert [r.meta.title_ja for r in reader.search("").results] == [title]
    writer.delete_dataset("d-1")
    assert reader.search("").count == 0
