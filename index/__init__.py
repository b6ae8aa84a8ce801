"""Core library: reading, parsing, storing, indexing and searching plan documents.

The edges (`bot/`, `scripts/`) use only the names exported here; everything else is internal.
`PlanService` is the facade: every question, document, report and admin action goes through it.
"""

from index.build.progress import TqdmProgress
from index.embed.base import Embedder
from index.errors import (
    AgencyDataError,
    CorruptFileError,
    DocumentRefError,
    EncodingError,
    EncryptedError,
    ExportError,
    FileTooLargeError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    ModelError,
    NoTextError,
    QualityPlanError,
    ReadError,
    StoreError,
    UnsupportedFormatError,
)
from index.features.charts import cjk_font, targets_chart
from index.features.deadlines import WINDOWS_HINT, DueItem, is_window
from index.features.digest import Delivery, Digest, Notice
from index.features.targets import Target
from index.features.tasks import FORMATS as TASK_FORMATS
from index.features.tasks import TaskRow, render_tasks
from index.ingest.overrides import FieldValueError, missing_fields, read_field_lines
from index.ingest.read import FORMATS as _READ_FORMATS
from index.models import LEAD, SUPPORT, Agency, Clause, Document, Hit, ParsedDocument
from index.service import (
    AgencyReply,
    Answer,
    ClauseReply,
    DocumentInfo,
    DueReport,
    PlanService,
    Reply,
    SearchReply,
    TargetReport,
    TaskTable,
)
from index.settings import DEFAULT_MODEL, Settings
from index.text.agencies import display_name
from index.text.citation import EXCERPT_CHARS, body_text, citation, document_title, excerpt, format_date, sentences
from index.text.deadlines import deadline_label
from index.text.normalize import MAX_QUERY_CHARS, clean_question

ACCEPTED_SUFFIXES = tuple(_READ_FORMATS)  # file suffixes the readers accept (case-insensitive)

__all__ = [
    "ACCEPTED_SUFFIXES",
    "DEFAULT_MODEL",
    "EXCERPT_CHARS",
    "LEAD",
    "MAX_QUERY_CHARS",
    "SUPPORT",
    "TASK_FORMATS",
    "Agency",
    "AgencyDataError",
    "AgencyReply",
    "Answer",
    "Clause",
    "ClauseReply",
    "CorruptFileError",
    "Document",
    "DocumentInfo",
    "DocumentRefError",
    "Delivery",
    "Digest",
    "DueItem",
    "DueReport",
    "Embedder",
    "EncodingError",
    "EncryptedError",
    "ExportError",
    "FieldValueError",
    "FileTooLargeError",
    "Hit",
    "Notice",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexMissingError",
    "ModelError",
    "NoTextError",
    "ParsedDocument",
    "PlanService",
    "QualityPlanError",
    "ReadError",
    "Reply",
    "SearchReply",
    "Settings",
    "StoreError",
    "Target",
    "TargetReport",
    "TaskRow",
    "TaskTable",
    "TqdmProgress",
    "UnsupportedFormatError",
    "WINDOWS_HINT",
    "body_text",
    "cjk_font",
    "deadline_label",
    "citation",
    "clean_question",
    "display_name",
    "document_title",
    "excerpt",
    "format_date",
    "missing_fields",
    "read_field_lines",
    "is_window",
    "render_tasks",
    "sentences",
    "targets_chart",
]
