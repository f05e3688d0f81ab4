"""Which body an image shows: Jupiter (whose geometry the package models), another body, or unknown.

The target comes from the user (``--target``) or the ``OBJECT`` card. Only
Jupiter's ephemeris, figure, rotation and limb darkening are modelled, so they
are never applied to another body: an image of Europa or Venus is rendered
without geometry. A card that names no body the package knows (``'J4'``,
``'sky'``) leaves the target unknown; Jupiter is then assumed, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .._messages import option

__all__ = ["MODELLED", "Target", "target_of"]

#: The body whose geometry the package models.
MODELLED = "Jupiter"

_JUPITER = ("jupiter", "jup", "jove", "599")
#: Other bodies an OBJECT card may name (planets, their large moons, the Sun and the Moon).
_OTHERS = (
    "Mercury",
    "Venus",
    "Earth",
    "Moon",
    "Mars",
    "Phobos",
    "Deimos",
    "Ceres",
    "Vesta",
    "Pallas",
    "Io",
    "Europa",
    "Ganymede",
    "Callisto",
    "Amalthea",
    "Himalia",
    "Saturn",
    "Mimas",
    "Enceladus",
    "Tethys",
    "Dione",
    "Rhea",
    "Titan",
    "Hyperion",
    "Iapetus",
    "Phoebe",
    "Uranus",
    "Miranda",
    "Ariel",
    "Umbriel",
    "Titania",
    "Oberon",
    "Neptune",
    "Triton",
    "Nereid",
    "Pluto",
    "Charon",
    "Sun",
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Target:
    """The body an image shows, and where that came from.

    Attributes
    ----------
    name : str or None
        ``"Jupiter"``, another body's name, or None when unknown.
    source : str
        ``"--target"`` (given), ``"OBJECT card"`` or ``"no OBJECT card"``.
    card : str or None
        The OBJECT card as read (control characters removed), for messages.
    """

    name: str | None
    source: str
    card: str | None = None

    @property
    def modelled(self) -> bool:
        """Whether the package's geometry applies: Jupiter, named or assumed."""
        return self.name in (None, MODELLED)

    @property
    def note(self) -> str | None:
        """What a user should know: an assumed Jupiter, or a body rendered without geometry."""
        if self.name is None:
            said = f"OBJECT {self.card!r} names no body falsecolor knows" if self.card else "no OBJECT card"
            return f"target unknown ({said}): Jupiter assumed; give {option('target')} if it is another body"
        if self.name != MODELLED:
            return (
                f"target {self.name} ({self.source}): falsecolor models Jupiter's geometry only, so this "
                "image has no disc, ephemeris or limb correction"
            )
        return None


def _canonical(text: str) -> str | None:
    words = _WORD.findall(text.lower())
    if any(word in _JUPITER for word in words):
        return MODELLED
    for body in _OTHERS:
        if body.lower() in words:
            return body
    return None


def target_of(header: Any, given: str | None = None) -> Target:
    """The target of an image: ``given`` (the user's word) wins over the header's OBJECT card.

    Examples
    --------
    >>> target_of({"OBJECT": "Jupiter (599)"}).name
    'Jupiter'
    >>> t = target_of({"OBJECT": "Europa"})
    >>> t.name, t.modelled
    ('Europa', False)
    >>> target_of({"OBJECT": "J4"}).modelled  # unknown: Jupiter assumed
    True
    >>> target_of({}, "Callisto").name
    'Callisto'
    """
    if given is not None:
        known = _canonical(given)
        return Target(known or given.strip(), "--target", None)
    card = None
    try:
        value = header.get("OBJECT") if header is not None else None
    except Exception:  # a damaged card
        value = None
    if isinstance(value, str):
        card = "".join(ch for ch in value if ch.isprintable()).strip().strip("'\"").strip() or None
    if card is None:
        return Target(None, "no OBJECT card")
    return Target(_canonical(card), "OBJECT card", card)
