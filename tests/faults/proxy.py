"""A TCP forwarder a test can cut and restore, so a server (PostgreSQL) seems to go away
and come back without touching the real one, which other tests share.

``cut()`` closes the listener and every connection through it: clients see their
connections drop and new ones refused, as when the server stops. ``restore()`` listens
again on the same port. Threads, not asyncio, so it works beside any event loop.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from sqlalchemy.engine import make_url


class TcpProxy:
    """127.0.0.1:<free port> forwarded to ``target`` while up."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._links: set[socket.socket] = set()
        self.connections = 0  # accepted since start, for tests that want to see traffic

    @classmethod
    def for_url(cls, url: str) -> TcpProxy:
        parsed = make_url(url)
        return cls((parsed.host or "127.0.0.1", parsed.port or 5432))

    def url(self, url: str) -> str:
        """``url`` with its host and port replaced by this proxy's."""
        proxied = make_url(url).set(host="127.0.0.1", port=self.port)
        return proxied.render_as_string(hide_password=False)

    @property
    def up(self) -> bool:
        return self._listener is not None

    def restore(self) -> TcpProxy:
        """Listen (again, on the same port once one was picked) and forward."""
        if self.up:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)  # so the acceptor sees a cut at once
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True,
                                          name=f"proxy-{self.port}")
        self._acceptor.start()
        return self

    start = restore

    def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        listener, acceptor = self._listener, self._acceptor
        self._listener = self._acceptor = None
        if acceptor is not None:
            acceptor.join()
        if listener is not None:
            listener.close()
        with self._lock:
            links, self._links = self._links, set()
        for sock in links:
            _shut(sock)

    close = cut

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _shut(client)
                client.close()
                continue
            self.connections += 1
            with self._lock:
                self._links.update((client, server))
            threading.Thread(target=self._link, args=(client, server), daemon=True).start()

    def _link(self, client: socket.socket, server: socket.socket) -> None:
        upstream = threading.Thread(target=_pump, args=(client, server), daemon=True)
        upstream.start()
        _pump(server, client)
        upstream.join()
        with self._lock:
            self._links.difference_update((client, server))
        client.close()
        server.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Bytes one way until either side goes; then both go (the other pump wakes)."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    _shut(source)
    _shut(sink)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
