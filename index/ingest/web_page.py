"""The parts of a page saved from a government site: the document's text, its heading, its 信息公开 fields.

Sites wrap a document in the same furniture whatever their CMS: menus and 无障碍/长者版 links, a
breadcrumb, a heading with a "发布时间：… 来源：…" line, a metadata block (索引号, 发文机关, 成文日期,
文号 … as a table or as "label：value" lines), the text itself, then share/print links, related-link
lists, QR captions and a footer. `page_parts` takes the metadata block out as fields, drops link
lists and furniture lines, and picks the content container: the element whose id or class names
content (zoom, TRS_Editor, article, content, pages_content, xxgk …) holding most of the page's own
text, else the element reached by descending from <body> while one child keeps most of it. Nothing
here knows any one site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import Tag

from index.ingest.metadata import declared_key, header_fields, is_noise, parse_date
from index.text.normalize import squash
from index.text.numbering import match_marker

_CONTENT_TOKEN = re.compile(
    r"(?:^|[-_\s])(?:zoom|trs_editor|trs_ueditor|article|content|contents|pages_content|xxgk|zw|zhengwen|detail|"
    r"con|text|view|wzy|nr|ucap|custom_unionstyle|main)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
_TITLE_TOKEN = re.compile(r"(?:^|[-_\s])(?:title|tit|bt|biaoti|headline|h_title)(?:$|[-_\s\d])", re.IGNORECASE)
_HEADING_TAGS = ("h1", "h2", "h3", "h4")
# Leaf blocks: a line of the page as a reader sees it.
_LINE_TAGS = ("p", "li", "dt", "dd", "div", "span", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "font", "strong",
              "b", "center", "section", "article", "em", "label")
_BLOCKS = ("p", "li", "div", "tr", "td", "th", "table", "ul", "ol", "dl", "dt", "dd", "section", "article", "h1", "h2",
           "h3", "h4", "h5", "h6", "center", "main", "header", "footer", "blockquote", "tbody")
# Site furniture that is_noise does not know because it names no noise a document could carry.
_FURNITURE = re.compile(
    r"无障碍|长者版|关怀版|适老化|繁體|繁体版|简体版|English|手机版|移动版|智能问答|IPv6"
    r"|^(?:【\s*)?(?:打印|关闭|收藏|分享|返回)(?:\s*】)?(?:\s*(?:【\s*)?(?:打印|关闭|收藏|分享|返回)(?:\s*】)?)*$"
)
_PUBLISHED = re.compile(r"(?:发布时间|发布日期|发稿时间|发文日期|更新时间|日期)\s*[:：]\s*(.{6,20})")
_TITLE_SPLIT = re.compile(r"\s*[_|｜—–-]{1,2}\s*")
_MAX_FIELD_LINE = 200
_MAX_FURNITURE = 60
_MAX_FOOTER = 300
_LINK_DENSE = 0.7
_LIST_LABEL = 10
_KEEPS_MOST = 0.8  # a child holding this share of its parent's text is where the content is
_MOST_OF_PAGE = 0.5


@dataclass
class PageParts:
    """A page's content container, the heading standing outside it and its declared fields."""

    body: Tag
    heading: str | None
    metadata: dict[str, str] = field(default_factory=dict)  # RawDocument.metadata keys (metadata.DECLARED_LABELS)


def head_fields(soup: Tag) -> dict[str, str]:
    """Fields of the <meta> tags content systems write (ArticleTitle, PubDate); read before <head> is dropped."""
    found: dict[str, str] = {}
    for name, key in (("articletitle", "title"), ("pubdate", "published"), ("firstpublishedtime", "published")):
        tag = soup.find("meta", attrs={"name": re.compile(f"^{name}$", re.IGNORECASE)})
        value = squash(str(tag.get("content") or "")) if isinstance(tag, Tag) else ""
        if value:
            found.setdefault(key, value)
    return found


def page_parts(root: Tag, *, page_title: str | None = None) -> PageParts:
    """Take the metadata block and furniture out of `root` (in place) and find the content container.

    `page_title` (the <title> text) is the heading's last resort."""
    metadata = _take_fields(root)
    _drop_furniture(root)
    sizes = _text_sizes(root)
    body = _container(root, sizes)
    heading = _heading(root, body, page_title)
    if heading is not None and _starts_with(body, heading):
        heading = None
    return PageParts(body=body, heading=heading, metadata=metadata)


# ---------------------------------------------------------------------------------------------
# Metadata block


def _take_fields(root: Tag) -> dict[str, str]:
    """Fields of the metadata block (table rows or "label：value" lines) and of a "发布时间：" line,
    each element read removed; scanning stops at the document's first numbered line."""
    metadata: dict[str, str] = {}
    for tag in list(root.find_all(["tr", *_LINE_TAGS])):
        if tag.decomposed:
            continue
        row = tag if tag.name == "tr" else tag.find_parent("tr")
        if tag.name == "tr" and not _field_row(tag):
            continue
        if tag.name != "tr" and (_has_block_child(tag) or (row is not None and _field_row(row))):
            continue  # a row of cells is read whole
        text = _line_text(tag)
        if not text:
            continue
        if tag.name != "tr" and match_marker(text) is not None and len(text) > 8:
            break  # the document's text has begun: its lines are content, whatever they start with
        fields = header_fields(text)
        if fields:
            pending = next((label for label, value in fields.items() if not value), None)
            if len(fields) == 1 and pending is not None:
                value_tag = tag.find_next_sibling()
                if value_tag is not None and len(_line_text(value_tag)) <= _MAX_FIELD_LINE:
                    fields[pending] = _line_text(value_tag)
                    value_tag.decompose()
            for label, value in fields.items():
                key = declared_key(label)
                if key and value:
                    metadata.setdefault(key, value)
            _remove_line(tag)
            continue
        published = _PUBLISHED.search(text)
        if published and len(text) <= _MAX_FURNITURE and parse_date(published.group(1)):
            metadata.setdefault("published", parse_date(published.group(1)) or "")
            _remove_line(tag)
    return metadata


def _field_row(row: Tag) -> bool:
    """A table row short enough to be a row of fields (not a layout row holding the page)."""
    return row.find("table") is None and len(_line_text(row)) <= _MAX_FIELD_LINE


def _remove_line(tag: Tag) -> None:
    """Remove a field line, and its table or list once nothing but empty rows remain in it."""
    container = tag.find_parent(["table", "ul", "ol", "dl"])
    tag.decompose()
    if container is not None and not squash(container.get_text()):
        container.decompose()


# ---------------------------------------------------------------------------------------------
# Furniture


def _drop_furniture(root: Tag) -> None:
    """Link lists (menus, related links), furniture lines and footers."""
    for tag in list(root.find_all(True)):
        if tag.decomposed:
            continue
        text = squash(tag.get_text(" "))
        if not text:
            continue
        links = [squash(a.get_text(" ")) for a in tag.find_all("a")]
        link_chars = sum(len(link) for link in links)
        # Text outside links counts only in runs longer than a list's heading or a date ("相关文件", "2020-06-01").
        prose = sum(len(run) for piece in tag.find_all(string=True)
                    if len(run := squash(str(piece))) > _LIST_LABEL and piece.find_parent("a") is None)
        if tag.name in _BLOCKS and len([link for link in links if link]) >= 2 and link_chars >= _LINK_DENSE * (
                link_chars + prose):
            tag.decompose()
        elif len(text) > _MAX_FOOTER or match_marker(text) is not None:
            continue
        elif is_noise(text) and not (len(text) > _MAX_FURNITURE and re.search(r"[。；]", text)):
            # a footer (版权所有, 网站标识码 …) goes whole; a sentence merely naming 版权所有 stays
            if len(text) > _MAX_FURNITURE or not _has_block_child(tag):
                tag.decompose()
        elif len(text) <= _MAX_FURNITURE and _FURNITURE.search(text) and not _has_block_child(tag):
            tag.decompose()


# ---------------------------------------------------------------------------------------------
# Content container


def _text_sizes(root: Tag) -> dict[int, int]:
    """Characters of text outside links, per element (by id())."""
    sizes: dict[int, int] = {}

    def size(tag: Tag) -> int:
        total = 0
        for child in tag.children:
            if isinstance(child, Tag):
                total += size(child) if child.name != "a" else 0
            else:
                total += len(re.sub(r"\s", "", str(child)))
        sizes[id(tag)] = total
        return total

    size(root)
    return sizes


def _container(root: Tag, sizes: dict[int, int]) -> Tag:
    total = sizes[id(root)]
    named = [tag for tag in root.find_all(True)
             if _CONTENT_TOKEN.search(_tokens(tag)) and sizes.get(id(tag), 0) >= _MOST_OF_PAGE * total]
    if named:
        largest = max(sizes[id(tag)] for tag in named)
        kept = [tag for tag in named if sizes[id(tag)] >= _KEEPS_MOST * largest]
        return max(kept, key=lambda tag: (len(list(tag.parents)), sizes[id(tag)]))
    current = root
    while True:
        children = [child for child in current.find_all(True, recursive=False) if sizes.get(id(child), 0)]
        best = max(children, key=lambda child: sizes[id(child)], default=None)
        if best is None or best.name in ("p", "br") or sizes[id(best)] < _KEEPS_MOST * sizes[id(current)]:
            return current
        current = best


def _heading(root: Tag, body: Tag, page_title: str | None) -> str | None:
    """The heading standing above the container: the nearest h1–h4 or title-classed line before it,
    else the <title> text up to its site suffix ("…方案_某某市人民政府")."""
    if any(_heading_like(tag) for tag in body.find_all(True, limit=40)):
        return None  # the container carries its own heading
    before: list[str] = []
    for tag in root.find_all(True):
        if tag is body:
            break
        if _heading_like(tag):
            before.append(_line_text(tag))
    if before:
        return before[-1]
    if page_title:
        first = _TITLE_SPLIT.split(squash(page_title))[0]
        if len(first) >= 6 and not re.search(r"网站|门户|首页", first):
            return first
    return None


def _heading_like(tag: Tag) -> bool:
    if tag.name not in _HEADING_TAGS and not _TITLE_TOKEN.search(_tokens(tag)):
        return False
    text = _line_text(tag)
    return (6 <= len(text) <= 120 and bool(re.search(r"[\u4e00-\u9fff]", text)) and not is_noise(text)
            and match_marker(text) is None)  # "一、…" in an <h3> heads a section, not the document


def _starts_with(body: Tag, heading: str) -> bool:
    """Does the container's own text already open with the heading (within its first lines)?"""
    opening = re.sub(r"\s", "", body.get_text())[: len(heading) * 4 + 200]
    return re.sub(r"\s", "", heading) in opening


# ---------------------------------------------------------------------------------------------
# Helpers


def _tokens(tag: Tag) -> str:
    if tag.attrs is None:
        return ""
    return " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])


def _has_block_child(tag: Tag) -> bool:
    return tag.find(_BLOCKS) is not None


def _line_text(tag: Tag) -> str:
    return squash(tag.get_text(" "))
