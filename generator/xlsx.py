"""Deterministic XLSX files: openpyxl stamps the current time into the package; we don't."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

FIXED_TIME = dt.datetime(2020, 1, 1)


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save `wb` so that the same content always gives the same bytes."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "yikatong"
    wb.properties.lastModifiedBy = "yikatong"
    buffer = io.BytesIO()
    wb.save(buffer)
    Path(path).write_bytes(normalise_zip(buffer.getvalue()))


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps and a stable order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()
