"""Render the hand-drawn SVG icon to the PNG sizes desktops and the running window look for.

Run after editing the SVG: ``python packaging/render_icon.py``. Qt renders offscreen, so no
display is needed. It writes packaging/icons/ (for the desktop entry and the bundle's
executable) and correspondence/ui/resources/ (the window icon, shipped as package data).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
RESOURCES = Path(__file__).resolve().parent.parent / "correspondence" / "ui" / "resources"
APP_ID = "uk.gov.correspondence.desk"
SIZES = (256, 64)
# Kept equal to correspondence.ui.resources.ICON_SIZES (not imported: that pulls in Qt widgets).
WINDOW_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int, target: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not an SVG Qt can read")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(target)):
        raise SystemExit(f"could not write {target}")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - fonts need it
    svg = ICONS / f"{APP_ID}.svg"
    targets = [ICONS / f"{APP_ID}-{size}.png" for size in SIZES]
    targets += [RESOURCES / f"{APP_ID}-{size}.png" for size in WINDOW_SIZES]
    for target in targets:
        size = int(target.stem.rsplit("-", 1)[1])
        render(svg, size, target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
