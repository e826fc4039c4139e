from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtpserver import MailServer


@pytest.fixture
def server() -> Iterator[MailServer]:
    mail_server = MailServer()
    mail_server.start()
    yield mail_server
    mail_server.stop()
