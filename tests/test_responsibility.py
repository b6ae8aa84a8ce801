"""Responsibility expressions: every form in the seeds and the forms common in Chinese plans."""

from __future__ import annotations

import pytest

from index.ingest.parse import parse_text
from index.ingest.responsibility import (
    find_responsibility,
    is_agency_name,
    is_responsibility_line,
    parse_responsibility,
    parse_responsibility_lines,
    split_names,
)
from index.models import LEAD, SUPPORT

L, S = LEAD, SUPPORT


def roles(agencies):
    return [(a.name, a.role) for a in agencies]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # joint: several agencies, no 牵头 → all lead
        ("(各区县政府、开发区管委会,市质监局等按职责分工负责)", [("各区县政府", L), ("开发区管委会", L), ("市质监局", L)]),
        ("（市发改委、市质监局按职责分工负责）", [("市发改委", L), ("市质监局", L)]),
        ("(市外侨旅游局、交通局、人民银行、保监会、卫计委等部门负责)",
         [("市外侨旅游局", L), ("交通局", L), ("人民银行", L), ("保监会", L), ("卫计委", L)]),
        ("（责任单位：市农业农村局、市卫健委、市市场监管局）", [("市农业农村局", L), ("市卫健委", L), ("市市场监管局", L)]),
        ("(责任单位:市市场监管局)", [("市市场监管局", L)]),
        ("责任单位：市商务局、市文旅局", [("市商务局", L), ("市文旅局", L)]),
        ("【责任单位】市质监局、市工商局", [("市质监局", L), ("市工商局", L)]),
        ("(市住建局等部门负责)", [("市住建局", L)]),
        ("（市林业局负责）", [("市林业局", L)]),
        # 负责 + 协助
        ("(省质监局、省旅游局负责,省质量工作领导小组其他成员单位协助)",
         [("省质监局", L), ("省旅游局", L), ("省质量工作领导小组其他成员单位", S)]),
        ("（A局负责，B局协助）", [("A局", L), ("B局", S)]),
        # labels
        ("牵头单位：市质监局；配合单位：市发改委、市工信局", [("市质监局", L), ("市发改委", S), ("市工信局", S)]),
        ("牵头单位：市质监局  配合单位：市发改委", [("市质监局", L), ("市发改委", S)]),
        ("（责任单位：市质监局牵头，市发改委、市财政局按职责分工负责）", [("市质监局", L), ("市发改委", S), ("市财政局", S)]),
        ("（牵头单位：市质监局；责任单位：各县（市、区）人民政府）", [("市质监局", L), ("各县（市、区）人民政府", S)]),
        ("(牵头单位:市质监局;责任单位:各区县政府)", [("市质监局", L), ("各区县政府", S)]),
        ("责任单位：市发改委（牵头）、市财政局、市商务局", [("市发改委", L), ("市财政局", S), ("市商务局", S)]),
        ("（责任单位：市质监局；完成时限：2018年底前）", [("市质监局", L)]),
        # prose
        ("由市发改委牵头，市财政局和市商务局配合", [("市发改委", L), ("市财政局", S), ("市商务局", S)]),
        ("市质监局牵头，市工商局、市商务局配合", [("市质监局", L), ("市工商局", S), ("市商务局", S)]),
        ("(市住建局牵头,各县(市、区)政府落实)", [("市住建局", L), ("各县(市、区)政府", S)]),
        ("市质监局会同市工商局负责", [("市质监局", L), ("市工商局", S)]),
        # conjunctions: split only between two agency names
        ("(市委宣传部和市文明办负责)", [("市委宣传部", L), ("市文明办", L)]),
        ("（市工业和信息化局、市住房和城乡建设局负责）", [("市工业和信息化局", L), ("市住房和城乡建设局", L)]),
    ],
)
def test_forms(expression, expected):
    assert roles(parse_responsibility(expression)) == expected


def test_names_stay_as_written():
    found = parse_responsibility("（牵头单位：市质监局；责任单位：各县（市、区）人民政府）")
    assert found[1].name == "各县（市、区）人民政府"  # full-width brackets kept
    assert split_names("市质监局、各县(市、区)政府,市商务局等") == ["市质监局", "各县(市、区)政府", "市商务局"]


@pytest.mark.parametrize(
    "text",
    [
        "推进《西安市质量发展规划(2015—2020年)》的落实",
        "《实施意见》(市政办发〔2016〕69号)的落实",
        "宣传普及质量管理(QC)小组活动知识",
        "细颗粒物(PM2.5)年均浓度达到52微克",
        "建立首席质量官(由企业负责人担任)制度",
        "培育一个县(区)政府具备有机产品认证示范区省级创建条件(辖区3家以上获证企业)",
        "完善品牌产品(工程、服务)市场分析",
        "各县区政府负责组织实施。",
        "领导小组负责质量强市活动的组织领导，办公室设在市市场监管局。",
        "食品安全监督管理工作由县级以上人民政府负责统筹。",
        "形成质量共治格局（全社会共同参与）。",
    ],
)
def test_ordinary_parentheticals_are_not_responsibility(text):
    agencies, unchanged = find_responsibility(text)
    assert agencies == [] and unchanged == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("加强监管。（工业和信息化部、质检总局负责。以下均需地方各级人民政府落实，不再列出）",
         [("工业和信息化部", L), ("质检总局", L)]),
        ("加强监管。（质检总局牵头，国家发展改革委、工业和信息化部等按职责分工负责；以下均需地方各级人民政府落实，不再列出）",
         [("质检总局", L), ("国家发展改革委", S), ("工业和信息化部", S)]),
        ("加强监管。（省市场监管局、省发展改革委等按职责分工负责，下同）", [("省市场监管局", L), ("省发展改革委", L)]),
    ],
)
def test_afterwords_in_the_brackets_are_not_agencies(text, expected):
    assert roles(find_responsibility(text)[0]) == expected


def test_find_in_clause_text_keeps_text():
    text = "(三)完善质量提升示范机制。全面提升质量管理水平。(各区县政府、开发区管委会,质量强市工作推进委员会各成员单位等按职责分工负责)"
    agencies, unchanged = find_responsibility(text)
    assert unchanged == text
    assert roles(agencies) == [("各区县政府", L), ("开发区管委会", L), ("质量强市工作推进委员会各成员单位", L)]
    prose = "开展工作。由市发改委牵头，市财政局、市商务局配合。"
    assert roles(find_responsibility(prose)[0]) == [("市发改委", L), ("市财政局", S), ("市商务局", S)]
    label = "开展工作。责任单位：市质监局、市工商局。"
    assert roles(find_responsibility(label)[0]) == [("市质监局", L), ("市工商局", L)]


def test_responsibility_lines():
    assert is_responsibility_line("（责任单位：市市场监管局）")
    assert is_responsibility_line("(市质监局负责)")
    assert is_responsibility_line("牵头单位：市质监局；配合单位：市发改委。")
    assert not is_responsibility_line("(一)加强组织领导。(市质监局负责)")
    assert not is_responsibility_line("(2015—2020年)")
    lines = ["（牵头单位：市质监局）", "（责任单位：市发改委、各县（市、区）政府）"]
    assert roles(parse_responsibility_lines(lines)) == [("市质监局", L), ("市发改委", S), ("各县（市、区）政府", S)]


def test_agency_names():
    for name in ("市质监局", "各区县政府", "开发区管委会", "合肥海关", "中国人民银行山西省分行", "烟草公司", "保监会",
                 "省质量工作领导小组其他成员单位", "市场监管部门"):
        assert is_agency_name(name), name
    for name in ("QC", "2015—2020年", "工程、服务", "企业负责人担任", "PM2.5"):
        assert not is_agency_name(name), name


DOCUMENT = """某某市质量工作方案
一、重点任务
（一）加强标准建设。制修订地方标准10项。
牵头单位：市质监局
配合单位：市发改委、市工信局
（二）加强计量建设。建设计量测试中心。
（责任单位：市质监局牵头，市科技局按职责分工负责）
（三）加强认证建设。由市质监局牵头，市商务局配合。
（四）加强品牌建设。开展品牌创建。（牵头单位：市工商局；责任单位：各县（市、区）人民政府）
（五）加强宣传。
二、保障措施
（六）加强组织领导。（市政府办公室负责）
（七）没有责任单位的条款。
1.子项一。推进某项工作。（市财政局负责）
2.子项二。推进另一项工作。
"""


def test_responsibility_in_a_document():
    parsed = parse_text(DOCUMENT)
    units = {c.path: roles(c.agencies) for c in parsed.clauses}
    assert units["一、(一)"] == [("市质监局", L), ("市发改委", S), ("市工信局", S)]
    assert units["一、(二)"] == [("市质监局", L), ("市科技局", S)]
    assert units["一、(三)"] == [("市质监局", L), ("市商务局", S)]
    assert units["一、(四)"] == [("市工商局", L), ("各县（市、区）人民政府", S)]
    assert units["一、(五)"] == []
    assert units["二、(六)"] == [("市政府办公室", L)]
    # nothing is inherited: neither from children nor from the parent
    assert units["二、(七)"] == [] and units["二、"] == [] and units["一、"] == []
    assert units["二、(七)1."] == [("市财政局", L)] and units["二、(七)2."] == []
    # own-line responsibility blocks are part of the unit above them, never units themselves
    assert not any("单位" in c.number for c in parsed.clauses)
    first = next(c for c in parsed.clauses if c.path == "一、(一)")
    assert first.text.endswith("配合单位：市发改委、市工信局")
    assert first.heading == "加强标准建设"
    fourth = next(c for c in parsed.clauses if c.path == "一、(四)")
    assert fourth.heading == "加强品牌建设"


def test_closing_line_after_items_belongs_to_their_clause():
    text = """某某市方案
一、任务
（一）加强质量基础。
1.标准建设。开展标准化。
2.计量建设。开展计量。
（责任单位：市市场监管局、市科技局）
（二）另一条。
1.甲。内容。（市财政局负责）
2.乙。内容。
（市商务局负责）
"""
    units = {c.path: c for c in parse_text(text).clauses}
    first = units["一、(一)"]
    assert roles(first.agencies) == [("市市场监管局", L), ("市科技局", L)] and first.retrievable
    assert units["一、(一)2."].agencies == [] and units["一、(一)2."].text.endswith("（责任单位：市市场监管局、市科技局）")
    # when the items name their own owners, a closing line is the last item's
    assert units["一、(二)"].agencies == []
    assert roles(units["一、(二)2."].agencies) == [("市商务局", L)]


def test_leading_words_are_not_part_of_the_name():
    assert roles(parse_responsibility("(以上工作由市质监局负责)")) == [("市质监局", L)]
    assert roles(parse_responsibility("(自由贸易试验区管委会负责)")) == [("自由贸易试验区管委会", L)]
