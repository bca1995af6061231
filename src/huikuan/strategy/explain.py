"""Why each plan row is what it is, as one JSON object per case, built column-wise (no loop per case).

    {"strategy": "optimized", "segment": "able_unwilling", "path": "persuade", "assessed": false,
     "scores": {"ability": 0.62, "willingness": 0.41, "p_answer": 0.31, "p_pay": 0.12, "p_pay_none": 0.04,
                "p_pay_prior": 0.12},
     "expected_value": 10512, "uplift": 6640,
     "binding": "calls:zh@2026-03-02T11:00Z", "price": 5120.0,
     "alternative": {"action": "sms", "uplift": 310}, "note": null,
     "removed": [{"action": "visit", "rule": "no-address"}, {"action": "letter", "rule": "contact-hours"}]}

`binding` is the resource whose price weighed most on the choice (for "none", on the best option not
taken); `removed` lists each action that was not an option and why: a compliance rule id from the gate,
or a missing means (no-mobile, no-address...), no capacity, or outside working hours.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from huikuan.strategy.frames import F64


def _round(x: F64, digits: int = 4) -> pl.Series:
    return pl.Series(np.round(x, digits), dtype=pl.Float64).fill_nan(None)


def _strings(values: Sequence[str | None] | np.ndarray | pl.Series, n: int) -> pl.Series:
    if isinstance(values, pl.Series):
        return values.cast(pl.Utf8)
    return pl.Series(list(values), dtype=pl.Utf8) if n else pl.Series([], dtype=pl.Utf8)


def _escaped(col: pl.Expr) -> pl.Expr:
    return col.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)


def reasons(
    strategy: str,
    segment: Sequence[str] | np.ndarray,
    path: Sequence[str] | np.ndarray,
    assessed: np.ndarray,
    scores: dict[str, F64],
    expected_value: np.ndarray,
    uplift: F64,
    binding: Sequence[str | None] | np.ndarray | pl.Series,
    price: F64,
    alternative: Sequence[str | None] | np.ndarray | pl.Series,
    alternative_uplift: F64,
    removed: dict[str, pl.Series],
    note: Sequence[str | None] | np.ndarray | pl.Series,
) -> pl.Series:
    n = len(segment)
    frame = pl.DataFrame(
        {
            "segment": _strings(segment, n),
            "path": _strings(path, n),
            "assessed": pl.Series(assessed.astype(bool)),
            **{f"_s_{k}": _round(v) for k, v in scores.items()},
            "expected_value": pl.Series(np.asarray(expected_value, dtype=np.int64)),
            "uplift": pl.Series(np.round(np.nan_to_num(uplift, neginf=0.0)).astype(np.int64)),
            "binding": _strings(binding, n),
            "price": _round(price, 2),
            "_alt_action": _strings(alternative, n),
            "_alt_uplift": pl.Series(
                np.round(np.nan_to_num(alternative_uplift, neginf=0.0)).astype(np.int64)
            ),
            **{f"_rm_{a}": s.cast(pl.Utf8).alias(f"_rm_{a}") for a, s in removed.items()},
            "note": _strings(note, n),
        }
    )
    return _as_json(frame, strategy, list(scores), list(removed))


def _as_json(
    frame: pl.DataFrame, strategy: str, score_names: list[str], removed_actions: list[str]
) -> pl.Series:
    """Each row of `frame` as the plan row's reason: one JSON object, its removed actions last."""
    alt = (
        pl.when(pl.col("_alt_action").is_not_null())
        .then(pl.struct(pl.col("_alt_action").alias("action"), pl.col("_alt_uplift").alias("uplift")))
        .otherwise(None)
        .alias("alternative")
    )
    fields = [
        pl.lit(strategy).alias("strategy"),
        pl.col("segment"),
        pl.col("path"),
        pl.col("assessed"),
        pl.struct([pl.col(f"_s_{k}").alias(k) for k in score_names]).alias("scores"),
        pl.col("expected_value"),
        pl.col("uplift"),
        pl.col("binding"),
        pl.col("price"),
        alt,
        pl.col("note"),
    ]
    # The list of removed actions is spliced in as text: building it as a list of structs is many
    # times slower in Polars than concatenating strings.
    parts = [
        pl.concat_str([pl.lit(f'{{"action":"{a}","rule":"'), _escaped(pl.col(f"_rm_{a}")), pl.lit('"}')])
        for a in removed_actions
    ]
    listed = pl.concat_str(parts, separator=",", ignore_nulls=True) if parts else pl.lit("")
    body = pl.struct(fields).struct.json_encode()
    text = pl.concat_str([body.str.head(-1), pl.lit(',"removed":['), listed, pl.lit("]}")])
    return frame.select(text.alias("reason"))["reason"]
