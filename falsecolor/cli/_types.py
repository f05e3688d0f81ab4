"""Argument types shared by the subcommand parsers."""

from __future__ import annotations

import argparse
import math

__all__ = ["number"]


def number(text: str) -> float:
    """A finite number (argparse names this function in its messages)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value
