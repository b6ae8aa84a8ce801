"""Typed errors of the core library. Only the edges (scripts/, bot/) print them or exit.

Every message is written for the person who can act on it, in Chinese, naming the file or
thing concerned, e.g. "无法识别文件编码（已尝试 UTF-8、GB18030、UTF-16）：xxx.txt".
"""

from __future__ import annotations


class QualityPlanError(Exception):
    """Base class: anything the user can act on."""


class ReadError(QualityPlanError):
    """A file could not be read as a plan document (encoding, format, size, encryption …)."""


class UnsupportedFormatError(ReadError):
    """The file is not one of the accepted formats (.txt .docx .pdf .html .htm)."""


class EncodingError(ReadError):
    """No supported text encoding fits the file."""


class NoTextError(ReadError):
    """The file has no text layer (e.g. a scanned PDF) or is empty."""


class StoreError(QualityPlanError):
    """The document store refused an operation."""


class IndexError_(QualityPlanError):
    """Base of index problems (named with a trailing underscore to avoid the builtin)."""


class IndexMismatchError(IndexError_):
    """The index on disk was built by other code or another model: re-index."""


class IndexMissingError(IndexError_):
    """There is no index yet."""


class IndexBusyError(IndexError_):
    """Another re-index is already running."""


class ModelError(QualityPlanError):
    """The embedding model could not be built or loaded."""


class FileTooLargeError(ReadError):
    """The file is larger than the accepted maximum."""


class EncryptedError(ReadError):
    """The file is password-protected (encrypted PDF or Word file)."""


class CorruptFileError(ReadError):
    """The file claims a format but its content is damaged or unsafe (e.g. a zip bomb posing as .docx)."""


class AgencyDataError(QualityPlanError):
    """The agency-name data file (index/resources/agency_renames.json) is missing or malformed."""


class ExportError(QualityPlanError):
    """A task table, target table or chart could not be produced as asked (format, empty result, output file)."""


class DocumentRefError(QualityPlanError):
    """A document reference (文号, region, title words, file name) matches no stored document."""
