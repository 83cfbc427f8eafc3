"""Two small SVG charts for the model card, written by hand (no plotting library)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def calibration_svg(bins: Sequence[dict[str, float]], *, size: int = 240) -> str:
    """Predicted vs observed rate per score bin, with the diagonal of perfect calibration."""
    pad = 32
    inner = size - 2 * pad

    def x(v: float) -> float:
        return pad + v * inner

    def y(v: float) -> float:
        return size - pad - v * inner

    points = [(b["predicted"], b["observed"], b["count"]) for b in bins if b["count"] > 0]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(p):.1f},{y(o):.1f}" for i, (p, o, _) in enumerate(points))
    dots = "".join(
        f'<circle cx="{x(p):.1f}" cy="{y(o):.1f}" r="3"><title>predicted {p:.3f}, observed {o:.3f}, '
        f"{int(n)} cases</title></circle>"
        for p, o, n in points
    )
    ticks = "".join(
        f'<text x="{x(t):.1f}" y="{size - pad + 14}" font-size="9" text-anchor="middle">{t:.1f}</text>'
        f'<text x="{pad - 4}" y="{y(t) + 3:.1f}" font-size="9" text-anchor="end">{t:.1f}</text>'
        for t in (0.0, 0.5, 1.0)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img" aria-label="Calibration plot">'
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>'
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#bbb" stroke-dasharray="4 3"/>'
        f'<path d="{path}" fill="none" stroke="#1f5fbf" stroke-width="2"/>'
        f'<g fill="#1f5fbf">{dots}</g>{ticks}'
        f'<text x="{size / 2}" y="{size - 4}" font-size="10" text-anchor="middle">predicted risk</text>'
        f'<text x="10" y="{size / 2}" font-size="10" text-anchor="middle" '
        f'transform="rotate(-90 10 {size / 2})">observed not-approved rate</text></svg>'
    )


def confusion_svg(matrix: dict[str, int], *, size: int = 240) -> str:
    """2×2 matrix: automatic approval vs person, against the ground truth."""
    cells = [
        ("auto-approved", "approvable", matrix.get("auto_ok", 0), "#d8efd8"),
        ("auto-approved", "not approvable", matrix.get("auto_wrong", 0), "#f5c6c6"),
        ("to a person", "approvable", matrix.get("person_ok", 0), "#eeeeee"),
        ("to a person", "not approvable", matrix.get("person_caught", 0), "#d8e4f5"),
    ]
    pad, cell = 70, (size - 80) / 2
    parts = []
    for i, (_row, _col, count, colour) in enumerate(cells):
        cx, cy = pad + (i % 2) * cell, 30 + (i // 2) * cell
        parts.append(
            f'<rect x="{cx:.1f}" y="{cy:.1f}" width="{cell:.1f}" height="{cell:.1f}" fill="{colour}" stroke="#fff"/>'
            f'<text x="{cx + cell / 2:.1f}" y="{cy + cell / 2 + 5:.1f}" font-size="14" text-anchor="middle">'
            f"{count}</text>"
        )
    labels = (
        f'<text x="{pad + cell / 2:.1f}" y="22" font-size="10" text-anchor="middle">approvable</text>'
        f'<text x="{pad + 1.5 * cell:.1f}" y="22" font-size="10" text-anchor="middle">not approvable</text>'
        f'<text x="{pad - 4}" y="{30 + cell / 2:.1f}" font-size="10" text-anchor="end">auto</text>'
        f'<text x="{pad - 4}" y="{30 + 1.5 * cell:.1f}" font-size="10" text-anchor="end">person</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size - 20}" width="{size}" '
        f'height="{size - 20}" role="img" aria-label="{escape("Confusion matrix")}">{"".join(parts)}{labels}</svg>'
    )
