"""CSV imports from ERPs: validate the whole file first, then write it in one transaction."""

from ledger.importers.base import ImportFailed, ImportResult, RowError
from ledger.importers.runner import KINDS, import_file

__all__ = ["KINDS", "ImportFailed", "ImportResult", "RowError", "import_file"]
