"""Web pages saved from government sites (tests/zoo/html): city, province, department and county
styles, UTF-8 and GB2312. Each page's expected parse sits beside it: citation fields, the fields
its 信息公开 block declares, unit count, a few units' lead/support, and site furniture that must
not reach the text."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from index.ingest.parse import parse_file
from index.ingest.read import read_document
from index.models import LEAD, SUPPORT, Clause

ZOO = Path(__file__).parent / "zoo" / "html"
PAGES = sorted(path for path in ZOO.iterdir() if path.suffix in (".html", ".htm"))
FIELDS = ("title", "doc_number", "issuer", "date", "region")


def expected_of(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def test_zoo_is_populated_in_both_encodings():
    assert len(PAGES) >= 6 and all(path.with_suffix(".json").exists() for path in PAGES)
    assert {expected_of(path)["encoding"] for path in PAGES} == {"utf-8", "gb18030"}


def _check(path: Path) -> list[str]:
    expected = expected_of(path)
    raw = read_document(path)
    parsed = parse_file(path)
    wrong = [f"{name}: {getattr(parsed.document, name)!r} ≠ {expected[name]!r}"
             for name in FIELDS if getattr(parsed.document, name) != expected[name]]
    if raw.encoding != expected["encoding"]:
        wrong.append(f"encoding {raw.encoding}")
    for key, value in expected["metadata"].items():
        if raw.metadata.get(key) != value:
            wrong.append(f"metadata[{key}]: {raw.metadata.get(key)!r} ≠ {value!r}")
    units = {clause.path: clause for clause in parsed.clauses}
    if len(parsed.clauses) != expected["clauses"]:
        wrong.append(f"clauses: {len(parsed.clauses)} ≠ {expected['clauses']} ({list(units)})")
    want = {**expected["agencies"], **{path: {"lead": [], "support": []} for path in expected["no_agencies"]}}
    found = {path: _roles(units[path]) if path in units else None for path in want}
    wrong += [f"{path}: {found[path]} ≠ {roles}" for path, roles in want.items() if found[path] != roles]
    text = "\n".join(raw.paragraphs)
    wrong += [f"furniture left in the text: {word}" for word in expected["absent"] if word in text]
    wrong += [f"metadata block left in the text: {label}" for label in ("索引号", "成文日期", "发文字号") if label in text]
    return wrong


def _roles(clause: Clause) -> dict[str, list[str]]:
    return {role: [a.name for a in clause.agencies if a.role == value] for role, value in (("lead", LEAD), ("support", SUPPORT))}


def test_every_page_parses_as_expected():
    """All pages at once, so one run reports every miss (fields right / fields checked is the figure)."""
    problems = {path.name: wrong for path in PAGES if (wrong := _check(path))}
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_notice_wrapper_keeps_the_notices_issuer_and_date_under_the_plans_title():
    document = parse_file(ZOO / "nested_sidebars.html").document
    assert document.title.startswith("株洲市推进质量强市建设三年行动计划")  # not "…的通知"
    assert (document.issuer, document.date) == ("株洲市人民政府办公室", "2019-11-25")  # not the 发布日期


def test_page_block_wins_over_meta_tags_and_date_over_publishing():
    raw = read_document(ZOO / "province_trs_gb2312.htm")
    assert raw.metadata["published"] == "2021-03-12"  # the page's "发布时间：" line, not <meta PubDate>
    assert parse_file(ZOO / "province_trs_gb2312.htm").document.date == "2021-03-08"  # 发文日期, not 发布时间


# --------------------------------------------------------------------------------------------- any arrangement

BODY = ["某某市质量提升行动方案", "为提升质量，制定本方案。", "一、重点任务",
        "（一）提升产品质量。开展质量提升行动。（市市场监管局牵头，市工信局配合）",
        "（二）提升服务质量。推进服务标准化。（市商务局负责）"]
LINK_LIST = "<div class='{cls}'><h3>{head}</h3><ul>{items}</ul></div>"
FURNITURE = ["<div class='ft'>版权所有：某某市人民政府 网站标识码：1234567890</div>",
             "<div class='tb'><a>无障碍</a> <a>长者版</a></div>",
             "<div class='fx'>【字体：<a>大</a> <a>中</a> <a>小</a>】</div>",
             "<div class='ewm'><p>扫一扫在手机打开当前页</p></div>",
             "<div class='dq'>当前位置：<a>首页</a> &gt; <a>政务公开</a></div>"]


@st.composite
def pages(draw: st.DrawFn) -> str:
    def link_list() -> str:
        items = "".join(f"<li><a href='#'>{draw(st.sampled_from(['关于印发某某规划的通知', '政策解读', '公示公告', '领导信息']))}"
                        f"{i}</a></li>" for i in range(draw(st.integers(2, 6))))
        return LINK_LIST.format(cls=draw(st.sampled_from(["side", "col-l", "box2", "r-mod"])), head="相关文件", items=items)

    body = "".join(f"<p>{line}</p>" for line in BODY)
    for _ in range(draw(st.integers(0, 3))):  # nest the text in anonymous boxes
        body = f"<div class='{draw(st.sampled_from(['w1', 'box-in', 'col-8', 'mod']))}'>{body}</div>"
    before = [link_list() for _ in range(draw(st.integers(0, 2)))] + draw(st.lists(st.sampled_from(FURNITURE), max_size=3))
    after = [link_list() for _ in range(draw(st.integers(0, 2)))] + draw(st.lists(st.sampled_from(FURNITURE), max_size=3))
    return f"<html><head><meta charset='utf-8'></head><body>{''.join(before)}{body}{''.join(after)}</body></html>"


@settings(max_examples=40, deadline=None)
@given(pages())
def test_the_text_is_found_whatever_surrounds_it(tmp_path_factory, page):
    path = tmp_path_factory.mktemp("page") / "page.html"
    path.write_text(page, encoding="utf-8")
    assert read_document(path).paragraphs == BODY
