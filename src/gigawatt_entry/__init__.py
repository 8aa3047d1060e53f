"""The `gigawatt` console script, outside the `gigawatt` package so that it runs first.

Importing `gigawatt` takes a second or more (NumPy, pandas, pydantic, the catalog); a Ctrl-C in
that second must end like one at any other moment: one line on stderr and exit code 130, never a
traceback. So this module imports nothing heavy and wraps the import of the command line itself.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import warnings

#: The exit code of a command ended by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130
MESSAGE = b"interrupted\n"
#: The cyclic garbage collector's thresholds for a command (CPython's are 700, 10, 10): the
#: imports of a run create a few hundred thousand objects that live until exit, and with the
#: default thresholds the collector walks them again and again (about 0.1 s of a 1.2 s run).
#: Collections still happen, some seventy times less often; reference counting frees the rest.
GC_THRESHOLDS = (50_000, 20, 10)


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    # While importing, Ctrl-C ends the process at once: libraries' imports may swallow a
    # KeyboardInterrupt (a bare `except:` around an optional import) or turn it into another
    # error, and nothing has been written yet that would need cleaning up.
    signal.signal(signal.SIGINT, _interrupted_while_importing)
    try:
        with warnings.catch_warnings():
            # NumPy's RuntimeWarnings (overflow, invalid value) are not for the user's terminal:
            # results are checked where they are made, and stderr holds one line per problem.
            warnings.simplefilter("ignore", RuntimeWarning)
            from gigawatt.cli import main as cli_main

            # From here Ctrl-C is a KeyboardInterrupt, so commands clean up (temporary files)
            # and say what was kept (a sweep's finished samples); `cli_main` ends it as below.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            cli_main()
    except KeyboardInterrupt:
        interrupted()


def _interrupted_while_importing(signum: int, frame: object) -> None:
    os.write(2, MESSAGE)
    os._exit(INTERRUPTED)


def interrupted() -> None:
    try:
        sys.stderr.write(MESSAGE.decode())
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # stderr closed: the exit code says it
    raise SystemExit(INTERRUPTED)
