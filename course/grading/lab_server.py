"""One lab moto server on a Unix socket, outside the student's kernel (started by `course.grading.lab_host`).

    python -I -m course.grading.lab_server NAME SOCKET_PATH

serves moto's app (the one `moto.server.ThreadedMotoServer` serves) on SOCKET_PATH, readable and writable
by every user, and prints ``ready`` once it listens. NAME "enforced" enforces IAM and loads AWS's
managed policies (the IAM lab attaches them); the other servers do neither.
"""

import logging
import os
import sys


def main(argv: list[str]) -> None:
    """Serve moto on the socket ARGV names until killed."""
    name, path = argv
    for variable in ("INITIAL_NO_AUTH_ACTION_COUNT", "MOTO_IAM_LOAD_MANAGED_POLICIES"):
        os.environ.pop(variable, None)
    if name == "enforced":  # moto reads these when it is imported
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # moto's errors reach the client
    logging.getLogger("moto").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("unix://" + path, 0, app, threaded=True, request_handler=MotoRequestHandler)
    os.chmod(path, 0o666)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
