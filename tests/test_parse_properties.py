"""Layouts beyond the seeds, numbering guards, and Hypothesis properties of parse_text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.ingest.lines import split_paragraphs
from index.ingest.metadata import find_doc_number, is_noise, parse_date, region_of
from index.ingest.parse import parse_text, split_clauses
from index.models import KIND_ARTICLE, KIND_CHAPTER, KIND_CLAUSE, KIND_ITEM, KIND_SECTION, LEAD, SUPPORT


def paths(parsed):
    return [c.path for c in parsed.clauses]


def unit(parsed, path):
    return next(c for c in parsed.clauses if c.path == path)


REGULATION = """某某市质量促进条例
（2019年3月1日某某市第十五届人民代表大会常务委员会第二十次会议通过）
第一章　总则
第一条　为了提高产品质量，促进经济发展，结合本市实际，制定本条例。
第二条　本条例适用于本市行政区域内的质量促进活动。
第三条　有下列情形之一的，予以表彰：
（一）在质量管理中取得显著成绩的；
（二）在质量技术创新中作出突出贡献的。
第二章　质量促进
第四条　市市场监督管理部门负责本市质量促进工作。（市市场监管局负责）
第五条　鼓励企业开展质量管理活动。
"""


def test_chapters_and_articles():
    parsed = parse_text(REGULATION, "条例.txt")
    assert parsed.document.title == "某某市质量促进条例"
    assert paths(parsed) == ["第一章", "第一章第一条", "第一章第二条", "第一章第三条", "第一章第三条(一)",
                             "第一章第三条(二)", "第二章", "第二章第四条", "第二章第五条"]
    kinds = {c.path: c.kind for c in parsed.clauses}
    assert kinds["第一章"] == KIND_CHAPTER and kinds["第二章第四条"] == KIND_ARTICLE
    assert kinds["第一章第三条(一)"] == KIND_CLAUSE
    fourth = unit(parsed, "第二章第四条")
    assert fourth.number == "第四条" and fourth.level == 2
    assert [(a.name, a.role) for a in fourth.agencies] == [("市市场监管局", LEAD)]
    assert not unit(parsed, "第一章").retrievable and unit(parsed, "第一章第一条").retrievable
    assert unit(parsed, "第一章第二条").heading == "本条例适用于本市行政区域内的质量促进活动"


ITEMS = """关于加快质量提升的实施方案
一、主要任务
（一）提升产品质量
１．加强标准引领。开展对标达标行动，推动企业标准提档升级。
（1）制修订地方标准10项。
（2）培育团体标准5项。
①开展标准化试点；
②推广先进标准。
２．加强计量保障。建设计量测试中心。
1.5万元用于奖励计量先进单位。
2020年，计量器具检定覆盖率达到100%。
2017年2月25日
（二）提升服务质量。推进服务标准化。
"""


def test_items_in_every_style():
    parsed = parse_text(ITEMS)
    assert paths(parsed) == ["一、", "一、(一)", "一、(一)1.", "一、(一)1.(1)", "一、(一)1.(2)", "一、(一)1.(2)①",
                             "一、(一)1.(2)②", "一、(一)2.", "一、(二)"]
    assert {c.kind for c in parsed.clauses if "1." in c.number or "(" in c.number[:1]} >= {KIND_ITEM}
    second = unit(parsed, "一、(一)2.")
    # "1.5万元", "2020年" and a date at a line start are text of the item, not units
    assert "1.5万元用于奖励" in second.text and "2020年，计量器具" in second.text and "2017年2月25日" in second.text
    assert unit(parsed, "一、(一)").retrievable is False
    assert unit(parsed, "一、(一)1.(2)①").number == "①"


def test_document_may_start_with_clauses_and_fullwidth_forms_match():
    text = "某某县质量工作要点\n（ 一 ）加强领导。建立机制。\n(二)强化考核。完善考核。\n（三）加强宣传。\n１、宣传质量月。\n2．宣传标准日。\n"
    parsed = parse_text(text)
    assert paths(parsed) == ["(一)", "(二)", "(三)", "(三)1.", "(三)2."]
    assert [c.level for c in parsed.clauses] == [1, 1, 1, 2, 2]
    assert unit(parsed, "(一)").text.startswith("（ 一 ）加强领导")  # original text kept


def test_numbering_guards():
    text = """某某市方案
一、任务
（一）第一条款。内容。
（二）第二条款。内容。
（三）第三条款。内容。
（一）这一行回到了（一），在同一节下不是新条款。
（四）第四条款。内容。
1.子项一。内容。
3.子项三。编号跳过了2。
二、保障
（一）新的一节下从（一）重新开始。
（二）继续。
"""
    parsed = parse_text(text)
    assert paths(parsed) == ["一、", "一、(一)", "一、(二)", "一、(三)", "一、(四)", "一、(四)1.", "一、(四)3.", "二、",
                             "二、(一)", "二、(二)"]
    assert "（一）这一行回到了（一）" in unit(parsed, "一、(三)").text
    assert any("编号" in w for w in parsed.warnings)


def test_restarted_numbering_keeps_paths_unique():
    text = "方案\n一、甲\n（一）a。\n（二）b。\n二、乙\n（一）c。\n（二）d。\n三、丙\n（三）e。\n（四）f。\n"
    parsed = parse_text(text)
    assert paths(parsed) == ["一、", "一、(一)", "一、(二)", "二、", "二、(一)", "二、(二)", "三、", "三、(三)", "三、(四)"]
    assert sum(c.kind == KIND_SECTION for c in parsed.clauses) == 3


def test_duplicate_numbers_still_get_unique_paths():
    parsed = parse_text("方案\n一、甲\n（一）a。\n（一）b重复了编号。\n（二）c。\n")
    assert paths(parsed) == ["一、", "一、(一)", "一、(一)#2", "一、(二)"]


def test_no_numbered_clauses_is_a_warning_not_an_error():
    parsed = parse_text("这是一份通知。\n请各单位认真执行。\n", "notice.txt")
    assert parsed.clauses == []
    assert any("未识别到编号条款" in w for w in parsed.warnings)
    assert parsed.document.source == "notice.txt" and parsed.document.title is None


def test_empty_text():
    parsed = parse_text("")
    assert parsed.clauses == [] and parsed.document.id == parsed.document.sha256[:12]


def test_split_clauses_directly():
    clauses, warnings = split_clauses(["一、总体要求", "（一）指导思想。内容。", "（二）目标。内容。"], "abc")
    assert [c.id.split(":")[0] for c in clauses] == ["abc"] * 3
    assert [c.parent_id for c in clauses] == [None, clauses[0].id, clauses[0].id]
    assert warnings == []


# --------------------------------------------------------------------------------------------- metadata helpers


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2017年2月25日", "2017-02-25"), ("2017-02-25", "2017-02-25"), ("2017年02月25日", "2017-02-25"),
     ("2017.2.25", "2017-02-25"), ("2017/2/25", "2017-02-25"), ("二〇一七年二月二十五日", "2017-02-25"),
     ("二○一九年十二月三十一日", "2019-12-31"), ("２０１７年２月２５日", "2017-02-25"), ("2017年2月30日", None),
     ("2017126日", None)],
)
def test_dates(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text",
    ["市政办发〔2017〕17号", "市政办发[2017]17号", "市政办发（2017）17号", "市政办发(2017)17号", "市政办发［2017］17号",
     "市政办发【2017】17号", "市政办发〔 2017 〕 17 号"],
)
def test_doc_number_variants(text):
    assert find_doc_number(text) == "市政办发〔2017〕17号"
    assert find_doc_number(f"西安市人民政府办公厅关于印发计划的通知{text}") == "市政办发〔2017〕17号"


@pytest.mark.parametrize(
    ("issuer", "title", "region"),
    [("太原市人民政府", None, "太原市"), ("克州人民政府", None, "克州"), ("安徽省人民政府办公厅", None, "安徽省"),
     ("七台河市人民政府办公室", None, "七台河市"), ("新疆维吾尔自治区人民政府办公厅", None, "新疆维吾尔自治区"),
     ("中共西安市委、西安市人民政府", None, "西安市"), ("市质监局", "西安市2017年质量强市行动计划", "西安市"),
     (None, "全面推进质量强市建设实施方案", None), (None, "关于实施质量强州战略的意见", None)],
)
def test_regions(issuer, title, region):
    assert region_of(issuer, title) == region


def test_noise_lines():
    for line in ("当前位置：首页 > 政务公开", "1. 当前位置:", "3. > 正文", "【字体：大 中 小】 打印本页 关闭窗口", "分享到：",
                 "扫描二维码 关注我们", "— 3 —", "- 12 -", "第3页 共9页", "第 3 页", "3/9", "（此件公开发布）",
                 "01.06.2016  22:50", "2017-12-08 11:57", "网站标识码：1234 ICP备12345号", "解读文章"):
        assert is_noise(line), line
    for line in ("（一）推行扫一扫查询制度，让群众扫一扫就能查到产品质量信息，关注我们的质量安全。", "2017年2月25日",
                 "一、总体要求", "3.水利工程。单元工程质量合格率达到100%。"):
        assert not is_noise(line), line


def test_header_block_with_values_on_their_own_lines():
    text = """首页 > 政务公开 > 政策文件
索 引 号：
11610000/2017-00123
发文机关：
西安市人民政府办公厅
成文日期：
2017年02月25日
标    题：
西安市人民政府办公厅关于印发2017年质量强市行动计划的通知
发文字号：
市政办发[2017]17号
【字体：大 中 小】 打印本页 关闭窗口
各区、县人民政府，市人民政府各工作部门：
《西安市2017年质量强市行动计划》已经市政府同意，现印发给你们，请认真遵照执行。
一、强化质量共治
（一）完善质量共治工作机制。深化质量强市战略。（市质监局负责）
（二）完善考核机制。推进考核。
"""
    parsed = parse_text(text)
    document = parsed.document
    assert (document.title, document.doc_number, document.issuer, document.date, document.region) == (
        "西安市2017年质量强市行动计划", "市政办发〔2017〕17号", "西安市人民政府办公厅", "2017-02-25", "西安市")
    assert paths(parsed) == ["一、", "一、(一)", "一、(二)"]


def test_plan_attached_to_a_notice_with_numbered_points():
    text = """某某市人民政府办公室
关于印发某某市质量提升行动方案的通知
某政办发[2019]23号
各县（市、区）人民政府，市政府各部门：
经市政府同意，现将《某某市质量提升行动方案》印发给你们，并就有关事项通知如下：
一、提高思想认识。各地各部门要高度重视质量提升工作。
二、加强组织实施。各地要制定具体方案。
附件：某某市质量提升行动方案
某某市人民政府办公室
二〇一九年三月五日
附件
某某市质量提升行动方案
为提升质量，制定本方案。
一、总体要求
（一）指导思想。以新思想为指导。
（二）主要目标。到2020年，质量明显提升。
二、重点任务
（三）提升产品质量。开展质量提升行动。（市市场监管局牵头，市工信局配合）
（四）提升工程质量。开展工程质量行动。（市住建局负责）
三、保障措施
（五）加强领导。建立领导机制。
"""
    parsed = parse_text(text)
    document = parsed.document
    assert (document.title, document.doc_number, document.issuer, document.date) == (
        "某某市质量提升行动方案", "某政办发〔2019〕23号", "某某市人民政府办公室", "2019-03-05")
    assert paths(parsed) == ["一、", "一、(一)", "一、(二)", "二、", "二、(三)", "二、(四)", "三、", "三、(五)"]
    assert [(a.name, a.role) for a in unit(parsed, "二、(三)").agencies] == [("市市场监管局", LEAD), ("市工信局", SUPPORT)]


def test_signature_at_the_end_and_decimal_outline():
    text = """某某县标准化工作要点
1.标准制定
1.1 制定地方标准。完成10项。
1.2 培育团体标准。完成5项，投入1.5万元。
2.标准实施
2.1 开展宣贯。（县市场监管局负责）
某某县人民政府
2020年3月1日
"""
    parsed = parse_text(text)
    assert paths(parsed) == ["1.", "1.1.1", "1.1.2", "2.", "2.2.1"]
    assert parsed.document.issuer == "某某县人民政府" and parsed.document.date == "2020-03-01"
    assert parsed.document.region == "某某县"
    assert "某某县人民政府" not in unit(parsed, "2.2.1").text


# --------------------------------------------------------------------------------------------- properties

MARKERS = ["一、", "二、", "三、", "十一、", "1.1", "1.2", "第一部分", "⑴", "（一）", "(二)", "（三）", "(十)", "1.", "2、", "３．", "(1)", "（2）", "①", "②",
           "第一章", "第二章", "第一条", "第二条", "第三条", "1.5", "2020年", "附件：", "（责任单位：市质监局）", "",
           "当前位置：首页 > ", "— 3 —", "牵头单位：", "财政部门要", "住建部门要"]
BODY = st.text(
    alphabet=st.sampled_from(list("质量强市建设推进工作方案计划部门局委办政府，。、；：（）()〔〕《》12345年月日 \u3000-—")),
    max_size=40,
)
LINE = st.tuples(st.sampled_from(MARKERS), BODY).map("".join)
DOCUMENTS = st.one_of(st.lists(LINE, max_size=40).map("\n".join), st.text(max_size=400))
PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(DOCUMENTS)
def test_parse_text_never_crashes_and_units_are_consistent(text):
    parsed = parse_text(text)
    clauses = parsed.clauses
    assert len({c.path for c in clauses}) == len(clauses)
    assert len({c.id for c in clauses}) == len(clauses)
    assert [c.order for c in clauses] == list(range(len(clauses)))
    paragraphs = set(split_paragraphs(text))
    known = {}
    for clause in clauses:
        # every unit's text is made of the input's own paragraphs, character for character
        assert all(line in paragraphs for line in clause.text.split("\n"))
        assert clause.kind in {"chapter", "part", "section", "clause", "item", "article", "paragraph"}
        assert all(a.role in ("lead", "support") and a.name for a in clause.agencies)
        if clause.parent_id is not None:
            assert clause.parent_id in known
            assert clause.level == known[clause.parent_id].level + 1
        known[clause.id] = clause
    assert parsed.document.id == parsed.document.sha256[:12]


@settings(PROPERTY_SETTINGS, max_examples=40)
@given(DOCUMENTS)
def test_ids_are_stable(text):
    first = parse_text(text, "a.txt")
    second = parse_text(text, "a.txt")
    assert [(c.id, c.path, c.text) for c in first.clauses] == [(c.id, c.path, c.text) for c in second.clauses]
    assert first.to_json() == second.to_json()


def test_number_alone_on_its_line_takes_the_next_line_as_heading():
    parsed = parse_text("方案\n一、\n总体要求\n（一）\n指导思想。以新思想为指导。\n（二）目标。内容。\n")
    assert [(c.path, c.heading) for c in parsed.clauses] == [("一、", "总体要求"), ("一、(一)", "指导思想"),
                                                             ("一、(二)", "目标")]
