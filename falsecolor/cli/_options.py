"""Command-line options generated from the option model, and the command line's way of naming them.

Every render option is declared once in :mod:`falsecolor.recipe`; here each
declaration becomes an argparse argument (flag, value count, choices, help
with its default), and a value given on the command line becomes a change of
the recipe, checked by the same code that checks a TOML file. Messages from
anywhere in the package name options through :func:`cli_spelling`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from typing import Any

from ..exceptions import OptionError
from ..recipe import OPTIONS, SECTION_CLASSES, UNSET, BandInput, FileNames, Flag, Option, Problem, declared

__all__ = [
    "Once",
    "OnceFlag",
    "add_band_options",
    "add_option",
    "add_render_options",
    "band_values",
    "cli_spelling",
    "given",
    "read_word",
]

_BAND_OPTIONS = declared(BandInput)[1:]  # without the path
_BY_NAME = {o.name: o for o in OPTIONS}
_BAND_BY_NAME = {o.name: o for o in _BAND_OPTIONS}
_ANY_BY_NAME = {**_BAND_BY_NAME, **_BY_NAME}
#: Group titles of the band options, by scope.
_BAND_GROUPS = {
    "temperature": "temperature band (overrides its FITS header; --t-filter etc. are the same options)",
    "cloud": "cloud band (~5 µm, or the --opacity / --aerosol input; overrides its FITS header)",
    "all": "every input",
    "single": "how to read the file (overrides its FITS header)",
}


def _once(
    namespace: argparse.Namespace, dest: str, parser: argparse.ArgumentParser, flag: str | None
) -> None:
    """An option given twice is an error, not a silent choice of the last value."""
    given = namespace.__dict__.setdefault("_given_once", set())
    if dest in given:
        parser.error(f"{flag} is given twice: give it once")
    given.add(dest)


class Once(argparse.Action):
    """``store``, refusing a second value."""

    def __call__(self, parser, namespace, values, option_string=None):
        _once(namespace, self.dest, parser, option_string)
        setattr(namespace, self.dest, values)


class OnceFlag(argparse.BooleanOptionalAction):
    """``--flag`` / ``--no-flag``, refusing a second one."""

    def __call__(self, parser, namespace, values, option_string=None):
        _once(namespace, self.dest, parser, option_string)
        super().__call__(parser, namespace, values, option_string)


def add_option(
    group: Any,
    declaration: Option,
    *,
    flags: Iterable[str] | None = None,
    dest: str | None = None,
    help: str | None = None,
) -> None:
    """One argparse argument for one declared option (``flags`` and ``dest`` to place it elsewhere)."""
    kwargs: dict[str, Any] = {
        "dest": dest or declaration.name,
        "default": None,
        "help": (help or declaration.help_text()).replace("%", "%%"),  # help: shown as is
    }
    kind = declaration.kind
    if isinstance(kind, Flag):
        kwargs["action"] = OnceFlag
    else:  # the words are read and checked by the option model (read_given), as a recipe's values are
        kwargs["metavar"] = declaration.metavar or declaration.name.upper()
        kwargs["action"] = "append" if isinstance(kind, FileNames) else Once
        if kind.nargs is not None:
            kwargs["nargs"] = kind.nargs
        if declaration.const is not UNSET:
            kwargs["nargs"], kwargs["const"] = "?", declaration.const
        choices = getattr(kind, "choices", None)
        if choices:
            kwargs["metavar"] = "{" + ",".join(choices) + "}"
    group.add_argument(*(flags if flags is not None else declaration.flags()), **kwargs)


def add_band_options(parser: Any, scopes: Iterable[str] = ("temperature", "cloud", "all")) -> None:
    """The options of the input bands (--filter, --cloud-unit, --hdu, ...), a group per scope."""
    for scope in scopes:
        group = parser.add_argument_group(_BAND_GROUPS[scope])
        for declaration in _BAND_OPTIONS:
            if scope == "single":  # one file, as for `falsecolor info`
                add_option(group, declaration, flags=(f"--{declaration.name}",))
                continue
            scopes_flags = declaration.band_flags or {}
            flags = scopes_flags.get(scope)
            if flags:
                text = declaration.help_text()
                if scope == "cloud":  # the cloud band's own examples, and its default: every input's
                    text = text.replace("13um", "4.8um")
                    if "all" in scopes_flags:
                        text = (
                            re.sub(r" ?\(default:[^)]*\)", "", text) + f" (default: {scopes_flags['all'][0]})"
                        )
                add_option(
                    group, declaration, flags=flags, dest=f"band:{scope}:{declaration.name}", help=text
                )


def add_render_options(parser: Any) -> None:
    """Every render option, a group per section of the option model (the band options after the inputs)."""
    for section in SECTION_CLASSES:
        group = parser.add_argument_group(section.TITLE)
        for declaration in declared(section):
            if declaration.flag is not None:
                add_option(group, declaration)
        if section.TITLE == "inputs":
            add_band_options(parser)


def read_word(declaration: Option, words: Any, *, band: str | None = None) -> Any:
    """The value of the words given for an option, read by its kind (a problem names the option)."""
    if isinstance(declaration.kind, Flag):
        return words
    try:
        if isinstance(words, list):
            return [declaration.kind.parse(w) for w in words]
        return declaration.kind.parse(words)
    except Problem as problem:
        spelled = cli_spelling(declaration.name, words, band)
        raise OptionError(declaration.name, problem.message, spelled=spelled) from None


def given(args: argparse.Namespace, names: Iterable[str]) -> dict[str, Any]:
    """The options among ``names`` that the command line gave (argparse leaves the others None), read."""
    values = {}
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            values[name] = read_word(_ANY_BY_NAME[name], value)
    return values


def band_values(args: argparse.Namespace, scope: str) -> dict[str, Any]:
    """The read options given for one band (``temperature`` or ``cloud``): its own, else every input's."""
    values = {}
    for declaration in _BAND_OPTIONS:
        own = getattr(args, f"band:{scope}:{declaration.name}", None)
        shared = getattr(args, f"band:all:{declaration.name}", None)
        if own is not None:
            values[declaration.name] = read_word(declaration, own, band=scope)
        elif shared is not None:
            values[declaration.name] = read_word(declaration, shared, band="all")
    return values


def _word(value: Any) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return repr(text) if (" " in text or not text) else text


def cli_spelling(name: str, value: Any, band: str | None) -> str:
    """How the command line sets option ``name`` (to ``value``): ``--cloud-wavelength 5um``, ``--no-key``."""
    flag = None
    if band is not None and name in _BAND_BY_NAME:
        scopes = _BAND_BY_NAME[name].band_flags or {}
        flags = scopes.get(band) or scopes.get("all")
        flag = flags[0] if flags else None
    elif name in _BY_NAME:
        flag = _BY_NAME[name].flag
    if not flag:
        flag = "--" + name.replace("_", "-")
    if value is UNSET or value is True:
        return flag
    if value is False:
        return "--no-" + flag[2:]
    if isinstance(value, tuple | list):
        return " ".join([flag, *(_word(v) for v in value)])
    return f"{flag} {_word(value)}"
