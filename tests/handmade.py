"""Hand-made plan documents for search tests: small, but shaped like the real seeds."""

from __future__ import annotations

import hashlib
from pathlib import Path

from index.errors import ReadError
from index.models import LEAD, SUPPORT, Agency, Clause, Document, ParsedDocument
from index.search.lexical import JiebaBase
from index.store.database import Store


def file_text(key: str, title: str | None) -> str:
    """What the document's corpus file holds: its sha256 is the document's."""
    return f"{key}\n{title}\n"


def _doc(key: str, **fields: str | None) -> Document:
    sha = hashlib.sha256(file_text(key, fields.get("title")).encode()).hexdigest()
    return Document(id=sha[:16], sha256=sha, source=f"{key}.txt", **fields)  # type: ignore[arg-type]


def _units(doc: Document, spec: list[tuple]) -> list[Clause]:
    """spec rows: (path, number, kind, level, heading, text, parent path or None, agencies)."""
    out: list[Clause] = []
    ids: dict[str, str] = {}
    for order, (path, number, kind, level, heading, text, parent, agencies) in enumerate(spec):
        cid = f"{doc.id}-{order:03d}"
        ids[path] = cid
        out.append(
            Clause(
                id=cid,
                doc_id=doc.id,
                number=number,
                path=path,
                level=level,
                kind=kind,
                heading=heading,
                text=text,
                parent_id=ids.get(parent) if parent else None,
                order=order,
                agencies=[Agency(name, role) for name, role in agencies],
                retrievable=kind != "section",
            )
        )
    return out


def xian() -> ParsedDocument:
    doc = _doc(
        "xian",
        title="西安市2017年质量强市行动计划",
        doc_number="市政办发〔2017〕17号",
        issuer="西安市人民政府办公厅",
        date="2017-02-25",
        region="西安市",
    )
    spec = [
        ("一、", "一、", "section", 1, "强化质量共治", "一、强化质量共治", None, []),
        ("一、(一)", "(一)", "clause", 2, "完善质量共治工作机制",
         "(一)完善质量共治工作机制。发动全社会力量抓质量，健全质量激励和约束相容制度。（各区县政府负责）",
         "一、", [("各区县政府", LEAD)]),
        ("一、(二)", "(二)", "clause", 2, "完善质量工作考核机制",
         "(二)完善质量工作考核机制。出台《西安市质量工作考核办法》，考核结果向社会公开，并将考核结果作为评价领导班子和领导干部的重要依据。",
         "一、", []),
        ("二、", "二、", "section", 1, "强化质量安全监管", "二、强化质量安全监管", None, []),
        ("二、(四)", "(四)", "clause", 2, "坚决维护消费品安全",
         "(四)坚决维护消费品安全。抓住儿童用品、电子电器等重点产品，加大监督抽查力度。（市质监局、市工商局按职责分工负责）",
         "二、", [("市质监局", LEAD), ("市工商局", LEAD)]),
        ("二、(五)", "(五)", "clause", 2, "坚决维护特种设备安全",
         "(五)坚决维护特种设备安全。开展电梯安全隐患整治，推进电梯应急处置平台建设。（市质监局牵头，各区县政府配合）",
         "二、", [("市质监局", LEAD), ("各区县政府", SUPPORT)]),
        ("二、(六)", "(六)", "clause", 2, "打造旅游服务品牌",
         "(六)打造旅游服务品牌。推动旅游区积极创建国家级服务标准化试点。（市旅游局负责）",
         "二、", [("市旅游局", LEAD)]),
    ]  # fmt: skip
    return ParsedDocument(doc, _units(doc, spec))


def anhui() -> ParsedDocument:
    doc = _doc(
        "anhui",
        title="贯彻质量发展纲要推进质量安徽建设2016年行动计划",
        doc_number="皖政办秘〔2016〕76号",
        issuer="安徽省人民政府办公厅",
        date="2016-05-24",
        region="安徽省",
    )
    spec = [
        ("一、", "一、", "section", 1, "推进质量提升", "一、推进质量提升", None, []),
        ("一、(一)", "(一)", "clause", 2, "实施品牌战略",
         "(一)实施品牌战略。全年新增安徽名牌170个，完成第三届安徽省政府质量奖评选。（省质监局负责）",
         "一、", [("省质监局", LEAD)]),
        ("一、(五)", "(五)", "clause", 2, "推动外贸优进优出",
         "(五)推动外贸优进优出。加快国际贸易单一窗口建设，提高通关效率。（省商务厅、合肥海关负责）",
         "一、", [("省商务厅", LEAD), ("合肥海关", LEAD)]),
        ("一、(六)", "(六)", "clause", 2, "开展示范创建",
         "(六)开展示范创建。支持铜陵、马鞍山、芜湖创建全国质量强市示范城市。（省质监局、省旅游局负责）",
         "一、", [("省质监局", LEAD), ("省旅游局", LEAD)]),
    ]  # fmt: skip
    return ParsedDocument(doc, _units(doc, spec))


def taiyuan() -> ParsedDocument:
    doc = _doc(
        "taiyuan",
        title="全面推进质量强市建设实施方案",
        doc_number="并政发〔2023〕18号",
        issuer="太原市人民政府",
        date="2023-12-27",
        region="太原市",
    )
    long_text = "(五)促进工程质量水平提升。" + "强化工程质量安全监管，推动建筑信息模型（BIM）技术在工程监管中应用。" * 12
    spec = [
        ("二、", "二、", "section", 1, "提升质量水平", "二、提升质量水平", None, []),
        ("二、(四)", "(四)", "clause", 2, "开展电梯安全攻坚",
         "(四)开展电梯安全攻坚。加强电梯维保监管，开展电梯安全攻坚行动。（市市场监管局负责）",
         "二、", [("市市场监管局", LEAD)]),
        ("二、(五)", "(五)", "clause", 2, "促进工程质量水平提升", long_text + "（市住建局牵头）",
         "二、", [("市住建局", LEAD)]),
        ("二、(六)", "(六)", "clause", 2, "推行首席质量官制度",
         "(六)推行首席质量官制度。推行企业首席质量官制度，食品安全抽检合格率达到98.5%以上。（市市场监管局、市人社局负责）",
         "二、", [("市市场监管局", LEAD), ("市人社局", LEAD)]),
    ]  # fmt: skip
    return ParsedDocument(doc, _units(doc, spec))


def all_documents() -> list[ParsedDocument]:
    return [xian(), anhui(), taiyuan()]


def make_store(path: Path, documents: list[ParsedDocument] | None = None) -> Store:
    store = Store(path)
    for parsed in documents if documents is not None else all_documents():
        store.add_document(parsed)
    return store


def write_corpus(folder: Path, documents: list[ParsedDocument] | None = None) -> list[Path]:
    """One file per document, with bytes that hash to the document's sha256 (see `fake_parse`)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for parsed in documents if documents is not None else all_documents():
        path = folder / parsed.document.source
        path.write_text(file_text(Path(parsed.document.source).stem, parsed.document.title), encoding="utf-8")
        paths.append(path)
    return paths


def fake_parse(path: Path) -> ParsedDocument:
    """Parse stand-in for corpus tests: maps a file written by `write_corpus` to its document."""
    key = Path(path).read_text(encoding="utf-8").split("\n", 1)[0]
    for parsed in all_documents():
        if Path(parsed.document.source).stem == key:
            return parsed
    raise ReadError(f"不是测试文件：{Path(path).name}")


class _SharedJieba:
    """One jieba dictionary load (~1 s) for the whole test session."""

    base: JiebaBase | None = None

    @classmethod
    def get(cls) -> JiebaBase:
        if cls.base is None:
            cls.base = JiebaBase()
        return cls.base


def shared_jieba() -> JiebaBase:
    return _SharedJieba.get()
