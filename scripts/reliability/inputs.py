"""Deterministic hostile inputs for the reliability scenarios: questions, uploads, corpus variants.

Everything here is a pure function of its arguments (and a seed), so a failing case can be
reproduced from its index alone.
"""

from __future__ import annotations

import functools
import io
import random
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"

# -- hostile questions -------------------------------------------------------------------------

_TOPICS = ("电梯安全", "标准化", "质量强市", "品牌建设", "计量", "食品安全", "检验检测", "质量考核")
_REAL = (
    "西安市电梯安全隐患整治有什么安排？",
    "安徽省品牌建设由哪个部门牵头",
    "太原市标准化工作",
    "七台河质量强市的目标是什么",
    "克州 质量 考核",
)
_TRADITIONAL = (
    "西安市電梯安全隱患整治由誰牽頭？",
    "質量強市行動計劃的目標是什麼",
    "標準化戰略實施方案",
    "品牌建設與質量監督檢驗",
    "檢驗檢測認證機構整合",
)
_MIXED = (
    "Xi'an 电梯 safety 整治 plan?",
    "質量 quality Качество 품질 品質管理",
    "ＳＱＬ　质量ｑｕａｌｉｔｙ　２０１７年",
    "電梯エレベーター安全 ليفت 安全",
    "𠮷野家 𡈽 质量 𪚥",  # characters outside the BMP (UTF-16 surrogate pairs)
    "المدينة 质量 שלום 标准",
)
_SYNTAX = (
    '"',
    '""',
    "*",
    "电梯*",
    '"电梯 安全',
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE questions; --",
    "电梯 OR 1=1 --",
    "NEAR(电梯 安全)",
    "NEAR(",
    "电梯 AND NOT 安全",
    "^电梯",
    "-电梯",
    "电梯:安全",
    "{电梯}",
    "(((",
    ")))",
    "MATCH 'x'",
    "%",
    "_%_",
    "\\",
    "\\'",
    "[a-z]+.*?(",
    "$1 ${x} %s %d {0} {{}}",
    "?",
    "/* 电梯 */",
    "0x7fffffff",
    "-1",
    "NaN",
)
_MARKUP = (
    "<b>电梯</b>",
    "</a>",
    "<a href='javascript:alert(1)'>点我</a>",
    "&",
    "&amp;",
    "&lt;b&gt;",
    "&#0;",
    "&#x110000;",
    "<script>alert(1)</script>",
    "<tg-spoiler>质量</tg-spoiler>",
    '<span class="tg-spoiler">电梯</span>',
    "<pre><code>电梯</code></pre>",
    "<",
    ">",
    "<<>>",
    "<b>电梯",
    "电梯</b>",
    "<!-- x -->",
    "<![CDATA[电梯]]>",
    "**电梯** __安全__ `code` ~~x~~ ||spoiler||",
    "[电梯](http://example.com)",
    "@admin /reindex",
    "/start",
    "#电梯 $质量",
)
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。、；：？！…—·「」『』《》〈〉【】〔〕（）“”‘’"
_EMOJI = ("🏭", "🔥", "👨‍👩‍👧‍👦", "🇨🇳", "👍🏽", "❤️", "🛗", "⚠️", "🧪", "📄", "🤖", "1️⃣", "🏳️‍🌈")
_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u202d", "\u2066", "\u180e")
_CONTROL = tuple(chr(c) for c in (*range(0, 32), 127, 0x85, 0x9B)) + ("\u2028", "\u2029", "\x1b[31m")
_WHITESPACE = (" ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2003", "\x0b", "\x0c")


def _cjk(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))


def _sprinkle(rng: random.Random, text: str, pool: tuple[str, ...], times: int) -> str:
    chars = list(text)
    for _ in range(times):
        chars.insert(rng.randint(0, len(chars)), rng.choice(pool))
    return "".join(chars)


def _empty(rng: random.Random) -> str:
    return ""


def _whitespace(rng: random.Random) -> str:
    return "".join(rng.choice(_WHITESPACE) for _ in range(rng.randint(1, 40)))


def _very_long(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return _cjk(rng, 10_000)
    if shape == 1:
        return (rng.choice(_REAL) * 800)[:10_000]
    if shape == 2:
        return "".join(rng.choice(_PUNCTUATION + "电梯") for _ in range(10_000))
    return ("<b>&amp;" + rng.choice(_TOPICS)) * 1000


def _punctuation(rng: random.Random) -> str:
    return "".join(rng.choice(_PUNCTUATION) for _ in range(rng.randint(1, 60)))


def _emoji(rng: random.Random) -> str:
    text = "".join(rng.choice(_EMOJI) for _ in range(rng.randint(1, 12)))
    return text if rng.random() < 0.5 else f"{text}{rng.choice(_TOPICS)}{text}"


def _control(rng: random.Random) -> str:
    base = rng.choice(_REAL) if rng.random() < 0.6 else ""
    return _sprinkle(rng, base, _CONTROL, rng.randint(1, 10)) or "\x00"


def _invisible(rng: random.Random) -> str:
    base = rng.choice(_REAL + _TOPICS) if rng.random() < 0.7 else ""
    return _sprinkle(rng, base, _INVISIBLE, rng.randint(1, 12)) or "\u200b\u200d\ufeff"


def _traditional(rng: random.Random) -> str:
    return rng.choice(_TRADITIONAL)


def _mixed(rng: random.Random) -> str:
    return rng.choice(_MIXED)


def _syntax(rng: random.Random) -> str:
    text = rng.choice(_SYNTAX)
    return text if rng.random() < 0.5 else f"{rng.choice(_TOPICS)} {text} {rng.choice(_TOPICS)}"


def _markup(rng: random.Random) -> str:
    text = rng.choice(_MARKUP)
    return text if rng.random() < 0.5 else f"{rng.choice(_REAL)}{text}"


def _reference_like(rng: random.Random) -> str:
    """Strings shaped like clause references and 文号, with junk: the lookup path, not search."""
    return rng.choice(
        (
            "西安 二(五)",
            "西安 九十九(九十九)",
            "皖政办秘〔2016〕76号 一(六)",
            "〔〕号 (",
            "一(",
            "(一)(二)(三)" * 20,
            "市政办发〔2017〕17号",
            "0(0)",
            "西安 二(五)<b>",
            "西安 二(五)" + "\u200b",
        )
    )


def _combined(rng: random.Random) -> str:
    makers = (_emoji, _control, _invisible, _syntax, _markup, _punctuation, _traditional, _mixed)
    return "".join(rng.choice(makers)(rng) for _ in range(rng.randint(2, 4)))


def _lone_surrogate(rng: random.Random) -> str:
    """JSON input ("\\ud800") can carry these into scripts/ask.py --json; Telegram never sends them."""
    return rng.choice(("\ud800", "电梯\udfff安全", "\udc00" + rng.choice(_REAL)))


CATEGORIES: dict[str, Callable[[random.Random], str]] = {
    "empty": _empty,
    "whitespace": _whitespace,
    "10000 characters": _very_long,
    "punctuation only": _punctuation,
    "emoji": _emoji,
    "control characters": _control,
    "zero-width characters": _invisible,
    "traditional characters": _traditional,
    "mixed scripts": _mixed,
    "FTS/SQL syntax": _syntax,
    "HTML/Telegram markup": _markup,
    "reference-like": _reference_like,
    "combined": _combined,
}
# Beyond the list: strings no Telegram update can carry, but JSON input can.
EXTRA_CATEGORIES: dict[str, Callable[[random.Random], str]] = {"lone surrogates": _lone_surrogate}


@dataclass(frozen=True)
class HostileQuery:
    number: int
    category: str
    text: str


def hostile_queries(
    count: int, seed: int = 0, categories: dict[str, Callable[[random.Random], str]] | None = None
) -> list[HostileQuery]:
    """count queries cycling through every category (so even a small count covers them all)."""
    categories = categories or CATEGORIES
    names = list(categories)
    out = []
    for number in range(count):
        category = names[number % len(names)]
        rng = random.Random(f"hostile|{seed}|{number}")
        out.append(HostileQuery(number, category, categories[category](rng)))
    return out


def telegram_deliverable(text: str) -> str | None:
    """The text of a message Telegram would deliver for this input, or None if it sends nothing.

    Telegram refuses empty and whitespace-only messages, rejects invalid UTF-8 and splits longer
    texts at 4096 characters.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if not text.strip():
        return None
    return text[:4096]


# -- bad uploads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    label: str
    name: str
    content: bytes
    # A word the message about it must contain (the reason, said plainly).
    expect: tuple[str, ...]
    # True: a valid plan (a preview and a 确认 button are right); False: refused at once.
    previewable: bool = False


def seed_text(name_part: str = "西安") -> str:
    path = next(p for p in sorted(CORPUS.glob("*.txt")) if name_part in p.name)
    return path.read_text(encoding="utf-8-sig")


def seed_file(name_part: str = "西安") -> Path:
    return next(p for p in sorted(CORPUS.glob("*.txt")) if name_part in p.name)


def newer_version(text: str, year: int = 2019) -> str:
    """The same 文号 with a later date and one changed sentence: a new version of the plan."""
    text = re.sub(r"20\d\d年(\d{1,2})月(\d{1,2})日", rf"{year}年\1月\2日", text, count=1)
    return text.replace("。", "（修订）。", 1)


def windows_executable(size: int = 64 * 1024) -> bytes:
    header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + struct.pack("<I", 0x80)
    stub = b"This program cannot be run in DOS mode.\r\r\n$".ljust(64, b"\x00")
    body = b"PE\x00\x00" + random.Random("pe").randbytes(size)
    return (header + stub + body)[:size]


def linux_executable(size: int = 64 * 1024) -> bytes:
    return (b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + random.Random("elf").randbytes(size))[:size]


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but well-formed OLE compound file (what an encrypted .docx really is).

    Streams are stored in regular 512-byte sectors (each padded to at least 4096 bytes so none
    belongs in the mini stream); one FAT sector, one directory sector (≤ 3 streams).
    """
    sector = 512
    names = list(streams)
    if len(names) > 3:
        raise ValueError("at most 3 streams")
    data = [streams[n].ljust(4096, b"\x00") for n in names]
    counts = [(len(d) + sector - 1) // sector for d in data]
    fat_sector, dir_sector = 0, 1
    starts, next_free = [], 2
    for count in counts:
        starts.append(next_free)
        next_free += count
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # the FAT's own sector, then the directory's one-sector chain
    for start, count in zip(starts, counts, strict=True):
        fat += [start + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
    if len(fat) > sector // 4:
        raise ValueError("streams too large for one FAT sector")
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<iii", -1, right, child)
            + b"\x00" * 16  # class id
            + b"\x00" * 4  # state bits
            + b"\x00" * 16  # times
            + struct.pack("<iI", start, size)
            + b"\x00" * 4
        )

    entries = [entry("Root Entry", 5, 1 if names else -1, -1, -2, 0)]
    for i, (name, start, stream) in enumerate(zip(names, starts, data, strict=True)):
        entries.append(entry(name, 2, -1, i + 2 if i + 1 < len(names) else -1, start, len(stream)))
    directory = b"".join(entries).ljust(sector, b"\x00")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, dir_sector, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    )
    difat = struct.pack("<I", fat_sector) + b"\xff\xff\xff\xff" * 108
    body = b"".join(d.ljust(c * sector, b"\x00") for d, c in zip(data, counts, strict=True))
    return (header + difat).ljust(sector, b"\x00") + struct.pack(f"<{sector // 4}I", *fat) + directory + body


def encrypted_docx() -> bytes:
    """Word's "encrypt with password" output: a compound file holding EncryptionInfo/EncryptedPackage."""
    rng = random.Random("encrypted-docx")
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 9000) + rng.randbytes(9000)})


def encrypted_pdf(text: str = "一、加强标准化建设（市市场监管局牵头）") -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt="secret-password", invariant=1)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@functools.lru_cache(maxsize=2)
def zip_bomb_docx(inflated_bytes: int = 256 * 1024 * 1024) -> bytes:
    """A .docx-shaped zip (content types, word/document.xml) whose one extra member inflates to
    inflated_bytes of zeros — a few hundred KB on the wire."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>一、质量</w:t></w:r></w:p></w:body></w:document>",
        )
        block = b"\x00" * (1 << 20)
        with archive.open("word/media/image1.bin", "w", force_zip64=True) as member:
            for _ in range(inflated_bytes // len(block)):
                member.write(block)
    return buffer.getvalue()


NO_CLAUSES = """关于召开全市质量工作会议的通知
各有关单位：
定于下周一上午九时在市政府三楼会议室召开全市质量工作会议，请各单位主要负责同志准时参加。
请于本周五前将参会人员名单报市市场监管局。
特此通知。
市人民政府办公室
2024年1月5日
"""


def bad_uploads(*, huge_bytes: int = 25 * 1024 * 1024, bomb_bytes: int = 256 * 1024 * 1024) -> list[Upload]:
    """The issue's bad uploads, in order; the last two are valid plans that touch stored ones."""
    plan = seed_text("西安")
    return [
        Upload("empty", "空文件.txt", b"", ("空",)),
        Upload("binary", "数据.txt", random.Random("binary").randbytes(32 * 1024), ("无法识别", "不支持", "二进制")),
        Upload(
            "25 MB",
            "超大方案.txt",
            ("质量强市行动计划。" * (huge_bytes // 27 + 1)).encode()[:huge_bytes],
            ("超过", "过大"),
        ),
        Upload("wrong extension", "质量方案.key", plan.encode(), ("不支持",)),
        Upload("renamed executable (.docx)", "行动计划.docx", windows_executable(), ("可执行", "不是有效", "损坏")),
        Upload("renamed executable (.pdf)", "行动计划.pdf", linux_executable(), ("可执行", "不是有效", "损坏")),
        Upload("renamed executable (.txt)", "行动计划.txt", windows_executable(), ("可执行", "不支持")),
        Upload("encrypted docx", "加密方案.docx", encrypted_docx(), ("加密",)),
        Upload("encrypted pdf", "加密方案.pdf", encrypted_pdf(), ("加密",)),
        Upload("zip bomb as docx", "炸弹.docx", zip_bomb_docx(bomb_bytes), ("压缩炸弹", "异常")),
        Upload(
            "no clauses", "会议通知.txt", NO_CLAUSES.encode(), ("未识别到编号条款", "没有识别出条款"), previewable=True
        ),
        Upload(
            "same file twice", seed_file("西安").name, seed_file("西安").read_bytes(), ("已在库中",), previewable=True
        ),
        Upload(
            "newer version of a stored 文号",
            "西安市_2019_质量强市行动计划.txt",
            newer_version(plan).encode(),
            ("替换",),
            previewable=True,
        ),  # fmt: skip
    ]


# -- corpus variants ---------------------------------------------------------------------------


def synthetic_documents(count: int, start: int = 0, seed: int = 7) -> list[tuple[str, str]]:
    """(file name, text) of synthetic plans made from the bundled seeds (index/synthetic.py)."""
    from index.bench.synthetic import CorpusGenerator, read_seed_texts, seed_material

    generator = CorpusGenerator(seed_material(read_seed_texts(CORPUS)), seed=seed)
    return [(doc.name, doc.text) for doc in (generator.document(i) for i in range(start, start + count))]


def write_corpus(folder: Path, synthetic: int = 0) -> int:
    """The bundled corpus plus `synthetic` generated plans in folder; returns the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(CORPUS.iterdir()):
        if path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    for name, text in synthetic_documents(synthetic):
        (folder / name).write_text(text, encoding="utf-8")
    return len(list(folder.iterdir()))
