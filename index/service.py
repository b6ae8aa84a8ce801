"""PlanService: the one facade the edges (scripts/, bot/) call.

It owns the store, the embedder (loaded lazily), the jieba dictionary (loaded once) and the
live HybridSearcher. On every question it checks the index's CURRENT pointer; when another
process has swapped in a new build, the new searcher is loaded in the background and swapped
in as a single reference, so questions are never blocked by a re-index.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from index.build.builder import IndexReport, build_index_locked, build_lock
from index.build.layout import FORMAT_VERSION, check_manifest, current_build, read_manifest
from index.embed.base import Embedder
from index.embed.batching import QueryBatcher
from index.embed.registry import resolve_embedder
from index.errors import DocumentRefError, IndexBusyError, IndexMissingError, StoreError
from index.features.answers import (
    DirectAnswer,
    RegionBest,
    comparison_rows,
    direct_answer,
    question_kind,
    region_overview,
)
from index.features.conversation import (
    DETAIL,
    FULL_TEXT,
    MORE,
    NEW,
    SESSION_SECONDS,
    Turn,
    Understanding,
    understand,
    understood_line,
)
from index.features.deadlines import DueItem, Window, due_items, parse_window, render_ics
from index.features.digest import (
    DIGEST,
    Delivery,
    Digest,
    Notice,
    Schedule,
    agency_digest,
    chats_to_notify,
    notice_rows,
    period_from_key,
    period_key,
)
from index.features.targets import Target, collect_targets
from index.features.targets import comparison_rows as target_rows
from index.features.tasks import TaskRow, agency_task_rows, document_task_rows, table_title
from index.ingest.overrides import apply_overrides
from index.models import LEAD, Clause, Document, Hit, ParsedDocument, Progress
from index.search.lexical import JiebaBase
from index.search.question import agency_task_subject
from index.search.searcher import FusionParams, HybridSearcher
from index.settings import Settings
from index.store.attachments import ATTACHED, AttachResult, attach_task_table, plan_of_table
from index.store.corpus import CorpusReport, corpus_files, file_sha256, sync_corpus
from index.store.database import UNCHANGED, AddResult, Store
from index.store.resolver import REF_HINT, find_document, resolve_document
from index.store.versions import apply_versions, detect_versions, version_note
from index.text.agencies import agency_aliases, annotate_canonical, default_table
from index.text.citation import citation
from index.text.normalize import clean_question


@dataclass
class Answer:
    query: str
    hits: list[Hit]
    low_confidence: bool
    filters: dict[str, Any] = field(default_factory=dict)
    question_id: int | None = None
    total: int = 0  # clauses ranked in all (for "more results")
    offset: int = 0  # where this page starts among them
    direct: DirectAnswer | None = None  # the answer first: who / how much / when / yes-no, in the clauses' words
    notice: str | None = None  # what the corpus lacks, said first: 库中没有X市的文件 / 库中没有关于…的条款
    overview: list[RegionBest] = field(default_factory=list)  # best clause per region (question naming no place)

    def comparison(self) -> list[dict[str, str]]:
        """The regions of `overview` side by side: 地区, 条款, 内容 (the figure or duty), 出处."""
        return comparison_rows(self.overview)

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        data = reply_json(
            self.query,
            "search",
            self.hits,
            explain,
            low_confidence=self.low_confidence,
            direct=self.direct,
            notice=self.notice,
            regions=self.comparison(),
        )
        if explain:
            data["filters"] = self.filters
        return data


def reply_json(
    query: str,
    kind: str,
    hits: list[Hit],
    explain: bool,
    *,
    low_confidence: bool = False,
    direct: DirectAnswer | None = None,
    notice: str | None = None,
    regions: list[dict[str, str]] | None = None,
    understood_as: str | None = None,
) -> dict[str, Any]:
    """The one JSON contract of a reply, whatever kind it is (scripts/ask.py --json prints it);
    `understood_as` only where a message was read in a conversation (not for a bare search)."""
    data: dict[str, Any] = {
        "query": query,
        "kind": kind,
        "low_confidence": low_confidence,
        "answer": direct.text if direct else None,
        "notice": notice,
        "regions": regions or [],
        "results": hits_json(hits, explain),
    }
    if understood_as is not None:
        data["understood_as"] = understood_as
    return data


def hits_json(hits: list[Hit], explain: bool = False) -> list[dict[str, Any]]:
    """Results as the JSON contract gives them: every one with its citation and version note."""
    results = []
    for hit in hits:
        item = hit.to_json(explain=explain)
        item["citation"] = citation(hit.document, hit.clause.path)
        item["version_note"] = hit.explain.get("version_note")
        if "role" in hit.explain:
            item["role"] = hit.explain["role"]
        results.append(item)
    return results


@dataclass
class ClauseReply:
    """A clause reference (西安 二(五)): those clauses in full."""

    question: str
    hits: list[Hit]
    understood: str | None = None  # 按上文理解为：… when read as a follow-up
    direct: DirectAnswer | None = None  # a follow-up's detail (谁牵头？) answered from the clause
    understood_as: str | None = None

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        data = reply_json(
            self.question, "clause", self.hits, explain, direct=self.direct, understood_as=self.understood_as or self.question
        )
        if explain and self.hits:
            data["filters"] = {"clause_reference": self.hits[0].explain.get("reference")}
        return data


@dataclass
class AgencyReply:
    """"市市场监管局牵头哪些任务？": every clause the agency leads, then supports."""

    question: str
    agency: str
    hits: list[Hit]

    understood: str | None = None
    understood_as: str | None = None

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        data = reply_json(self.question, "agency", self.hits, explain, understood_as=self.understood_as or self.question)
        return {**data, "agency": self.agency}


@dataclass
class SearchReply:
    """Anything else: the searched answer."""

    question: str
    answer: Answer
    understood: str | None = None
    understood_as: str | None = None

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        return {**self.answer.to_json(explain), "query": self.question, "understood_as": self.understood_as or self.question}


Reply = ClauseReply | AgencyReply | SearchReply


@dataclass
class TaskTable:
    rows: list[TaskRow]
    subject: str  # what the table is about: the agency, or the document's title
    agency: str | None
    document: Document | None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return table_title(self.agency, self.document)


@dataclass
class DueReport:
    """/due: an agency's clauses due within a window."""

    agency: str
    window: Window
    items: list[DueItem]
    today: date
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[TaskRow]:
        return [item.row for item in self.items]

    @property
    def title(self) -> str:
        return f"{self.agency} 到期任务（{self.window.label}）"

    def ics(self) -> bytes:
        return render_ics(self.items, subject=self.agency)

    def to_json(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "window": {"label": self.window.label, "start": self.window.start.isoformat(),
                       "end": self.window.end.isoformat()},
            "today": self.today.isoformat(),
            "items": [item.to_json() for item in self.items],
        }  # fmt: skip


@dataclass
class TargetReport:
    keyword: str
    targets: list[Target]
    rows: list[dict[str, str]]  # comparison rows (region, indicator, value, deadline, owners, citation)
    notes: list[str] = field(default_factory=list)
    superseded: set[str] = field(default_factory=set)  # documents a newer stored version replaced


@dataclass
class DocumentInfo:
    document: Document
    clause_count: int
    superseded_by: Document | None = None


class PlanService:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        *,
        jieba_base: JiebaBase | None = None,
        params: FusionParams | None = None,
        parse: Callable[[Path], ParsedDocument] | None = None,
    ) -> None:
        """jieba_base, params and parse are for tests and tools; the edges pass settings only."""
        self.settings = settings
        self._parse = parse
        self._embedder = embedder
        self._jieba = jieba_base or JiebaBase(settings.jieba_cache_dir)
        self._params = params
        self._store: Store | None = None
        self._searcher: HybridSearcher | None = None
        self._lock = threading.RLock()
        self._loading: str | None = None  # build folder name being loaded in the background
        self._unloadable: str | None = None  # a build that failed to load (e.g. another model's)
        self._version_links: tuple[HybridSearcher, dict[str, Any]] | None = None

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The configured (or given) embedder, wrapped once so that the query embeddings of
        concurrent questions share forward passes (index/batching.py)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = resolve_embedder(self.settings)
            if not isinstance(self._embedder, QueryBatcher):
                self._embedder = QueryBatcher(self._embedder)
            return self._embedder

    @property
    def jieba(self) -> JiebaBase:
        return self._jieba

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings.store_path)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def _load(self, folder: Path) -> HybridSearcher:
        # The live searcher's segments and clauses are shared with the new one: after adding a
        # document only that document's segment is read.
        return HybridSearcher.load(folder, self.embedder, self._jieba, self._params, previous=self._searcher)

    def searcher(self) -> HybridSearcher:
        """The live searcher; loads the first one synchronously, later builds in the background."""
        live = current_build(self.settings.index_root)
        current = self._searcher
        if live is None:
            if current is not None:
                return current
            raise IndexMissingError("还没有索引：请先运行 python scripts/reindex.py")
        if current is None:
            with self._lock:
                if self._searcher is None or self._searcher.folder != live:
                    self._searcher = self._load(live)
                return self._searcher
        if current.folder != live:
            self._load_in_background(live)
        return current

    def _load_in_background(self, folder: Path) -> None:
        with self._lock:
            if self._loading == folder.name or self._unloadable == folder.name:
                return
            self._loading = folder.name

        def run() -> None:
            try:
                searcher = self._load(folder)
                with self._lock:
                    self._searcher = searcher
            except Exception:  # the old index keeps answering; this build is not tried again
                with self._lock:
                    self._unloadable = folder.name
            finally:
                with self._lock:
                    self._loading = None

        threading.Thread(target=run, name="index-reload", daemon=True).start()

    def _reload_now(self) -> None:
        live = current_build(self.settings.index_root)
        if live is not None and (self._searcher is None or self._searcher.folder != live):
            searcher = self._load(live)
            with self._lock:
                self._searcher = searcher

    # -- index lifecycle ---------------------------------------------------------------------

    def ensure_index(self, progress: Progress | None = None) -> None:
        """Build the index from the corpus when there is none (or it is of an older format, which
        re-uses cached vectors); refuse one built by another model (IndexMismatchError)."""
        live = current_build(self.settings.index_root)
        if live is not None:
            manifest = read_manifest(live)
            if manifest.model_id != self.embedder.model_id:
                check_manifest(manifest, self.embedder.model_id)
            if manifest.format_version == FORMAT_VERSION and self._index_matches_corpus(manifest.documents):
                return
        try:
            self.reindex(progress=progress)
        except IndexBusyError:
            if live is None:
                raise

    def _index_matches_corpus(self, indexed: dict[str, str]) -> bool:
        """Do the live index, the store and the corpus folder hold the same documents? They differ
        after a crash between storing an upload and swapping in its index, or when files changed
        while nothing was running."""
        stored = {d.sha256 for d in self.store.documents()}
        on_disk = set()
        for path in corpus_files(self.settings.corpus_dir):
            try:
                on_disk.add(file_sha256(path))
            except OSError:
                continue
        return set(indexed.values()) == stored and stored <= on_disk

    def reindex(self, *, full: bool = False, progress: Progress | None = None) -> IndexReport:
        """Sync the store with the corpus folder, then build; full re-parses and re-embeds everything."""
        with build_lock(self.settings.build_lock_path):
            corpus = sync_corpus(
                self.settings.corpus_dir, self.store, parse=self._parse, progress=progress, reparse=full
            )
            report = build_index_locked(
                self.settings, self.store, self.embedder, self._jieba, full=full, progress=progress
            )
        _attach(report, corpus)
        self._reload_now()
        return report

    # -- questions ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        top_k: int = 3,
        offset: int = 0,
        explain: bool = False,
        user_id: int | None = None,
        chat_type: str | None = None,
        log: bool = True,
        asks: str | None = None,
    ) -> Answer:
        """The ranked clauses for a question, with the answer line on top when the clauses state one
        (`asks`: who / amount / when / yes_no when known from the conversation; else read from the
        question), what the corpus lacks, and for a question naming no place its best clause per region."""
        # JSON input can carry lone surrogates, which SQLite cannot store: replace them.
        question = question.encode("utf-8", "replace").decode("utf-8") if isinstance(question, str) else ""
        searcher = self.searcher()
        # A first page looks a little deeper at once, for the regions of a question naming no place.
        depth = max(0, top_k) if offset > 0 else max(top_k, OVERVIEW_DEPTH)
        result = searcher.search(question, top_k=depth, offset=max(0, offset), explain=explain)
        wider, result.hits = result.hits, result.hits[: max(0, top_k)]
        self._note_versions(searcher, result.hits)
        question_id = None
        if log and question.strip():
            top = result.hits[0] if result.hits else None
            question_id = self.store.log_question(
                question,
                user_id=user_id,
                chat_type=chat_type,
                top_clause_id=top.clause.id if top else None,
                top_score=top.score if top else None,
                low_confidence=result.low_confidence,
            )
        answer = Answer(question, result.hits, result.low_confidence, result.filters, question_id, result.total, offset)
        answer.notice = negative_notice(result.filters, result.low_confidence, result.terms, bool(result.hits))
        if not result.low_confidence:
            kind = question_kind(result.question) if asks is None else asks
            answer.direct = direct_answer(kind, result.hits, result.terms)
            if offset == 0 and not _names_a_place(result.filters):
                answer.overview = region_overview(wider, kind, result.terms)
        return answer

    def _note_versions(self, searcher: HybridSearcher, hits: list[Hit]) -> None:
        """Mark hits from a document that a newer stored version superseded (explain["version_note"])."""
        documents = searcher.table.documents
        cached = self._version_links
        if cached is None or cached[0] is not searcher:
            # Comparing every pair of titles is slow at thousands of documents: once per build.
            cached = self._version_links = (searcher, detect_versions(list(documents.values())))
        links = cached[1]
        for hit in hits:
            note = version_note(hit.document, links, documents)
            if note:
                hit.explain["version_note"] = note

    def lookup(self, ref: str) -> list[Hit]:
        searcher = self.searcher()
        hits = searcher.lookup(ref or "")
        self._note_versions(searcher, hits)
        return hits

    def _view(self) -> Store:
        """The clauses the live index answers from (its snapshot), or the store before any index
        exists: lists, outlines and 全文 stay consistent with answers, also during a re-index."""
        try:
            return self.searcher().snapshot
        except IndexMissingError:
            return self.store

    def clause(self, clause_id: str) -> Hit | None:
        view = self._view()
        clause = view.clause(clause_id) or self.store.clause(clause_id)
        if clause is None:
            return None
        document = view.document(clause.doc_id) or self.store.document(clause.doc_id)
        return Hit(clause, document, 1.0, 1) if document else None

    def agency_tasks(self, name: str) -> list[Hit]:
        """Clauses the agency leads, then those it supports, each in document order
        (Hit.explain["role"]); one matcher (index.text.agencies) for every agency question."""
        if not agency_aliases(name or ""):
            return []
        view = self._view()
        documents = {d.id: d for d in view.documents()}
        table = default_table()
        # Match each distinct written name once (a few hundred, however large the corpus), then
        # read only their mentions; the document's region is checked per (name, region) pair.
        written = {n for n, canonical in view.agency_names() if table.matches(name, n, canonical)}
        matched: dict[tuple[str, str | None, str | None], bool] = {}
        roles: dict[str, str] = {}
        for mention, canonical, role, clause_id, doc_id in view.agency_mentions(written) if written else ():
            if roles.get(clause_id) == LEAD or doc_id not in documents:
                continue
            key = (mention, canonical, documents[doc_id].region)
            if key not in matched:
                matched[key] = table.matches(name, mention, canonical, doc_region=key[2])
            if matched[key]:
                roles[clause_id] = role
        clauses = view.clauses_by_ids(roles)
        ordered = sorted(
            clauses.values(),
            key=lambda c: (roles[c.id] != LEAD, documents[c.doc_id].date or "", c.doc_id, c.order),
        )
        return [Hit(c, documents[c.doc_id], 1.0, i + 1, explain={"role": roles[c.id]}) for i, c in enumerate(ordered)]

    def respond(
        self,
        text: str,
        *,
        top_k: int = 3,
        explain: bool = False,
        user_id: int | None = None,
        chat_type: str | None = None,
        log: bool = True,
        session: str | None = None,
        now: float | None = None,
    ) -> Reply:
        """The one router every edge calls for a message. With a `session` (a chat, or a user within a
        group) a follow-up is read against the previous question and answer (index/features/
        conversation.py); then a clause reference gives that clause, a "which tasks does agency X lead"
        question the agency's task list, anything else a search."""
        now = time.time() if now is None else now
        question = clean_question(text)
        previous = self._previous_turn(session, now) if session and question else None
        understanding = self._understand(question, previous)
        line = understood_line(understanding)
        reply: Reply
        if understanding.kind in (DETAIL, FULL_TEXT) and previous is not None and previous.clause_ids:
            hit = self.clause(previous.clause_ids[0])
            if hit is not None:
                direct = direct_answer(understanding.asks, [hit]) if understanding.kind == DETAIL else None
                reply = ClauseReply(text, [hit], line, direct, understanding.question)
                self._remember(session, now, previous, reply)
                return reply
            understanding = Understanding(NEW, question, understanding.asks)
        asked = understanding.question
        if understanding.kind == MORE and previous is not None:
            answer = self.ask(asked, top_k=top_k, offset=previous.next_offset, explain=explain, user_id=user_id,
                              chat_type=chat_type, log=log, asks=previous.kind)  # fmt: skip
            reply = SearchReply(text, answer, line, asked)
            self._remember(session, now, replace(previous), reply)
            return reply
        hits = self.lookup(asked) if asked else []
        subject = None if hits else agency_task_subject(asked)
        tasks = self.agency_tasks(subject) if subject else []
        read_as = asked if understanding.follow_up else text
        if hits:
            reply = ClauseReply(text, hits, line, None, read_as)
        elif tasks:
            reply = AgencyReply(text, subject or "", tasks, line, read_as)
        else:
            answer = self.ask(read_as, top_k=top_k, explain=explain, user_id=user_id, chat_type=chat_type, log=log,
                              asks=understanding.asks)  # fmt: skip
            reply = SearchReply(text, answer, line, read_as)
        if session:
            self._remember(session, now, self._turn(asked, understanding), reply)
        return reply

    def forget(self, session: str) -> None:
        """Start a conversation afresh (/new)."""
        self.store.save_conversation(session, None, at=time.time())

    def _understand(self, question: str, previous: Turn | None) -> Understanding:
        if previous is None or not question:
            return understand(question, None)
        reading = self.searcher().read(question)
        return understand(question, previous, places=reading.places, years=reading.years, agencies=reading.agencies)

    def _turn(self, question: str, understanding: Understanding) -> Turn:
        reading = self.searcher().read(question)
        return Turn(question, reading.places, list(reading.years), kind=understanding.asks)

    def _previous_turn(self, session: str, now: float) -> Turn | None:
        state = self.store.conversation(session, newer_than=now - SESSION_SECONDS)
        return Turn.from_json(state) if state else None

    def _remember(self, session: str | None, now: float, turn: Turn, reply: Reply) -> None:
        if not session:
            return
        hits = reply.answer.hits if isinstance(reply, SearchReply) else reply.hits
        if hits:
            shown = [h.clause.id for h in hits]
            if isinstance(reply, SearchReply):
                if turn.next_offset == 0 or not turn.clause_ids:  # a further page keeps the first page's clauses
                    turn.clause_ids = shown
                turn.next_offset += len(hits)
            elif not (isinstance(reply, ClauseReply) and reply.direct):  # a detail keeps its clause
                turn.clause_ids = shown
        self.store.save_conversation(session, turn.to_json(), at=now)

    def question_text(self, question_id: int) -> str | None:
        """A logged question's text (for "more results" after a restart)."""
        record = self.store.question(question_id)
        return record["query"] if record else None

    # -- reports: task tables and targets -----------------------------------------------------

    def _report_view(self) -> tuple[Store, list[str]]:
        """What reports read: the live index's snapshot; before anything is indexed, the store filled
        from CORPUS_DIR (parsing only, nothing embedded), with a note saying so."""
        view = self._view()
        if view.documents():
            return view, []
        with build_lock(self.settings.build_lock_path):
            corpus = sync_corpus(self.settings.corpus_dir, self.store, parse=self._parse)
            apply_versions(self.store)
        notes = [f"还没有索引，已直接读取 {self.settings.corpus_dir} 中的文件"] + list(corpus.skipped)
        return self.store, notes

    def task_table(self, agency: str | None = None, doc_ref: str | None = None) -> TaskTable:
        """An agency's 任务分解表 (within one document when `doc_ref` is given), or a whole
        document's. An agency that names nothing but a document gives that document's table."""
        view, notes = self._report_view()
        documents = view.documents()
        document = resolve_document(documents, doc_ref) if doc_ref else None
        if agency:
            chosen = [document] if document is not None else documents
            rows = agency_task_rows(agency, [(d, view.clauses(d.id)) for d in chosen])
            if rows or document is not None:
                return TaskTable(rows, agency, agency, document, notes)
            document = find_document(documents, agency)
            if document is None:
                return TaskTable([], agency, agency, None, notes)
        if document is None:
            raise DocumentRefError(f"请给出单位名或文件（{REF_HINT}）")
        rows = document_task_rows(document, view.clauses(document.id))
        return TaskTable(rows, document.title or document.source, None, document, notes)

    def targets(self, keyword: str | None, doc_ref: str | None = None) -> TargetReport:
        """Quantified targets whose indicator contains `keyword`, compared across documents."""
        view, notes = self._report_view()
        documents = view.documents()
        chosen = [resolve_document(documents, doc_ref)] if doc_ref else documents
        found = collect_targets(view, keyword, chosen)
        superseded = {doc_id for doc_id, link in detect_versions(documents).items() if link.superseded_by}
        rows = target_rows(found, {d.id: d for d in documents}, superseded=superseded)
        return TargetReport(keyword or "", found, rows, notes, superseded)

    # -- documents ---------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        view = self._view()
        docs = view.documents()
        counts = view.clause_counts()
        by_id = {d.id: d for d in docs}
        superseded_by = {d.supersedes: d for d in docs if d.supersedes and d.supersedes in by_id}
        return [DocumentInfo(d, counts.get(d.id, 0), superseded_by.get(d.id)) for d in docs]

    def find_document(self, ref: str) -> Document | None:
        """The document a reference names (index/store/resolver.py: the one resolver)."""
        return find_document(self._view().documents(), ref)

    def outline(self, doc_ref: str) -> tuple[Document, list[Clause]]:
        doc = self._require_document(doc_ref)
        return doc, self._view().clauses(doc.id)

    def _require_document(self, doc_ref: str) -> Document:
        return resolve_document(self._view().documents(), doc_ref)

    def preview_file(
        self, path: Path, *, progress: Progress | None = None, overrides: dict[str, str] | None = None
    ) -> ParsedDocument:
        """Parse an uploaded file (`progress` hears of OCR pages) with the fields an admin supplied
        in place (`overrides`: {"doc_number": "X政发〔2023〕5号", …}; FieldValueError on a bad one)."""
        if self._parse is not None:
            parsed = self._parse(Path(path))
        else:
            from index.ingest.parse import parse_file

            parsed = parse_file(Path(path), progress=progress)
            annotate_canonical(parsed)
        return apply_overrides(parsed, overrides) if overrides else parsed

    def add_file(
        self, path: Path, *, progress: Progress | None = None, overrides: dict[str, str] | None = None
    ) -> AddResult:
        """Copy an (admin-confirmed) file into the corpus, store it, re-index incrementally, swap."""
        path = Path(path)
        parsed = self.preview_file(path, overrides=overrides)
        with build_lock(self.settings.build_lock_path):
            existing = self.store.document_by_sha(parsed.document.sha256)
            if existing is not None:
                return AddResult(UNCHANGED, existing)
            plan = plan_of_table(self.store, parsed)  # a 分工表 sent after its plan joins it, never replaces it
            previous = self.store.document_by_number(parsed.document.doc_number) if parsed.document.doc_number else None
            previous = None if plan is not None else previous
            if previous is not None and (parsed.document.date or "") < (previous.date or ""):
                raise StoreError(
                    f"库中已有同文号（{previous.doc_number}）且日期更新的版本 {previous.source}"
                    f"（{previous.date}），未用较旧的 {path.name}（{parsed.document.date or '无日期'}）替换"
                )
            if overrides:  # kept before the file enters the corpus, so any later parse of it finds them
                self.store.save_admin_fields(parsed.document.sha256, overrides)
            target = _free_name(self.settings.corpus_dir, path.name, parsed.document.sha256)
            _copy_atomically(path, target)
            parsed.document.source = target.name
            if previous is not None:
                _move_out(self.settings.corpus_dir / previous.source, self.settings.superseded_dir)
            if plan is not None:
                plan = attach_task_table(self.store, parsed) or plan
                result: AddResult = AttachResult(ATTACHED, plan, table=target.name)
            else:
                result = self.store.add_document(parsed)
            self._notify_confirmed(result)
            apply_versions(self.store)
            build_index_locked(self.settings, self.store, self.embedder, self._jieba, progress=progress)
        self._reload_now()
        return result

    def remove_document(self, doc_ref: str, *, progress: Progress | None = None) -> Document:
        """Move the document's file out of the corpus (to DATA_DIR/removed), drop it, re-index."""
        doc = self._require_document(doc_ref)
        with build_lock(self.settings.build_lock_path):
            _move_out(self.settings.corpus_dir / doc.source, self.settings.removed_dir)
            removed = self.store.remove_document(doc.id)
            build_index_locked(self.settings, self.store, self.embedder, self._jieba, progress=progress)
        self._reload_now()
        return removed

    # -- follow the work: deadlines, subscriptions, weekly digests (features/deadlines.py, digest.py)

    @property
    def schedule(self) -> Schedule | None:
        """When digests go out (DIGEST_SCHEDULE); None when they are off."""
        return Schedule.parse(self.settings.digest_schedule)

    def today(self) -> date:
        """Today where the plans apply (the digest schedule's zone, Asia/Shanghai by default)."""
        schedule = self.schedule
        return datetime.now(schedule.zone if schedule else UTC).date()

    def due(self, agency: str, window: str | None = None, *, today: date | None = None) -> DueReport:
        """The agency's clauses due within the window (本月 by default): lead first, then support,
        each by date; /due and scripts/tasks.py --due both print this."""
        today = today or self.today()
        chosen = parse_window(window, today)
        view, notes = self._report_view()
        rows = agency_task_rows(agency, [(d, view.clauses(d.id)) for d in view.documents()])
        return DueReport(agency, chosen, due_items(rows, chosen, today), today, notes)

    def subscribe(self, chat_id: int, agency: str, chat_type: str | None = None) -> tuple[bool, int]:
        """Follow an agency in a chat: (newly subscribed, clauses it is named on now)."""
        name = " ".join((agency or "").split())
        if not agency_aliases(name) or len(name) > 40:
            raise DocumentRefError("请给出单位名，例如：/subscribe 市场监管局")
        store = self.store
        named = agency_task_rows(name, [(d, store.clauses(d.id)) for d in store.documents()])
        return store.subscribe(chat_id, name, chat_type), len(named)

    def unsubscribe(self, chat_id: int, agency: str | None = None) -> int:
        return self.store.unsubscribe(chat_id, " ".join(agency.split()) if agency else None)

    def subscriptions(self, chat_id: int) -> list[str]:
        """The agencies a chat follows, in the order it subscribed."""
        return [agency for _, agency, _ in self.store.subscriptions(chat_id)]

    def chat_paused(self, chat_id: int) -> str | None:
        return self.store.paused_reason(chat_id)

    def pause_chat(self, chat_id: int, reason: str) -> None:
        """Stop sending to a chat (blocked the bot, or gone); subscribing again resumes it."""
        self.store.pause_chat(chat_id, reason)

    def _notify_confirmed(self, result: AddResult) -> None:
        """An admin confirmed a document: queue a notice for every chat following an agency it names."""
        if result.status == UNCHANGED:
            return
        document = result.document
        clauses = self.store.clauses(document.id)
        self.store.record_confirmation(document.id, chats_to_notify(document, clauses, self.store.subscriptions()))

    def plan_digest(self, now: datetime) -> str | None:
        """Queue this period's digests (once per period, for chats subscribed before it); its key."""
        schedule = self.schedule
        if schedule is None:
            return None
        key = period_key(schedule.period_at(now))
        chats = sorted({chat for chat, _, at in self.store.subscriptions() if at <= key})
        self.store.plan_period(key, chats)
        return key

    def pending_deliveries(self, limit: int = 1000) -> list[Delivery]:
        return [Delivery(**row) for row in self.store.pending_deliveries(limit)]

    def delivery_progress(
        self, delivery: Delivery, *, parts_sent: int, state: str, error: str | None = None, failed_attempt: bool = False
    ) -> None:
        self.store.delivery_progress(
            delivery.id, parts_sent=parts_sent, state=state, error=error, failed_attempt=failed_attempt
        )

    def delivery_counts(self) -> dict[str, int]:
        return self.store.delivery_counts()

    def delivery_content(self, delivery: Delivery, cache: dict[Any, Any] | None = None) -> Digest | Notice | None:
        """What a delivery says, from the store as it is now (None: nothing left to say). `cache`
        (one per send run) shares the corpus and each agency's part between chats."""
        cache = {} if cache is None else cache
        store = self.store
        agencies = self.subscriptions(delivery.chat_id)
        if not agencies:
            return None
        if delivery.kind != DIGEST:
            document = store.document(delivery.doc_id or "")
            if document is None:
                return None
            clauses = store.clauses(document.id)
            sections = [(a, rows) for a in agencies if (rows := notice_rows(a, document, clauses))]
            return Notice(document, sections) if sections else None
        assert delivery.period is not None
        period = period_from_key(delivery.period, self.schedule)
        if "corpus" not in cache:
            cache["corpus"] = [(d, store.clauses(d.id)) for d in store.documents()]
        sections = []
        for agency in agencies:
            key = (delivery.period, agency)
            if key not in cache:
                since = period_key(period - timedelta(days=7))
                confirmed = [doc_id for doc_id, _ in store.confirmations(since, delivery.period)]
                cache[key] = agency_digest(agency, cache["corpus"], confirmed, period.date())
            sections.append(cache[key])
        return Digest(period, sections)

    # -- usage -------------------------------------------------------------------------------

    def record_feedback(
        self, *, question_id: int | None, clause_id: str | None, user_id: int | None, value: int
    ) -> None:
        self.store.add_feedback(question_id=question_id, clause_id=clause_id, user_id=user_id, value=value)

    def usage_report(self, limit: int = 10) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """(stats, weakest questions) read without writing anything (the bot may be running);
        None when nothing was ever stored. A damaged store raises StoreError."""
        path = self.settings.store_path
        if not path.exists():
            return None
        try:
            with Store(path, readonly=True) as store:
                return dict(store.stats()), store.weak_questions(limit)
        except StoreError:
            raise
        except Exception as exc:  # a damaged or foreign database file: one line for the user
            raise StoreError(f"无法读取数据库 {path}（{type(exc).__name__}: {exc}）") from exc

    def stats(self) -> dict[str, Any]:
        data = dict(self.store.stats())
        data["top_unanswered"] = self.store.weak_questions(10)
        live = current_build(self.settings.index_root)
        if live is not None:
            manifest = read_manifest(live)
            data["index"] = {
                "build": live.name,
                "model": manifest.model_id,
                "clauses": manifest.clause_count,
                "passages": manifest.passage_count,
                "created_at": manifest.created_at,
            }
        return data


OVERVIEW_DEPTH = 12  # clauses a question naming no place looks through for its regions


def negative_notice(filters: dict[str, Any], low_confidence: bool, terms: list[str], has_hits: bool) -> str | None:
    """What the corpus lacks, said before the nearest clauses: a place no document is about, or a
    topic no clause answers."""
    unknown = filters.get("unknown_places") or []
    if unknown:
        return f"库中没有{'、'.join(unknown)}的文件"
    if low_confidence and has_hits:
        words = [t for t in dict.fromkeys(terms) if t not in _GENERIC_WORDS]
        words = [t for t in words if not any(t != other and t in other for other in words)]
        topic = "、".join(words[:4])
        return f"库中没有关于“{topic}”的条款" if topic else "库中没有直接回答这个问题的条款"
    return None


# Words of a question that say how it asks, not what it asks about (left out of "库中没有关于…").
_GENERIC_WORDS = frozenset(
    ["没有", "有没有", "是否", "规定", "要求", "安排", "工作", "措施", "方面", "相关", "什么", "哪些", "怎么", "如何", "情况", "内容", "具体", "问题", "政策", "文件", "有关"]
)


def _names_a_place(filters: dict[str, Any]) -> bool:
    return any(filters.get(key) for key in ("documents", "regions", "doc_numbers", "boosted_documents", "unknown_places"))


def _attach(report: IndexReport, corpus: CorpusReport) -> None:
    report.skipped = list(corpus.skipped)
    report.warnings = list(corpus.warnings)


def _free_name(folder: Path, name: str, sha256: str) -> Path:
    target = Path(folder) / name
    if not target.exists():
        return target
    stem, suffix = Path(name).stem, Path(name).suffix
    return Path(folder) / f"{stem}-{sha256[:8]}{suffix}"


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy into the corpus through a hidden temporary file, so a crash never leaves half a plan
    there (the corpus scan ignores hidden files)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, partial)
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


def _move_out(path: Path, dest_dir: Path) -> None:
    """Move a corpus file aside (never delete): to DATA_DIR/removed or DATA_DIR/superseded."""
    if not path.is_file():
        return
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / path.name
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = dest_dir / f"{path.stem}-{stamp}{path.suffix}"
    shutil.move(str(path), str(target))
