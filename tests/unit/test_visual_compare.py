"""The comparison behind the visual regression test (tests/support/visual.py), on made-up images: noise
within the tolerance passes; a box moved by 4 px, a colour changed or another size fails, with an image of
the differences and the way to update the baselines."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from tests.support import visual


def _screen(box_at: int = 100, colour: tuple[int, int, int] = (31, 95, 191), size=(400, 300)) -> Image.Image:
    image = Image.new("RGB", size, (246, 247, 249))
    ImageDraw.Draw(image).rectangle([box_at, 100, box_at + 60, 130], fill=colour)
    return image


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_noise_within_the_threshold_and_a_few_stray_pixels_match() -> None:
    noisy = np.asarray(_screen(), dtype=np.int16) + np.random.default_rng(7).integers(-16, 17, (300, 400, 3))
    noisy[0, :12] = 0  # 12 pixels of 120,000: 0.01 %
    assert visual.compare(Image.fromarray(noisy.clip(0, 255).astype(np.uint8)), _screen()).matches


@pytest.mark.parametrize(
    "changed",
    [_screen(box_at=104), _screen(colour=(122, 61, 184)), _screen(size=(400, 301))],
    ids=["moved by 4 px", "another colour", "another size"],
)
def test_a_moved_box_another_colour_or_size_does_not(changed: Image.Image) -> None:
    assert not visual.compare(changed, _screen()).matches


def test_a_mismatch_leaves_its_images_and_says_how_to_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(visual, "BASELINES", tmp_path / "baselines")
    monkeypatch.setattr(visual, "ARTIFACTS", tmp_path / "artifacts")
    assert visual.check(_png(_screen()), "box", update=True) is None  # written
    assert visual.check(_png(_screen()), "box", update=False).differing == 0
    with pytest.raises(AssertionError, match=r"differs from its baseline in 248 pixels") as failed:
        visual.check(_png(_screen(box_at=104)), "box", update=False)
    assert "HUIKUAN_UPDATE_BASELINES=1" in str(failed.value)
    with Image.open(tmp_path / "artifacts" / "box-diff.png") as diff:
        assert diff.getpixel((102, 110)) == (230, 0, 0) and diff.getpixel((130, 110)) != (230, 0, 0)
    with pytest.raises(AssertionError, match="no baseline"):
        visual.check(_png(_screen()), "missing", update=False)
