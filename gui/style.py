"""The app's look: Fusion with a light palette and a small style sheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#2f6fdf"

STYLE_SHEET = f"""
QMainWindow, #centre {{ background: #ffffff; }}
#topBar {{ background: #f6f7f9; border-bottom: 1px solid #e2e4e8; }}
#appName {{ font-size: 15px; font-weight: 600; color: #222; padding-right: 12px; }}
#searchField {{
    padding: 6px 10px; border: 1px solid #cfd3da; border-radius: 8px; background: #fff;
    font-size: 14px; min-height: 22px;
}}
#searchField:focus {{ border: 1px solid {ACCENT}; }}
#sidebar, #rightPanel {{ background: #f6f7f9; }}
#rightPanel QWidget#rightInner {{ background: #f6f7f9; }}
#folderList {{ background: transparent; font-size: 13px; }}
#folderList::item {{ padding: 6px 6px; border-radius: 6px; }}
#folderList::item:selected {{ background: #dce6fa; color: #1b3f86; }}
#panelTitle {{ font-size: 12px; font-weight: 700; color: #5b6270; text-transform: uppercase; }}
#panelSubtitle {{ font-size: 12px; font-weight: 600; color: #5b6270; padding-top: 6px; }}
#hintLabel {{ color: #6b7280; }}
#understoodLabel {{ color: #374151; }}
#fieldKey {{ color: #6b7280; }}
#fileName {{ font-size: 14px; font-weight: 600; }}
#headerTitle {{ font-size: 17px; font-weight: 600; color: #1f2937; }}
#resultsHeader {{ border-bottom: 1px solid #eceef1; background: #ffffff; }}
QPushButton#chip {{
    border: 1px solid #c9d6f2; border-radius: 11px; padding: 2px 12px; background: #eef3fd;
    min-height: 16px;
    color: #1b3f86;
}}
QPushButton#chip:hover {{ background: #dce6fa; }}
QPushButton#tagButton, QPushButton#classButton, QPushButton#linkButton {{
    border: none; background: transparent; color: {ACCENT}; padding: 2px 0; text-align: left;
}}
QPushButton#tagButton:hover, QPushButton#classButton:hover, QPushButton#linkButton:hover {{
    text-decoration: underline;
}}
QProgressBar#scoreBar {{ border: none; background: #e5e7eb; border-radius: 3px; }}
QProgressBar#scoreBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QPushButton#primaryButton, QPushButton#addFolderButton, QPushButton#backButton {{
    background: {ACCENT}; color: white; border: none; border-radius: 7px; padding: 7px 16px;
    font-weight: 600;
}}
QPushButton#primaryButton:hover, QPushButton#addFolderButton:hover,
QPushButton#backButton:hover {{ background: #2a62c6; }}
QPushButton#primaryButton {{ font-size: 14px; padding: 9px 22px; }}
#emptyTitle {{ font-size: 22px; font-weight: 600; color: #1f2937; }}
#emptyText {{ font-size: 14px; color: #4b5563; }}
#banner {{ border-bottom: 1px solid #e2e4e8; }}
#banner[level="error"] {{ background: #fdecec; }}
#banner[level="error"] #bannerText {{ color: #8a1c1c; }}
#banner[level="warning"] {{ background: #fff5e0; }}
#banner[level="warning"] #bannerText {{ color: #7a4b00; }}
#banner[level="info"] {{ background: #e8f1fe; }}
#banner[level="info"] #bannerText {{ color: #1b3f86; }}
QStatusBar {{ background: #f6f7f9; border-top: 1px solid #e2e4e8; }}
QSplitter::handle {{ background: #e2e4e8; }}
"""


def apply_style(app: QApplication) -> None:
    """Fusion looks the same everywhere, which keeps screenshots and tests predictable."""
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f6f7f9"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
