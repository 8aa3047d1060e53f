"""The `gigawatt` command line (DESIGN.md section 7): thin, one library call per command.

Every command takes `--json` and then prints exactly one JSON object on stdout. Bad input is a
message on stderr and exit code 2; any other failure exits 1; never a traceback (set
GIGAWATT_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import sys

from gigawatt.app import DEFAULT_SCENARIO
from gigawatt.cli import compare, energy, jobs, programme  # noqa: F401  (each registers its commands)
from gigawatt.cli.common import app, emit_json
from gigawatt.errors import GigawattError, InputError

__all__ = ["DEFAULT_SCENARIO", "app", "emit_json", "main"]

# --- entry point ------------------------------------------------------------------------------


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes without tracebacks.

    Typer handles usage errors itself (exit 2); the library's exceptions arrive here.
    """
    debug = bool(os.environ.get("GIGAWATT_DEBUG"))
    try:
        app(args=argv, prog_name="gigawatt")
    except InputError as e:
        if debug:
            raise
        _fail(str(e), 2)
    except (GigawattError, OSError) as e:
        if debug:
            raise
        _fail(str(e), 1)
    except Exception as e:  # a bug: still no traceback unless asked for
        if debug:
            raise
        _fail(f"internal error ({type(e).__name__}): {e}; rerun with GIGAWATT_DEBUG=1", 1)
