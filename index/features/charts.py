"""Charts of targets compared across plans, as PNG bytes (matplotlib, Agg, no pyplot state).

Labels are Chinese, so the chart needs a font with CJK glyphs: first the Noto Sans CJK font that
the `cvttf-NotoSansCJK-Regular` package (in requirements.txt) installs, then any installed system
font that has the glyphs. Without either the chart still renders, Chinese shown as boxes.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections import Counter
from collections.abc import Sequence
from functools import cache

from index.errors import ExportError
from index.features.targets import APPROX, GE, LE, Target

# Families known to carry CJK glyphs, tried first (cheap); any other font is checked glyph by glyph.
_KNOWN_CJK = (
    "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
    "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "STHeiti", "Noto Sans CJK JP", "Noto Sans CJK TC",
)
_PROBE = "质量合格率"
MAX_BARS = 30
MAX_LABEL = 18


def _bundled_font() -> str | None:
    """The OpenType file shipped by the cvttf-NotoSansCJK-Regular wheel, when installed."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for candidate in sorted(Path(folder).glob("*.otf")):
            return str(candidate)
    return None


@cache
def cjk_font() -> str | None:
    """Path of an installed font that has Chinese glyphs, or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    bundled = _bundled_font()
    if bundled is not None:
        return bundled
    fonts = list(font_manager.fontManager.ttflist)
    fonts.sort(key=lambda f: (f.name not in _KNOWN_CJK, _KNOWN_CJK.index(f.name) if f.name in _KNOWN_CJK else 0))
    for entry in fonts:
        if "last resort" in entry.name.lower():
            continue  # maps every character to a placeholder box
        try:
            charmap = FT2Font(entry.fname).get_charmap()
        except (OSError, RuntimeError, ValueError):
            continue
        if all(ord(ch) in charmap for ch in _PROBE):
            return entry.fname
    return None


def _label(target: Target) -> str:
    place = target.region or ""
    year = f"{target.year}" if target.year else ""
    head = " ".join(x for x in (place, year) if x)
    indicator = target.indicator if len(target.indicator) <= MAX_LABEL else target.indicator[: MAX_LABEL - 1] + "…"
    return f"{head} {indicator}".strip() if head else indicator


def targets_chart(targets: Sequence[Target], *, title: str | None = None) -> bytes:
    """A horizontal bar chart of targets' values (those with the most common unit), as PNG bytes."""
    if not targets:
        raise ExportError("没有可画图的目标")
    unit = Counter(t.unit for t in targets).most_common(1)[0][0]
    chosen = [t for t in targets if t.unit == unit][:MAX_BARS]

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font_path = cjk_font()
    font = FontProperties(fname=font_path) if font_path else FontProperties()
    height = max(2.5, 0.45 * len(chosen) + 1.4)
    figure = Figure(figsize=(9, height), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    labels = [_label(t) for t in chosen]
    values = [t.value for t in chosen]
    colours = ["#2E75B6" if t.comparator in (GE, APPROX) else "#C55A11" if t.comparator == LE else "#70AD47" for t in chosen]
    positions = list(range(len(chosen)))[::-1]
    axes.barh(positions, values, color=colours)
    for pos, target in zip(positions, chosen, strict=True):
        axes.text(target.value, pos, " " + target.value_display, va="center", fontproperties=font, fontsize=9)
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontproperties=font, fontsize=9)
    axes.set_xlabel(unit or "数值", fontproperties=font)
    if unit == "%" and max(values) <= 100:
        axes.set_xlim(0, 112)
    else:
        axes.set_xlim(0, max(values) * 1.2 or 1)
    axes.set_title(title or "目标对比", fontproperties=font)
    axes.grid(axis="x", alpha=0.3)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Without a CJK font every Chinese glyph warns once; the chart is still worth sending.
        warnings.simplefilter("ignore")
        logger = logging.getLogger("matplotlib.font_manager")
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            figure.tight_layout()
            figure.savefig(buffer, format="png")
        finally:
            logger.setLevel(level)
    return buffer.getvalue()
