"""The debtor disputes the debt on their own page (docs/debtor-self-service.md): a reason, their own
words and up to MAX_FILES documents. Each file is at most MAX_FILE_BYTES (and the store's own limit), and
a PDF, JPEG or PNG by its bytes, not its name: a file refused refuses the whole dispute, so nothing is
half kept. The dispute is opened in writing via the portal (services/disputes.py `insert_dispute`): the
gate stops collection in the same transaction where the creditor's pack says a dispute does (every pack
for a written dispute, us-reg-f within the validation period), and the files are kept through
services/documents.py, outside the web root, as the debtor's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from huikuan.domain.disputes import DisputeVia
from huikuan.errors import InvalidInput
from huikuan.services.disputes import insert_dispute
from huikuan.services.documents import ALLOWED_TYPES, Upload, keep_document
from huikuan.services.self_service import Visitor, case_row
from huikuan.storage import audit
from huikuan.storage.document_store import Store
from huikuan.storage.uow import UnitOfWork

REASONS = ("not_mine", "wrong_amount", "already_paid", "other")
TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_FILES = 3
MAX_FILE_BYTES = 10 * 1024 * 1024
TEXT_MAX = 2000


@dataclass(frozen=True)
class DebtorFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class DebtorDispute:
    reason: str
    text: str = ""
    files: tuple[DebtorFile, ...] = field(default_factory=tuple)


def check_file(f: DebtorFile) -> str:
    """The file's type, read from its bytes: PDF, JPEG or PNG, at most MAX_FILE_BYTES."""
    if not f.data:
        raise InvalidInput("{name}: the file is empty", name=f.filename[:80])
    if len(f.data) > MAX_FILE_BYTES:
        raise InvalidInput("{name}: a file may be at most 10 MB", name=f.filename[:80])
    found = next((kind for kind in TYPES if f.data.startswith(ALLOWED_TYPES[kind])), None)
    if found is None:
        raise InvalidInput("{name}: only PDF, JPEG or PNG files may be sent", name=f.filename[:80])
    return found


def dispute(
    uow: UnitOfWork, visitor: Visitor, claim: DebtorDispute, *, now: datetime, store: Store | None = None
) -> int:
    """Opens the dispute with its files (see the module docstring); its id. Commits."""
    if claim.reason not in REASONS:
        raise InvalidInput("Choose why you dispute the debt")
    text = claim.text.strip()
    if len(text) > TEXT_MAX:
        raise InvalidInput("Your explanation is longer than {most} characters", most=TEXT_MAX)
    if len(claim.files) > MAX_FILES:
        raise InvalidInput("At most {most} files may be sent", most=MAX_FILES)
    types = [check_file(f) for f in claim.files]  # every file checked before anything is kept
    case = case_row(uow, visitor.case_id)
    notes = "[" + claim.reason + "] " + text
    dispute_id = insert_dispute(
        uow,
        case,
        user_id=None,
        via=DisputeVia.PORTAL.value,
        written=True,
        account_id=None,
        notes=notes,
        at=now,
    )
    for f, kind in zip(claim.files, types, strict=True):
        upload = Upload("dispute", dispute_id, "evidence", f.filename, kind, f.data)
        keep_document(uow, upload, visitor.case_id, user_id=None, store=store, at=now, commit=False)
    audit.record(
        uow.session,
        at=now,
        user_id=None,
        action="self_service.disputed",
        entity="case",
        entity_id=visitor.case_id,
        detail={"dispute_id": dispute_id, "reason": claim.reason, "files": len(claim.files)},
    )
    uow.commit()
    return dispute_id
