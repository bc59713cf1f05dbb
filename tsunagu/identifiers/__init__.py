"""Japanese identifiers and personal data as text: check digits (全国地方公共団体コード,
法人番号, 個人番号) and the patterns that find personal data in cells.

Ground floor: pure functions read by the readers (a My Number hidden in a workbook's hidden
cells, :mod:`tsunagu.formats.hidden_pii`) and by the checks (:mod:`tsunagu.validators.checks`),
so neither has to reach into the other's room.
"""
