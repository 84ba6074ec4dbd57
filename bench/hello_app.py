"""The load benchmark's baseline: a Flask JSON hello world, served exactly as ``credwallet serve`` serves the
product (granian, WSGI, an app factory, the same worker count).

``python -m bench.hello_app PORT WORKERS`` serves it on 127.0.0.1 until stopped.
"""

from __future__ import annotations

import sys

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def main(argv: list[str]) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    port, workers = int(argv[0]), int(argv[1])
    # The keyword arguments of wallet.cli.serve: the baseline must differ from the product only in the app.
    Server(
        "bench.hello_app:create_app",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        factory=True,
    ).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
