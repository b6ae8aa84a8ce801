"""Write the .doc/.wps, .ofd and .mhtml fixtures under tests/zoo/doc, tests/zoo/ofd and tests/zoo/mhtml.

    .venv/bin/python tests/zoo/make_binary_docs.py

Word binaries come two ways: LibreOffice (`soffice`, generator only: apt-get install
libreoffice-writer-nogui) converts .docx files made with python-docx, as a real writer of the format;
and `compound_file` + `word_streams` below write the compound file and piece table by hand, for what
LibreOffice never writes (8-bit pieces mixed with UTF-16 ones, the fEncrypted flag, a Works .wps).
OFD packages and MHTML pages are written directly. The outputs are deterministic except the files
LibreOffice makes (it stamps times); they are committed, so tests never need LibreOffice.
"""

from __future__ import annotations

import base64
import io
import quopri
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ZOO = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------
# Texts (written for these fixtures)

REGULATION = [
    "某某市质量强市促进办法",
    "第一章 总则",
    "第一条 为了推进质量强市建设，提升产品、工程和服务质量，促进经济高质量发展，结合本市实际，制定本办法。",
    "第二条 本办法适用于本市行政区域内的质量促进活动。",
    "第三条 市人民政府统一领导全市质量工作。市市场监管局负责质量强市工作的统筹协调，市发展改革委、市工信局按照职责分工做好相关工作。",
    "第二章 质量提升",
    "第四条 企业是质量主体，应当建立健全质量管理体系，对其产品、工程和服务质量负责。",
    "第五条 鼓励企业采用国际标准和国外先进标准。（市市场监管局牵头，市工信局配合）",
    "第六条 本办法自2024年1月1日起施行。",
]

PLAN = [
    "某某市人民政府办公室关于印发某某市质量强市行动方案的通知",
    "某政办发〔2023〕15号",
    "各县（市、区）人民政府，市政府各部门：",
    "现将《某某市质量强市行动方案》印发给你们，请认真贯彻执行。",
    "某某市人民政府办公室",
    "2023年4月10日",
    "某某市质量强市行动方案",
    "为深入实施质量强市战略，全面提升质量总体水平，制定本方案。",
    "一、总体要求",
    "（一）指导思想。坚持质量第一、效益优先，推动质量变革，建设质量强市。",
    "（二）主要目标。到2025年，制造业产品质量合格率达到94%以上，质量竞争力明显增强。（市市场监管局牵头）",
    "二、重点任务",
    "（三）提升产品质量。开展重点产品质量提升行动，推广先进质量管理方法。",
    "（责任单位：市市场监管局、市工信局）",
    "（四）提升工程质量。落实工程质量终身责任制，开展工程质量安全专项整治。（市住建局牵头，市交通运输局、市水利局配合）",
    "（五）提升服务质量。推动生活性服务业标准化，提升服务质量满意度。（市商务局牵头，市文旅局配合）",
]

PLAN_TABLE = [
    ["序号", "重点任务", "牵头单位", "配合单位"],
    ["1", "实施标准提档升级行动", "市市场监管局", "市工信局"],
    ["2", "开展质量基础设施建设", "市市场监管局", "市财政局"],
]
PLAN_AFTER_TABLE = ["三、保障措施", "（六）加强组织领导。各地各部门要把质量工作摆上重要议事日程。（市质量强市工作领导小组办公室负责）"]

NOTICE = [
    "关于开展2024年质量月活动的通知",
    "各有关单位：",
    "为提高全社会质量意识，经研究，决定开展2024年质量月活动。",
    "一、活动主题",
    "建设质量强国，推动高质量发展。",
    "二、工作要求",
    "（一）各单位要结合实际制定活动方案。（市市场监管局牵头，各县区政府配合）",
]

# ---------------------------------------------------------------------------------------------
# OLE2 compound file and Word binary streams, by hand

_SECTOR = 512
_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_MINI_CUTOFF = 4096


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding `streams` in its root storage.

    Streams are padded to the mini-stream cutoff so that all live in regular sectors.
    """
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the order the directory tree sorts by
    data = {n: streams[n].ljust(_MINI_CUTOFF, b"\0") for n in names}
    chains: list[tuple[int, int]] = []  # (first sector, sector count)
    sector = 0
    for n in names:
        count = -(-len(data[n]) // _SECTOR)
        chains.append((sector, count))
        sector += count
    entries = 1 + len(names)
    dir_sectors = -(-entries * 128 // _SECTOR)
    dir_start = sector
    sector += dir_sectors
    fat_sectors = 1
    while (sector + fat_sectors) > fat_sectors * 128:
        fat_sectors += 1
    fat_start = sector
    fat = []
    for first, count in chains + [(dir_start, dir_sectors)]:
        fat.extend(list(range(first + 1, first + count)) + [_END])
    fat.extend([_FAT_SECTOR] * fat_sectors)
    fat.extend([_FREE] * (fat_sectors * 128 - len(fat)))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", _NO_STREAM, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, _NO_STREAM, 1 if names else _NO_STREAM, _END, 0)
    for index, n in enumerate(names):
        right = index + 2 if index + 1 < len(names) else _NO_STREAM  # a right-leaning chain is a valid tree
        directory += entry(n, 2, right, _NO_STREAM, chains[index][0], len(data[n]))
    unused = b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", _NO_STREAM, _NO_STREAM, _NO_STREAM) + b"\0" * 48
    while len(directory) < dir_sectors * _SECTOR:
        directory += unused
    difat = [fat_start + i for i in range(fat_sectors)] + [_FREE] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, _MINI_CUTOFF, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    body = b"".join(data[n].ljust(count * _SECTOR, b"\0") for n, (_, count) in zip(names, chains, strict=True))
    return header + body + directory + struct.pack(f"<{len(fat)}I", *fat)


def word_streams(pieces: list[tuple[str, bool]], *, encrypted: bool = False,
                 table: str = "1Table", reverse_storage: bool = True) -> dict[str, bytes]:
    """WordDocument and table streams whose piece table holds `pieces` (text, stored 8-bit compressed?).

    With `reverse_storage` the pieces' bytes are stored in reverse order, as after Word's fast saves,
    so a reader must follow the piece table rather than read the stream front to back.
    """
    text_start = 0x400
    stored = b""
    placed: list[tuple[int, bool]] = [(0, False)] * len(pieces)
    order = range(len(pieces) - 1, -1, -1) if reverse_storage else range(len(pieces))
    for index in order:
        text, compressed = pieces[index]
        offset = text_start + len(stored)
        stored += text.encode("cp1252") if compressed else text.encode("utf-16-le")
        if len(stored) % 2:
            stored += b"\0"
        placed[index] = (offset, compressed)
    ccp_text = sum(len(text) for text, _ in pieces)
    cps = [0]
    for text, _ in pieces:
        cps.append(cps[-1] + len(text))
    pcds = b"".join(struct.pack("<HIH", 0, (offset * 2) | 0x40000000 if compressed else offset, 0)
                    for offset, compressed in placed)
    plc = struct.pack(f"<{len(cps)}I", *cps) + pcds
    prc = b"\x01" + struct.pack("<h", 3) + b"\x2a\x0c\x01"  # one Prc (a formatting sprm) before the Pcdt
    clx = prc + b"\x02" + struct.pack("<I", len(plc)) + plc
    fc_clx = 0x40  # something else (the style sheet, in Word) comes first
    table_stream = b"\0" * fc_clx + clx
    flags = 0x1000 | (0x0200 if table == "1Table" else 0) | (0x0100 if encrypted else 0)
    fib = bytearray(text_start)
    struct.pack_into("<HHHHHH", fib, 0, 0xA5EC, 0x00C1, 0, 0x0804, 0, flags)
    struct.pack_into("<H", fib, 0x0C, 0x00BF)
    struct.pack_into("<H", fib, 0x20, 14)  # csw
    struct.pack_into("<H", fib, 0x3E, 22)  # cslw
    struct.pack_into("<ii", fib, 0x40, text_start + len(stored), 0)  # cbMac
    struct.pack_into("<i", fib, 0x4C, ccp_text)
    struct.pack_into("<H", fib, 0x98, 93)  # cbRgFcLcb of Word 97
    struct.pack_into("<Ii", fib, 0x9A + 8 * 33, fc_clx, len(clx))
    return {"WordDocument": bytes(fib) + stored, table: table_stream}


# A fast-saved style document: UTF-16 pieces for Chinese, 8-bit pieces for ASCII-only runs, a nested
# field, a table (cell marks), a manual line break, a non-breaking hyphen and a picture anchor.
MIXED_PIECES = [
    ("某某市标准化工作要点\r一、对标达标\r（一）推动企业对照", False),
    ("ISO 9001", True),
    ("和", False),
    (" GB/T 19001", True),
    ("\x1e2016 开展质量管理体系认证。\x01\r（二）详见", False),
    ("\x13 HYPERLINK \"http://example.gov.cn/bz\" \x13 DOCPROPERTY x \x14ignored\x15\x14", True),
    ("标准化网站\x15，持续推进对标达标。\x0b（市市场监管局牵头）\r", False),
    ("指标\x07目标值\x07\x07企业标准自我声明公开数\x07500\x07\x07", False),
    ("二、组织保障\r各有关部门要加强协作。\r", False),
]
MIXED_PIECES_LINES = [
    "某某市标准化工作要点", "一、对标达标", "（一）推动企业对照ISO 9001和 GB/T 19001-2016 开展质量管理体系认证。",
    "（二）详见标准化网站，持续推进对标达标。", "（市市场监管局牵头）", "指标", "目标值", "企业标准自我声明公开数", "500",
    "二、组织保障", "各有关部门要加强协作。",
]


def write_handmade_word_files(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "mixed_pieces.doc").write_bytes(compound_file(word_streams(MIXED_PIECES)))
    secret = [("某某市质量工作考核办法（征求意见稿）\r", False)]
    (out / "encrypted_flag.doc").write_bytes(compound_file(word_streams(secret, encrypted=True)))
    works = {"CONTENTS": b"\x00\x01MN0 works text " * 20, "MN0": b"\0" * 64}
    (out / "works.wps").write_bytes(compound_file(works))


# ---------------------------------------------------------------------------------------------
# Word binaries written by LibreOffice


def _docx_with_hyperlink(path: Path, paragraphs: list[str], *, table: list[list[str]] | None = None,
                         after_table: list[str] | None = None) -> None:
    """A .docx: paragraphs ("[[text|url]]" becomes a hyperlink, "\\n" a manual line break), a table, more."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()

    def add(text: str) -> None:
        paragraph = document.add_paragraph()
        rest = text
        while "[[" in rest:
            before, _, tail = rest.partition("[[")
            inner, _, rest = tail.partition("]]")
            label, _, url = inner.partition("|")
            _add_runs(paragraph, before)
            rel = document.part.relate_to(
                url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", is_external=True)
            link = OxmlElement("w:hyperlink")
            link.set(qn("r:id"), rel)
            run, text_node = OxmlElement("w:r"), OxmlElement("w:t")
            text_node.text = label
            run.append(text_node)
            link.append(run)
            paragraph._p.append(link)
        _add_runs(paragraph, rest)

    for text in paragraphs:
        add(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    for text in after_table or []:
        add(text)
    document.save(str(path))


def _add_runs(paragraph, text: str) -> None:
    for index, piece in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break()
        if piece:
            paragraph.add_run(piece)


def write_libreoffice_word_files(out: Path) -> bool:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("soffice not found: the LibreOffice-made .doc/.wps fixtures were left as they are", file=sys.stderr)
        return False
    regulation = list(REGULATION)
    regulation[4] = regulation[4].replace(
        "统筹协调，", "统筹协调（办事指南见[[市场监管局网站|http://example.gov.cn/zljs]]），")
    regulation[6] = regulation[6].replace("体系，", "体系，\n")
    sources = {
        "regulation_articles": (regulation, None, None),
        "plan_with_table": (PLAN, PLAN_TABLE, PLAN_AFTER_TABLE),
        "notice": (NOTICE, None, None),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for stem, (paragraphs, table, after) in sources.items():
            _docx_with_hyperlink(work / f"{stem}.docx", paragraphs, table=table, after_table=after)
        subprocess.run([soffice, "--headless", "--convert-to", "doc", "--outdir", str(work),
                        *[str(work / f"{stem}.docx") for stem in sources]],
                       check=True, capture_output=True, timeout=300)
        shutil.copy(work / "regulation_articles.doc", out / "regulation_articles.doc")
        shutil.copy(work / "plan_with_table.doc", out / "plan_with_table.doc")
        # WPS Office writes .wps in the Word 97 binary format: the same bytes under its own suffix.
        shutil.copy(work / "notice.doc", out / "notice.wps")
    return True


# ---------------------------------------------------------------------------------------------
# OFD

_OFD_NS = "http://www.ofdspec.org/2016"
FONT_SIZE = 5.6  # 三号 (16 pt) in millimetres, the size of body text in official documents
_LEFT, _WIDTH, _TOP, _LINE, _LINES_PER_PAGE = 28.0, 156.8, 37.0, 10.0, 22


def layout(paragraphs: list[tuple[str, str]], *, lines_per_page: int = _LINES_PER_PAGE
           ) -> list[list[tuple[float, float, str]]]:
    """Pages of (x, baseline y, text) lines. Styles: body (two-character first-line indent, wrapped),
    center, right, flush (no indent)."""
    per_line = int(_WIDTH // FONT_SIZE)
    lines: list[tuple[float, str]] = []
    for text, style in paragraphs:
        if style == "center":
            lines.append((_LEFT + (_WIDTH - _text_width(text)) / 2, text))
        elif style == "right":
            lines.append((_LEFT + _WIDTH - _text_width(text) - 2 * FONT_SIZE, text))
        else:
            indent = 2 if style == "body" else 0
            rest, first = text, True
            while rest:
                room = per_line - (indent if first else 0)
                chunk = _fit(rest, room)
                lines.append((_LEFT + (indent * FONT_SIZE if first else 0), chunk))
                rest, first = rest[len(chunk):], False
    pages = []
    for start in range(0, len(lines), lines_per_page):
        page = lines[start:start + lines_per_page]
        pages.append([(x, _TOP + index * _LINE, text) for index, (x, text) in enumerate(page)])
    return pages


def _char_width(ch: str) -> float:
    return FONT_SIZE / 2 if ch.isascii() else FONT_SIZE


def _text_width(text: str) -> float:
    return sum(_char_width(ch) for ch in text)


def _fit(text: str, room: int) -> str:
    width, count = 0.0, 0
    for ch in text:
        if width + _char_width(ch) > room * FONT_SIZE + 1e-6:
            break
        width += _char_width(ch)
        count += 1
    return text[:count]


def _delta_x(text: str, scale: int = 1) -> str:
    """DeltaX of a run: "g count value" when all advances are equal, else one value per gap."""
    widths = [_char_width(ch) * scale for ch in text[:-1]]
    if all(w == FONT_SIZE * scale for w in widths):
        return f"g {len(widths)} {FONT_SIZE * scale:g}" if widths else ""
    return " ".join(f"{w:g}" for w in widths)


def page_content(lines: list[tuple[float, float, str]], *, page_number: int | None, seed: int,
                 scaled_line: int | None = None) -> str:
    """A Content.xml: each line cut into one to three TextObjects, objects shuffled, some in a PageBlock.

    `scaled_line` draws that line with a CTM halving a doubled font size (same look, other coordinates).
    """
    rng = random.Random(seed)
    objects: list[str] = []
    next_id = 100
    for index, (x, y, text) in enumerate(lines):
        cuts = sorted(rng.sample(range(1, len(text)), min(rng.randint(0, 2), len(text) - 1))) if len(text) > 1 else []
        start = 0
        for end in [*cuts, len(text)]:
            piece = text[start:end]
            piece_x = x + _text_width(text[:start])
            next_id += 1
            # The scaled line is drawn at twice the size in object space and halved by its CTM.
            scale = 2 if index == scaled_line else 1
            delta = _delta_x(piece, scale)
            delta_attr = f' DeltaX="{delta}"' if delta else ""
            ctm_attr = ' CTM="0.5 0 0 0.5 0 0"' if scale == 2 else ""
            box = f"{piece_x:.3f} {y - FONT_SIZE:.3f} {_text_width(piece):.3f} {FONT_SIZE * 1.3:.3f}"
            objects.append(
                f'<ofd:TextObject ID="{next_id}" Boundary="{box}" Font="3" Size="{FONT_SIZE * scale:g}"{ctm_attr}>'
                f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="{FONT_SIZE * scale:g}"{delta_attr}>'
                f"{_xml(piece)}</ofd:TextCode></ofd:TextObject>")
            start = end
    rng.shuffle(objects)
    third = len(objects) // 3
    objects = objects[:third] + ["<ofd:PageBlock ID=\"99\">" + "".join(objects[third:2 * third]) + "</ofd:PageBlock>"] \
        + objects[2 * third:]
    if page_number is not None:
        label = f"— {page_number} —"
        objects.append(
            f'<ofd:TextObject ID="90" Boundary="95 280 30 8" Font="3" Size="4.9">'
            f'<ofd:TextCode X="0" Y="5">{_xml(label)}</ofd:TextCode></ofd:TextObject>')
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_OFD_NS}"><ofd:Template TemplateID="2"/>'
            f'<ofd:Content><ofd:Layer ID="10" Type="Body">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ofd_package(pages: list[str], *, doc_info: str = "", doc_root: str = "Doc_0/Document.xml",
                page_locations: list[str] | None = None) -> bytes:
    """An OFD zip: OFD.xml with `doc_info` (inner XML of DocInfo), Document.xml, a template page, `pages`."""
    locations = page_locations or [f"Pages/Page_{i}/Content.xml" for i in range(len(pages))]
    ofd_xml = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_OFD_NS}" Version="1.0" DocType="OFD">'
               f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>6f1d2c0a9b3e4d5f8a7b6c5d4e3f2a1b</ofd:DocID>{doc_info}"
               f"</ofd:DocInfo><ofd:DocRoot>{doc_root}</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    page_refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="{loc}"/>' for i, loc in enumerate(locations))
    document_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_OFD_NS}"><ofd:CommonData>'
        "<ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
        '</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/>'
        f"</ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>")
    public_res = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{_OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
                  '<ofd:Font ID="3" FontName="仿宋_GB2312" FamilyName="仿宋"/></ofd:Fonts></ofd:Res>')
    template = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_OFD_NS}"><ofd:Content><ofd:Layer ID="5">'
                '<ofd:TextObject ID="6" Boundary="28 10 150 8" Font="3" Size="4.2"><ofd:TextCode X="0" Y="5">'
                "模板页眉：不应读出</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>")
    doc_dir = doc_root.lstrip("/").rsplit("/", 1)[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(member: str, text: str) -> None:
            info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))

        add("OFD.xml", ofd_xml)
        add(f"{doc_dir}/Document.xml", document_xml)
        add(f"{doc_dir}/PublicRes.xml", public_res)
        add(f"{doc_dir}/Tpls/Tpl_0/Content.xml", template)
        for location, content in zip(locations, pages, strict=True):
            member = location.lstrip("/") if location.startswith("/") else f"{doc_dir}/{location}"
            add(member, content)
    return buffer.getvalue()


REGULATION_STYLES = [(REGULATION[0], "center")] + [
    (text, "center" if text.startswith("第") and "章" in text[:4] else "body") for text in REGULATION[1:]]
PLAN_STYLES = [
    (PLAN[0], "center"), (PLAN[1], "center"), (PLAN[2], "flush"), (PLAN[3], "body"), (PLAN[4], "right"),
    (PLAN[5], "right"), (PLAN[6], "center"), *[(text, "body") for text in PLAN[7:]],
]


def write_ofd_files(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # Two pages: eleven lines a page puts the page break inside 第四条.
    pages = layout(REGULATION_STYLES, lines_per_page=11)
    assert len(pages) == 2
    info = ("<ofd:Title>某某市质量强市促进办法</ofd:Title><ofd:Author>某某市市场监督管理局</ofd:Author>"
            "<ofd:CreationDate>2023-12-01</ofd:CreationDate><ofd:Creator>Suwell OFD Writer</ofd:Creator>"
            '<ofd:CustomDatas><ofd:CustomData Name="发文机关">某某市人民政府</ofd:CustomData>'
            '<ofd:CustomData Name="文号">某某市人民政府令第12号</ofd:CustomData></ofd:CustomDatas>')
    contents = [page_content(lines, page_number=i + 1, seed=i) for i, lines in enumerate(pages)]
    (out / "regulation_two_pages.ofd").write_bytes(ofd_package(contents, doc_info=info, doc_root="/Doc_0/Document.xml"))

    pages = layout(PLAN_STYLES)
    contents = [page_content(lines, page_number=None, seed=10 + i, scaled_line=3 if i == 0 else None)
                for i, lines in enumerate(pages)]
    locations = [f"/Doc_0/Pages/Page_{i}/Content.xml" if i % 2 else f"Pages/Page_{i}/Content.xml"
                 for i in range(len(pages))]
    (out / "plan_numbered.ofd").write_bytes(ofd_package(contents, page_locations=locations))


# ---------------------------------------------------------------------------------------------
# MHTML


def _html_page(title: str, paragraphs: list[str], charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    body = "".join(f"<p>{_xml(text)}</p>" for text in paragraphs)
    return (f"<!DOCTYPE html><html><head>{meta}<title>{_xml(title)}</title>"
            "<style>p { text-indent: 2em; }</style></head><body>"
            '<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></div>'
            f'<div class="article"><h1>{_xml(title)}</h1>{body}</div>'
            '<div class="footer">主办单位：某某市人民政府办公室 版权所有</div>'
            '<img src="https://example.gov.cn/logo.png"></body></html>')


def write_mhtml_files(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    png = base64.encodebytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64))).decode("ascii")
    # Internet Explorer / Word style: gb2312, quoted-printable, CRLF line ends.
    html = _html_page(PLAN[6], PLAN[7:], "gb2312").encode("gb18030")
    boundary = "----=_NextPart_000_0000_01DA1F2B.5C3E4A10"
    parts = [
        "From: <由 Windows Internet Explorer 8 保存>",
        "Subject: =?gb2312?B?" + base64.b64encode(PLAN[6].encode("gb2312")).decode("ascii") + "?=",
        "Date: Mon, 10 Apr 2023 09:30:00 +0800",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{boundary}"',
        "",
        "This is a multi-part message in MIME format.",
        "",
        f"--{boundary}",
        'Content-Type: text/html;\r\n\tcharset="gb2312"',
        "Content-Transfer-Encoding: quoted-printable",
        "Content-Location: http://example.gov.cn/zwgk/2023/plan.html",
        "",
    ]
    # IE writes its "From" line in the system code page: raw GBK bytes in a header.
    text = "\r\n".join(parts).encode("gb18030") + b"\r\n" + quopri.encodestring(html).replace(b"\n", b"\r\n")
    text += (f"\r\n\r\n--{boundary}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
             f"Content-Location: https://example.gov.cn/logo.png\r\n\r\n{png}\r\n--{boundary}--\r\n").encode("ascii")
    (out / "plan_gb2312.mht").write_bytes(text)

    # Chrome style: UTF-8, base64, Snapshot-Content-Location, root named by the start parameter.
    html = _html_page(REGULATION[0], REGULATION[1:], None).encode("utf-8")
    boundary = "----MultipartBoundary--k2ZQ8mJcWv1xYt3pN7aR5eLf0uHsDg9bTo4iPn6Ec----"
    head = (
        "From: <Saved by Blink>\r\nSnapshot-Content-Location: https://example.gov.cn/zcfg/banfa.html\r\n"
        "Subject: =?utf-8?Q?" + "".join(f"={b:02X}" for b in REGULATION[0].encode("utf-8")) + "?=\r\n"
        "Date: Fri, 1 Dec 2023 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tstart="<frame-root@mhtml.blink>";\r\n'
        f'\tboundary="{boundary}"\r\n\r\n\r\n'
    )
    css = "p { line-height: 1.8; }"
    text = (head
            + f"--{boundary}\r\nContent-Type: text/css\r\nContent-Transfer-Encoding: quoted-printable\r\n"
              f"Content-Location: https://example.gov.cn/style.css\r\n\r\n{css}\r\n"
            + f"--{boundary}\r\nContent-Type: text/html\r\nContent-ID: <frame-root@mhtml.blink>\r\n"
              "Content-Transfer-Encoding: base64\r\nContent-Location: https://example.gov.cn/zcfg/banfa.html\r\n\r\n"
            + base64.encodebytes(html).decode("ascii").replace("\n", "\r\n")
            + f"\r\n--{boundary}--\r\n")
    # In Chrome's file the charset of the root part is a parameter; utf-8 here.
    text = text.replace("Content-Type: text/html\r\nContent-ID", 'Content-Type: text/html; charset="utf-8"\r\nContent-ID')
    (out / "regulation_utf8.mhtml").write_bytes(text.encode("ascii"))


def main() -> None:
    write_handmade_word_files(ZOO / "doc")
    write_libreoffice_word_files(ZOO / "doc")
    write_ofd_files(ZOO / "ofd")
    write_mhtml_files(ZOO / "mhtml")


if __name__ == "__main__":
    main()
