"""The S3-compatible document store, against a local server that speaks the S3 API (moto's, on 127.0.0.1:
no test reaches the internet): a file goes to the bucket under its key, encrypted at rest, and comes back
through the same access check and audit; a file kept on the file system stays readable after the setting
moves to s3; a missing bucket or an unreachable service refuses the upload, and no row is written."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.web import login_client

from huikuan.errors import NotFound, StoreFailed
from huikuan.services.disputes import open_dispute
from huikuan.services.documents import Upload, add_document, read_document
from huikuan.storage import tables as t
from huikuan.web.app import create_app

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
BUCKET = "huikuan-documents"
PREFIX = "floor-1/"
KEYS = {"s3_access_key_id": "testing", "s3_secret_access_key": "testing", "s3_region": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    """A local S3 server for this module's tests."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An empty bucket, the s3 store chosen for new uploads, and a boto3 client to look in the bucket."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    use_settings(
        monkeypatch,
        document_store="s3",
        documents_dir=str(tmp_path / "docs"),
        s3_bucket=BUCKET,
        s3_endpoint_url=s3_url,
        s3_prefix=PREFIX,
        **KEYS,
    )
    yield client
    for found in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=found["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _dispute(floor: Floor) -> int:
    return open_dispute(floor.uow, floor.viewer("alice"), floor.cases[0].id, via="letter", written=True)


def _upload(floor: Floor, dispute: int) -> int:
    return add_document(
        floor.uow,
        floor.viewer("alice"),
        Upload("dispute", dispute, "verification", "verify.pdf", "application/pdf", PDF),
    )


def _document_actions(floor: Floor) -> list[str]:
    a = t.audit_events.c
    query = select(a.action).where(a.action.like("document.%")).order_by(a.id)
    return list(floor.uow.session.execute(query).scalars())


def test_an_uploaded_verification_pdf_is_kept_in_the_bucket_encrypted_and_read_back_by_the_cases_team(
    floor: Floor, bucket: Any
) -> None:
    doc = _upload(floor, _dispute(floor))
    row, data = read_document(floor.uow, floor.viewer("bob"), doc)  # bob: alice's team
    assert data == PDF and row["store"] == "s3"
    kept = bucket.get_object(Bucket=BUCKET, Key=PREFIX + row["stored_key"])
    assert kept["Body"].read() == PDF
    assert kept["ServerSideEncryption"] == "AES256"
    with pytest.raises(NotFound):
        read_document(floor.uow, floor.viewer("carol"), doc)  # another team's collector
    assert _document_actions(floor) == ["document.added", "document.downloaded"]


def test_a_document_kept_on_the_file_system_stays_readable_after_the_store_becomes_s3(
    floor: Floor, bucket: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispute = _dispute(floor)
    use_settings(monkeypatch, document_store="fs")
    on_disk = _upload(floor, dispute)
    use_settings(monkeypatch, document_store="s3")
    in_bucket = _upload(floor, dispute)
    row, data = read_document(floor.uow, floor.viewer("bob"), on_disk)
    assert data == PDF and row["store"] == "fs" and (tmp_path / "docs" / row["stored_key"]).is_file()
    row, data = read_document(floor.uow, floor.viewer("bob"), in_bucket)
    assert data == PDF and row["store"] == "s3"
    assert [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]] == [
        PREFIX + row["stored_key"]
    ]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing bucket", "document store: the bucket no-such-bucket does not exist at http://127.0.0.1:"),
        ("unreachable", "document store: the S3 store at http://127.0.0.1:"),
    ],
)
def test_a_missing_bucket_or_an_unreachable_store_refuses_the_upload_and_writes_no_row(
    floor: Floor, bucket: Any, s3_url: str, monkeypatch: pytest.MonkeyPatch, where: str, message: str
) -> None:
    dispute = _dispute(floor)
    if where == "missing bucket":
        use_settings(monkeypatch, s3_bucket="no-such-bucket")
    else:
        use_settings(monkeypatch, s3_endpoint_url=f"http://127.0.0.1:{_free_port()}")  # nothing listens
    with pytest.raises(StoreFailed) as refused:
        _upload(floor, dispute)
    assert str(refused.value).startswith(message)
    assert "文件库" in refused.value.translated("zh_CN")
    assert floor.uow.session.execute(select(func.count()).select_from(t.documents)).scalar_one() == 0
    assert "document.added" not in _document_actions(floor)
    assert bucket.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_the_api_answers_a_missing_bucket_with_503_and_the_clear_message(
    floor: Floor, bucket: Any, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, s3_bucket="no-such-bucket")
    alice = login_client(create_app(db_env), "alice")
    case = floor.cases[0]
    dispute = alice.post(f"/api/v1/cases/{case.id}/disputes", json={"via": "letter", "written": True}).json()
    sent = alice.post(
        f"/api/v1/disputes/{dispute['id']}/documents",
        data={"kind": "verification"},
        files={"file": ("verification.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 503, sent.text
    assert sent.json()["error"] == "StoreFailed"
    assert sent.json()["detail"].startswith("document store: the bucket no-such-bucket does not exist at")
    assert alice.get(f"/api/v1/disputes/{dispute['id']}").json()["documents"] == []
