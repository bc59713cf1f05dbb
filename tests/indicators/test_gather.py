"""Gathering facts: every dataset, page by page (CKAN answers at most 1000 per search)."""

from __future__ import annotations

from tsunagu.indicators import gather as gather_module
from tsunagu.indicators.gather import every_dataset, gather

from .conftest import quality


def test_every_dataset_pages_through_the_catalogue(history, monkeypatch):
    for n in range(5):
        history.publish(f"2026-03-0{n + 1}T00:00:00", f"d{n}", "kenko", "", "yearly",
                        quality(1, 0, 0, []))  # fmt: skip
    monkeypatch.setattr(gather_module, "PAGE", 2)
    assert sorted(r.meta.id for r in every_dataset(history.catalogue)) == [
        "d0", "d1", "d2", "d3", "d4"
    ]  # fmt: skip
    facts = gather(history.settings, history.catalogue)
    assert len(facts.datasets) == 5 and len(facts.audit) == 5
    assert [v.number for v in facts.versions["d0"]] == [1]
    assert len(facts.standards) == 13


def test_the_catalogue_is_read_again_only_when_it_changed(history, monkeypatch):
    history.publish("2026-03-01T00:00:00", "a", "kenko", "", "yearly", quality(1, 0, 0, []))
    assert [r.meta.id for r in gather(history.settings, history.catalogue).datasets] == ["a"]
    reads = []
    real = gather_module.every_dataset
    monkeypatch.setattr(gather_module, "every_dataset", lambda c: reads.append(1) or real(c))
    gather(history.settings, history.catalogue)
    assert reads == []  # unchanged: the snapshot is used
    history.publish("2026-03-01T00:00:00", "a", "kenko", "", "yearly", quality(1, 0, 0, []),
                    content="名称\r\n変わった\r\n")  # fmt: skip  # same instant, new version
    facts = gather(history.settings, history.catalogue)
    assert reads == [1] and [v.number for v in facts.versions["a"]] == [2, 1]
    history.catalogue.delete_dataset("a")
    assert gather(history.settings, history.catalogue).datasets == ()
