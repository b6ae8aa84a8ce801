"""Citation fields an admin supplies before confirming an upload ("文号 X政发〔2023〕5号").

An admin's reply holds one "label value" per line; each value is checked with the grammar the
parser itself uses (文号: `parse_doc_number`, dates: `parse_date`) and refused with a Chinese
message naming the line when it does not fit. Applied to a ParsedDocument, the values replace the
parsed ones, the matching "未找到…" warnings go and a note records who supplied them ("文号由管理员补充").
"""

from __future__ import annotations

import re

from index.errors import QualityPlanError
from index.ingest.metadata import parse_date, region_of
from index.models import ParsedDocument
from index.text.docnumber import parse_doc_number
from index.text.normalize import squash

# Document attribute → the label shown to the admin; the labels a reply may use for each.
FIELD_LABELS = {"title": "标题", "doc_number": "文号", "issuer": "发文机关", "date": "日期", "region": "地区"}
_FIELD_OF_LABEL = {"标题": "title", "名称": "title", "文号": "doc_number", "发文字号": "doc_number",
                   "发文机关": "issuer", "发文单位": "issuer", "日期": "date", "成文日期": "date", "地区": "region"}
# The "未找到X" warnings extract_metadata gives, per attribute.
_MISSING_WARNING = {"title": "未找到标题", "doc_number": "未找到文号", "issuer": "未找到发文单位", "date": "未找到成文日期",
                    "region": "未找到地区"}
_LINE = re.compile(r"^(" + "|".join(sorted(_FIELD_OF_LABEL, key=len, reverse=True)) + r")\s*[:：]?\s*(.*)$")
_REGION = re.compile(r"^[\u4e00-\u9fff]{1,20}(?:省|市|自治区|自治州|州|县|区|旗|盟|地区|特别行政区)$")
_BRACKETS = re.compile(r"[\[\]〔〕()（）［］【】{}第\s]")
_MAX_VALUE = 100
EXAMPLE = "文号 X政发〔2023〕5号"


class FieldValueError(QualityPlanError):
    """A field an admin supplied is not a valid value for it (a 文号 without year and number …)."""


def read_field_lines(text: str) -> dict[str, str]:
    """{attribute: value as written} of a reply such as "文号 X政发〔2023〕5号\\n日期 2023年3月5日";
    FieldValueError for a line that names no field."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        line = squash(line)
        if not line:
            continue
        match = _LINE.match(line)
        if match is None or not match.group(2).strip():
            labels = "、".join(dict.fromkeys(FIELD_LABELS.values()))
            raise FieldValueError(f"看不懂“{line[:30]}”：每行写一个字段和它的值，字段可以是{labels}，例如“{EXAMPLE}”")
        fields[_FIELD_OF_LABEL[match.group(1)]] = match.group(2).strip()
    if not fields:
        raise FieldValueError(f"没有要补充的字段，例如“{EXAMPLE}”")
    return fields


def check_field(name: str, value: str) -> str:
    """The value as stored (文号 in 〔〕 form, date in ISO); FieldValueError saying what is wrong."""
    label = FIELD_LABELS.get(name)
    if label is None:
        raise FieldValueError(f"不能补充的字段：{name}")
    value = squash(value)
    if not value or len(value) > _MAX_VALUE:
        raise FieldValueError(f"{label}不能为空，也不能超过 {_MAX_VALUE} 个字：{value[:30]}")
    if name == "doc_number":
        number = parse_doc_number(value)
        if number is None or _BRACKETS.sub("", str(number)) != _BRACKETS.sub("", value):  # all of it, nothing lost
            raise FieldValueError(f"文号格式不对：“{value}”，应像“X政发〔2023〕5号”（机关代字、年份、序号）")
        return str(number)
    if name == "date":
        date = parse_date(value)
        if date is None:
            raise FieldValueError(f"日期格式不对：“{value}”，应像“2023年3月5日”或“2023-03-05”")
        return date
    if name == "region" and not _REGION.match(value):
        raise FieldValueError(f"地区应是完整的地名，以省、市、县、区、州等结尾：“{value}”")
    if name == "issuer" and not re.search(r"[\u4e00-\u9fff]{2}", value):
        raise FieldValueError(f"发文机关应是机关的中文全称：“{value}”")
    return value


def apply_overrides(parsed: ParsedDocument, overrides: dict[str, str]) -> ParsedDocument:
    """`parsed` with the admin's fields in place (each checked), their "未找到" warnings gone and one
    note per field ("文号由管理员补充"); a missing region follows from a supplied issuer or title."""
    checked = {name: check_field(name, value) for name, value in overrides.items()}
    document = parsed.document
    for name, value in checked.items():
        setattr(document, name, value)
    if document.region is None and ("issuer" in checked or "title" in checked):
        document.region = region_of(document.issuer, document.title)
    dropped = {_MISSING_WARNING[name] for name in FIELD_LABELS if getattr(document, name) is not None}
    parsed.warnings = [w for w in parsed.warnings if w not in dropped]
    parsed.warnings += [f"{FIELD_LABELS[name]}由管理员补充" for name in FIELD_LABELS if name in checked]
    return parsed


def missing_fields(parsed: ParsedDocument) -> list[str]:
    """Labels of the citation fields still unknown ("文号", "日期" …), in display order."""
    return [label for name, label in FIELD_LABELS.items() if getattr(parsed.document, name) is None]
