"""What the dataset-page charts are computed from (the tables drawn beside them)."""

from __future__ import annotations

from tsunagu.webapp.dataset_charts import MAX_ROWS, chart_data


def test_numeric_columns_first_rows_and_the_label_column(tmp_path):
    path = tmp_path / "facilities.csv"
    rows = "".join(f"{i},施設{i},{i * 10},,35.8{i % 10}\r\n" for i in range(150))
    path.write_text("ID,名称,定員,備考,緯度\r\n" + rows, encoding="utf-8")
    data = chart_data(path)
    assert data.pyramid is None and data.by_area is None
    assert data.measures == ["定員"]  # ID and coordinates are not measures; blanks are not numbers
    assert data.numeric.header == ("名称", "定員")
    assert len(data.numeric.rows) == MAX_ROWS and data.truncated
    assert data.numeric.rows[3] == ("施設3", 30)


def test_text_with_a_few_numbers_is_not_a_measure(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("名称,電話\r\n本庁,04-7167-1111\r\n支所,123\r\n", encoding="utf-8")
    assert not chart_data(path).any


def test_population_pyramid_sums_every_area_beyond_the_charted_rows(tmp_path):
    path = tmp_path / "pop.csv"
    head = "地域名,総人口,0-4歳の男性,0-4歳の女性,85歳以上の男性,85歳以上の女性"
    body = "".join(f"地区{i},10,1,2,3,4\r\n" for i in range(250))
    path.write_text(f"{head}\r\n{body}", encoding="utf-8")
    data = chart_data(path)
    assert data.pyramid.rows == (("0-4歳", 250, 500), ("85歳以上", 750, 1000))
    assert len(data.by_area.rows) == MAX_ROWS and data.truncated
    assert data.by_area.header == ("地域名", "総人口")
