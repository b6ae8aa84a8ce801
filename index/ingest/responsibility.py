"""Who owns a clause: parse responsibility expressions into agencies with roles.

Forms handled (full- or half-width punctuation alike):
  （A、B、C等按职责分工负责）          all lead, jointly
  （A负责，B协助）                     A lead, B support
  （责任单位：A、B）  责任单位：A、B    all lead
  牵头单位：A；配合单位：B、C           A lead, B and C support
  （责任单位：A牵头，B、C按职责分工负责） A lead, B and C support (listed after a named 牵头)
  （牵头单位：A；责任单位：B）          A lead, B support
  由A牵头，B配合 / A牵头，B配合 / 由A负责  (prose, as the paragraph's last sentence)
  （A等部门负责）                      A lead
Names stay as written; only list words (等, 等部门, 按职责分工负责 …) are removed.
"""

from __future__ import annotations

import re

from index.models import LEAD, SUPPORT, Agency
from index.text.normalize import norm
from index.text.numbering import match_marker

# Words an agency's name ends with (or contains): what separates "(市质监局负责)" from "(QC)".
_AGENCY_END = re.compile(
    r"(?:局|委|厅|办|部|政府|管委会|海关|银行|分行|支行|公司|中心|单位|小组|院|会|署|处|室|站|所|队|组织|集团|"
    r"机构|机关|部门|委员会|办公室|指挥部|联社|社|监狱|学校|大学|党委|团委|妇联|科协|工会|集团|组|司)$"
)
_NOT_AGENCY = re.compile(r"(?:社会|机会|体会|大会|年会|展会|博览会|交易会|运动会)$")
_AGENCY_WORD = re.compile(r"政府|管委会|委员会|办公室|部门|单位|小组|海关|银行|公司|中心|领导小组|成员单位|监管局")

# Labels that open a list of agencies: "牵头单位：", "责任单位:" …
_LABEL_WORDS = (
    r"牵头单位|牵头部门|主责单位|主要责任单位|责任单位|责任部门|负责单位|负责部门|实施单位|配合单位|配合部门|协办单位|协助单位|参与单位|参加单位|协作单位|责任主体"
)
_LABEL = re.compile(rf"[【\[]\s*({_LABEL_WORDS})\s*[】\]]\s*[:：]?|({_LABEL_WORDS})\s*[:：]")
# What follows the agencies on the same line and is not one: "；完成时限：2018年底".
_TERMINATOR = re.compile(
    r"[；;，,。\s]*[【\[]?(?:完成时限|完成时间|时间节点|时间要求|时限要求|工作时限|时限|进度安排|时间安排|实施期限)[】\]]?\s*[:：]"
)
# Words after a list of agencies that give it its role; longest first.
_MARKER_WORDS = (
    r"按照职责分工负责|按职责分工负责|按职能分工负责|按职责分工落实|按职责分工|依职责分工负责|分工负责|按职责负责|"
    r"共同负责|分别负责|具体负责|负责落实|牵头负责|总牵头|牵头|主办|主责|配合落实|配合|协助|协办|参与|参加|"
    r"负责|落实|为牵头单位|为配合单位|为责任单位|会同"
)
# "市发改委（牵头）、市财政局" marks a role in brackets right after the name.
_MARKER = re.compile(rf"[(（]\s*({_MARKER_WORDS})\s*(?:单位|部门)?\s*[)）]|({_MARKER_WORDS})")
_MARKER_AT_END = re.compile(f"(?:{_MARKER.pattern})$")
_ROLE_WORD = re.compile(f"{_LABEL_WORDS}|{_MARKER_WORDS}")
_LEAD_WORDS = ("牵头", "主办", "主责", "为牵头单位", "牵头单位", "牵头部门", "主责单位", "总牵头", "牵头负责")
_SUPPORT_WORDS = ("配合", "协助", "协办", "参与", "参加", "配合落实", "为配合单位", "配合单位", "配合部门", "协办单位",
                  "协助单位", "参与单位", "参加单位", "协作单位")

_SEPARATORS = "、，,；;/ "
_BRACKET = re.compile(r"[(（)）]")
_AFTERWORD = re.compile(r"[。]|[，,；;]\s*(?=以下|下同|此后|后同)")
_MAX_EXPRESSION = 400  # a responsibility expression is a list of names, never a long passage
_OPEN = "(（〔[［【"
_CLOSE = ")）〕]］】"
_STRIP_TAIL = re.compile(
    r"(?:等有关部门和单位|等相关部门和单位|等部门和单位|等有关部门|等相关部门|等有关单位|等相关单位|等成员单位|等部门|等单位|"
    r"等机构|等|及有关部门|和有关部门|按职责分工|按职责|依职责|分别|共同|具体|各自|为|要|将)$"
)
_STRIP_HEAD = re.compile(r"(?:.{0,12}?(?:工作|任务|事项|以上|上述|该项|此项|本项|均|统一|具体))?(?:并由|由|其中|以及|会同)")
_CONJUNCTION = re.compile(r"和|及|与")


def parse_responsibility(text: str) -> list[Agency]:
    """Agencies named by one responsibility expression (with or without its parentheses)."""
    normalized = norm(text)
    start, end = 0, len(normalized)
    while start < end and normalized[start] in " ":
        start += 1
    while end > start and normalized[end - 1] in " 。.；;，,":
        end -= 1
    while end - start >= 2 and normalized[start] in "(（" and _matching_close(normalized[:end], start) == end - 1:
        start += 1
        end -= 1
    return _assign_roles(normalized[start:end], text[start:end])


def parse_responsibility_lines(lines: list[str]) -> list[Agency]:
    """Consecutive own-line expressions read as one ("牵头单位：A" / "责任单位：B" → B support)."""
    parts = []
    for line in lines:
        normalized = norm(line).strip().rstrip("。.；;")
        start, end = 0, len(normalized)
        if end >= 2 and normalized[0] in "(（" and _matching_close(normalized, 0) == end - 1:
            start, end = 1, end - 1
        parts.append(line.strip()[start:end])
    return parse_responsibility("；".join(parts))


def find_responsibility(text: str) -> tuple[list[Agency], str]:
    """Agencies of every responsibility expression in a clause's text, and the text unchanged."""
    return agencies_in_spans(text, responsibility_spans(text)), text


def agencies_in_spans(text: str, spans: list[tuple[int, int]]) -> list[Agency]:
    """Agencies of the expressions at `spans` (from `responsibility_spans(text)`), merged in order."""
    agencies: list[Agency] = []
    for start, end in spans:
        _merge(agencies, parse_responsibility(text[start:end]))
    return agencies


def is_responsibility_line(paragraph: str, spans: list[tuple[int, int]] | None = None) -> bool:
    """True when the whole paragraph is a responsibility expression (e.g. "（责任单位：市财政局）").

    `spans` may pass `responsibility_spans(paragraph.strip())` when the caller already has them.
    """
    stripped = paragraph.strip()
    spans = responsibility_spans(stripped) if spans is None else spans
    if not spans:
        return False
    covered = sum(end - start for start, end in spans)
    rest = len(stripped.rstrip("。.；;")) - covered
    return rest <= 1


def responsibility_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each responsibility expression in `text`, in order."""
    normalized = norm(text)
    spans: list[tuple[int, int]] = []
    masked = list(normalized)
    # 1. Parenthesised expressions anywhere: "（A、B按职责分工负责）", "(责任单位:A)".
    end_of_group = -1
    for index, close in sorted(_bracket_pairs(normalized).items()):
        if index <= end_of_group:
            continue  # inside a group already looked at: only outermost brackets count
        end_of_group = close
        inner = normalized[index + 1 : close]
        if len(inner) > _MAX_EXPRESSION:
            continue
        if _qualifies(inner, parenthesised=True):
            spans.append((index, close + 1))
            masked[index : close + 1] = " " * (close + 1 - index)
            continue
        # "（工业和信息化部负责。以下均需地方各级人民政府落实，不再列出）": the owners come first.
        head = _AFTERWORD.split(inner, maxsplit=1)[0]
        if len(head) < len(inner) and _qualifies(head, parenthesised=True):
            spans.append((index + 1, index + 1 + len(head)))
            masked[index : close + 1] = " " * (close + 1 - index)
    rest = "".join(masked)
    # 2. A label opening a list up to the end of the paragraph: "责任单位：A、B。"
    label = _LABEL.search(rest)
    while label is not None:
        start = label.start()
        boundary = max(rest.rfind(mark, 0, start) for mark in "。；;!！?？")
        before = rest[boundary + 1 : start].strip()
        if not before or _LABEL.fullmatch(before + "：") or _only_labels(before):
            end = len(rest.rstrip())
            if _qualifies(rest[start:end], parenthesised=False):
                spans.append((start, end))
                break
        label = _LABEL.search(rest, label.end())
    else:
        # 3. Prose as the last sentence: "由A牵头，B配合。" / "A负责。"
        sentence_start, sentence_end = _last_sentence(rest)
        sentence = rest[sentence_start:sentence_end].strip()
        if sentence and _PROSE.fullmatch(sentence.rstrip("。.；; ")) and _qualifies(sentence, parenthesised=False,
                                                                                      prose=True):
            offset = rest.index(sentence, sentence_start)
            spans.append((offset, offset + len(sentence)))
    spans.sort()
    return spans


_PROSE = re.compile(
    r"(?:由)?(?:(?!由)[^，,。；;：:]){2,60}?(?:牵头负责|牵头|负责)"
    r"(?:[，,、](?:[^，,。；;：:]{2,80}?)(?:配合|协助|参与|协办|按职责分工负责|分工负责))?"
)


def _only_labels(text: str) -> bool:
    return not _LABEL.sub("", text).strip(" ;；,，")


def _last_sentence(text: str) -> tuple[int, int]:
    end = len(text.rstrip(" 。.；;"))
    start = max(text.rfind(mark, 0, end) for mark in "。；;!！?？") + 1
    return start, end


def _qualifies(expression: str, *, parenthesised: bool, prose: bool = False) -> bool:
    """An expression names agencies and says what they do, rather than being an ordinary aside."""
    expression = expression.strip().rstrip("。.；;，, ")
    if not expression or "。" in expression or not _ROLE_WORD.search(expression):
        return False
    has_label = bool(_LABEL.search(expression))
    expression = _TERMINATOR.split(expression)[0].rstrip("。.；;，, ")
    ends_with_marker = bool(_MARKER_AT_END.search(expression))
    if not has_label and not ends_with_marker and not prose:
        return False
    if not has_label and not parenthesised and not prose:
        return False
    agencies = _assign_roles(expression, expression)
    if not agencies:
        return False
    agency_like = sum(1 for agency in agencies if is_agency_name(agency.name))
    if agency_like == 0 or any(len(agency.name) > 40 for agency in agencies):
        return False
    if prose:
        return agency_like == len(agencies)
    return agency_like * 2 >= len(agencies)


def is_agency_name(name: str) -> bool:
    """Looks like the name of a government body, unit or organisation."""
    name = name.strip()
    if len(name) < 2 or _NOT_AGENCY.search(name):
        return False
    return bool(_AGENCY_END.search(name) or _AGENCY_WORD.search(name))


def _assign_roles(expression: str, original: str) -> list[Agency]:
    """Walk labels and markers left to right; each stretch of names takes the role its words give.

    `expression` is the normalised form of `original` (same length): decisions are made on it,
    names are cut from `original` so they stay as written.
    """
    tokens: list[tuple[int, int, str, str]] = []  # (start, end, kind, word)
    terminator = _TERMINATOR.search(expression)
    if terminator:
        expression, original = expression[: terminator.start()], original[: terminator.start()]
    for match in _LABEL.finditer(expression):
        tokens.append((match.start(), match.end(), "label", match.group(1) or match.group(2)))
    for match in _MARKER.finditer(expression):
        if any(start <= match.start() < end for start, end, _, _ in tokens):
            continue
        tokens.append((match.start(), match.end(), "marker", match.group(1) or match.group(2)))
    tokens.sort()
    agencies: list[Agency] = []
    explicit_lead = False
    label_role = "joint"  # role a label gives the names after it

    def emit(start: int, end: int, role: str) -> None:
        nonlocal explicit_lead
        names = split_names(expression[start:end], original[start:end])
        if not names:
            return
        explicit = role == LEAD
        if role == "joint":
            role = SUPPORT if explicit_lead else LEAD
        _merge(agencies, [Agency(name=name, role=role) for name in names])
        explicit_lead = explicit_lead or explicit

    position = 0
    for start, end, kind, word in tokens:
        if kind == "label":
            emit(position, start, label_role)
            label_role = _role_of(word)
        elif word == "会同":  # "A会同B负责": A leads, B helps
            emit(position, start, LEAD)
            label_role = SUPPORT
        else:
            role = _role_of(word)
            emit(position, start, label_role if role == "joint" else role)
        position = end
    emit(position, len(expression), label_role)
    return agencies


def _role_of(word: str) -> str:
    if word in _LEAD_WORDS:
        return LEAD
    if word in _SUPPORT_WORDS:
        return SUPPORT
    return "joint"


def split_names(segment: str, original: str | None = None) -> list[str]:
    """Agency names in a stretch of text: split on 、，；/ (not inside brackets) and on safe 和/及/与.

    `segment` is normalised text; names are cut from `original` (same length) when given.
    """
    original = segment if original is None else original
    pieces: list[tuple[int, int]] = []
    depth, begin = 0, 0
    for index, ch in enumerate(segment):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _SEPARATORS:
            pieces.append((begin, index))
            begin = index + 1
    pieces.append((begin, len(segment)))
    out: list[str] = []
    for begin, end in pieces:
        for start, stop in _split_conjunction(segment, begin, end):
            start, stop = _clean_span(segment, start, stop)
            if stop > start:
                out.append(original[start:stop])
    return out


def _split_conjunction(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """"市委宣传部和市文明办" → two names; "工业和信息化局" stays whole (its left part is no agency)."""
    for match in _CONJUNCTION.finditer(text, begin, end):
        left = _clean_span(text, begin, match.start())
        right = _clean_span(text, match.end(), end)
        if (
            is_agency_name(text[left[0] : left[1]])
            and is_agency_name(text[right[0] : right[1]])
            and right[1] - right[0] >= 3
        ):
            return [(begin, match.start()), *_split_conjunction(text, match.end(), end)]
    return [(begin, end)]


_EDGE_CHARS = " \t:：。."


def _clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow (start, end) to the name: no list words (等, 等部门, 由 …) and no edge punctuation."""
    previous = None
    while previous != (start, end) and end > start:
        previous = (start, end)
        while start < end and text[start] in _EDGE_CHARS:
            start += 1
        while end > start and text[end - 1] in _EDGE_CHARS:
            end -= 1
        tail = _STRIP_TAIL.search(text, start, end)
        if tail and tail.end() == end:
            end = tail.start()
        head = _STRIP_HEAD.match(text, start, end)
        if head:
            start = head.end()
    return start, end


def _bracket_pairs(text: str) -> dict[int, int]:
    """{index of "(" : index of its ")"} for every balanced pair, in one pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for match in _BRACKET.finditer(text):
        if match.group() in "(（":
            stack.append(match.start())
        elif stack:
            pairs[stack.pop()] = match.start()
    return pairs


def _matching_close(text: str, open_index: int) -> int | None:
    depth = 0
    for index in range(open_index, len(text)):
        ch = text[index]
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth -= 1
            if depth == 0:
                return index
    return None


def _merge(agencies: list[Agency], new: list[Agency]) -> None:
    """Add agencies in order; a name already present keeps its first role unless it gains lead."""
    for agency in new:
        for existing in agencies:
            if existing.name == agency.name:
                if agency.role == LEAD:
                    existing.role = LEAD
                break
        else:
            agencies.append(Agency(name=agency.name, role=agency.role))


# ---------------------------------------------------------------------------------------------
# Duties written as prose: the owning bodies are the subject of a sentence.

# Subjects that name no particular body: "各级人民政府", "有关部门", "各部门" (a duty for everyone).
_GENERIC_SUBJECT = re.compile(
    r"^(?:各级|县级以上|县级及以上|地方各级|各有关|各相关|有关|相关|其他|其它)"
    r"|^各(?:部门|单位|机构|地|级|方面|成员单位)?$"
)
_SENTENCE = re.compile(r"[^。；;！!？?]+")
_SUBJECT = re.compile(
    r"(?:并由|由)?(?P<names>[^，,。；;：:！!？?“”\"]{2,60}?)"
    r"(?P<role>牵头负责|牵头|按照职责分工负责|按职责分工负责|按职责分工|分工负责|共同负责|负责|会同)"
)
_BY = re.compile(r"由(?P<names>[^，,。；;：:！!？?“”\"由]{2,60}?)(?P<role>牵头负责|牵头|负责)")
_HELPERS = re.compile(r"[，,]\s*(?:并由|由)?(?P<names>[^，,。；;：:！!？?“”\"]{2,60}?)(?P<role>配合|协助|协办|参与)")
_HELPER_SUBJECT = re.compile(r"(?P<names>[^，,。；;：:！!？?“”\"]{2,60}?)(?P<role>配合|协助|协办)")
_COMMA = re.compile(r"[，,]\s*")
_PARTNER_END = re.compile(r"[，,]|负责|牵头|共同|联合|开展|推进|建立|制定|组织|做好|加强|实施|落实|完善|研究|推动|抓好")


def find_duties(text: str) -> list[Agency]:
    """Bodies a clause's prose makes responsible: "A牵头，B、C配合…", "由A负责", "A负责…", "A会同B，…",
    "A、B按职责分工负责". Every name is cut from `text` as written; generic subjects name nobody."""
    normalized = norm(text)
    marker = match_marker(normalized)
    skip = marker.end if marker is not None else 0
    agencies: list[Agency] = []
    for sentence in _SENTENCE.finditer(normalized, skip):
        start = sentence.start() + len(sentence.group()) - len(sentence.group().lstrip())
        found = _sentence_duties(normalized, text, start, sentence.end())
        _merge(agencies, found)
    return agencies


def _sentence_duties(normalized: str, original: str, start: int, end: int) -> list[Agency]:
    found = _led_from(normalized, original, start, end)
    if found is None:
        by = _BY.search(normalized, start, end)  # "…工作由A负责"
        names = _bodies(normalized, original, by.start("names"), by.end("names")) if by else None
        if by is not None and names is not None:
            found = [Agency(name, LEAD) for name in names], by.end()
    if found is None:  # "加强组织领导，A负责…": the subject after an opening phrase
        for comma in _COMMA.finditer(normalized, start, end):
            if (found := _led_from(normalized, original, comma.end(), end)) is not None:
                break
    if found is None:  # "B、C配合做好…": a sentence of bodies that help
        helper = _HELPER_SUBJECT.match(normalized, start, end)
        names = _bodies(normalized, original, helper.start("names"), helper.end("names")) if helper else None
        if not names or not all(_AGENCY_END.search(norm(name)) for name in names):
            return []  # "各单位要相互配合" names nobody who helps
        return [Agency(name, SUPPORT) for name in names]
    agencies, after = found
    for helper in _HELPERS.finditer(normalized, after, end):
        helpers = _bodies(normalized, original, helper.start("names"), helper.end("names"))
        if helpers:
            _merge(agencies, [Agency(name, SUPPORT) for name in helpers])
    return agencies


def _led_from(normalized: str, original: str, start: int, end: int) -> tuple[list[Agency], int] | None:
    """(the bodies a sentence part opening at `start` makes responsible, where their role word ends), or
    None when it does not open with particular bodies and a role ("A负责", "A牵头", "A会同B")."""
    subject = _SUBJECT.match(normalized, start, end)
    names = _bodies(normalized, original, subject.start("names"), subject.end("names")) if subject else None
    if subject is None or names is None:
        return None
    agencies = [Agency(name, LEAD) for name in names]
    if subject.group("role") == "会同":
        partners = _partners(normalized, original, subject.end(), end)
        if partners is None:
            return None
        agencies += [Agency(name, SUPPORT) for name in partners]
    return agencies, subject.end()


def _partners(normalized: str, original: str, start: int, end: int) -> list[str] | None:
    """The bodies after "会同", up to a comma or the verb that follows them."""
    for stop in _PARTNER_END.finditer(normalized, start, end):
        names = _bodies(normalized, original, start, stop.start())
        if names is not None:
            return names
    return None


def _bodies(normalized: str, original: str, start: int, end: int) -> list[str] | None:
    """Names in normalized[start:end] (cut from `original`) when every one is a particular body, else None."""
    names = split_names(normalized[start:end], original[start:end])
    whole = original[start:end].strip()
    if len(names) > 1 and norm(names[0]) in ("各市", "各县", "各区") and is_agency_name(whole):
        names = [whole]  # "各市、区人民政府": one name whose place list has a 、 in it
    if not names:
        return None
    for name in names:
        key = norm(name)
        if not is_agency_name(key) or _GENERIC_SUBJECT.search(key) or len(key) > 40:
            return None
    return names
