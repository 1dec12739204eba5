"""`copilot`: the command line. Each command parses, calls one function of the layers below, and renders."""

from __future__ import annotations

from copilot.cli import analysis, data, services  # noqa: F401 - each registers its commands on the app
from copilot.cli.common import app

__all__ = ["app"]
