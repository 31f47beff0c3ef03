"""Reading a QR code off the screen as a phone camera would: a screenshot, then zxing-cpp."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import zxingcpp
from PIL import Image

if TYPE_CHECKING:
    from playwright.sync_api import Locator


def decode_qr(element: Locator) -> str:
    """The text of the one QR code shown in ``element``."""
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # not a module global:
    # nanobind reports its objects still alive at exit as leaks
    with Image.open(io.BytesIO(element.screenshot())) as image:
        found = zxingcpp.read_barcodes(image, formats=qr_only)
    assert len(found) == 1, f"expected one QR code on the screen, found {len(found)}"
    return found[0].text
