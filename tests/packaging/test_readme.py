"""The README is all a newcomer needs, inside the repository: no link out of it, and every
document and section it sends the reader to is there."""

from __future__ import annotations

import re

from tests.packaging.test_wheel import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_no_link_out_of_the_repository() -> None:
    assert not re.findall(r"https?://", README)
    assert "../" not in README and "DESIGN.md" not in README
    assert "make run" in README and "make test" in README


def test_every_document_and_section_it_names_is_there() -> None:
    named = re.findall(r"(docs/[\w-]+\.md)(?: \"([^\"]+)\")?", README)
    assert ("docs/operations.md", "Install and deploy") in named
    for document, section in named:
        text = (ROOT / document).read_text(encoding="utf-8")
        if section:
            assert re.search(rf"^#+ {re.escape(section)}$", text, re.MULTILINE), (document,
                                                                                  section)
    for path in re.findall(r"`((?:Dockerfile|compose\.yaml|rules/|config/[\w./]*))`", README):
        assert (ROOT / path).exists(), path
