"""OpenCV steps that turn a scan or phone photo into a page the engines read well.

Each step can be switched off (:class:`PreprocessOptions`) so the benchmark can
measure what it is worth:

``find_document``  the licence's outline (paper against desk, or its printed
                   frame) and a perspective warp to a flat rectangle;
``deskew``         the residual tilt of the text lines, by projection profile;
``flatten_light``  divide by a blurred background estimate (lamp, shadow);
``red_channel``    read the red channel: the red seal and the beige guilloche
                   turn almost white while black print stays black;
``lift_overlay``   a translucent stamp across the text ("仅供XX使用", a copy
                   stamp): found as broad, flat, grey strokes and divided out
                   where it lies, the thin print under it kept (see
                   :func:`lift_overlay`);
``target_long_side`` the page is scaled so its long side has this many pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ocr.model import Layout
from ocr.ports import Image, as_image


@dataclass(frozen=True)
class PreprocessOptions:
    find_document: bool = True
    deskew: bool = True
    flatten_light: bool = True
    red_channel: bool = True
    lift_overlay: bool = True
    target_long_side: int = 2000


@dataclass
class PreparedPage:
    colour: Image  # the rectified page in colour (seal and QR code are read from it)
    text: Image  # grey, lit evenly, seal faded: what the engines read
    layout: Layout
    steps: list[str] = field(default_factory=list)
    #: ``text`` before :func:`lift_overlay` when it lifted one (None: nothing was lifted).
    #: A blurred page's print is itself broad and grey: the lift may wash out its labels,
    #: and the reader then reads this page lifted gently instead (``ocr.service``).
    unlifted: Image | None = None


def _order(quad: np.ndarray) -> np.ndarray:
    pts = quad.reshape(4, 2).astype(np.float32)
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32
    )


def _plausible(quad: np.ndarray, shape: tuple[int, ...]) -> bool:
    """A licence lies inside the picture and is about as long as A-series paper."""
    h, w = shape[:2]
    pts = quad.reshape(4, 2)
    margin = 0.006 * max(h, w)
    if (pts[:, 0] < margin).any() or (pts[:, 1] < margin).any():
        return False
    if (pts[:, 0] > w - margin).any() or (pts[:, 1] > h - margin).any():
        return False
    tl, tr, br, bl = _order(quad)
    width = float(np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = float(np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    ratio = max(width, height) / max(1.0, min(width, height))
    return 1.2 < ratio < 1.7


def _quad_from_mask(mask: Image, min_frac: float, max_frac: float) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area = mask.shape[0] * mask.shape[1]
    best: np.ndarray | None = None
    best_area = 0.0
    for contour in contours:
        hull = cv2.convexHull(contour)
        a = cv2.contourArea(hull)
        if not (min_frac * area < a < max_frac * area) or a <= best_area:
            continue
        peri = cv2.arcLength(hull, True)
        for eps in (0.01, 0.02, 0.03, 0.05):
            approx = cv2.approxPolyDP(hull, eps * peri, True)
            if len(approx) == 4 and _plausible(approx, mask.shape):
                best, best_area = approx, a
                break
    return best


def find_document(image: Image) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of the licence in ``image``, or None if it fills the frame.

    Two outlines are tried: the bright region (paper on a darker desk) and the
    edges (the paper's border, or the printed frame of a scan). A shadow across
    the paper cuts the bright region short along the shadow's edge, while the
    paper's own edges still bound all of it, so the edge outline wins when it
    holds the bright one and is clearly larger.
    """
    h, w = image.shape[:2]
    scale = 1000 / max(h, w)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    grey = cv2.GaussianBlur(grey, (5, 5), 0)
    _, bright = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    by_light = _quad_from_mask(as_image(bright), 0.2, 0.93)
    edges = cv2.Canny(grey, 40, 120)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    by_edges = _quad_from_mask(as_image(edges), 0.2 if by_light is not None else 0.35, 0.97)
    quad = by_light
    if by_edges is not None and (by_light is None or _holds_larger(by_edges, by_light)):
        quad = by_edges
    if quad is None:
        return None
    corners: np.ndarray = _order(quad) / scale
    return corners


def _holds_larger(outer: np.ndarray, inner: np.ndarray, gain: float = 1.05) -> bool:
    """``outer`` contains every corner of ``inner`` and is ``gain`` times its area or more."""
    contour = outer.reshape(-1, 1, 2).astype(np.float32)
    inside = all(
        cv2.pointPolygonTest(contour, (float(x), float(y)), True) > -3
        for x, y in inner.reshape(-1, 2)
    )
    return inside and cv2.contourArea(contour) >= gain * cv2.contourArea(inner)


def warp(image: Image, corners: np.ndarray, long_side: int) -> Image:
    tl, tr, br, bl = corners
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    f = long_side / max(width, height)
    w, h = round(width * f), round(height * f)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    return as_image(cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_CUBIC,
                                        borderMode=cv2.BORDER_REPLICATE))  # fmt: skip


def skew_angle(grey: Image) -> float:
    """Tilt of the text lines in degrees (positive: counter-clockwise), ±10° at most."""
    scale = 800 / max(grey.shape)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    ink = ink.astype(np.float32)
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rot = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rows = cv2.warpAffine(ink, rot, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1)
        return float(np.var(np.diff(rows)))

    best = max(np.arange(-10, 10.01, 0.5), key=sharpness)
    return float(max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness))


def rotate(image: Image, angle: float) -> Image:
    h, w = image.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return as_image(cv2.warpAffine(image, rot, (w, h), flags=cv2.INTER_CUBIC,
                                   borderMode=cv2.BORDER_REPLICATE))  # fmt: skip


def flatten(grey: Image) -> Image:
    """Divide by the background (print removed by a closing) to even out the light."""
    h, w = grey.shape
    small = cv2.resize(grey, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), 5)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = grey.astype(np.float32) / np.maximum(background.astype(np.float32), 1) * 255
    low = float(np.percentile(flat, 1))
    out = (flat - low) / max(1.0, 245 - low) * 255
    return as_image(np.clip(out, 0, 255))


# Print is ~3 px wide on a page of 2000 px, a stamp's strokes 9-15 px: a closing this
# size drops the print and keeps the stamp.
_OVERLAY_KERNEL = 9
_FAINT = 40  # under a lifted stamp, this much darkness is the stamp's edge, not print
_OVERLAY_MIN_SHARE = 0.02  # stamps measured cover 5-8 % of the page, no stamp at most 0.5 %
# A stamp's stroke that crosses no print holds no dark pixel (0.0 on held-out seed 41's
# blurred copy); one that print crosses, or print blurred into a grey band, 5-30 %.
_GENTLE_INK = 0.02


def overlay_mask(grey: Image, *, gentle: bool = False) -> tuple[Image, Image]:
    """Where a translucent overlay lies on the page, and the background with it.

    ``grey`` is the page as :func:`flatten` leaves it: paper white, print near black.

    The background is a closing that removes strokes narrower than the kernel
    (print) and keeps broader ones (a stamp). A broad grey region counts as
    overlay when it is flat: most of its pixels are as light as the background,
    i.e. it is not thick or blurred print, whose pixels are darker than their
    closing. The mask is empty when the flat grey regions that hold little ink
    cover less than 2 % of the page (a seal, a bold title, print blurred into
    flat bands); otherwise it is every flat grey region, the print crossing
    them included.

    ``gentle``: only the flat grey regions that hold no print (a stamp's strokes where
    they cross nothing), for a blurred page whose print is itself broad and grey.
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_OVERLAY_KERNEL, _OVERLAY_KERNEL))
    background = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, kernel)
    background = cv2.erode(background, np.ones((5, 5), np.uint8))  # cover anti-aliased edges
    broad = ((background < 235) & (background > 120)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(broad, connectivity=8)
    area = np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    flat = grey.astype(np.int16) >= background.astype(np.int16) - 12
    flat_share = np.bincount(labels.ravel(), weights=flat.ravel(), minlength=n) / area
    ink_share = np.bincount(labels.ravel(), weights=(grey < 120).ravel(), minlength=n) / area
    flat_regions = flat_share > 0.6
    flat_regions[0] = False
    # A stamp is there when its flat regions that hold little ink (not print blurred into
    # a flat band, as in a shaken photo) cover enough of the page.
    clear = flat_regions & (ink_share < 0.1) & (area > 0.0003 * grey.size)
    if area[clear].sum() < _OVERLAY_MIN_SHARE * grey.size:
        return as_image(np.zeros_like(grey)), as_image(background)
    pieces = flat_regions & (area > 0.00003 * grey.size)  # with its smaller pieces
    if gentle:
        pieces &= ink_share < _GENTLE_INK
    mask = pieces[labels]
    mask = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return as_image(mask.astype(np.uint8) * 255), as_image(background)


def _ink_level(values: np.ndarray) -> float:
    """How dark the print is: the median of the pixels clearly darker than paper."""
    ink = values[values < 180]
    return float(np.median(ink)) if ink.size > 50 else 255.0


def lift_overlay(grey: Image, *, gentle: bool = False) -> tuple[Image, bool]:
    """The page without its translucent overlay, and whether there was one.

    Under the overlay the page is divided by the background (the overlay goes
    white) and the print's contrast is stretched back to that of the print
    beside it (the overlay greyed the ink as well as the paper).

    ``gentle``: lift only the overlay's strokes that cross no print (see
    :func:`overlay_mask`); a blurred page's print, broad and grey like a stamp,
    is left as it is instead of being divided out with the stamp.
    """
    mask, background = overlay_mask(grey, gentle=gentle)
    under = mask > 0
    if not under.any():
        return grey, False
    lifted = grey.astype(np.float32) / np.maximum(background.astype(np.float32), 1) * 255
    darkness = np.maximum(0, 255 - lifted - _FAINT)  # the stamp's faint outline goes white
    ink_beside = _ink_level(grey[~under])
    ink_under = _ink_level(lifted[under])
    gain = min(3.0, max(1.0, (255 - ink_beside) / max(1.0, 255 - _FAINT - ink_under)))
    lifted = 255 - darkness * gain
    out = np.where(under, np.clip(lifted, 0, 255), grey)
    return as_image(out), True


def prepare(image: Image, options: PreprocessOptions | None = None) -> PreparedPage:
    """Run the enabled steps and return the page for the engines."""
    opts = options or PreprocessOptions()
    steps: list[str] = []
    page = image
    corners = find_document(image) if opts.find_document else None
    if corners is not None:
        page = warp(image, corners, opts.target_long_side)
        steps.append("find_document")
    else:
        f = opts.target_long_side / max(page.shape[:2])
        interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        page = as_image(cv2.resize(page, None, fx=f, fy=f, interpolation=interp))
        steps.append("scale")
    if opts.red_channel:
        grey = as_image(page[:, :, 2])
        steps.append("red_channel")
    else:
        grey = as_image(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))
    if opts.deskew:
        angle = skew_angle(grey)
        if abs(angle) >= 0.2:
            page, grey = rotate(page, angle), rotate(grey, angle)
            steps.append(f"deskew({angle:+.1f})")
    if opts.flatten_light:
        grey = flatten(grey)
        steps.append("flatten_light")
    unlifted: Image | None = None
    if opts.lift_overlay:
        before = grey
        grey, lifted = lift_overlay(grey)
        if lifted:
            steps.append("lift_overlay")
            unlifted = before
    h, w = page.shape[:2]
    layout = Layout.LANDSCAPE if w >= h else Layout.PORTRAIT
    return PreparedPage(page, grey, layout, steps, unlifted)
