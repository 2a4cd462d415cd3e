"""The ``accord`` command line. One module per command; no business logic here."""

from accord.cli.main import app, main

__all__ = ["app", "main"]
