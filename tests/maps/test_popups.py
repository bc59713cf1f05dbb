from __future__ import annotations

import json

import pytest

from tsunagu.maps.popups import popup_config, safe_json, strict_escape

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
