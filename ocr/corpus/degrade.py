"""Degrade a clean licence the way scanners and phone cameras do.

Each condition is deterministic for a given ``numpy`` generator. ``combined``
is a phone photo at an angle, under a desk lamp, slightly out of focus and
saved as a JPEG.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ocr.ports import Image, as_image

CONDITIONS = (
    "clean",
    "rotated",
    "perspective",
    "blur",
    "jpeg",
    "uneven_light",
    "low_res",
    "combined",
)


def _desk(rng: np.random.Generator, h: int, w: int) -> Image:
    base = rng.integers(60, 140, size=3)
    noise = rng.normal(0, 12, size=(h // 8 + 1, w // 8 + 1, 1))
    tex = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    grain = np.sin(np.linspace(0, rng.uniform(20, 60), w))[None, :, None] * 10
    return as_image(np.clip(base[None, None, :] + tex + grain, 0, 255))


def rotated(img: Image, rng: np.random.Generator) -> Image:
    """A crooked scan: rotated a few degrees on a white scanner bed."""
    h, w = img.shape[:2]
    angle = float(rng.uniform(2, 8) * rng.choice([-1, 1]))
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    rot[0, 2] += nw / 2 - w / 2
    rot[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(img, rot, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(245, 245, 245))
    return as_image(out)


def perspective(img: Image, rng: np.random.Generator) -> Image:
    """A phone photo of the licence lying on a desk, taken at an angle."""
    h, w = img.shape[:2]
    out_w, out_h = (4000, 3000) if w > h else (3000, 4000)
    scale = min(out_w / w, out_h / h) * rng.uniform(0.72, 0.85)
    cw, ch = w * scale, h * scale
    x0, y0 = (out_w - cw) / 2, (out_h - ch) / 2
    dst = np.array([[x0, y0], [x0 + cw, y0], [x0 + cw, y0 + ch], [x0, y0 + ch]], np.float32)
    dst += rng.uniform(-0.06, 0.06, size=(4, 2)).astype(np.float32) * np.float32(min(cw, ch))
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    desk = _desk(rng, out_h, out_w)
    warped = cv2.warpPerspective(img, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h))
    return as_image(np.where(mask[..., None] > 127, warped, desk))


def blur(img: Image, rng: np.random.Generator) -> Image:
    return as_image(cv2.GaussianBlur(img, (0, 0), float(rng.uniform(1.5, 2.5))))


def jpeg(img: Image, rng: np.random.Generator) -> Image:
    quality = int(rng.integers(12, 30))
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return as_image(cv2.imdecode(buf, cv2.IMREAD_COLOR))


def uneven_light(img: Image, rng: np.random.Generator) -> Image:
    """A lamp on one side and a shadow across a corner."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / np.hypot(w, h)
    light = 1.0 - rng.uniform(0.45, 0.6) * dist
    edge = rng.uniform(0.3, 0.7)
    shadow = np.where(xx / w + yy / h * rng.uniform(0.3, 1.0) < edge, rng.uniform(0.55, 0.7), 1.0)
    shadow = cv2.GaussianBlur(shadow.astype(np.float32), (0, 0), 25)
    tint = np.array([rng.uniform(0.85, 1.0), rng.uniform(0.9, 1.0), 1.0], np.float32)
    out = img.astype(np.float32) * (light * shadow)[..., None] * tint
    return as_image(np.clip(out, 0, 255))


def low_res(img: Image, rng: np.random.Generator) -> Image:
    """A small scan: about 110-130 dpi."""
    f = float(rng.uniform(0.38, 0.45))
    return as_image(cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA))


def combined(img: Image, rng: np.random.Generator) -> Image:
    out = uneven_light(perspective(img, rng), rng)
    out = as_image(cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.8, 1.3))))
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 60))])
    assert ok
    return as_image(cv2.imdecode(buf, cv2.IMREAD_COLOR))


DEGRADE: dict[str, Callable[[Image, np.random.Generator], Image]] = {
    "clean": lambda img, rng: img,
    "rotated": rotated,
    "perspective": perspective,
    "blur": blur,
    "jpeg": jpeg,
    "uneven_light": uneven_light,
    "low_res": low_res,
    "combined": combined,
}
