"""``python -m dashboard [--host 127.0.0.1] [--port 8050] [--data DIR] [--debug]``: development server."""

from __future__ import annotations

import argparse

from pipelines.store import open_store

from .app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Tableau de bord Cartopolis")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument(
        "--data", default=None, help="magasin : dossier ou postgresql://… (défaut : CARTOPOLIS_STORE, CARTOPOLIS_DATA)"
    )
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    app = create_app(open_store(args.data))
    print(f"Cartopolis : http://{args.host}:{args.port}")
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
