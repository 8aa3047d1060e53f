"""Safe YAML and TOML reading.

PyYAML follows YAML 1.1, where `35e9` and `1e-5` are strings; scenario and catalog files use
that notation everywhere, so the safe loader here also reads YAML 1.2 floats as numbers.
The loader is libyaml's (C) safe loader when PyYAML was built with it, four times faster on
the catalog than the pure-Python one and giving the same data.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from gigawatt.errors import InputError, Problem


# libyaml's parser when present (fast); the constructor, and so this check, is Python either way.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        #: Each repeated key, by (line, column): the key and the line of its first use;
        #: `loads_yaml` refuses the file naming all of them, once it is read to the end.
        self.duplicates: dict[tuple[int, int], tuple[Any, int]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping whose keys are unique: a repeated key is an error, not "last one wins"
        (noted here and said by `loads_yaml` with every other one of the file)."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base` merges are overridden by design
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: SafeLoader says so itself
                continue
            if first is not None:
                self.duplicates[(line, key_node.start_mark.column + 1)] = (key, first)
                continue
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date as a date; a text shaped like one that names no day of the calendar
        (`2025-13-01`, `2025-02-30`) stays the text, for the field reading it to refuse with
        its name (PyYAML's own constructor raised a bare ValueError: an internal error)."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[no-untyped-call]
        except (ValueError, OverflowError):
            return self.construct_scalar(node)  # type: ignore[no-untyped-call]


def parser_version() -> str:
    """What parses a YAML file here: PyYAML's version and, when its C loader is used, libyaml's
    (a different parser can read the same text differently; caches of parsed files key on it)."""
    if _Loader.__mro__[1].__name__ == "CSafeLoader":
        import yaml._yaml as libyaml  # type: ignore[import-not-found]

        return f"PyYAML {yaml.__version__}, libyaml {libyaml.get_version_string()}"
    return f"PyYAML {yaml.__version__}, pure Python"


_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)
    |[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def loads_yaml(text: str, *, origin: str) -> Any:
    """The data of a YAML text; a text that is not valid YAML is refused naming `origin`, with
    every repeated key of it (one line each) rather than only the first."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        where = ""
        mark = getattr(e, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(f"not valid YAML{where}: {problem}", field=origin) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise InputError(
            problems=[
                Problem(
                    origin,
                    f"not valid YAML (line {line}, column {column}): duplicate key {key!r} "
                    f"(first at line {first})",
                )
                for (line, column), (key, first) in sorted(loader.duplicates.items())
            ]
        )
    return data


#: The least share of ASCII characters in a file read as UTF-16 or UTF-32 for it to be called
#: text of that encoding (a scenario or catalog file is nearly all ASCII; bytes that only
#: happen to start with a byte-order mark decode to other scripts).
ASCII_SHARE = 0.9
#: Byte-order marks of the UTF-16 and UTF-32 text that some editors save ("Unicode" in Windows
#: Notepad), longest first: such a file is text, in an encoding the loaders do not read.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _not_utf8(path: Path) -> str:
    """Why a file that is not UTF-8 cannot be read: UTF-16 or UTF-32 text (a byte-order mark,
    then text that decodes to mostly ASCII, as a data file does) is named, with what to do;
    anything else is not a text file."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    for bom, encoding in _WIDE_BOMS:
        if not data.startswith(bom):
            continue
        try:
            text = data.decode(encoding.replace("-", "").lower())
        except UnicodeDecodeError:
            break
        if text and sum(c.isascii() for c in text) >= len(text) * ASCII_SHARE:
            return f"{encoding} text; allowed: UTF-8 (save the file as UTF-8)"
        break
    return "not a text file (UTF-8 expected)"


def read_data_file(path: Path) -> Any:
    """A YAML (or, by suffix, TOML) file as plain Python data."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(_not_utf8(path), field=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", field=str(path)) from None
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise InputError(f"not valid TOML: {e}", field=str(path)) from None
    return loads_yaml(text, origin=str(path))
