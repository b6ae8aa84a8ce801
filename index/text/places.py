"""Places: Chinese province and city names, their abbreviations (简称) and short forms.

One table of well-known abbreviations (皖, 陕, 并 …) and the rules for a place name with and
without its administrative suffix; the question reader, the document resolver and the index's
user dictionary all read places through here.
"""

from __future__ import annotations

import re

from index.text.normalize import normalize_text

# Provinces and their standard one-character abbreviations (简称).
PROVINCE_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "北京": ("京",), "天津": ("津",), "上海": ("沪",), "重庆": ("渝",), "河北": ("冀",), "山西": ("晋",),
    "内蒙古": ("蒙",), "辽宁": ("辽",), "吉林": ("吉",), "黑龙江": ("黑",), "江苏": ("苏",), "浙江": ("浙",),
    "安徽": ("皖",), "福建": ("闽",), "江西": ("赣",), "山东": ("鲁",), "河南": ("豫",), "湖北": ("鄂",),
    "湖南": ("湘",), "广东": ("粤",), "广西": ("桂",), "海南": ("琼",), "四川": ("川", "蜀"), "贵州": ("黔", "贵"),
    "云南": ("滇", "云"), "西藏": ("藏",), "陕西": ("陕", "秦"), "甘肃": ("甘", "陇"), "青海": ("青",),
    "宁夏": ("宁",), "新疆": ("新",),
}  # fmt: skip

# Cities with a well-known short name, and the province they lie in.
CITY_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "太原": ("并", "龙城"), "成都": ("蓉",), "广州": ("穗",), "福州": ("榕",), "南宁": ("邕",), "贵阳": ("筑",),
    "宁波": ("甬",), "厦门": ("鹭",), "无锡": ("锡",), "杭州": ("杭",), "武汉": ("汉",), "南京": ("宁",),
    "沈阳": ("沈",), "大连": ("连",), "哈尔滨": ("哈",), "石家庄": ("石",), "郑州": ("郑",), "兰州": ("兰",),
    "银川": ("银",), "乌鲁木齐": ("乌",), "昆明": ("昆",), "南昌": ("洪",), "长沙": ("长",), "合肥": ("庐",),
    "西安": ("镐",), "苏州": ("苏",), "青岛": ("青",), "济南": ("济",), "长春": ("长",), "呼和浩特": ("呼",),
}  # fmt: skip
CITY_PROVINCE: dict[str, str] = {
    "太原": "山西", "成都": "四川", "广州": "广东", "福州": "福建", "南宁": "广西", "贵阳": "贵州", "宁波": "浙江",
    "厦门": "福建", "无锡": "江苏", "杭州": "浙江", "武汉": "湖北", "南京": "江苏", "沈阳": "辽宁", "大连": "辽宁",
    "哈尔滨": "黑龙江", "石家庄": "河北", "郑州": "河南", "兰州": "甘肃", "银川": "宁夏", "乌鲁木齐": "新疆",
    "昆明": "云南", "南昌": "江西", "长沙": "湖南", "合肥": "安徽", "西安": "陕西", "苏州": "江苏", "青岛": "山东",
    "济南": "山东", "长春": "吉林", "呼和浩特": "内蒙古", "海口": "海南", "西宁": "青海", "拉萨": "西藏",
}  # fmt: skip

# Autonomous prefectures are usually called by a short form (克孜勒苏柯尔克孜自治州 → 克州).
PREFECTURE_SHORT_NAMES: dict[str, str] = {
    "克孜勒苏": "克州", "巴音郭楞": "巴州", "博尔塔拉": "博州", "昌吉": "昌吉州", "伊犁": "伊犁州", "延边": "延边州",
    "恩施": "恩施州", "湘西": "湘西州", "黔东南": "黔东南州", "黔南": "黔南州", "黔西南": "黔西南州", "凉山": "凉山州",
    "甘孜": "甘孜州", "阿坝": "阿坝州", "大理": "大理州", "楚雄": "楚雄州", "红河": "红河州", "文山": "文山州",
    "西双版纳": "版纳", "德宏": "德宏州", "怒江": "怒江州", "迪庆": "迪庆州", "临夏": "临夏州", "甘南": "甘南州",
    "海西": "海西州", "玉树": "玉树州", "果洛": "果洛州", "黄南": "黄南州", "海北": "海北州",
}  # fmt: skip
ETHNIC_NAMES = (
    "柯尔克孜", "哈萨克", "蒙古", "回族", "藏族", "羌族", "彝族", "苗族", "土家族", "布依族", "侗族", "傣族", "景颇族",
    "白族", "哈尼族", "壮族", "朝鲜族", "傈僳族", "蒙古族", "藏族羌族", "苗族侗族", "布依族苗族",
)  # fmt: skip
# One-character abbreviations rare enough in ordinary Chinese to count wherever they appear;
# any other one-character alias (并, 新, 青 …) counts only in a 文号-like context (并政发).
STANDALONE_ABBREVIATIONS = frozenset("皖赣闽粤琼蜀黔滇陇鄂湘豫冀沪渝陕蓉穗榕邕甬鹭")
_REGION_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区", "新区",
    "省", "市", "州", "县", "区", "盟", "旗",
)  # fmt: skip
_ISSUER_PLACE = re.compile(r"^(.{2,14}?)(?:人民政府|政府|委员会|办公厅|办公室|人大)")
_GENERIC_PLACES = frozenset({"省", "市", "州", "县", "区", "自治区", "自治州", "国务院", "中共", "中央"})


def region_aliases(name: str) -> set[str]:
    """A place name with and without its administrative suffix, plus its well-known short forms."""
    name = normalize_text(name).strip()
    if len(name) < 2 or name in _GENERIC_PLACES:
        return set()
    out = {name}
    base = name
    for suffix in _REGION_SUFFIXES:
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            base = base[: -len(suffix)]
            break
    prefecture = name.endswith("自治州") or name.endswith("州")
    for ethnic in sorted(ETHNIC_NAMES, key=len, reverse=True):
        if base.endswith(ethnic) and len(base) - len(ethnic) >= 2:
            base = base[: -len(ethnic)]
            prefecture = True
            break
    out.add(base)
    for full, short in PREFECTURE_SHORT_NAMES.items():
        if base in (full, short) or name == short:
            out.update({full, short})
            prefecture = True
    if prefecture and not base.endswith("州") and base not in PROVINCE_ABBREVIATIONS:
        out.add(base + "州")
    out.update(PROVINCE_ABBREVIATIONS.get(base, ()))
    out.update(CITY_ABBREVIATIONS.get(base, ()))
    return {a for a in out if a}


def issuer_place(issuer: str | None) -> str | None:
    """ "西安市人民政府办公厅" → "西安市"."""
    if not issuer:
        return None
    m = _ISSUER_PLACE.match(normalize_text(issuer))
    place = m.group(1) if m else None
    return place if place and place not in _GENERIC_PLACES else None
