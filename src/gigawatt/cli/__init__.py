"""The `gigawatt` command line (DESIGN.md section 7): thin, one library call per command.

Every command takes `--json` and then prints exactly one JSON object on stdout. Bad input is a
message on stderr and exit code 2; any other failure exits 1; never a traceback (set
GIGAWATT_DEBUG=1 to see one).
"""

from __future__ import annotations

import errno
import math
import os
import re
import sys

import typer

# Typer ships its own copy of Click; its exceptions are these (not the `click` package's).
from typer._click import exceptions as click
from typer.core import TyperOption

from gigawatt.cli import (  # noqa: F401  (each registers its commands)
    cache,
    compare,
    energy,
    jobs,
    markets,
    programme,
    sensitivity,
)
from gigawatt.cli.common import (
    SCENARIO_PARAMS,
    FlagCommand,
    app,
    emit_json,
    flag_names,
    pipe_closed,
    scenario_file_problems,
)
from gigawatt.defaults import DEFAULT_SCENARIO
from gigawatt.display import plain_text
from gigawatt.errors import GigawattError, InputError

__all__ = ["DEFAULT_SCENARIO", "app", "emit_json", "main"]

#: The exit code of a command ended by Ctrl-C (128 + SIGINT), as a shell reports it.
INTERRUPTED = 130

# --- entry point ------------------------------------------------------------------------------


def _fail(message: str, code: int) -> None:
    """The message on stderr, every line marked `error: ` (a file with several problems gives
    one line per problem, each one an error line a reader or a grep can tell apart), then exit."""
    lines = plain_text(message).splitlines() or [""]
    sys.stderr.write("".join(f"error: {line}\n" for line in lines))
    raise SystemExit(code)


def _usage_error(e: click.UsageError, argv: list[str]) -> None:
    """Click's usage block and blank lines as one line, with where to look."""
    message = (
        _missing(e, argv)
        or _no_such_option(e)
        or _no_such_command(e)
        or _click_words(e)
        or _not_a_choice(e)
        or _bad_value(e, argv)
        or _plain_pydantic(" ".join(e.format_message().split()))
    )
    path = e.ctx.command_path if e.ctx is not None else "gigawatt"
    if path == "gigawatt" and (command := _command_in(argv)) is not None:
        path = f"gigawatt {command}"  # an option's error raised before its command's context
    _fail(f"{message} (see `{path} --help`){_files_beside(e)}", e.exit_code)


def _files_beside(e: click.UsageError) -> str:
    """The problems of the scenario files the command line names, one line each after a
    refused option's (`--samples: 'abc' is not allowed ...`, a missing `--samples`): Click
    refuses the option before the command runs, but the files do not depend on it
    (`common.scenario_file_problems`). Empty for any other usage error."""
    param = getattr(e, "param", None)
    command = e.ctx.command if e.ctx is not None else None
    if not (
        isinstance(e, click.BadParameter)
        and isinstance(command, FlagCommand)
        and isinstance(param, TyperOption)
        and param.name not in SCENARIO_PARAMS
    ):
        return ""
    problems = scenario_file_problems(command, e.ctx)
    return "\n" + InputError(problems=problems).render(flag_names(command)) if problems else ""


#: Click's messages about how an option is written, as the rest of the CLI says them.
_CLICK_WORDS = (
    (re.compile(r"Option '(.+)' requires an argument\."), r"\1: needs a value"),
    (re.compile(r"Option '(.+)' does not take a value\."), r"\1: takes no value"),
    (
        re.compile(r"Got unexpected extra argument\(s\) \((.+)\)"),
        r"\1: more arguments than the command takes",
    ),
)


def _click_words(e: click.UsageError) -> str | None:
    for pattern, words in _CLICK_WORDS:
        if pattern.fullmatch(e.message):
            return pattern.sub(words, e.message)
    return None


_NOT_A_CHOICE = re.compile(
    r"Invalid value for '(.+)': (?:Value error, )?'(.*)' is not one of (.+)\."
)


def _not_a_choice(e: click.UsageError) -> str | None:
    """`ACTION: 'clean' is not allowed: expected 'info' or 'clear' (did you mean 'clear'?)`."""
    from gigawatt.errors import did_you_mean

    found = _NOT_A_CHOICE.fullmatch(" ".join(e.format_message().split()))
    if found is None:
        return None
    name, value, listed = found.groups()
    choices = re.findall(r"'([^']*)'", listed)
    expected = " or ".join(
        [", ".join(map(repr, choices[:-1])), repr(choices[-1])]
        if len(choices) > 1
        else map(repr, choices)
    )
    return f"{name}: {value!r} is not allowed: expected {expected}" + did_you_mean(value, choices)


def _command_in(argv: list[str]) -> str | None:
    """The command an argument list runs (the first word that names one), if any."""
    from typer.main import get_command

    names = getattr(get_command(app), "commands", {})
    return next((a for a in argv if a in names), None)


def _missing(e: click.UsageError, argv: list[str]) -> str | None:
    """Every required option left out, at once (Click names the first only): `--model,
    --system and --gpus: required, not given`."""
    param = getattr(e, "param", None)
    if not isinstance(e, click.MissingParameter) or param is None or e.ctx is None:
        return None
    given = {a.split("=", 1)[0] for a in argv}
    missing = [
        p
        for p in e.ctx.command.params
        if p.required and p.param_type_name == "option" and not given & set(p.opts)
    ]
    if param not in missing:  # an argument (SCENARIO): Click's own is the one to report
        missing = [param]
    names = [p.opts[0] if p.param_type_name == "option" else _argument_label(p) for p in missing]
    listed = f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
    return f"{listed}: required, not given"


def _no_such_option(e: click.UsageError) -> str | None:
    """An unknown option said as the rest of the CLI says it: `--serach: no such option (did
    you mean --search?)`; a global option after the command says where it goes."""
    if not isinstance(e, click.NoSuchOption):
        return None
    from gigawatt.cli.common import GLOBAL_FLAGS

    name = e.option_name
    if name == "--version":
        return "--version: an option of gigawatt itself, without a command (`gigawatt --version`)"
    if name in GLOBAL_FLAGS.values():
        command = e.ctx.info_name if e.ctx is not None else "COMMAND"
        return (
            f"{name}: an option of gigawatt itself, given before the command "
            f"(`gigawatt {name} DIR {command} ...`)"
        )
    argument = _argument_named(e, name)
    if argument is not None:  # `run --scenario x.yaml`: the scenario is the command's argument
        command = e.ctx.command_path if e.ctx is not None else "gigawatt COMMAND"
        return f"{name}: no such option; {argument} is an argument: `{command} {argument}`"
    close = list(e.possibilities or ())
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"{name}: no such option{hint}"


def _argument_named(e: click.UsageError, option: str) -> str | None:
    """The label of the command's positional argument that an unknown `--option` names
    (`--scenario` for SCENARIO, `--kind` for KIND), else None."""
    if e.ctx is None:
        return None
    wanted = option.lstrip("-").split("=", 1)[0].replace("-", "_").lower()
    for param in e.ctx.command.params:
        if param.param_type_name == "argument" and (param.name or "").lower() == wanted:
            return _argument_label(param)
    return None


def _no_such_command(e: click.UsageError) -> str | None:
    """`rn: no such command (did you mean run?)`, as an unknown option reads."""
    found = re.fullmatch(r"No such command '(.+)'\.(?: Did you mean '(.+)'\?)?", e.message)
    if found is None:
        return None
    hint = f" (did you mean {found.group(2)}?)" if found.group(2) else ""
    return f"{found.group(1)}: no such command{hint}"


def _argument_label(param: object) -> str:
    """A positional argument as the usage line names it (`SCENARIO`)."""
    metavar = getattr(param, "metavar", None) or getattr(param, "name", None) or "argument"
    return str(metavar).split()[0].upper()


def _bad_value(e: click.UsageError, argv: list[str]) -> str | None:
    """An option's refused value said as the rest of the CLI says it, with the value the user
    wrote (`--gpus: 0 is not allowed: must be >= 1`), where Typer's message leaves it out
    (`Invalid value for '--gpus': Input should be greater than or equal to 1`)."""
    param = getattr(e, "param", None)
    opts = [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]
    if not isinstance(e, click.BadParameter) or not opts or not opts[0].startswith("-"):
        return None
    given = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg in opts and i + 1 < len(argv):
            given = argv[i + 1]
        elif "=" in arg and arg.split("=", 1)[0] in opts:
            given = arg.split("=", 1)[1]
    from gigawatt.validation import decimal_comma_hint, names_value

    reason = _plain_pydantic(" ".join(str(e.message).split()))
    if given is None or names_value(reason, given) or names_value(reason, repr(given)):
        return None
    try:
        number = float(given)
    except ValueError:
        number = None
    shown = given if number is not None else repr(given)
    if number is not None and not math.isfinite(number):
        reason = "must be a finite number"
    hint = decimal_comma_hint(given)
    return f"{opts[0]}: {shown} is not allowed: {reason[:1].lower()}{reason[1:]}{hint}"


def _plain_pydantic(message: str) -> str:
    """Pydantic's wording in a bad option's message (`Input should be greater than or equal
    to 1`, `Value error, ...`) said as the rest of the CLI says it (`must be >= 1`)."""
    from gigawatt.validation import plain_message

    head, sep, body = message.partition(": ")
    return f"{head}{sep}{plain_message(body)}" if sep else plain_message(message)


def _closed_streams() -> None:
    """Run with stdout or stderr closed (`gigawatt ... >&-`): write to /dev/null instead of
    failing on a missing stream."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (until exit)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (until exit)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes without tracebacks; every
    problem is one line on stderr.

    Ctrl-C ends with `interrupted` and exit code 130 (`gigawatt_entry` does the same while
    this module is still importing); a closed pipe on stdout ends quietly.
    """
    debug = bool(os.environ.get("GIGAWATT_DEBUG"))
    _closed_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["help"]:  # `gigawatt help [COMMAND]`, as many tools take it
        args = [*args[1:2], "--help"]
    empty = _empty_path_flag(args)
    if empty is not None:
        flag, given = empty
        _fail(f"{flag}: {given!r} is not allowed: expected a path{_EMPTY_PATH_TAIL[flag]}", 2)
    try:
        code = app(args=_home_expanded(args), prog_name="gigawatt", standalone_mode=False)
    except click.NoArgsIsHelpError as e:
        e.show()
        raise SystemExit(e.exit_code) from None
    except click.UsageError as e:
        _usage_error(e, args)
    except click.ClickException as e:
        _fail(e.format_message(), e.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _interrupted()
    except BrokenPipeError:
        pipe_closed()
    except InputError as e:
        if debug:
            raise
        _fail(str(e), 2)
    except OSError as e:
        if debug:
            raise
        if e.errno in _PATH_ERRNOS and e.filename is not None:
            _fail(_bad_path(e, args), 2)  # a path the user wrote that no system could open
        _fail(str(e), 1)
    except GigawattError as e:
        if debug:
            raise
        _fail(str(e), 1)
    except Exception as e:  # a bug: still no traceback unless asked for
        if debug:
            raise
        loop = str(e).removeprefix(_PATHLIB_LOOP) if isinstance(e, RuntimeError) else None
        if loop is not None and str(e).startswith(_PATHLIB_LOOP):
            _fail(_bad_path(OSError(errno.ELOOP, os.strerror(errno.ELOOP), loop[1:-1]), args), 2)
        _fail(f"internal error ({type(e).__name__}): {e}; rerun with GIGAWATT_DEBUG=1", 1)
    try:
        sys.stdout.flush()  # here, not at exit, where a closed pipe would print a traceback
    except BrokenPipeError:
        pipe_closed()
    if code == INTERRUPTED:  # Typer turns Ctrl-C inside a command into exit code 130
        _interrupted()
    raise SystemExit(code if isinstance(code, int) else 0)


#: The flags that take a path: an empty one would be read as `.` (the current folder), so
#: `--out "$DIR"` with DIR unset would write there; the other empty values are refused by
#: `Request` with the same words.
_PATH_FLAGS = frozenset({"--out", "--png", "--store", "--sweep"})
#: What leaving out a path flag does, said after its empty value is refused: `--catalog ""`
#: read the current folder as a catalog folder, `--prices ""` the current folder as a file.
_EMPTY_PATH_TAIL = {
    **{flag: f" (leave {flag} out for the default)" for flag in _PATH_FLAGS},
    "--catalog": " (leave --catalog out for the shipped catalog alone)",
    "--prices": " (a CSV file of daily closing prices)",
}


def _empty_path_flag(argv: list[str]) -> tuple[str, str] | None:
    """The first path flag given an empty value (`--out ""` or `--out=`) and that value."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        flag, eq, value = arg.partition("=")
        if flag not in _EMPTY_PATH_TAIL:
            continue
        given = value if eq else (argv[i + 1] if i + 1 < len(argv) else None)
        if given is not None and not given.strip():
            return flag, given
    return None


def _home_expanded(argv: list[str]) -> list[str]:
    """A path flag's `~` or `~user` as the home folder: `--out=~/runs` (which no shell expands,
    as it expands `--out ~/runs`) made a folder called `~` in the current one."""
    out = list(argv)
    for i, arg in enumerate(out):
        if arg == "--":
            break
        flag, eq, value = arg.partition("=")
        if flag not in _PATH_FLAGS | {"--catalog"}:
            continue
        if eq and value.startswith("~"):
            out[i] = f"{flag}={os.path.expanduser(value)}"
        elif not eq and i + 1 < len(out) and out[i + 1].startswith("~"):
            out[i + 1] = os.path.expanduser(out[i + 1])
    return out


#: Errors that say a path as written cannot be a path (a name too long for the file system, a
#: loop of symbolic links): the user's input wherever the path is first used.
_PATH_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ELOOP})


def _bad_path(e: OSError, argv: list[str]) -> str:
    """`--store: 'xxxx...' is not allowed: File name too long; allowed: ...`, the flag found
    as the argument the path came from."""
    path = os.fsdecode(e.filename)
    flag = None
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if value and (path == value or path.endswith(os.sep + value.lstrip("./"))):
            before = argv[i - 1] if i > 0 and "=" not in arg else arg.split("=", 1)[0]
            flag = before if before.startswith("-") else _argument_name(argv)
            path = value  # as the user wrote it
    shown = path if len(path) <= 60 else path[:57] + "..."
    allowed = (
        f"names of at most {_NAME_MAX} bytes between slashes"
        if e.errno == errno.ENAMETOOLONG
        else "a path without a loop of symbolic links"
    )
    return f"{flag or 'path'}: {shown!r} is not allowed: {e.strerror}; allowed: {allowed}"


def _argument_name(argv: list[str]) -> str:
    """The name of the command's positional argument (`SCENARIO`), as its usage line says."""
    from typer.main import get_command

    group = get_command(app)
    words = [a for a in argv if not a.startswith("-")]
    command = getattr(group, "commands", {}).get(words[0]) if words else None
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument":
            return str(param.metavar or param.name or "path").upper()
    return "path"


#: How pathlib's `resolve()` reports a loop of symbolic links (Python 3.11, 3.12): a
#: RuntimeError, not an OSError.
_PATHLIB_LOOP = "Symlink loop from "

#: The longest file name most file systems take [bytes] (ext4, XFS, Btrfs, APFS, NTFS).
_NAME_MAX = 255


def _interrupted() -> None:
    sys.stderr.write("interrupted\n")
    raise SystemExit(INTERRUPTED)
