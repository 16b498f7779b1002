"""Read the registration authority from the red seal, and the QR code.

The authority's name (登记机关) is printed only as the arc text of the red
seal. The seal is found as the largest red ring, unwrapped from polar
coordinates into a straight strip (outer edge on top, reading clockwise), and
the strip is read as one line of text.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from ocr.ports import Image, as_image


def red_mask(page: Image) -> Image:
    hsv = cv2.cvtColor(page, cv2.COLOR_BGR2HSV)
    low = cv2.inRange(hsv, (0, 90, 40), (10, 255, 255))
    high = cv2.inRange(hsv, (165, 90, 40), (180, 255, 255))
    return as_image(cv2.bitwise_or(low, high))


def find_seal(page: Image) -> tuple[float, float, float] | None:
    """Centre and radius of the seal: the largest red blob in the lower half that is shaped
    like one (round, and inside the page: a reddish desk at the edge of a photo is not)."""
    mask = red_mask(page)
    h, w = mask.shape
    mask[: h // 2] = 0
    mask = as_image(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for blob in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        (cx, cy), r = cv2.minEnclosingCircle(blob)
        if not 0.03 * max(h, w) <= r <= 0.2 * max(h, w):
            continue
        inside = r <= cx <= w - r and r <= cy <= h - r * 0.5
        if inside and cv2.contourArea(blob) >= 0.5 * math.pi * r * r:
            return float(cx), float(cy), float(r)
    return None


# The seal's diameter is 40-42 mm on a licence 297-420 mm long: its radius is 3.5-10 % of
# the page's long side, whatever the copy's scale.
_RADIUS = (0.035, 0.10)
_SMALL = 500  # long side (px) at which circles are looked for: fast, and blur matters less


def find_grey_seal(page: Image) -> tuple[float, float, float] | None:
    """Centre and radius of a seal that lost its red (a grey photocopy, blurred or
    photographed): a circle of seal size in the lower half whose whole outline is ink.

    Circles are proposed on the page scaled down (blur and JPEG noise matter less there
    and it takes milliseconds), each is kept only if ink runs along at least 3/4 of its
    circumference (text lines and the QR code do not), and the best is fitted again at full
    size to the outer edge of its ring, which the unwrapping needs.
    """
    grey = as_image(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page)
    h, w = grey.shape
    f = _SMALL / max(h, w)
    small = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    top = small.shape[0] // 2
    lower = as_image(small[top:])
    ink = _ink(lower, 21) > 40
    low, high = (round(v * _SMALL) for v in _RADIUS)
    circles = cv2.HoughCircles(
        cv2.GaussianBlur(lower, (3, 3), 0), cv2.HOUGH_GRADIENT, dp=1, minDist=low,
        param1=80, param2=18, minRadius=low, maxRadius=high,
    )  # fmt: skip
    if circles is None:
        return None
    scored = [
        (_ring_cover(ink, float(x), float(y), float(r)), x, y, r) for x, y, r in circles[0][:30]
    ]
    cover, x, y, r = max(scored)
    if cover < 0.75:
        return None
    return _fit_ring(grey, float(x) / f, float(y + top) / f, float(r) / f)


def _ink(grey: Image, size: int) -> NDArray[np.int16]:
    """How much darker than the paper around it each pixel is."""
    paper = cv2.medianBlur(grey, size | 1)
    return paper.astype(np.int16) - grey.astype(np.int16)


def _ring_cover(ink: NDArray[np.bool_], cx: float, cy: float, r: float) -> float:
    """Share of the angles at which the circle (give or take a pixel and a half) is inked."""
    h, w = ink.shape
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    hit = np.zeros(angles.shape, bool)
    for dr in (-1.5, -0.75, 0.0, 0.75, 1.5):
        xs = np.clip(np.round(cx + (r + dr) * np.cos(angles)).astype(int), 0, w - 1)
        ys = np.clip(np.round(cy + (r + dr) * np.sin(angles)).astype(int), 0, h - 1)
        hit |= ink[ys, xs]
    return float(hit.mean())


def _fit_ring(grey: Image, cx: float, cy: float, r: float) -> tuple[float, float, float]:
    """The circle through the outer edge of the ring near (cx, cy, r), at full size: at each
    angle the outermost ink between 0.85 and 1.25 r, fitted by least squares twice (the
    second time without the points off the first circle: print touching the ring)."""
    reach = 1.25 * r
    polar = cv2.warpPolar(grey, (round(reach), 360), (cx, cy), reach, cv2.WARP_POLAR_LINEAR)
    inner = round(0.85 * r)
    band = polar[:, inner:].astype(np.float32)
    paper = float(np.percentile(band, 90))
    dark = paper - band
    inked = dark > 0.5 * max(1.0, float(np.percentile(dark, 99)))
    rows = np.flatnonzero(inked.any(axis=1))
    if len(rows) < 180:
        return cx, cy, r * 1.02
    last = band.shape[1] - 1 - np.argmax(inked[rows, ::-1], axis=1)
    radius = inner + last + 0.5
    theta = rows * (2 * np.pi / 360)
    xs, ys = cx + radius * np.cos(theta), cy + radius * np.sin(theta)
    keep = np.ones(len(xs), bool)
    fit = (cx, cy, r * 1.02)
    for _ in range(2):
        a = np.column_stack([xs[keep], ys[keep], np.ones(int(keep.sum()))])
        b = -(xs[keep] ** 2 + ys[keep] ** 2)
        (p, q, c), *_ = np.linalg.lstsq(a, b, rcond=None)
        fx, fy = -p / 2, -q / 2
        fr = math.sqrt(max(0.0, fx * fx + fy * fy - c))
        if not 0.85 * r <= fr <= 1.25 * r or math.hypot(fx - cx, fy - cy) > 0.15 * r:
            return fit
        fit = (float(fx), float(fy), float(fr))
        keep = np.abs(np.hypot(xs - fx, ys - fy) - fr) < 0.04 * r
        if keep.sum() < 120:
            return fit
    return fit


def seal_strip(
    page: Image, seal: tuple[float, float, float], *, soft: bool = False, grey: bool = False
) -> Image:
    """The seal's arc text as a straight line: dark text on white, reading left to right.

    By default the ink is the red mask, crisp for a sharp seal. With ``soft``
    it is how red each pixel is, scaled to the reddest: for a blurred seal,
    whose thresholded strokes run together into blobs (监督 read as 监鲁).
    """
    cx, cy, r = seal
    text_r = 0.75 * r
    n_angles = max(360, round(2 * math.pi * text_r))
    polar = cv2.warpPolar(page, (round(r), n_angles), (cx, cy), r, cv2.WARP_POLAR_LINEAR)
    band = polar[:, round(0.5 * r) : round(0.98 * r)]  # rows: angle, columns: radius
    if grey:  # no red left: the ink is what is dark
        band_grey = cv2.cvtColor(as_image(band), cv2.COLOR_BGR2GRAY)
        redness = as_image(cv2.inRange(band_grey, 0, 110))
    else:
        redness = red_mask(as_image(band))
    # Start the strip in the widest angular gap without text (the bottom of the seal).
    inked = np.asarray(redness[:, : band.shape[1] * 3 // 4].max(axis=1) > 0)
    run, best, best_end = 0, 0, 0
    for i, v in enumerate(np.concatenate([inked, inked])):
        run = 0 if v else run + 1
        if run > best:
            best, best_end = run, i
    start = (best_end - best // 2) % n_angles
    if soft and grey:  # how much darker than the paper, scaled to the darkest
        dark = float(np.percentile(band_grey, 90)) - band_grey.astype(np.float32)
        dark = np.clip(dark, 0, None)
        redness = as_image(np.clip(dark * (255 / max(1.0, float(np.percentile(dark, 99)))), 0, 255))
    elif soft:
        bgr = band.astype(np.int16)
        red = np.clip(bgr[:, :, 2] - np.maximum(bgr[:, :, 0], bgr[:, :, 1]), 0, None)
        redness = as_image(np.clip(red * (255 / max(1.0, float(np.percentile(red, 99)))), 0, 255))
    rolled = np.roll(redness, -start, axis=0)
    strip = cv2.flip(cv2.transpose(rolled), 0)  # outer edge on top, angle left to right
    text = as_image(255 - strip)
    pad = cv2.copyMakeBorder(text, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=255)
    return as_image(cv2.cvtColor(pad, cv2.COLOR_GRAY2BGR))


def decode_qr(page: Image) -> str | None:
    """The QR code's text: plain first, then the top of the page upscaled and sharpened."""
    detector = cv2.QRCodeDetector()
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
    h, w = grey.shape
    top = grey[: h // 2, w // 2 :]
    tries = [grey, top, cv2.resize(top, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)]
    blurred = cv2.GaussianBlur(tries[-1], (0, 0), 2)
    tries.append(as_image(cv2.addWeighted(tries[-1], 1.8, blurred, -0.8, 0)))
    for img in tries:
        try:
            text, _, _ = detector.detectAndDecode(img)
        except cv2.error:
            continue
        if text:
            return str(text)
    return None
