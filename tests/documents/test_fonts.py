"""The embedded CJK font: each document keeps every character it draws."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from xinzhi.documents.fonts import register_reportlab_font


def _pdf_text(text: str, path) -> str:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    style = ParagraphStyle("body", fontName=register_reportlab_font(set(text)), fontSize=12)
    SimpleDocTemplate(str(path)).build([Paragraph(text, style)])
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return "".join(out.stdout.split())


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_a_later_document_with_other_characters_keeps_them(tmp_path):
    # reportlab keys font faces by PostScript name: two subsets under one name made the
    # second document lose the characters the first subset lacked (第二季度 became 第二).
    first = "浑南区科技创新工作简报（2023年）"
    second = "浑南区科技创新工作简报（2023年第二季度）季度简报"
    assert _pdf_text(first, tmp_path / "first.pdf") == first
    assert _pdf_text(second, tmp_path / "second.pdf") == second
