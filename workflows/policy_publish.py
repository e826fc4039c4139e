"""Policy drafts: upload (validated), publish (files written atomically, audited), discard.

A draft holds the whole policy: the uploaded files over the active ones, so what is
previewed is exactly what is published. Publishing validates again (the engine may have
changed since the upload), writes each file to a temp file in the policy folder and moves
it into place with ``os.replace`` only after every temp file is written, so a failure
leaves the old files as they were. The database rows (version, draft status, audit) are
flushed before the files move; the caller commits.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine import Policy, PolicyError, Problem, load_policy_texts
from engine.policy import file_stem
from ledger import policy_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.models import utcnow
from workflows.errors import Refused

MAX_FILE_BYTES = 1_000_000
# a policy file's name: stored with the draft and written into the policy folder (which
# reads *.yaml and *.yml, hidden files not), so no folder, no NUL, no leading dot
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.ya?ml")
MAX_NAME_LENGTH = 100
BAD_FILE_NAME = "policy.bad_file_name"  # the problem's code: the web shows it translated


class DraftClosed(Refused):
    """The draft was already published or discarded."""

    code = "draft_closed"


class DraftStale(DraftClosed):
    """Another policy was published after this draft was uploaded: publishing it would
    silently undo that policy's changes to the files this draft did not upload (its code
    stays ``draft_closed``: the pages answer both alike)."""


@dataclass(frozen=True)
class Published:
    policy: Policy
    old_hash: str
    changed: list[str]  # file names whose text differs from the policy in force before


def decode_uploads(uploads: dict[str, bytes]) -> dict[str, str]:
    """File name -> text; PolicyError (file:line) for a file that is not UTF-8 or too big."""
    if not uploads:
        raise PolicyError([Problem("<upload>", 0, "choose at least one *.yaml file")])
    texts: dict[str, str] = {}
    problems = [_bad_name(name) for name in uploads if not good_file_name(name)]
    if problems:  # the names come first: a bad one is not even shown as a file's label
        raise PolicyError(problems)
    for name, data in uploads.items():
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(name, 0, f"larger than {MAX_FILE_BYTES} bytes"))
            continue
        try:
            texts[name] = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            problems.append(Problem(name, line, "not UTF-8 text: save the file as UTF-8"))
    if problems:
        raise PolicyError(problems)
    return texts


def good_file_name(name: str) -> bool:
    """``collection.yaml``: ASCII letters, digits, ``_ - .``, ending in ``.yaml`` or ``.yml``."""
    return len(name) <= MAX_NAME_LENGTH and FILE_NAME.fullmatch(name) is not None


def _bad_name(name: str) -> Problem:
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    return Problem("<upload>", 0, (
        f"{shown!r} is not a policy file name: letters, digits, _ - and . ending in .yaml or .yml, "
        f"no folder, not starting with a dot or a dash, at most {MAX_NAME_LENGTH} characters"),
        BAD_FILE_NAME, (("name", shown), ("limit", str(MAX_NAME_LENGTH))))


def create_draft(session: Session, active: Policy | None, uploads: dict[str, bytes],
                 uploaded_by: str, buckets: Collection[str] | None = None) -> int:
    """Store a valid upload as a draft (uploaded files replace the active ones of the same
    name); PolicyError listing every problem with file:line, and nothing stored, if not.
    ``buckets``: the ageing bucket names of settings the provision rates must name."""
    files = merged(active.files if active is not None else {}, decode_uploads(uploads))
    load_policy_texts(files, buckets=buckets)
    return policy_store.add_draft(session, files, uploaded_by,
                                  active.hash if active is not None else "")


def merged(active: dict[str, str], uploaded: dict[str, str]) -> dict[str, str]:
    """The uploaded files over the active ones: an uploaded ``x.yml`` replaces the active
    ``x.yaml`` and ``x.yaml`` the active ``x.yml`` (one name, two files would be refused,
    so a .yml could never replace its .yaml otherwise)."""
    stems = {file_stem(name) for name in uploaded}
    kept = {name: text for name, text in active.items() if file_stem(name) not in stems}
    return {**kept, **uploaded}


def publish(session: Session, draft_id: int, active: Policy | None, policy_dir: Path,
            on: date, actor: str, by: str) -> Published:
    """Make the draft the policy in force: version recorded, draft closed, audited, files
    written. Raises DraftClosed, LookupError or PolicyError (then nothing is written)."""
    draft = policy_store.get_draft(session, draft_id, lock=True)
    if draft.status != "draft":
        raise DraftClosed(f"policy draft {draft_id} is {draft.status}")
    # in force: the last publish by any process sharing this database, else this one's
    in_force = policy_store.last_published_hash(session) or (active.hash if active else "")
    if draft.base_hash and in_force and draft.base_hash != in_force:
        raise DraftStale(
            f"policy draft {draft_id} was made from policy {draft.base_hash[:12]}, but "
            f"{in_force[:12]} has been published since: upload your files again")
    policy = load_policy_texts(dict(draft.files))
    before = active.files if active is not None else {}
    changed = sorted(name for name, text in policy.files.items() if before.get(name) != text)
    replaced = sorted(name for name in before if name not in policy.files)
    old_hash = active.hash if active is not None else ""
    policy_store.record_published(session, policy.hash, policy.files, on, utcnow(), by)
    policy_store.set_draft_status(session, draft_id, "published", policy.hash)
    write_audit(session, [AuditEntry(
        on, actor, "policy_published", "policy", draft_id, policy.hash, "", policy.hash,
        {"old_hash": old_hash, "new_hash": policy.hash, "files_changed": changed,
         **({"files_removed": replaced} if replaced else {}), "draft": draft_id})])
    session.flush()
    write_files(policy_dir, policy.files)
    for name in replaced:  # x.yaml replaced by an uploaded x.yml: one of the two remains
        (policy_dir / name).unlink(missing_ok=True)
    return Published(policy, old_hash, changed)


def discard(session: Session, draft_id: int, on: date, actor: str) -> None:
    draft = policy_store.get_draft(session, draft_id, lock=True)
    if draft.status != "draft":
        raise DraftClosed(f"policy draft {draft_id} is {draft.status}")
    policy_store.set_draft_status(session, draft_id, "discarded")
    write_audit(session, [AuditEntry(on, actor, "policy_draft_discarded", "policy",
                                         draft_id, f"draft {draft_id}")])


def write_files(folder: Path, files: dict[str, str]) -> list[str]:
    """Write the files that differ; all temp files first, then one ``os.replace`` each."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = [name for name in sorted(files) if _read(folder / name) != files[name]]
    staged: list[tuple[str, Path]] = []
    try:
        for name in changed:
            handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            staged.append((temp, folder / name))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(files[name])
                out.flush()
                os.fsync(out.fileno())
    except BaseException:
        for temp, _ in staged:
            Path(temp).unlink(missing_ok=True)
        raise
    for temp, target in staged:
        os.replace(temp, target)
    return changed


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
