"""Run the stand-in as a real HTTP server (uvicorn) in a background thread.

server = StandinServer().start()
client = AsyncWebClient(token=server.state.token, base_url=server.base_url)
...
server.pause()   # the port refuses connections
server.resume()  # same port, same state
server.stop()
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from bot.slack_standin.api import create_app
from bot.slack_standin.state import SlackState

START_TIMEOUT = 10.0


class StandinServer:
    """The Slack stand-in on `host` and a free (or given) port; `state` survives pause/resume."""

    def __init__(
        self, state: SlackState | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.state = state if state is not None else SlackState()
        self.host = host
        self._port = port
        self.app = create_app(self.state)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the stand-in has not been started")
        return self._port

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What slack_sdk's `base_url` takes: `http://127.0.0.1:PORT/api/`."""
        return f"{self.url}/api/"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> StandinServer:
        """Listen and serve; returns once the server accepts connections."""
        if self.running:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        self.state.public_url = self.url
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="slack-standin", daemon=True
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Slack stand-in failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and close the port (idempotent)."""
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=START_TIMEOUT)
        if sock is not None:
            sock.close()

    def pause(self) -> None:
        """Close the listening socket: connections to the port are refused until `resume()`."""
        self.stop()

    def resume(self) -> None:
        """Listen again on the same port, with the same state."""
        self.start()

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
