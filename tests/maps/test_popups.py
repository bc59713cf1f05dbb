from __future__ import annotations

import json

import pytest

from tsunagu.maps.popups import people_first, popup_config, safe_json, strict_escape

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "${alert(1)}",
    "`+alert(1)+`",
    "\\`);alert(1);//",
    "a\u2028b",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_json_leaves_no_risky_character_and_round_trips(payload):
    text = safe_json({payload: [payload, 'it\'s "quoted" & more']})
    assert not set("<>&'`$\u2028\u2029") & set(text)
    assert json.loads(text) == {payload: [payload, 'it\'s "quoted" & more']}


def test_strict_escape_neutralises_html_and_template_literal_characters():
    assert strict_escape("<b>${x}`\\'\"&") == "&lt;b&gt;&#36;{x}&#96;&#92;&#x27;&quot;&amp;"


def test_popup_config_names_title_and_hidden_fields():
    config = popup_config()
    assert config["titleFields"][0] == "名称"
    assert config["hidden"] == ["緯度", "経度"]


def test_people_first_puts_name_address_phone_hours_first_and_codes_last():
    fields = ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "緯度", "経度", "備考",
              "電話番号", "所在地_連結表記", "開始時間", "所在地_都道府県"]  # fmt: skip
    ordered = people_first(fields)
    assert ordered[:4] == ["名称", "所在地_連結表記", "電話番号", "開始時間"]
    assert ordered[4] == "備考"  # the rest keeps the published order
    assert ordered[5:] == ["全国地方公共団体コード", "ID", "地方公共団体名", "緯度", "経度",
                           "所在地_都道府県"]  # fmt: skip
    assert sorted(ordered) == sorted(fields)  # nothing dropped


def test_popup_config_carries_the_field_order_for_the_browser():
    config = popup_config()
    assert config["first"][:2] == ["名称", "イベント名"]
    assert "全国地方公共団体コード" in config["machine"]
