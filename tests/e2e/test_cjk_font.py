"""Chinese names must render as glyphs in pages and screenshots: the project's setup
(scripts/ensure-chromium.sh) installs a CJK font from Debian; in CI its absence fails."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def test_a_cjk_font_is_installed() -> None:
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is not installed")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                           check=True).stdout
    if not fonts.strip() and os.environ.get("CI") != "true":
        pytest.skip("no CJK font: run scripts/ensure-chromium.sh")
    assert fonts.strip(), "no CJK font installed: scripts/ensure-chromium.sh installs one"
