"""`falsecolor studio`: the render options (or a recipe, or the demo) -> a local web page to tune them.

The first line on stdout is the page's address with its token; the server
runs until Ctrl-C or SIGTERM, which stop it within about a second (exit
status 0). The web parts are the optional extra ``studio``: without them the
command says so in one line (exit status 2).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any

from ._options import Once, add_render_options, cli_spelling

__all__ = ["add_studio", "run_studio"]


def add_studio(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``studio`` subcommand: render's options, a recipe or --demo, and where to serve."""
    studio = commands.add_parser(
        "studio",
        parents=[common],
        help="tune a composite live in a local web page",
        allow_abbrev=False,
        description="Serve a page on 127.0.0.1 to tune a composite live: limits dragged on the colour\n"
        "key over the disc's pixels, palette, corrections and picture options, then Save, which\n"
        "writes what 'falsecolor render' writes. The first line printed is the page's address.",
        epilog="examples:\n"
        "  falsecolor studio --demo\n"
        "  falsecolor studio --temperature T13.fits --cloud M5.fits -o press.png --recipe-out press.toml\n"
        "  falsecolor studio press.toml --port 8765 --no-browser",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    studio.add_argument(
        "recipe", nargs="?", metavar="RECIPE.toml", help="a recipe to start from (see README)"
    )
    add_render_options(studio)
    run = studio.add_argument_group("studio")
    run.add_argument(
        "--demo", dest="use_demo", action="store_true", help="the built-in synthetic Jupiter (no files)"
    )
    run.add_argument(
        "--from-image", metavar="PNG", action=Once, help="start from the recipe embedded in a falsecolor PNG"
    )
    run.add_argument(
        "--recipe-out",
        metavar="TOML",
        action=Once,
        help="where Save writes the recipe (default: the recipe given)",
    )
    run.add_argument(
        "--port", type=int, default=0, metavar="N", help="port on 127.0.0.1 (default 0: a free port)"
    )
    run.add_argument("--no-browser", action="store_true", help="print the address; do not open a browser")
    studio.set_defaults(inputs=None, print_width=None)


def _save_defaults(args: argparse.Namespace, recipe: Any) -> dict[str, Any]:
    """What the Save panel proposes: the outputs and recipe named here, else the recipe's own."""
    files = (
        [os.path.abspath(p) for p in args.files]
        if args.files
        else [str(recipe.resolve(p)) for p in recipe.files]
    )
    fits = (
        os.path.abspath(args.fits)
        if args.fits
        else (str(recipe.resolve(recipe.fits)) if recipe.fits else None)
    )
    written = args.recipe_out or (args.recipe if args.recipe and os.path.isfile(args.recipe) else None)
    return {
        "files": files or [os.path.abspath("studio.png")],
        "fits": fits,
        "recipe": os.path.abspath(written) if written else os.path.abspath("studio.toml"),
    }


def run_studio(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..exceptions import InputError
    from ._render import recipe_from_args

    if args.strip:
        raise InputError("--strip goes with a time series (render --inputs), which the studio does not show")
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: must be within 0..65535 (0: a free port)")
    recipe = recipe_from_args(args)
    server = pipeline.studio_for(
        recipe, speller=cli_spelling, save=_save_defaults(args, recipe), port=args.port
    )
    print(server.url, flush=True)
    print("falsecolor studio: serving on 127.0.0.1 only; Ctrl-C stops it", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C or SIGTERM: the server has closed its connections
        server.run(browser=not args.no_browser)
    print("falsecolor studio: stopped", file=sys.stderr, flush=True)
    return 0
