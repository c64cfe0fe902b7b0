"""The Typer application every command module registers on, its two consoles, and the entry point: a
ReproError, or a file-system condition (full disk, read-only, permission denied), is one ``error:`` line and
exit code 2; Ctrl-C is one ``interrupted:`` line naming what was running and exit code 130."""

from __future__ import annotations

import shlex
import signal
import sys

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from repro.errors import ReproError, fs_error

# The order `repro --help` lists the commands in: a reviewer's path through them.
ORDER = ("list", "show", "plan", "figure", "verify", "report", "check", "eject", "run", "train", "score", "fetch")


class _Ordered(TyperGroup):
    def list_commands(self, ctx) -> list[str]:
        return sorted(super().list_commands(ctx), key=lambda c: ORDER.index(c) if c in ORDER else len(ORDER))


app = typer.Typer(cls=_Ordered, add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Reproduce 'LoRA is All You Need for Safety Alignment of Reasoning LLMs', figure by figure.")
out = Console()
err = Console(stderr=True)


class Interrupted(BaseException):
    """Ctrl-C, raised past the command-line library (which would turn a KeyboardInterrupt into its own exit)."""


def _interrupt(signum, frame) -> None:
    raise Interrupted


def main() -> None:
    signal.signal(signal.SIGINT, _interrupt)
    try:
        app(standalone_mode=True)
    except Interrupted:
        from repro.pipeline.executors.step import RUNNING

        what = f", while running {', '.join(RUNNING)}" if RUNNING else ""
        command = shlex.join(["repro", *sys.argv[1:]])
        err.print(f"[yellow]interrupted:[/yellow] {escape(command)}{escape(what)}; run the same command again to "
                  "resume (finished steps are kept, an interrupted one resumes or starts over)",
                  highlight=False, soft_wrap=True)
        sys.exit(130)
    except Exception as exc:
        error = exc if isinstance(exc, ReproError) else fs_error(exc, "writing outputs")
        if error is None:
            raise
        err.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        sys.exit(2)
