"""The `slm-bot` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from bot.cli_support import OPENED, CliError, Handler, open_db
from bot.field_errors import localized_errors
from bot.flows.errors import DomainError, FormInvalid
from bot.render.errors import cli_error_text
from bot.settings import Settings

#: the database a command opens (closed when `main` ends)
_db = open_db


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in one line (`error: ...`), exit code 2."""

    def error(self, message: str) -> Any:  # argparse's signature is NoReturn
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="slm-bot", description="Service Level Management bot")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    from bot import (
        cli_agreements,
        cli_departments,
        cli_docs,
        cli_measure,
        cli_operations,
        cli_records,
    )

    cli_operations.register(sub)
    cli_agreements.register(sub)
    cli_docs.register(sub, _db)
    cli_departments.register(sub, _db)
    cli_measure.register(sub, _db)
    cli_agreements.register_backup(sub)
    cli_records.register(sub)
    cli_operations.register_sandbox(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{str(err['loc'][0]) if err['loc'] else 'settings'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        print(f"error: {problems}", file=sys.stderr)
        return 2
    fn: Handler = args.fn
    try:
        code = fn(args, settings)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except FormInvalid as exc:
        texts = localized_errors(exc, settings.locale)  # the project's words, not pydantic's
        problems = "; ".join(f"{name}: {msg}" for name, msg in texts.items())
        print(f"error: the form has problems: {problems}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {cli_error_text(exc, settings.locale)}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        return 130
    finally:
        while OPENED:
            OPENED.pop().dispose()


def _closed_pipe() -> int:
    """The reader went away (`slm-bot agreements show X | head`): stop quietly, as `cat` does.
    Standard output is pointed at /dev/null so that the interpreter's final flush cannot
    raise again; the exit code is the shell's for SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured output)
        pass
    finally:
        os.close(devnull)
    return 141


if __name__ == "__main__":
    raise SystemExit(main())
