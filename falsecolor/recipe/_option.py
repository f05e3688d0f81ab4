"""One option, declared once: its kind, default, help, TOML key and command-line flag.

A section of options is a frozen dataclass whose fields are made with
:func:`option`. The declaration travels in the field's metadata, so the
command-line parser, the TOML reader and writer, the studio's controls and
the keyword arguments of :func:`~falsecolor.render` are all derived from the
same place, and every value is checked when a section is made, whoever made
it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Self

from .._messages import UNSET
from ..exceptions import OptionError
from ._kinds import Kind, Problem

__all__ = ["Option", "Options", "declared", "option"]


@dataclass(frozen=True)
class Option:
    """The declaration of one option.

    Attributes
    ----------
    kind : Kind
        The values it takes (type, bounds, choices).
    help : str
        One line for ``--help`` and the studio; the default is appended.
    section : str
        The TOML table it lives in (``inputs``, ``calibration``, ``geometry``,
        ``axes``, ``annotations``, ``output``).
    key : str
        The TOML key (default: the name).
    flag : str or None
        The command-line flag (default: ``--name-with-dashes``); None keeps
        it off the command line.
    short, aliases : str, tuple of str
        Other spellings of the flag.
    metavar : str or tuple of str, optional
        How ``--help`` shows the value.
    unit : str, optional
        The unit of a number (``K``, ``deg``, ``px``).
    const : object
        The value of the flag given without a value (``--limb-correct``).
    band_flags : mapping, optional
        For an option of an input band: its flags by scope, ``temperature``,
        ``cloud`` (any cloud-axis input) and ``all`` (every input, unless the
        band's own flag is given).
    name, default, group : str, object, str
        Filled in from the field and the section that declares it.
    """

    kind: Kind
    help: str
    section: str
    key: str = ""
    flag: str | None = ""
    short: str | None = None
    aliases: tuple[str, ...] = ()
    metavar: str | tuple[str, ...] | None = None
    unit: str | None = None
    const: Any = UNSET
    band_flags: Mapping[str, tuple[str, ...]] | None = None
    name: str = ""
    default: Any = None
    group: str = ""

    def flags(self) -> tuple[str, ...]:
        """Every command-line spelling (empty when the option is not on the command line)."""
        if self.flag is None:
            return ()
        return tuple(f for f in (self.short, self.flag, *self.aliases) if f)

    def check(self, value: Any) -> Any:
        """The value checked and in canonical form; :class:`OptionError` naming the option otherwise."""
        try:
            return self.kind.check(value)
        except Problem as problem:
            raise OptionError(self.name, problem.message, value) from None

    def help_text(self) -> str:
        """The help line with the default, as ``--help`` and the studio show it."""
        default = self.default
        if default is None or default is False or default in ((), "") or "default" in self.help:
            return self.help
        if isinstance(default, tuple):
            default = " ".join(f"{v:g}" for v in default)
        elif default is True:
            default = "on"
        return f"{self.help} (default {default})"


def option(default: Any, kind: Kind, *, help: str, section: str, **declaration: Any) -> Any:
    """A dataclass field carrying the declaration of one option (see :class:`Option`)."""
    return field(default=default, metadata={"option": Option(kind, help, section, **declaration)})


_DECLARED: dict[type, tuple[Option, ...]] = {}


def declared(cls: type) -> tuple[Option, ...]:
    """The options of a section class (or of a class made of several sections), in declaration order."""
    if cls not in _DECLARED:
        _DECLARED[cls] = _declarations(cls)
    return _DECLARED[cls]


def _declarations(cls: type) -> tuple[Option, ...]:
    titles = {}
    for klass in reversed(cls.__mro__):
        for name in inspect.get_annotations(klass):
            titles[name] = klass.__dict__.get("TITLE", "")
    found = []
    for item in fields(cls):
        declaration = item.metadata.get("option")
        if declaration is None:
            continue
        flag = declaration.flag
        if flag == "":
            flag = "--" + item.name.replace("_", "-")
        found.append(
            dataclasses.replace(
                declaration,
                name=item.name,
                default=item.default,
                key=declaration.key or item.name,
                flag=flag,
                group=titles.get(item.name, ""),
            )
        )
    return tuple(found)


class Options:
    """A section of options (mixed into frozen dataclasses): every value is checked on construction.

    ``None`` stands for "not given": an option with a default takes it.
    Checks that involve several options of a section are its
    ``_check_together`` method.
    """

    TITLE: ClassVar[str] = ""
    #: How messages name the section's user (``save()``); default the class's name.
    WHAT: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for declaration in declared(type(self)):
            value = getattr(self, declaration.name)
            if value is None:
                if declaration.default is not None:
                    object.__setattr__(self, declaration.name, declaration.default)
                continue
            checked = declaration.check(value)
            if checked is not value:
                object.__setattr__(self, declaration.name, checked)
        for klass in reversed(type(self).__mro__):
            together = klass.__dict__.get("_check_together")
            if together is not None:
                together(self)

    def replace(self, **changes: Any) -> Self:
        """A copy with some options changed (checked again; an unknown name is an error)."""
        known = {f.name for f in fields(self)}  # type: ignore[arg-type]
        unknown = sorted(set(changes) - known)
        if unknown:
            names = ", ".join(o.name for o in declared(type(self)))
            problem = f"not an option of {type(self).__name__}; options: {names}"
            raise OptionError(
                unknown[0],
                problem.replace(type(self).__name__, self.WHAT or type(self).__name__),
                spelled=unknown[0],
            )
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def options(self) -> dict[str, Any]:
        """Every option's value by name."""
        return {o.name: getattr(self, o.name) for o in declared(type(self))}

    @classmethod
    def from_options(cls, source: Any, **changes: Any) -> Self:
        """This section made of the options of ``source`` (any section holding them), then ``changes``."""
        values = {o.name: getattr(source, o.name) for o in declared(cls) if hasattr(source, o.name)}
        return cls(**{**values, **changes})
