"""Argument types shared by the subcommand parsers."""

from __future__ import annotations

import argparse
import math

__all__ = ["limb_choice", "number"]


def number(text: str) -> float:
    """A finite number (argparse names this function in its messages)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def limb_choice(text: str) -> str | float:
    """none, auto, fit, or a limb-darkening exponent (a number within 0..5)."""
    word = text.strip().lower()
    if word in ("none", "auto", "fit"):
        return word
    try:
        value = float(word)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give none, auto, fit or an exponent such as 0.2"
        ) from None
    if not 0 <= value <= 5:
        raise argparse.ArgumentTypeError(f"the exponent {text} must be within 0..5")
    return value
