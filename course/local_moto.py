"""How a process reaches a local moto server: a boto3 session that reads no user files, the client
config of a local endpoint, a POST to moto's own API, and a local TCP port in front of a Unix socket
(boto3 speaks TCP, the grader's lab servers listen on Unix sockets, in the folder LAB_SOCKETS_ENV
names while grading).

The labs' sandbox (`course.aws.sandbox`), in the student's kernel, and the grader
(`course.grading.lab_host`) both use it.
"""

import os
import socket
import threading
import time
import urllib.request

import boto3
import botocore.session
from botocore.config import Config

CHUNK = 65536
CONNECT_TIMEOUT_S = 10.0

LAB_SOCKETS_ENV = "COURSE_LAB_SOCKETS"
# A local endpoint: never go through a proxy, and address S3 buckets by path.
LOCAL_CONFIG = Config(proxies={}, s3={"addressing_style": "path"})

_lock = threading.Lock()
_urls: dict[str, str] = {}


def isolated_boto3_session() -> boto3.session.Session:
    """A boto3 session that reads no profile, config or credentials file of the user."""
    # (config name, environment variable, default, conversion): no variable is read.
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    return boto3.session.Session(botocore_session=core)


def no_proxy_opener() -> urllib.request.OpenerDirector:
    """A URL opener that never goes through a proxy (the server is local)."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str, body: str = "") -> None:
    """POST to moto's own API (never through a proxy)."""
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers={"Content-Type": "text/plain"}
    )
    no_proxy_opener().open(request, timeout=30).close()


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
