"""One document store: files kept owner-only, an allow-list of types and a size limit, and a download
only for those who may see the case, audited."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.support.floor import Floor
from tests.support.messaging import use_settings

from huikuan.errors import InvalidInput, NotFound
from huikuan.services.disputes import open_dispute
from huikuan.services.documents import Upload, add_document, read_document
from huikuan.storage import tables as t
from huikuan.storage.document_store import FileStore

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileStore:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"), document_max_bytes="1000")
    return FileStore(tmp_path / "docs")


def _dispute(floor: Floor) -> int:
    return open_dispute(floor.uow, floor.viewer("alice"), floor.cases[0].id, via="letter", written=True)


def test_a_verification_pdf_is_kept_owner_only_and_read_back_by_the_cases_team(
    floor: Floor, store: FileStore
) -> None:
    dispute = _dispute(floor)
    doc = add_document(
        floor.uow,
        floor.viewer("alice"),
        Upload("dispute", dispute, "verification", "../核实/verify.pdf", "application/pdf", PDF),
    )
    row, data = read_document(floor.uow, floor.viewer("bob"), doc)  # bob: alice's team
    assert data == PDF and row["filename"] == "verify.pdf" and row["size"] == len(PDF)
    path = store.root / row["stored_key"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    actions = (
        floor.uow.session.execute(
            select(t.audit_events.c.action)
            .where(t.audit_events.c.action.like("document.%"))
            .order_by(t.audit_events.c.id)
        )
        .scalars()
        .all()
    )
    assert actions == ["document.added", "document.downloaded"]


def test_a_document_is_not_downloadable_by_another_teams_collector(floor: Floor, store: FileStore) -> None:
    dispute = _dispute(floor)
    doc = add_document(
        floor.uow,
        floor.viewer("alice"),
        Upload("dispute", dispute, "evidence", "e.pdf", "application/pdf", PDF),
    )
    with pytest.raises(NotFound):
        read_document(floor.uow, floor.viewer("carol"), doc)
    assert read_document(floor.uow, floor.viewer("vic"), doc)[1] == PDF  # the creditor's viewer reads it


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [
        ("x.exe", "application/octet-stream", b"MZ\x90\x00"),
        ("fake.pdf", "application/pdf", b"<html>not a pdf</html>"),
        ("big.pdf", "application/pdf", PDF + b"0" * 1000),
        ("empty.pdf", "application/pdf", b""),
    ],
)
def test_an_upload_outside_the_allow_list_or_the_size_limit_is_refused(
    floor: Floor, store: FileStore, name: str, content_type: str, data: bytes
) -> None:
    dispute = _dispute(floor)
    with pytest.raises(InvalidInput):
        add_document(
            floor.uow, floor.viewer("alice"), Upload("dispute", dispute, "evidence", name, content_type, data)
        )
    assert not any(p.is_file() for p in store.root.rglob("*"))
