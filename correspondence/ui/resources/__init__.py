"""Images the window needs at run time, shipped inside the package.

The PNGs are rendered from `packaging/icons/uk.gov.correspondence.desk.svg` by
`packaging/render_icon.py`: plain PNGs need no SVG image plugin in a frozen bundle.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from correspondence.paths import package_resource

APP_ID = "uk.gov.correspondence.desk"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_file(size: int) -> Path:
    return package_resource("ui", "resources", f"{APP_ID}-{size}.png")


def app_icon() -> QIcon:
    """The application icon at every size we ship; Qt picks the nearest for each use."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_file(size)
        if path.is_file():
            icon.addFile(str(path))
    return icon
