"""The seal: found on grey, blurred and photographed copies, and its ring read as 登记机关."""

import pytest

from ocr.corpus import make_licence
from ocr.fields import authority_reading
from ocr.model import FieldStatus
from ocr.preprocess import prepare
from ocr.seal import find_grey_seal, find_seal

# Where the generator stamps the seal on a landscape licence (ocr.corpus.draw.render).
_LANDSCAPE_SEAL = (1880, 1400, 150)


def _photocopy(index: int):
    image, truth = make_licence(1, index, style="heldout")
    assert "photocopy" in truth["marks"]
    return image, truth


def _near(found, want, slack=0.04) -> bool:
    (x, y, r), (wx, wy, wr) = found, want
    return abs(x - wx) < slack * wr * 10 and abs(y - wy) < slack * wr * 10 and abs(r - wr) < 0.08 * wr


def test_the_grey_seal_of_a_small_low_resolution_photocopy_is_found_where_it_is():
    image, truth = _photocopy(12)  # low_res: scanned at ~110 dpi
    f = image.shape[1] / 2400
    found = find_grey_seal(image)
    assert found is not None
    assert _near(found, tuple(v * f for v in _LANDSCAPE_SEAL))


def test_the_grey_seal_of_a_blurred_photocopy_is_fitted_to_its_outer_ring():
    image, _ = _photocopy(6)  # blur
    found = find_grey_seal(image)
    assert found is not None
    assert _near(found, _LANDSCAPE_SEAL, slack=0.01)


def test_a_reddish_desk_at_the_edge_of_a_photographed_photocopy_is_not_taken_for_the_seal():
    image, _ = _photocopy(30)  # combined: a phone photo of the grey copy on a desk
    page = prepare(image)
    assert find_seal(page.colour) is None
    found = find_grey_seal(page.colour)
    assert found is not None
    h, w = page.colour.shape[:2]
    assert 0.7 < found[0] / w < 0.85 and 0.75 < found[1] / h < 0.92


@pytest.mark.slow
@pytest.mark.parametrize("index", [6, 30])
def test_the_grey_seal_of_a_blurred_or_photographed_photocopy_is_read(index):
    from ocr.service import default_engines, read_seal

    image, truth = _photocopy(index)
    read = read_seal(prepare(image), default_engines().page)
    assert read is not None
    want = truth["fields"]
    reading = authority_reading(*read, want["address"])
    assert (reading.value, reading.status) == (want["registration_authority"], FieldStatus.READ)


def test_ring_noise_after_the_authority_s_ending_is_not_part_of_it():
    reading = authority_reading("青岛市市南区市场监督管理局专U七", 0.95, "seal", "青岛市市南区香港中路1号")
    assert (reading.value, reading.status) == ("青岛市市南区市场监督管理局", FieldStatus.READ)


def test_one_stray_character_before_the_address_s_own_place_is_dropped():
    reading = authority_reading("元广州市天河区市场监督管理局", 0.95, "seal", "广州市天河区天河路1号")
    assert (reading.value, reading.status) == ("广州市天河区市场监督管理局", FieldStatus.REPAIRED)


def test_a_stray_character_before_a_place_that_is_not_the_address_s_stays_as_read():
    reading = authority_reading("元广州市市场监督管理局", 0.95, "seal", "广州市天河区天河路1号")
    assert reading.value == "元广州市市场监督管理局"  # the checks then doubt it: not where sited
