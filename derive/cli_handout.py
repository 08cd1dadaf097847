"""``derive build``, ``derive catalog``, ``derive check``."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
