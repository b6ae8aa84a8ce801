"""Traditional → simplified (same length) and pinyin readings removed, for parsing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from index.ingest.responsibility import find_duties
from index.models import LEAD, SUPPORT
from index.text.chinese import Restorer, strip_pinyin, to_simplified


def test_traditional_to_simplified():
    for written, simplified in (("號", "号"), ("辦公室", "办公室"), ("牽頭", "牵头"), ("質量", "质量"), ("發", "发"),
                                ("溫州市人民政府辦公室", "温州市人民政府办公室"), ("各縣（區）人民政府負責", "各县（区）人民政府负责")):
        assert to_simplified(written) == simplified
    plain = "一、总体要求（一）市质监局牵头，市发改委配合。2017年"
    assert to_simplified(plain) == plain


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x9FFF), max_size=60))
def test_simplified_copy_keeps_length(text):
    assert len(to_simplified(text)) == len(text)


def test_pinyin_readings_are_removed():
    assert strip_pinyin("湖(hú)北(běi)省") == "湖北省"
    assert strip_pinyin("牵（qiān）头（tóu）") == "牵头"
    assert strip_pinyin("北京（běi jīng）市") == "北京市"
    for kept in ("质量管理(QC)小组", "细颗粒物(PM2.5)", "（一）加强领导", "建筑信息模型(BIM)", "人工智能(AI)", "(hú)开头"):
        assert strip_pinyin(kept) == kept


def test_restorer_cuts_written_text():
    written = ["市質監局牽頭，市發改委配合。"]
    restorer = Restorer(written, [to_simplified(line) for line in written])
    assert restorer.text("市质监局牵头，市发改委配合。") == written[0]
    assert restorer.anywhere("市发改委") == "市發改委"
    assert restorer.anywhere("不在其中") == "不在其中"


# ------------------------------------------------------------------------------------------ prose duties

def roles(agencies):
    return [(a.name, a.role) for a in agencies]


def test_prose_duty_forms():
    cases = [
        ("市质监局牵头，市发改委、市财政局配合，建立协调机制。", [("市质监局", LEAD), ("市发改委", SUPPORT), ("市财政局", SUPPORT)]),
        ("开展品牌创建，由市工商局负责。", [("市工商局", LEAD)]),
        ("第三条　县水利局负责全县供水监督管理，县卫生健康局配合做好水质监测。",
         [("县水利局", LEAD), ("县卫生健康局", SUPPORT)]),
        ("市委宣传部会同市市场监管局，开展质量宣传。", [("市委宣传部", LEAD), ("市市场监管局", SUPPORT)]),
        ("市知识产权局、市公安局按职责分工负责，打击侵权假冒。", [("市知识产权局", LEAD), ("市公安局", LEAD)]),
        ("（三）加强领导。各县（区）人民政府负责本地区工作。", [("各县（区）人民政府", LEAD)]),
        ("各市、区人民政府负责本地区工作。", [("各市、区人民政府", LEAD)]),
    ]
    for text, expected in cases:
        assert roles(find_duties(text)) == expected, text


def test_generic_subjects_name_nobody():
    for text in ("企业负责建立健全质量管理体系。", "各地负责抓好落实。", "各级人民政府负责组织实施。", "有关部门负责督促检查。",
                 "供水企业负责供水设施的日常维护。", "加强对负责人的培训。", "工作由县级以上人民政府负责统筹。"):
        assert find_duties(text) == [], text


_BODY = st.sampled_from(["市质监局", "市发改委", "县财政局", "各县（区）人民政府", "市委宣传部", "市市场监管局"])
_WORDS = st.text(alphabet="加强推进质量品牌标准建设工作开展企业各地群众，。、", max_size=30)


@given(st.lists(st.one_of(_BODY, _WORDS, st.sampled_from(["牵头", "负责", "配合", "会同", "由", "，", "。"])), max_size=12))
def test_found_duties_are_bodies_named_in_the_text(parts):
    text = "".join(parts)
    for agency in find_duties(text):
        assert agency.name in text
        assert agency.role in (LEAD, SUPPORT)


@given(_WORDS, st.sampled_from(["牵头", "负责", "配合", "会同"]), _WORDS)
def test_text_without_a_body_word_names_nobody(before, role, after):
    assert find_duties(before + role + after) == []
