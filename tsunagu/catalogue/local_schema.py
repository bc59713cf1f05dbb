"""Tables of the embedded catalogue (SQLAlchemy Core; SQLite by default, PostgreSQL by URL).

Resources keep one row per (dataset, key) for their whole life, so their ids — and the download
URLs built from them — stay stable across updates; every publish adds a version row listing
the checksums it contained, and the files themselves live content-addressed in the blob store.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("title_ja", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("created", String(40), nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("organisation_id", String(100), ForeignKey("organisations.id"), nullable=False),
    Column("meta", JSON, nullable=False),  # DatasetMeta.fingerprint()
    Column("search_text", Text, nullable=False),  # folded text for Japanese search
    Column("private", Boolean, nullable=False, default=False),
    Column("latest_version", Integer),
    Column("created", String(40), nullable=False),
    Column("modified", String(40), nullable=False),
)

resources = Table(
    "resources",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("dataset_id", String(100), ForeignKey("datasets.id"), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", Text, nullable=False),
    Column("format", String(40), nullable=False),
    Column("mediatype", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created", String(40), nullable=False),
    Column("modified", String(40), nullable=False),
    UniqueConstraint("dataset_id", "key", name="uq_resource_key"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", String(100), ForeignKey("datasets.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("created", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("files", JSON, nullable=False),  # key -> {sha256, size, name, format, mediatype}
    Column("report", JSON, nullable=False),
    UniqueConstraint("dataset_id", "number", name="uq_version_number"),
)

#: One row (id 1) whose ``generation`` goes up in every write transaction, so a reader can tell
#: in one query whether its cached listing is still the catalogue's (timestamps are in seconds,
#: too coarse to tell two publishes apart).
state = Table(
    "catalogue_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", Integer, nullable=False),
)
