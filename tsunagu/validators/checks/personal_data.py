"""``personal-data``: stop マイナンバー and other personal data before they are published.

Since 2023 the 個人情報保護法 applies directly to municipalities, and the 番号法 forbids handing
out 特定個人情報: a column of valid 個人番号 is a ``block`` that nobody can override, not even a
reviewer's ``allow_personal_columns``. Other personal data (names, birth dates, ages, personal
e-mail, mobile numbers next to names) is an ``error`` until a reviewer approves the column, when
it becomes ``info``. Everything is decided per column (§2.5 of the security notes) and reported
once per column with a count and masked examples, never the values themselves.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from tsunagu.errors import Problem, Severity
from tsunagu.identifiers import pii_patterns as pii
from tsunagu.validators.check import CheckContext, DistinctValues, blank_texts, rows_of

# The manifest's constant, repeated: the validators sit below the publisher and the manifest.
OWN_SCHEMA_PREFIX = "own:"
BLOCK_SHARE = 0.9
MAX_ROWS = 10
MAX_EXAMPLES = 3
KIND_TEXT = {
    "name": ("氏名", "names"),
    "birthdate": ("生年月日", "dates of birth"),
    "age": ("年齢", "ages"),
    "email": ("個人のメールアドレス", "personal e-mail addresses"),
    "mobile": ("携帯電話番号", "mobile phone numbers"),
}
_IDENTIFIER_ENDINGS = ("ID", "コード", "番号", "NO", "No", "no")
# Headers of a facility's public contact details (the shop's or office's own address).
CONTACT_HEADER_WORDS = ("連絡先", "問合せ", "問い合わせ", "問合わせ", "窓口", "contact")


@dataclass(frozen=True)
class Finding:
    kind: str
    mask: pd.Series


class PersonalDataCheck:
    type: ClassVar[str] = "personal-data"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        table = ctx.table
        has_names = any(pii.person_header_kind(c, ctx.header(c)) == "name" for c in table.columns)
        contacts: list[str] = []
        for column in table.columns:
            if self._is_corporate_number(ctx, column):
                continue  # 法人番号 are public (国税庁法人番号公表サイト)
            distinct = ctx.distinct(column)
            nonempty = distinct.spread(~blank_texts(distinct.values))
            my_number = yield from self._my_number(ctx, column, distinct, nonempty)
            if my_number:
                continue
            findings = self._findings(ctx, column, distinct, nonempty, has_names)
            if findings:
                yield self._personal(ctx, column, findings, int(nonempty.sum()))
            elif not has_names and self._is_contact(ctx, column, distinct):
                contacts.append(column)
        if contacts and any(pii.is_facility_header(c, ctx.header(c)) for c in table.columns):
            yield self._public_contact(ctx, contacts)

    @staticmethod
    def _is_contact(ctx: CheckContext, column: str, distinct: DistinctValues) -> bool:
        """A phone or street-address column (by its header, with at least one such value) that
        no standard declares: a standard's 電話番号 and 住所 are published by its definition,
        so only the department's own columns were a call worth a note."""
        if column in ctx.schema.field_names and not ctx.schema.slug.startswith(OWN_SCHEMA_PREFIX):
            return False
        kind = pii.contact_header_kind(column, ctx.header(column))
        return kind is not None and bool(pii.contact_cells(distinct.values, kind).any())

    @staticmethod
    def _public_contact(ctx: CheckContext, columns: list[str]) -> Problem:
        """One ``info`` note: phones and addresses were published as the facilities' own (§3
        row 46 of the security notes), so a reviewer knows the call was made, and on what."""
        names = [ctx.draft.location(None, c).column or c for c in columns]
        return Problem(
            code="personal-data-public-contact",
            severity=Severity.INFO,
            location=ctx.draft.location(None, None),
            params={"columns": "、".join(names), "columns_en": ", ".join(names)},
        )

    @staticmethod
    def _is_corporate_number(ctx: CheckContext, column: str) -> bool:
        return ctx.kind(column) == "corporate-number" or "法人番号" in ctx.header(column)

    def _my_number(
        self, ctx: CheckContext, column: str, distinct: DistinctValues, nonempty: pd.Series
    ) -> Generator[Problem, None, bool]:
        """Yield the column's My Number problem, if any; return whether it was a block."""
        full = distinct.spread(pii.my_number_cells(distinct.values))
        count, total = int(full.sum()), int(nonempty.sum())
        hinted = pii.is_my_number_header(column, ctx.header(column))
        if count and (hinted or count >= BLOCK_SHARE * total):
            yield self._problem(ctx, column, "personal-number", Severity.BLOCK, full, total)
            return True
        if not self._is_free_text(ctx, column):
            return False
        inside = distinct.spread(pii.my_number_inside(distinct.values))
        if inside.any():
            code = "personal-number-review"
            yield self._problem(ctx, column, code, Severity.WARNING, inside, total)
        return False

    @staticmethod
    def _is_free_text(ctx: CheckContext, column: str) -> bool:
        """Text meant for people (備考, 説明), not an identifier or a typed value."""
        if str(column).endswith(_IDENTIFIER_ENDINGS):
            return False
        field_type = ctx.field_type(column)
        return field_type in (None, "string") and ctx.kind(column) in (None, "text")

    @staticmethod
    def _findings(
        ctx: CheckContext,
        column: str,
        distinct: DistinctValues,
        nonempty: pd.Series,
        has_names: bool,
    ) -> list[Finding]:
        findings: list[Finding] = []
        if not PersonalDataCheck._is_public_by_definition(ctx, column):
            header_kind = pii.person_header_kind(column, ctx.header(column))
            if header_kind == "age" and PersonalDataCheck._aggregate_ages(
                ctx, column, distinct, has_names
            ):
                header_kind = None
            if header_kind and nonempty.any():
                findings.append(Finding(header_kind, nonempty))
            email = distinct.spread(pii.personal_email_cells(distinct.values))
            if email.any():
                findings.append(Finding("email", email))
        if has_names:  # a mobile number beside a person's name is that person's, in any column
            mobile = distinct.spread(pii.mobile_cells(distinct.values))
            if mobile.any():
                findings.append(Finding("mobile", mobile))
        return findings

    @staticmethod
    def _aggregate_ages(
        ctx: CheckContext, column: str, distinct: DistinctValues, has_names: bool
    ) -> bool:
        """An age column of a statistics table, which is no person's age (§2.5: aggregated
        statistics are not personal data). Only where the manifest declares the sheet a
        statistics table and no column names a person, and only when every filled value is an
        age class (0-4歳, 65歳以上, 総数) or, under a header that is more than the bare word
        (年齢不詳_男, 平均年齢), a number (a count, an average). A bare 年齢 of plain numbers is
        each row's age, held for review as in a person-level list."""
        if not ctx.is_statistics or has_names:
            return False
        values = distinct.values
        filled = values.str.strip() != ""
        if not filled.any():
            return False
        fits = pii.age_class_cells(values)
        if not any(pii.is_bare_person_header(h) for h in (column, ctx.header(column))):
            fits |= pii.number_cells(values)
        return bool((fits | ~filled).all())

    @staticmethod
    def _is_public_by_definition(ctx: CheckContext, column: str) -> bool:
        """A field of the standard (受入年齢 of a 子育て施設, 備考 of a 観光施設) or a facility's
        contact column: what the column *is* says its values describe a facility and are
        published by design, so a pattern in them (an age range, the shop's e-mail) is not a
        person. マイナンバー is checked before this and stays a block everywhere.

        A dataset's own schema (slug ``own:<id>``) is no such promise: the department wrote it,
        often with ``tsunagu describe --write`` from the very file, so its fields (氏名 among
        them) are checked like any column.
        """
        own = ctx.schema.slug.startswith(OWN_SCHEMA_PREFIX)
        if column in ctx.schema.field_names and not own:
            return True
        header = f"{column} {ctx.header(column)}".lower()
        return any(word in header for word in CONTACT_HEADER_WORDS)

    def _personal(
        self, ctx: CheckContext, column: str, findings: list[Finding], total: int
    ) -> Problem:
        allowed = ctx.is_allowed_personal(column)
        combined = findings[0].mask.copy()
        for finding in findings[1:]:
            combined |= finding.mask
        problem = self._problem(
            ctx,
            column,
            "personal-data-allowed" if allowed else "personal-data-suspected",
            Severity.INFO if allowed else Severity.ERROR,
            combined,
            total,
            kind=findings[0].kind,
        )
        kinds = [f.kind for f in findings]
        problem.params.update(
            kinds=kinds,
            kind_ja="、".join(KIND_TEXT[k][0] for k in kinds),
            kind_en=", ".join(KIND_TEXT[k][1] for k in kinds),
        )
        return problem

    @staticmethod
    def _problem(
        ctx: CheckContext,
        column: str,
        code: str,
        severity: Severity,
        mask: pd.Series,
        total: int,
        kind: str = "my-number",
    ) -> Problem:
        # By position, not by row label: a long-form statistics table repeats its file row on
        # each of that row's cells, so a label would name several cells.
        flags = mask.to_numpy(dtype=bool)
        count = int(flags.sum())
        rows = list(dict.fromkeys(rows_of(mask)))
        values = ctx.table[column][flags].head(MAX_EXAMPLES)
        examples = [pii.mask(str(value), kind) for value in values]
        return Problem(
            code=code,
            severity=severity,
            location=ctx.draft.location(None, column),
            params={
                "count": count,
                "total": total,
                "share": round(100 * count / total) if total else 0,
                "rows": rows[:MAX_ROWS],
                "examples": "、".join(examples),
                "kind": kind,
            },
        )
