"""The `gigawatt` console script, outside the `gigawatt` package so that it runs first.

Importing `gigawatt` takes a second or more (NumPy, pandas, pydantic, the catalog); a Ctrl-C in
that second must end like one at any other moment: one line on stderr and exit code 130, never a
traceback. So the first statement of this module takes SIGINT over, through the built-in
`_signal` (the `signal` module imports `enum`, some 5 ms of CPU in which a Ctrl-C would still be
Python's traceback), and only then is anything else imported.

What comes before this module is Python's own start: until the interpreter installs its SIGINT
handler the signal ends the process as the kernel does (no message; a shell reports 130), and
while `site` runs (`.pth` files, a few milliseconds of CPU) Python reports it itself. No code of
a package runs there.
"""

# No `from __future__ import annotations` here: it is an import of the `__future__` module
# (a file to find and run), in which a Ctrl-C would still be Python's traceback.
import _signal  # built in: nothing to load before Ctrl-C is handled
import os  # already loaded by `site`; `posix` on a `python -S` start

#: The exit code of a command ended by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130
MESSAGE = b"interrupted\n"


def _interrupted_while_importing(signum: int, frame: object) -> None:
    """While importing, Ctrl-C ends the process at once: libraries' imports may swallow a
    KeyboardInterrupt (a bare `except:` around an optional import, an import lock's weakref
    callback) or turn it into another error, and nothing has been written yet that would need
    cleaning up."""
    os.write(2, MESSAGE)
    os._exit(INTERRUPTED)


_signal.signal(_signal.SIGINT, _interrupted_while_importing)

import gc  # noqa: E402  (after Ctrl-C is handled, on purpose)
import signal  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

#: The cyclic garbage collector's thresholds for a command (CPython's are 700, 10, 10): the
#: imports of a run create a few hundred thousand objects that live until exit, and with the
#: default thresholds the collector walks them again and again (about 0.1 s of a 1.2 s run).
#: Collections still happen, some seventy times less often; reference counting frees the rest.
GC_THRESHOLDS = (50_000, 20, 10)

#: Set by the first Ctrl-C once the command line has loaded.
_interrupt_seen = False


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        with warnings.catch_warnings():
            # NumPy's RuntimeWarnings (overflow, invalid value) are not for the user's terminal:
            # results are checked where they are made, and stderr holds one line per problem.
            warnings.simplefilter("ignore", RuntimeWarning)
            from gigawatt.cli import main as cli_main

            # From here Ctrl-C is a KeyboardInterrupt, so commands clean up (temporary files)
            # and say what was kept (a sweep's finished samples); `cli_main` ends it as below.
            sys.unraisablehook = _quiet_interrupt(sys.unraisablehook)
            signal.signal(signal.SIGINT, _keyboard_interrupt)
            try:
                cli_main()
            except SystemExit as e:
                if _interrupt_seen and e.code != INTERRUPTED:
                    interrupted()  # a Ctrl-C swallowed on the way (see _quiet_interrupt)
                raise
    except KeyboardInterrupt:
        interrupted()


def _keyboard_interrupt(signum: int, frame: object) -> None:
    global _interrupt_seen
    _interrupt_seen = True
    raise KeyboardInterrupt


def _quiet_interrupt(hook):  # type: ignore[no-untyped-def]
    """A KeyboardInterrupt raised where Python cannot pass it on (a weakref callback, a
    `__del__`) is printed by Python as 'Exception ignored ... Traceback' and then dropped;
    here it is not printed, and `main` still ends the command as interrupted."""

    def hook_(unraisable):  # type: ignore[no-untyped-def]
        if not issubclass(unraisable.exc_type, KeyboardInterrupt):
            hook(unraisable)

    return hook_


def interrupted() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while exiting: same end
    try:
        sys.stderr.write(MESSAGE.decode())
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # stderr closed: the exit code says it
    raise SystemExit(INTERRUPTED)
