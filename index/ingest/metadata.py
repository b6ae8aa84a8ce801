"""Citation data of a plan (title, 文号, issuer, date, region) and where its body starts and ends.

A copied plan carries a front matter (web breadcrumbs, an 索引号 header block, the forwarding
notice with its signature and date, the plan's own title, a preamble) and a tail (signature,
attachments such as 任务分解表, print and share links). `extract_metadata` reads the citation
data out of them and hands back only the body: from the first numbered unit to the tail.
A field that cannot be found is None with a warning, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from index.ingest.responsibility import is_responsibility_line
from index.text.docnumber import iter_doc_numbers, strip_doc_numbers
from index.text.normalize import norm, squash
from index.text.numbering import STYLE_RANK, Marker, cn_to_int, match_marker


@dataclass
class DocumentFields:
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None
    region: str | None = None


# ---------------------------------------------------------------------------------------------
# Web-page and print noise: never content.

# Web chrome: only a short line without sentences is noise ("扫一扫就能查询，…" in a clause is content).
_CHROME = re.compile(
    r"当前位置|您的位置|您现在的位置|当前的位置|现在位置|所在位置|位置[:：]\s*(?:网站)?首页"
    r"|^(?:\d{1,2}\.\s*)?(?:网站首页|首页|主页|返回首页)\s*(?:[>›»＞/|｜]|$)"
    r"|^(?:\d{1,2}\.\s*)?[>›»＞]\s*正文$"
    r"|打印本页|打印此页|打印文章|关闭窗口|关闭本页|【打印】|【关闭】|\[打印\]|\[关闭\]|【打印此页】|【关闭窗口】"
    r"|分享到|扫描二维码|扫一扫|关注我们|收藏本页|加入收藏|返回顶部|【我要纠错】|我要纠错"
    r"|字体[:：]?\s*[【\[]?\s*大|字号[:：]\s*[【\[]?\s*大|【\s*大\s*】|\[\s*大\s*\]"
    r"|^(?:解读文章|相关解读|政策解读|图文解读|相关链接|相关文章|相关阅读|附件下载|公文相关附件|相关附件|相关稿件)"
    r"|网站地图|联系我们|浏览次数|访问次数|阅读次数|点击数[:：]|访问量[:：]"
    r"|^(?:来源|信息来源|稿件来源|发布时间|作者|编辑|责任编辑|审核)[:：]"
)
_MAX_CHROME = 60
# Always noise, however long the line: site footers, page numbers, timestamps, publication notes.
_NOISE = re.compile(
    r"版权所有|ICP备|网站标识码|公网安备|Copyright|©"
    r"|(?:主办|承办)(?:单位)?[:：].*(?:承办|电话|地址|邮编|技术支持|维护|备案|网站)"
    r"|^[(（]\s*此(?:件|页)[^)）]{0,12}[)）]$"
    r"|^[-—–－~]{1,2}\s*\d{1,4}\s*[-—–－~]{1,2}$|^第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$|^\d{1,3}$|^共\s*\d{1,4}\s*页$"
    # a time of day is never a document's date: "01.06.2016 22:50", "2017-12-08 11:57"
    r"|^\d{1,2}\.\d{1,2}\.\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?$"
    r"|^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s+\d{1,2}:\d{2}(?::\d{2})?$"
)


def is_noise(line: str) -> bool:
    """Breadcrumbs, print/share links, page numbers, timestamps, footer boilerplate."""
    text = squash(line)
    if _NOISE.search(text):
        return True
    return len(text) <= _MAX_CHROME and not re.search(r"[。；，,]", text) and bool(_CHROME.search(text))


# Web header blocks: "索  引  号 KZ001-2018-000496 主题分类 其他", "文　号 克政发〔2017〕95号" …
_FIELD_LABELS = ["索引号", "主题分类", "发文机关", "发文单位", "发布机构", "成文日期", "发布日期", "名称", "标题",
                 "文号", "发文字号", "主题词", "公开方式", "公开范围", "有效性", "体裁分类", "组配分类", "信息分类",
                 "所属机构", "生效日期", "废止日期", "统一编号", "登记号", "公文种类", "服务对象", "效力状态", "文件编号",
                 "发文日期"]
_DISTINCTIVE = {"索引号", "主题分类", "发文机关", "发文单位", "发布机构", "成文日期", "发布日期", "发文字号", "体裁分类",
                "组配分类", "信息分类", "公开方式", "效力状态", "统一编号"}
_FIELD = re.compile(
    "(" + "|".join(r"\s*".join(label) for label in sorted(_FIELD_LABELS, key=len, reverse=True)) + r")\s*[:：]?\s*"
)


# RawDocument.metadata keys a reader fills from fields a file declares apart from its text (a web page's
# 信息公开 table, its <meta> tags), and the header label each is read as: they count as header-block lines.
DECLARED_LABELS = {"title": "名称", "doc_number": "文号", "issuer": "发文机关", "publisher": "发布机构",
                   "date": "成文日期", "published": "发布日期"}
_KEY_OF_LABEL = {"索引号": "index_number", "主题分类": "topic", "名称": "title", "标题": "title", "文号": "doc_number", "发文字号": "doc_number",
                 "文件编号": "doc_number", "发文机关": "issuer", "发文单位": "issuer", "发布机构": "publisher",
                 "成文日期": "date", "发文日期": "date", "发布日期": "published"}


def declared_key(label: str) -> str | None:
    """The RawDocument.metadata key of a header label ("发文字号" → "doc_number"), None for others."""
    return _KEY_OF_LABEL.get(label)


def header_fields(line: str) -> dict[str, str] | None:
    """{label: value} of a web header-block line, or None if the line is not one."""
    text = norm(line).strip()
    first = _FIELD.match(text)
    if not first:
        return None
    matches = list(_FIELD.finditer(text))
    labels = [re.sub(r"\s", "", m.group(1)) for m in matches]
    labelled = re.search(r"[:：]", first.group(0)) or re.search(r"\s", first.group(1))
    if labels[0] not in _DISTINCTIVE and len(matches) < 2 and not labelled:
        return None  # a sentence that merely starts with "名称" or "标题"
    fields: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end].strip(" :：")
        fields.setdefault(labels[index], value)
    return fields


# ---------------------------------------------------------------------------------------------
# Dates, 文号, agency-like lines

_DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)"),
    re.compile(r"([〇零○O一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"),
]
_DATE_LINE = re.compile(
    r"^(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"
    r"|[〇零○O一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日"
    r"|\d{5,8}日)$"  # "2017126日": a date whose 年/月 were lost in copying
)
_AGENCY_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()、\s]{2,40}(?:政府|办公厅|办公室|委员会|局|厅|委|办|部|院|会|署|中心|小组|党委|人大|政协|公司|集团|管委会)$"
)


def parse_date(text: str) -> str | None:
    """ISO date of the first valid date in `text` (2017年2月25日 / 2017-02-25 / 2017.2.25 / 二〇一七年二月二十五日)."""
    text = norm(text)
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            year, month, day = (cn_to_int(group) or 0 for group in match.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                continue
    return None


def is_date_line(line: str) -> bool:
    return bool(_DATE_LINE.match(squash(line).replace(" ", "")))


def find_doc_number(text: str, *, allow_parenthesised: bool = False) -> str | None:
    """The 文号 in `text`, normalised to 〔〕: "市政办发[2017]17号" → "市政办发〔2017〕17号"; one
    inside a quotation or brackets counts only with `allow_parenthesised`."""
    normalized = norm(text)
    for number, start, _ in iter_doc_numbers(normalized, brackets=True):
        if allow_parenthesised or not _inside_brackets(normalized, start):
            return str(number)
    return None


def _inside_brackets(text: str, position: int) -> bool:
    before = text[:position]
    return before.count("(") > before.count(")") or before.count("《") > before.count("》")


def is_agency_line(line: str) -> bool:
    """A line that is only an agency's name, as in a signature."""
    text = squash(line)
    return bool(_AGENCY_LINE.match(text)) and len(text) <= 40 and "关于" not in text and text[0] not in "(（"


_REGION = re.compile(
    r"^(?:中共)?([\u4e00-\u9fff]{1,12}?(?:特别行政区|自治区|自治州|自治县|省|市|州|盟|地区|县|区|旗))"
    r"(?=人民政府|政府|人大|委员会|党委|委|办公厅|办公室|[\u4e00-\u9fff]*(?:局|厅|委|办))"
)
_TITLE_REGION = re.compile(
    r"^(?:关于)?([\u4e00-\u9fff]{1,10}?(?:特别行政区|自治区|自治州|自治县|省|市|州|盟|地区|县|区|旗))(?=\d|[\u4e00-\u9fff(（])"
)
_NOT_A_PLACE = re.compile(r"质量|强|推进|实施|全面|建设|加快|进一步|关于|贯彻|印发|发展|工作|行动|开展|委|政府|党|人大|我")
# A body's full place name in running text: "贵州省人民政府", "克孜勒苏柯尔克孜自治州人民政府".
_PLACE_OF_BODY = re.compile(
    r"([\u4e00-\u9fff]{2,12}?(?:特别行政区|自治区|自治州|自治县|省|市|州|盟|地区|县|区|旗))(?:人民政府|政府)"
)


def _complete_place(match: re.Match[str], text: str) -> str:
    """"广州" before "市" is the alias of "广州市": a place name runs on to its own level word."""
    place = match.group(1)
    following = text[match.end(1) : match.end(1) + 1]
    if place.endswith("州") and following in ("市", "省"):
        return place + following
    return place


def region_of(issuer: str | None, title: str | None, body: list[str] | None = None) -> str | None:
    """Region named by the issuer ("太原市人民政府" → "太原市"), else by the title's first words, else by
    the first "X人民政府" in `body` lines; always the complete name ("温州市", never "温州")."""
    if issuer:
        for name in re.split(r"[\s、,，]+", squash(issuer)):
            match = _REGION.match(name)
            if match and not _NOT_A_PLACE.search(match.group(1)):
                return _complete_place(match, name)
    if title:
        text = squash(title)
        match = _TITLE_REGION.match(text)
        if match and not _NOT_A_PLACE.search(match.group(1)):
            return _complete_place(match, text)
    for line in body or []:
        for match in _PLACE_OF_BODY.finditer(squash(line)):
            if not _NOT_A_PLACE.search(match.group(1)):
                return match.group(1)
    return None


# ---------------------------------------------------------------------------------------------
# Body boundaries

_ATTACHMENT = re.compile(r"^(?:附件|附表)\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})?\s*(?:[:：、.]|$|\s)")
_TAIL_LINE = re.compile(r"^(?:抄送|抄报|主送|印发|联系人|联系电话|承办人|责任人|签发|校对)[:：\s]|印发$|^[(（]?联系人")


_MAX_INTRO_LINES = 5  # paragraphs an outer unit may have before its first numbered child


def _markers(lines: list[str]) -> list[tuple[int, Marker]]:
    """Numbered lines, leaving out the list under an "附件：" label (attachment names, not units)."""
    found: list[tuple[int, Marker]] = []
    in_attachment_list = False
    for index, line in enumerate(lines):
        text = squash(line)
        if _ATTACHMENT.match(text) and len(text) <= 80:
            in_attachment_list = True
            continue
        marker = match_marker(text)
        if in_attachment_list and marker is not None and len(text) <= 60 and not _SENTENCE_PUNCT.search(text):
            continue
        in_attachment_list = False
        if marker is not None:
            found.append((index, marker))
    return found


def find_body_start(lines: list[str]) -> int | None:
    """Index of the first numbered unit that opens a real list (its style comes back numbered 2).

    An item-style list (1. / (1)) ahead of a list of an outer style (一、 / (一) / 第一章) is not
    the start: it is a list inside the front matter.
    """
    markers = _markers(lines)
    last_two: dict[str, int] = {}  # style → index of its last line numbered 2
    for index, marker in markers:
        if marker.value == 2:
            last_two[marker.style] = index
    candidates = [(i, m) for i, m in markers if m.value == 1 and last_two.get(m.style, -1) > i]
    if candidates:
        start, first = candidates[0]
        limit = next((i for i in range(start + 1, len(lines)) if _ATTACHMENT.match(squash(lines[i]))), len(lines))
        outer = [(i, m) for i, m in candidates if i < limit and STYLE_RANK[m.style] < STYLE_RANK["item"]]
        if STYLE_RANK[first.style] >= STYLE_RANK["item"] and outer:
            start, first = outer[0]
        # A lone outer unit just above it ("一、总体要求" with no "二、") opens the body too.
        rank = STYLE_RANK[first.style]
        for index, marker in reversed([(i, m) for i, m in markers if i < start]):
            if start - index > _MAX_INTRO_LINES + 1 or marker.value != 1 or STYLE_RANK[marker.style] >= rank:
                break
            start, rank = index, STYLE_RANK[marker.style]
        return start
    ones = [index for index, marker in markers if marker.value == 1]
    if ones:
        return ones[0]
    return markers[0][0] if markers else None


def choose_main_part(lines: list[str]) -> int:
    """Index where the plan begins when it is an attachment (附件) of a notice that has numbered
    points of its own; 0 when the plan is the document itself."""
    cuts = [i for i, line in enumerate(lines) if _ATTACHMENT.match(squash(line)) and len(line) <= 80]
    if not cuts:
        return 0
    bounds = [0, *cuts, len(lines)]
    counts = [len(_markers(lines[a:b])) for a, b in zip(bounds, bounds[1:], strict=False)]
    if counts[0] == 0:
        return 0
    best = max(range(len(counts)), key=lambda k: counts[k])
    if best > 0 and counts[best] >= 2 * counts[0] + 3:
        return bounds[best]
    return 0


def split_tail(lines: list[str], body_start: int) -> int:
    """Index where the body ends: the attachments (附件…) or the closing signature block begins."""
    end = len(lines)
    for index in range(body_start + 1, len(lines)):
        if _ATTACHMENT.match(squash(lines[index])) and len(lines[index]) <= 80:
            end = index
            break
    while end > body_start + 1:
        text = squash(lines[end - 1])
        if not (is_date_line(text) or is_agency_line(text) or _TAIL_LINE.search(text) or _stray(text)
                or _signature_line(lines[end - 1]) is not None):
            break
        if match_marker(text) is not None or is_responsibility_line(text):
            break
        end -= 1
    return end


def _stray(text: str) -> bool:
    """A short line without any punctuation after the last unit: a link, a menu entry, a seal."""
    return len(text) <= 20 and not re.search(r"[。；;，,：:！？!?、)）]", text)


# ---------------------------------------------------------------------------------------------
# Title

_SENTENCE_PUNCT = re.compile(r"[。；;！!？?]")


def _title_like(line: str) -> bool:
    text = squash(line)
    if not 4 <= len(text) <= 60 or not re.search(r"[\u4e00-\u9fff]", text):
        return False
    if _SENTENCE_PUNCT.search(text) or "，" in line or "," in text or text.endswith((":", "：")):
        return False
    if is_date_line(text) or is_agency_line(text) or header_fields(text) is not None:
        return False
    if find_doc_number(text) and len(strip_doc_numbers(text).strip()) < 2:
        return False
    if _aside(text) or _ATTACHMENT.match(text):  # "附件：X方案" names the plan below it, it is not its title
        return False
    return match_marker(text) is None


_NOT_TITLE_ASIDE = re.compile(r"日|通过|修订|修正|公布|会议|印发|发布|颁布|批准|征求意见稿|送审稿|草案|讨论稿|代拟稿")
_DRAFT_MARK = re.compile(r"[(（](?:公开)?(?:征求意见稿|送审稿|草案|讨论稿|代拟稿)[)）]$")
# News headlines and consultation notices are pages about a plan, never its title.
_NOT_PLAN_TITLE = re.compile(
    r"^(?:我市|我省|我县|我区|我州|本市|近日)|出台|召开|部署会|推进会|获批|亮相|解读|答记者问"
    r"|征求.{0,40}意见的(?:通知|公告|函)|^关于(?:公开)?征求"
)
# Lines the plan's title may stand above: its 文号, a date in brackets, a signature, an addressee.
_ADDRESSEE = re.compile(r"^[^。；;]{2,80}(?:人民政府|政府|管委会|各部门|各单位|有关单位|直属单位|委办局|各委办局)[:：]$")


def _aside(line: str) -> bool:
    """"（2019年3月1日…会议通过）" is a note under a title, not part of it; "（试行）" is part of it."""
    text = squash(line)
    return len(text) > 2 and text[0] in "(（" and text[-1] in ")）" and bool(_NOT_TITLE_ASIDE.search(text))


def _prose_like(line: str) -> bool:
    text = squash(line)
    return bool(_SENTENCE_PUNCT.search(text)) or text.endswith((":", "：")) or len(text) > 60 or "，" in line or "," in text


_NOTICE_TITLE = re.compile(r"关于(?:印发|转发|发布|下发)(?:《)?(.+?)(?:》)?的(?:通知|函|决定)")
_QUOTED_TITLE = re.compile(r"《([^《》]{4,60})》")


def _forwarded_title(front: list[str]) -> str | None:
    """The 《title》 a forwarding sentence names: "现将《…方案》印发给你们"."""
    for line in front:
        if re.search(r"印发|转发|发布|下发", line):
            quoted = _QUOTED_TITLE.search(line)
            if quoted:
                return squash(quoted.group(1))
    return None


def _clean_title(title: str) -> str:
    title = squash(title)
    match = _NOTICE_TITLE.search(title)
    if match and len(match.group(1)) >= 4:
        title = match.group(1)
    return _DRAFT_MARK.sub("", title) or title


def _below_title(line: str) -> bool:
    """Lines that stand between a plan's title and its body: 文号, date, addressee, a signature."""
    text = squash(line)
    if find_doc_number(text, allow_parenthesised=True) and len(strip_doc_numbers(text).strip(" ()（）[]")) <= 1:
        return True
    return (is_date_line(text) or _bracketed_date(text) is not None or bool(_ADDRESSEE.match(text))
            or _signature_line(line) is not None)


def _bracketed_date(text: str) -> str | None:
    """ISO date of a "（2019年3月20日）" line under a title, or of a "X政发〔2019〕3号　2019年3月20日" line."""
    text = squash(text)
    if len(text) > 2 and text[0] in "(（" and text[-1] in ")）" and is_date_line(text[1:-1].strip()):
        return parse_date(text)
    if find_doc_number(text, allow_parenthesised=True) and is_date_line(strip_doc_numbers(text).strip(" ()（）[]")):
        return parse_date(strip_doc_numbers(text))
    return None


def _beside_number(line: str) -> tuple[str, str | None]:
    """(the line without it, the 文号) when a 文号 stands apart at the start or end of a heading line:
    "X市质量强市规划　X政发〔2021〕9号"; (line, None) otherwise."""
    words = norm(line).split()
    for number_at, rest in ((-1, words[:-1]), (0, words[1:])):
        if len(words) < 2:
            break
        word = words[number_at]
        if find_doc_number(word, allow_parenthesised=True) and not strip_doc_numbers(word).strip(" ()（）[]"):
            return squash(" ".join(rest)), find_doc_number(word, allow_parenthesised=True)
    return line, None


def _signature_line(line: str) -> tuple[str, str] | None:
    """(issuer, date text) of a signature written on one line: "X市人民政府　　2021年3月2日"."""
    words = norm(line).split()
    if len(words) < 2 or not is_date_line(words[-1]) or parse_date(words[-1]) is None:
        return None
    names = words[:-1]
    if all(is_agency_line(name) for name in names):
        return "、".join(squash(name) for name in names), words[-1]
    return None


_PREAMBLE_ISSUER = re.compile(r"日?([\u4e00-\u9fff（）()]{2,40}?(?:人民政府|政府|人民代表大会常务委员会|人大常委会|委员会))(?:第.{1,6}次)?.{0,8}?会议")
_DATE_TEXT = (r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
              r"|[〇零○O一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日")
_PUBLISHED_DATE = re.compile(rf"({_DATE_TEXT})\s*(?:发布|公布|印发|颁布|起施行)")


def preamble_fields(line: str) -> DocumentFields | None:
    """文号, issuer and date of a regulation's preamble "（2019年3月5日X县人民政府第12次常务会议通过　X政发〔2019〕3号
    2019年3月20日发布）"; None when the line is not one."""
    text = squash(line)
    if not _aside(text):
        return None
    fields = DocumentFields()
    fields.doc_number = find_doc_number(text, allow_parenthesised=True)
    # The meeting's date stands right before the body's name: "二〇二〇年十二月二十八日X市人民政府第102次常务会议"
    issuer = _PREAMBLE_ISSUER.search(re.sub(_DATE_TEXT, "，", text))
    if issuer and is_agency_line(issuer.group(1)):
        fields.issuer = re.sub(r"第[一二三四五六七八九十]{1,3}届", "", issuer.group(1))  # the body, not its term
    published = _PUBLISHED_DATE.search(text)
    fields.date = parse_date(published.group(1)) if published else parse_date(text)
    return fields


def find_title(front: list[str], fields: dict[str, str]) -> str | None:
    """The plan's own title: the short line(s) just above its preamble and first numbered unit."""
    index = len(front) - 1
    while index >= 0 and (_prose_like(front[index]) or header_fields(front[index]) is not None or _aside(front[index])
                          or _below_title(front[index]) or is_agency_line(front[index])):
        index -= 1
    collected: list[str] = []
    while index >= 0 and len(collected) < 3 and _title_like(front[index]):
        collected.insert(0, _beside_number(front[index])[0])
        index -= 1
    if collected and squash(collected[0]).startswith("关于") and index >= 0 and is_agency_line(front[index]):
        collected.insert(0, front[index])  # "X市人民政府" / "关于…的意见": a title broken after its issuer
    quoted = _forwarded_title(front)
    if collected and _NOT_PLAN_TITLE.search("".join(squash(line) for line in collected)):
        collected = []
    if collected:
        title = "".join(squash(line) for line in collected)
        if quoted and _NOTICE_TITLE.search(title):
            return quoted  # "关于印发2017年…计划的通知" names the plan less fully than 《西安市2017年…计划》
        return _clean_title(title)
    if quoted:
        return quoted
    for label in ("名称", "标题"):
        if fields.get(label):
            return _clean_title(fields[label])
    for start in range(min(len(front), 6)):
        # a notice title split over two lines: "…人民政府办公室关于" + "印发…的通知"
        joined = "".join(squash(line) for line in front[start : start + 2])
        match = _NOTICE_TITLE.search(joined)
        if match:
            return squash(match.group(1))
    return None


# ---------------------------------------------------------------------------------------------
# Everything together


def extract_metadata(
    paragraphs: list[str], declared: dict[str, str] | None = None
) -> tuple[DocumentFields, list[str], list[str]]:
    """(citation fields, body paragraphs, warnings) of a plan's paragraphs as read from its file;
    `declared` (RawDocument.metadata) fields win over header-block lines of the text."""
    warnings: list[str] = []
    lines, published = _without_noise(paragraphs)
    main = choose_main_part(lines)
    notice, lines = lines[:main], lines[main + 1 :] if main else lines
    body_start = find_body_start(lines)
    if body_start is None:
        front, body, tail = notice + lines, [], []
    else:
        body_end = split_tail(lines, body_start)
        front, body, tail = notice + lines[:body_start], lines[body_start:body_end], lines[body_end:]
    # Header-block lines are citation data, not content; they sit in the front matter.
    fields = {DECLARED_LABELS[key]: squash(value) for key, value in (declared or {}).items()
              if key in DECLARED_LABELS and value.strip()}
    front_text: list[str] = []
    pending: str | None = None  # a label whose value stands on the next line ("发文机关：" / "某某市人民政府")
    for line in front:
        found = header_fields(line)
        if found is None:
            if pending is not None and len(squash(line)) <= 60:
                fields.setdefault(pending, squash(line))
                pending = None
                continue
            pending = None
            front_text.append(line)
            continue
        pending = None
        for label, value in found.items():
            if value:
                fields.setdefault(label, value)
            elif len(found) == 1:
                pending = label
    preamble = next((found for line in front_text if (found := preamble_fields(line)) is not None), DocumentFields())
    result = DocumentFields()
    result.title = find_title(front_text, fields)
    result.doc_number = _find_doc_number(front_text, fields, result.title) or preamble.doc_number
    result.issuer, signed = _find_signature(front_text, tail, fields)
    result.issuer = result.issuer or preamble.issuer or _standing_issuer(front_text)
    under_title = next((date for line in front_text if (date := _bracketed_date(line))), None)
    result.date = _find_date(front_text, tail, fields, signed, preamble.date or under_title, published)
    result.region = region_of(result.issuer, result.title, front_text + body[:3])
    for name, label in (("title", "标题"), ("doc_number", "文号"), ("issuer", "发文单位"), ("date", "成文日期"),
                        ("region", "地区")):
        if getattr(result, name) is None:
            warnings.append(f"未找到{label}")
    return result, body, warnings


_PUBLISHED_LABEL = re.compile(r"^(?:发布时间|发布日期|发稿时间|更新时间|日期|时间)[:：]\s*$")
_PUBLISHED_LINE = re.compile(r"^(?:(?:发布时间|发布日期|发稿时间|更新时间)[:：]\s*(.+)|(\d{4}\s*[-/.年].{3,12}?)\s*(?:来源|作者|编辑|浏览)[:：].*)$")
_RED_HEADER = re.compile(r"^(.{2,40}?)文件$")


def _without_noise(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """(content lines, web publishing dates): a "发布时间：" line and its value are the page's, not the plan's."""
    lines: list[str] = []
    published: list[str] = []
    after_label = False
    for line in paragraphs:
        text = squash(line)
        if not text:
            continue
        dated = _PUBLISHED_LINE.match(text)
        if dated or (after_label and is_date_line(text)):
            published.append(dated.group(1) or dated.group(2) if dated else text)
            after_label = False
            continue
        after_label = bool(_PUBLISHED_LABEL.match(text))
        if not is_noise(line) and not after_label:
            lines.append(line)
    return lines, published


def _standing_issuer(front: list[str]) -> str | None:
    """An issuer standing alone at the head: a red header "X人民政府办公室文件" or a line that is only
    a body's name above the title ("郑州市人民政府" / "关于印发…的通知")."""
    for line in front[:4]:
        text = squash(line)
        red = _RED_HEADER.match(text)
        if red and is_agency_line(red.group(1)):
            return red.group(1)
        if is_agency_line(text):
            return text
    return None


def _find_doc_number(front: list[str], fields: dict[str, str], title: str | None) -> str | None:
    for label in ("文号", "发文字号", "文件编号"):
        if fields.get(label):
            number = find_doc_number(fields[label], allow_parenthesised=True)
            if number:
                return number
    # A line that is only the 文号, then a 文号 opening or closing a heading line (not a reference
    # to another document inside parentheses or 《》 in the preamble).
    for line in front:
        text = squash(line)
        number = find_doc_number(text, allow_parenthesised=True)
        beside = strip_doc_numbers(text).strip(" ()（）[]")
        if number and (len(beside) <= 1 or is_date_line(beside)):
            return number
    for line in front:
        rest, number = _beside_number(line)
        if number and _title_like(rest):
            return number
    title_index = next((i for i, line in enumerate(front) if title and squash(line) and squash(line) in title), len(front))
    for line in front[:title_index]:
        text = squash(line)
        if _sentence_like(text):
            continue  # the forwarding notice and preamble cite other documents' numbers
        number = find_doc_number(text, allow_parenthesised=True)
        if number:
            return number
    return None


def _sentence_like(text: str) -> bool:
    return bool(_SENTENCE_PUNCT.search(text)) or "，" in text or "," in text or text.endswith((":", "："))


def _find_signature(front: list[str], tail: list[str], fields: dict[str, str]) -> tuple[str | None, str | None]:
    """(issuer, date line) from the 发文单位 field or the agency line(s) right above a date line."""
    issuer = None
    for label in ("发文单位", "发文机关"):
        if fields.get(label):
            issuer = squash(fields[label])
            break
    for block in (front, tail):
        for index, line in enumerate(block):
            one_line = _signature_line(line)
            if one_line is not None:
                return issuer or one_line[0], one_line[1]
            if not is_date_line(line) or parse_date(line) is None:
                continue
            names: list[str] = []
            back = index - 1
            while back >= 0 and is_agency_line(block[back]) and len(names) < 4:
                names.insert(0, squash(block[back]))
                back -= 1
            if names:
                return issuer or "、".join(names), line
    if issuer is None:
        for line in front[:4]:
            match = re.match(r"^(.{2,40}?)关于", squash(line))
            if match and is_agency_line(match.group(1)) and not _prose_like(line):
                issuer = match.group(1)
                break
    if issuer is None and fields.get("发布机构"):
        issuer = squash(fields["发布机构"])
    return issuer, None


def _find_date(front: list[str], tail: list[str], fields: dict[str, str], signed: str | None, stated: str | None,
               published: list[str]) -> str | None:
    """The document's own date; a web page's publishing date only when the document states none."""
    candidates = [fields.get("成文日期") or fields.get("发文日期"), signed, stated]
    candidates += [line for line in tail if is_date_line(line)]
    candidates += [line for line in front if is_date_line(line)]
    candidates += [fields.get("发布日期"), *published]
    for candidate in candidates:
        if candidate:
            date = parse_date(candidate)
            if date:
                return date
    return None
