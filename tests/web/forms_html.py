"""Reading a page's forms in tests: one form's HTML by its id, an input's value."""

from __future__ import annotations

import html
import re


def form_html(text: str, form_id: str) -> str:
    """The HTML of the form with ``form_id`` on the page."""
    found = re.search(rf'<form [^>]*id="{re.escape(form_id)}".*?</form>', text, re.S)
    assert found is not None, f"no form {form_id}"
    return found.group(0)


def input_value(form: str, name: str) -> str:
    """The (unescaped) value of the input ``name`` in ``form``."""
    found = re.search(rf'<input [^>]*name="{name}"[^>]*value="([^"]*)"', form)
    assert found is not None, f"no value for {name}"
    return html.unescape(found.group(1))
