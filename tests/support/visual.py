"""Screenshots compared with the PNG baselines committed under tests/e2e/baselines/.

Two images match when at most MAX_DIFFERING_SHARE (0.01 %) of their pixels differ, a pixel differing when
one of its colour channels moved by more than PIXEL_THRESHOLD (16 of 255): a glyph's anti-aliasing nudged
passes; a word moved by a few pixels (a four-character name moved by 4 px changes some 900 pixels) or a
colour changed does not. (Two runs on one machine give the very same pixels.) On a mismatch the screenshot
taken, the baseline and an image of the differences (the baseline faded, the differing pixels in red) are
written to tests/artifacts/visual/.

    HUIKUAN_UPDATE_BASELINES=1 .venv/bin/pytest -p no:cacheprovider tests/e2e/test_visual.py

(`make baselines`) rewrites the baselines from what the browser shows now; look at them before committing.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

BASELINES = Path(__file__).resolve().parents[1] / "e2e" / "baselines"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "visual"
UPDATE = "HUIKUAN_UPDATE_BASELINES"
PIXEL_THRESHOLD = 16
MAX_DIFFERING_SHARE = 0.0001  # 0.01 %: 105 pixels of a 1366x768 screen, 207 of 1920x1080
HOW_TO_UPDATE = (
    f"If the change is intended, rewrite the baselines with `{UPDATE}=1 .venv/bin/pytest -p no:cacheprovider "
    "tests/e2e/test_visual.py` (or `make baselines`), look at them and commit them."
)


@dataclass(frozen=True)
class Comparison:
    differing: int  # pixels beyond the threshold
    total: int
    size: tuple[int, int]  # (width, height) of the screenshot
    baseline_size: tuple[int, int]

    @property
    def share(self) -> float:
        return self.differing / self.total if self.total else 1.0

    @property
    def matches(self) -> bool:
        return self.size == self.baseline_size and self.share <= MAX_DIFFERING_SHARE


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def differing_mask(actual: Image.Image, baseline: Image.Image) -> np.ndarray:
    """True where a pixel of two images of one size differs beyond the threshold."""
    return np.abs(_pixels(actual) - _pixels(baseline)).max(axis=2) > PIXEL_THRESHOLD


def compare(actual: Image.Image, baseline: Image.Image) -> Comparison:
    size, baseline_size = actual.size, baseline.size
    if size != baseline_size:
        return Comparison(size[0] * size[1], size[0] * size[1], size, baseline_size)
    return Comparison(int(differing_mask(actual, baseline).sum()), size[0] * size[1], size, baseline_size)


def diff_image(actual: Image.Image, baseline: Image.Image) -> Image.Image:
    """The baseline faded to a third of its contrast, with the pixels that differ in red."""
    faded = (_pixels(baseline) * 0.3 + 255 * 0.7).astype(np.uint8)
    if actual.size == baseline.size:
        faded[differing_mask(actual, baseline)] = (230, 0, 0)
    return Image.fromarray(faded, "RGB")


def check(png: bytes, name: str, *, update: bool | None = None) -> Comparison | None:
    """Compares a screenshot (PNG bytes) with the baseline `name`.png; raises AssertionError on a mismatch
    or a missing baseline. When updating (`update`, by default HUIKUAN_UPDATE_BASELINES=1) it writes the
    baseline instead and returns None."""
    target = BASELINES / f"{name}.png"
    actual = Image.open(io.BytesIO(png))
    actual.load()
    if update if update is not None else os.environ.get(UPDATE) == "1":
        BASELINES.mkdir(parents=True, exist_ok=True)
        actual.convert("RGB").save(target, optimize=True)
        return None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        actual.save(ARTIFACTS / f"{name}-actual.png")
        raise AssertionError(f"no baseline {target.name} in {BASELINES}. {HOW_TO_UPDATE}")
    with Image.open(target) as stored:
        baseline = stored.convert("RGB")
    result = compare(actual, baseline)
    if not result.matches:
        actual.save(ARTIFACTS / f"{name}-actual.png")
        baseline.save(ARTIFACTS / f"{name}-baseline.png")
        diff_image(actual, baseline).save(ARTIFACTS / f"{name}-diff.png")
        if result.size != result.baseline_size:
            what = f"is {result.size[0]}x{result.size[1]}, the baseline {result.baseline_size[0]}x" + str(
                result.baseline_size[1]
            )
        else:
            what = (
                f"differs from its baseline in {result.differing} pixels ({result.share:.3%}; at most "
                f"{MAX_DIFFERING_SHARE:.2%} may differ by more than {PIXEL_THRESHOLD}/255 in a channel)"
            )
        raise AssertionError(
            f"the screenshot {name} {what}: see {ARTIFACTS}/{name}-diff.png (and -actual, -baseline). "
            + HOW_TO_UPDATE
        )
    return result
