"""A local TCP port in front of a Unix socket: boto3 speaks TCP, the lab servers listen on Unix sockets.

Both the student's kernel (`course.aws.sandbox`) and the grader (`course.grading.lab_host`) reach the
grader's moto servers through it. Standard library only.
"""

import socket
import threading
import time

CHUNK = 65536
CONNECT_TIMEOUT_S = 10.0

_lock = threading.Lock()
_urls: dict[str, str] = {}


def tcp_url(socket_path: str) -> str:
    """The URL of a TCP port on 127.0.0.1 that forwards every connection to SOCKET_PATH (one per path)."""
    with _lock:
        if socket_path not in _urls:
            listener = socket.create_server(("127.0.0.1", 0))
            threading.Thread(target=_accept, args=(listener, socket_path), daemon=True).start()
            _urls[socket_path] = f"http://127.0.0.1:{listener.getsockname()[1]}"
        return _urls[socket_path]


def _accept(listener: socket.socket, socket_path: str) -> None:
    """Hand each connection to LISTENER to a thread of its own."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:  # out of descriptors: wait for some to be freed
            time.sleep(0.1)
            continue
        try:
            threading.Thread(target=_forward, args=(client, socket_path), daemon=True).start()
        except RuntimeError:  # out of threads: drop this connection
            client.close()


def _forward(client: socket.socket, socket_path: str) -> None:
    """Copy CLIENT to a new connection to SOCKET_PATH and back until either side ends, then close both."""
    try:
        with client, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            upstream.settimeout(CONNECT_TIMEOUT_S)
            upstream.connect(socket_path)
            upstream.settimeout(None)
            back = threading.Thread(target=_copy, args=(upstream, client), daemon=True)
            back.start()
            _copy(client, upstream)
            back.join()
    except (OSError, RuntimeError):  # no server there, out of descriptors or threads: the client is let go
        pass


def _copy(source: socket.socket, target: socket.socket) -> None:
    """Send what SOURCE receives to TARGET; when either ends, shut both down (the other copy stops too)."""
    try:
        while data := source.recv(CHUNK):
            target.sendall(data)
    except OSError:
        pass
    finally:
        _shut(source, target)


def _shut(*sockets: socket.socket) -> None:
    """Shut SOCKETS down both ways, ignoring those already closed."""
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
