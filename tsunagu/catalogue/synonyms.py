"""What people type versus what datasets say: synonym groups and old/new kanji forms.

The catalogue's search matches each query term as a substring of the folded text (see
:mod:`tsunagu.catalogue.search_text`). That alone misses 避難所 when the title says 避難場所,
Wi-Fi when it says 公衆無線LAN, 便所 for トイレ, or 櫻 for 桜. So a term is expanded to its
group's variants (any one may match), and both sides have 旧字体 mapped to 新字体.

The groups are data: a municipality can extend :data:`SYNONYM_GROUPS`; each group is a set of
interchangeable words (folded when used, so width and kana do not matter).
"""

from __future__ import annotations

#: Interchangeable search words (each group: any member finds the others).
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("避難所", "避難場所", "避難施設", "緊急避難場所"),
    ("wifi", "wi-fi", "無線lan", "公衆無線lan", "ワイファイ", "フリーwifi"),
    ("トイレ", "便所", "お手洗い", "化粧室", "手洗所"),
    ("aed", "自動体外式除細動器"),
    ("保育所", "保育園", "保育施設", "こども園", "保育室"),
    ("子ども", "子供", "こども", "児童"),
    ("文化財", "史跡", "名勝", "天然記念物"),
    ("イベント", "催し", "行事", "催事"),
    ("人口", "世帯数", "住民数"),
    ("病院", "医療機関", "診療所", "クリニック"),
    ("介護", "介護サービス", "介護事業所"),
    ("公園", "緑地"),
    ("観光", "観光施設", "名所"),
)

#: 旧字体 → 新字体 for characters common in place, facility and personal names.
KYUJITAI = str.maketrans(
    {
        "國": "国", "學": "学", "櫻": "桜", "澤": "沢", "濱": "浜", "邊": "辺", "邉": "辺",
        "齋": "斎", "齊": "斉", "髙": "高", "﨑": "崎", "廣": "広", "德": "徳", "瀧": "滝",
        "體": "体", "會": "会", "縣": "県", "驛": "駅", "圖": "図", "舊": "旧", "區": "区",
        "號": "号", "實": "実", "寶": "宝", "龍": "竜", "榮": "栄", "萬": "万", "與": "与",
        "藝": "芸", "觀": "観", "醫": "医", "價": "価", "豐": "豊", "戰": "戦", "鐵": "鉄",
        "檜": "桧", "冨": "富", "眞": "真", "惠": "恵", "壽": "寿", "條": "条", "來": "来",
        "靜": "静", "黑": "黒", "淺": "浅", "狹": "狭", "燒": "焼", "兒": "児",
        "氣": "気", "當": "当", "變": "変", "聲": "声", "辯": "弁", "臺": "台", "灣": "湾",
    }
)  # fmt: skip


def new_forms(text: str) -> str:
    """``text`` with 旧字体 replaced by 新字体 (櫻 → 桜)."""
    return text.translate(KYUJITAI)
