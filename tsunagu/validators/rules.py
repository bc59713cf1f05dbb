"""Machine-readability rules for tabular files, and which problem code breaks which rule.

Source of the rule ids and titles: 総務省
「統計表における機械判読可能なデータの表記方法の統一ルール」 (2020-12,
https://www.soumu.go.jp/menu_news/s-news/01toukatsu01_02000186.html, PDF
https://www.soumu.go.jp/main_content/000723626.pdf), 第1章第1節 チェック項目 1-1 … 1-12.
The titles were checked against two independent transcriptions of that PDF
(skill-pass.jp/blog/excel-basic_rule, blog-homepage.net/20210918-toukei-dat); the PDF itself was
not opened here.

Not confirmed: the Digital Agency's own public checker and any rule ids it uses could not be found,
so the 総務省 numbering is used as the ids. Two rules that the 総務省 list does not number come from
内閣官房「データの機械可読性を高めるための新しいルールのイメージ」
(https://www.cas.go.jp/jp/seisaku/digital_gyozaikaikaku/data8/data8_siryou1.pdf, p.7), as
transcribed by the open checker hrkzz/machine-readability-checker ``rules/level1.json``
(L1-04 行や列を非表示にしない, L1-05 表の外側にメモや備考を記載しない); they carry our own ids
``cas-hidden`` and ``cas-outside-notes``.
"""

from __future__ import annotations

RULES: dict[str, dict[str, str]] = {
    "1-1": {"ja": "ファイル形式は Excel か CSV となっているか", "en": "The file is Excel or CSV"},
    "1-2": {"ja": "1セル1データとなっているか", "en": "One value per cell"},
    "1-3": {
        "ja": "数値データは数値属性とし、文字列を含まないこと",
        "en": "Numbers are numeric, with no text (units, separators) in them",
    },
    "1-4": {"ja": "セルの結合をしていないか", "en": "No merged cells"},
    "1-5": {
        "ja": "スペースや改行等で体裁を整えていないか",
        "en": "No spaces, line breaks or blank rows/columns used for layout",
    },
    "1-6": {"ja": "項目名等を省略していないか", "en": "Headers and labels are not omitted"},
    "1-7": {
        "ja": "数式を使用している場合は、数値データに修正しているか",
        "en": "Formulas are replaced by their values",
    },
    "1-8": {"ja": "オブジェクトを使用していないか", "en": "No embedded objects or images"},
    "1-9": {"ja": "データの単位を記載しているか", "en": "Units are stated"},
    "1-10": {"ja": "機種依存文字を使用していないか", "en": "No platform-dependent characters"},
    "1-11": {
        "ja": "e-Stat の時間軸コードの表記、西暦表記又は和暦に西暦の併記がされているか",
        "en": "Dates use the Western calendar (or add it to 和暦)",
    },
    "1-12": {
        "ja": "地域コード又は地域名称が表記されているか",
        "en": "Area codes or names are given",
    },
    "cas-hidden": {"ja": "行や列を非表示にしない", "en": "No hidden rows, columns or sheets"},
    "cas-outside-notes": {
        "ja": "表の外側にメモや備考を記載しない",
        "en": "No titles or notes outside the table",
    },
}

RULE_FOR_CODE: dict[str, str] = {
    # Found by this room's machine-readability check.
    "merged-cells": "1-4",
    "title-rows": "cas-outside-notes",
    "notes-below-table": "cas-outside-notes",
    "multiple-values-in-cell": "1-2",
    "number-with-unit": "1-3",
    "number-with-separator": "1-3",
    "layout-blank-rows": "1-5",
    "layout-blank-columns": "1-5",
    "layout-spaces": "1-5",
    "hidden-content": "cas-hidden",
    "formula-cells": "1-7",
    # Found by the readers (formats room); tagged here, never re-scanned.
    "platform-dependent-char": "1-10",
    "platform-dependent-char-no-standard": "1-10",
    "cp932-unicode-mismatch": "1-10",
}
