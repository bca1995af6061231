"""National IDs at rest (PIPL art. 51): the database holds them sealed, with a keyed hash that intake
matches debtors by and a mask the pages show; a plain ID is refused by every way of writing one; the
migration seals the IDs already on file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, insert, select, text, update
from sqlalchemy.exc import StatementError
from tests.support.factories import GOOD_ROWS, HEADER, IDS, cli, cli_json, placement

from huikuan.sealing import is_sealed, lookup_hash, unseal
from huikuan.storage import migrate
from huikuan.storage import tables as t
from huikuan.storage.bulk import insert_frame

ENDS_IN_X = "32010219850615009X"  # a valid PRC ID whose check character is X
GUARANTOR_ID = IDS[2]


@pytest.fixture
def bank(db_env: str) -> str:
    assert cli("creditor", "add", "BANK", "--name", "某银行信用卡中心", "--region", "CN").exit_code == 0
    return "BANK"


def _raw(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _with_guarantor(path: Path) -> Path:
    """The factory's placement with a guarantor's ID on the second row."""
    header = HEADER + ",担保人身份证号"
    rows = [GOOD_ROWS[0] + ",", GOOD_ROWS[1] + f",{GUARANTOR_ID}", GOOD_ROWS[2] + ","]
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("gbk"))
    return path


def test_an_imported_id_is_in_the_database_only_sealed_with_its_hash_and_mask(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    code, _ = cli_json("import", "accounts", str(_with_guarantor(tmp_path / "p.csv")), "--creditor", bank)
    assert code == 0
    rows = _raw(engine, "SELECT national_id, national_id_hash, national_id_masked FROM debtors ORDER BY id")
    assert len(rows) == 2
    for (sealed, digest, masked), plain in zip(rows, IDS[:2], strict=True):
        assert is_sealed(sealed) and plain not in sealed
        assert unseal(sealed) == plain
        assert digest == lookup_hash(plain)
        assert masked == plain[:6] + "*" * 12
    (guarantor,) = _raw(engine, "SELECT national_id FROM parties WHERE national_id IS NOT NULL")
    assert is_sealed(guarantor[0]) and unseal(guarantor[0]) == GUARANTOR_ID
    # No table holds a plain ID anywhere, nor its hidden middle.
    for table in t.metadata.sorted_tables:
        dump = repr(_raw(engine, f'SELECT * FROM "{table.name}"'))
        for plain in [*IDS[:2], GUARANTOR_ID]:
            assert plain not in dump and plain[6:14] not in dump, (table.name, plain)


def test_the_lookup_hash_of_an_id_typed_with_spaces_and_a_lower_case_x_finds_the_debtor(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    row = f"HT-009,王五,{ENDS_IN_X},13500135000,南京市玄武区中山路1号,100,0,0,100,2026-03-01,信用卡,,,,,"
    assert (
        cli_json("import", "accounts", str(placement(tmp_path / "p.csv", [row])), "--creditor", bank)[0] == 0
    )
    typed = "320102 19850615 009x"
    with engine.connect() as conn:
        found = conn.execute(
            select(t.debtors.c.name).where(t.debtors.c.national_id_hash == lookup_hash(typed))
        ).scalar_one()
    assert found == "王五"


def test_a_later_placement_finds_the_debtor_by_the_id_however_it_is_written(
    engine: Engine, bank: str, tmp_path: Path
) -> None:
    first = f"HT-010,王五,{ENDS_IN_X},13500135000,南京市玄武区中山路1号,100,0,0,100,2026-03-01,信用卡,,,,,"
    # Another account of the same person, the ID written with spaces and a lower-case x, another phone:
    # only the ID says it is the same debtor.
    later = (
        "HT-011,王五,320102 19850615 009x,13600136001,南京市玄武区中山路1号,200,0,0,200,2026-04-01,"
        "消费贷,,,,,"
    )
    assert (
        cli_json("import", "accounts", str(placement(tmp_path / "a.csv", [first])), "--creditor", bank)[0]
        == 0
    )
    code, report = cli_json(
        "import", "accounts", str(placement(tmp_path / "b.csv", [later])), "--creditor", bank
    )
    assert code == 0 and report["created"] == 1
    assert _raw(engine, "SELECT COUNT(*) FROM debtors") == [(1,)]
    assert _raw(engine, "SELECT COUNT(DISTINCT debtor_id), COUNT(DISTINCT case_id) FROM accounts") == [(1, 1)]


def test_a_plain_id_is_refused_by_the_orm_core_and_bulk_writers(engine: Engine, bank: str) -> None:
    with engine.begin() as conn:
        creditor_id = conn.execute(select(t.creditors.c.id)).scalar_one()
        debtor_id = conn.execute(
            insert(t.debtors).values(creditor_id=creditor_id, name="张三").returning(t.debtors.c.id)
        ).scalar_one()
    with pytest.raises(StatementError, match="stored sealed"), engine.begin() as conn:
        conn.execute(update(t.debtors).where(t.debtors.c.id == debtor_id).values(national_id=IDS[0]))
    with pytest.raises(ValueError, match="stored sealed"), engine.begin() as conn:
        frame = pl.DataFrame({"id": [debtor_id + 1], "creditor_id": [creditor_id], "name": ["李四"]})
        insert_frame(conn, t.debtors, frame.with_columns(pl.lit(IDS[1]).alias("national_id")))
    assert _raw(engine, "SELECT COUNT(*) FROM debtors WHERE national_id IS NOT NULL") == [(0,)]


# --- the migration ------------------------------------------------------------------------------------


def _plain_rows(engine: Engine) -> tuple[int, int]:
    """A creditor, a debtor with a plain ID and a guarantor with one, written as before revision 0007."""
    with engine.begin() as conn:
        old = MetaData()
        creditors, debtors, parties = (
            Table(n, old, autoload_with=conn) for n in ("creditors", "debtors", "parties")
        )
        creditor_id = conn.execute(
            insert(creditors)
            .values(
                code="OLD",
                name="Old bank",
                region="CN",
                currency="CNY",
                pack="cn",
                time_zone="Asia/Shanghai",
                pack_overrides={},
                authority_policy={},
                header_mapping={},
            )
            .returning(creditors.c.id)
        ).scalar_one()
        flags = dict.fromkeys(
            ("cease", "disputed", "attorney", "deceased", "hardship", "bankruptcy", "employer_prohibits"),
            False,
        )
        people = [("张三", IDS[0]), ("李四", " 320102 19850615 009x "), ("王五", None)]
        ids = [
            conn.execute(
                insert(debtors)
                .values(
                    creditor_id=creditor_id,
                    name=name,
                    national_id=nid,
                    language="zh",
                    opt_out_channels=[],
                    inconvenient_times=[],
                    **flags,
                )
                .returning(debtors.c.id)
            ).scalar_one()
            for name, nid in people
        ]
        conn.execute(
            insert(parties).values(
                debtor_id=ids[0], role="guarantor", name="李强", liable=True, national_id=GUARANTOR_ID
            )
        )
    return creditor_id, ids[0]


def test_the_migration_seals_the_ids_on_file_fills_hash_and_mask_and_goes_back(engine: Engine) -> None:
    cfg = migrate.alembic_config(engine)

    def run(step, revision: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, revision)

    run(command.downgrade, "0007-1")
    try:
        _plain_rows(engine)
        run(command.upgrade, "0007")
        rows = _raw(
            engine, "SELECT name, national_id, national_id_hash, national_id_masked FROM debtors ORDER BY id"
        )
        (zhang, li, wang) = rows
        assert is_sealed(zhang[1]) and IDS[0] not in zhang[1] and unseal(zhang[1]) == IDS[0]
        assert (zhang[2], zhang[3]) == (lookup_hash(IDS[0]), "110101************")
        assert (
            unseal(li[1]) == ENDS_IN_X and li[2] == lookup_hash(ENDS_IN_X) and li[3] == "320102************"
        )
        assert wang[1:] == (None, None, None)
        ((guarantor,),) = _raw(engine, "SELECT national_id FROM parties")
        assert unseal(guarantor) == GUARANTOR_ID
        run(command.downgrade, "0007-1")
        assert _raw(engine, "SELECT national_id FROM debtors ORDER BY id") == [
            (IDS[0],),
            (ENDS_IN_X,),
            (None,),
        ]
        assert _raw(engine, "SELECT national_id FROM parties") == [(GUARANTOR_ID,)]
    finally:
        migrate.upgrade(engine)
    migrate.check(engine)
