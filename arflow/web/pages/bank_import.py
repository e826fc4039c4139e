"""The /bank page's upload form: a bank statement (camt.053, MT940, or a bank's CSV/XLSX
export with an optional mapping file) read by ``workflows.bank.import_statement``, as
`arflow bank import` does: credit lines stored once, matched, the sure ones applied.

A file refused whole comes back on the form, each bad row named (``FILE:ROW``), nothing
imported. The uploads are written to a private temporary folder under their own names (the
readers report errors by file name and the line keeps it as its source), then removed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from arflow.web import deps
from arflow.web.api import bank as api
from arflow.web.api.actions import NO_NUL
from arflow.web.errors import ApiError
from arflow.web.pages.bank import render_queue
from arflow.web.pages.forms import submit
from arflow.web.pages.render import back_to
from workflows.bank import FORMATS, import_statement

router = APIRouter(include_in_schema=False)
MAX_BYTES = 20 * 1024 * 1024  # a month of a busy account's camt.053 is a few megabytes
SHOWN_ERRORS = 10  # bad rows listed on the form (the CLI lists every one)


def _save(upload: UploadFile | None, folder: Path, field: str) -> Path | None:
    """The upload under its own base name in ``folder`` (None: no file chosen)."""
    if upload is None or not upload.filename:
        return None
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or field
    if name in (".", "..") or "\x00" in name:
        raise ApiError(422, "invalid_input", f"not a file name: {name!r}", field)
    data = upload.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ApiError(422, "invalid_input", f"{name}: larger than {MAX_BYTES // 2**20} MB",
                       field)
    path = folder / field / name
    path.parent.mkdir()
    path.write_bytes(data)
    return path


def _named(message: str, *uploads: Path | None) -> str:
    """A reader's message with the uploads' names, not the temporary folder's paths."""
    for upload in uploads:
        if upload is not None:
            message = message.replace(str(upload), upload.name)
    return message


@router.post("/bank/import")
def import_form(request: Request, who: api.Cash, db: deps.DbSession, today: deps.Today,
                file: Annotated[UploadFile | None, File()] = None,
                mapping: Annotated[UploadFile | None, File()] = None,
                fmt: Annotated[str, Form(alias="format", max_length=16, pattern=NO_NUL)] = "",
                ) -> Response:
    """Import a statement; the notice says how many lines came, and what became of them."""
    def act() -> Response:
        from ledger.importers import ImportFailed
        from ledger.importers.source import SourceError

        if fmt and fmt not in FORMATS:
            raise ApiError(422, "invalid_input", f"format: one of {', '.join(FORMATS)}",
                           "format")
        with tempfile.TemporaryDirectory(prefix="arflow-bank-") as folder:
            statement = _save(file, Path(folder), "file")
            if statement is None:
                raise ApiError(422, "invalid_input", "choose the statement file", "file")
            columns = _save(mapping, Path(folder), "mapping")
            try:
                summary = import_statement(
                    db, statement, fmt or None, today=today, actor=who.actor,
                    rules=api.rules_of(request), mapping=columns,
                    book_currency=request.app.state.settings.book_currency)
            except SourceError as exc:
                raise ApiError(422, "import_failed", _named(str(exc), statement, columns),
                               "file") from None
            except ImportFailed as exc:
                rows = [_named(str(e), statement, columns) for e in exc.errors]
                more = f" (+{len(rows) - SHOWN_ERRORS})" if len(rows) > SHOWN_ERRORS else ""
                raise ApiError(422, "import_failed", "; ".join(rows[:SHOWN_ERRORS]) + more,
                               "file") from None
            db.commit()
        counts = {k: v for k, v in summary.as_dict().items() if k not in ("file", "format")}
        return back_to("/bank?status=queue", "bank.done.imported", **counts)

    return submit(request, who, "form-import", {"format": fmt}, act, db=db,
                  path="/bank?status=queue", again=lambda: render_queue(request, who, db))
