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

from ocr.ports import Image, as_image


def red_mask(page: Image) -> Image:
    hsv = cv2.cvtColor(page, cv2.COLOR_BGR2HSV)
    low = cv2.inRange(hsv, (0, 90, 40), (10, 255, 255))
    high = cv2.inRange(hsv, (165, 90, 40), (180, 255, 255))
    return as_image(cv2.bitwise_or(low, high))


def find_seal(page: Image) -> tuple[float, float, float] | None:
    """Centre and radius of the seal (the largest red blob in the lower half)."""
    mask = red_mask(page)
    h, w = mask.shape
    mask[: h // 2] = 0
    mask = as_image(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    biggest = max(contours, key=cv2.contourArea)
    (cx, cy), r = cv2.minEnclosingCircle(biggest)
    if r < 0.03 * max(h, w) or r > 0.2 * max(h, w):
        return None
    return float(cx), float(cy), float(r)


def find_grey_seal(page: Image) -> tuple[float, float, float] | None:
    """Centre and radius of a seal that lost its red (a grey photocopy): the strongest
    circle of seal size in the lower half, found by its outline."""
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
    h, w = grey.shape
    side = max(h, w)
    lower = cv2.medianBlur(as_image(grey[h // 2 :]), 5)
    circles = cv2.HoughCircles(
        lower, cv2.HOUGH_GRADIENT, dp=1.5, minDist=side // 4, param1=120, param2=60,
        minRadius=round(0.03 * side), maxRadius=round(0.2 * side),
    )  # fmt: skip
    if circles is None:
        return None
    cx, cy, r = (float(v) for v in circles[0][0])
    return cx, cy + h // 2, r * 1.02


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
    if soft and not grey:
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
