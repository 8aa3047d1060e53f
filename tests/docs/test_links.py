"""Every relative link of README.md and docs/**/*.md (the generated snippets they include too)
leads to a file that exists and, with `#anchor`, to a heading of that page: a reader who clicks
one never lands on nothing, on GitHub or in the MkDocs site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_blocks import DOCS, ROOT, pages

#: `[text](target)` outside code; the target up to the first space (a title may follow).
_LINK = re.compile(r"(?<!\!)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ANCHOR_ATTR = re.compile(r"\{[^}]*#([\w-]+)[^}]*\}\s*$")
_SNIPPET = re.compile(r'^\s*--8<--\s*"([^"]+)"')


def _prose(path: Path) -> list[str]:
    """The page's lines outside fenced code, with the snippets it includes."""
    out: list[str] = []
    fence = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _FENCE.match(line)
        if m:
            fence = None if fence and m.group(1).startswith(fence) else fence or m.group(1)
            continue
        if fence:
            continue
        snippet = _SNIPPET.match(line)
        if snippet:
            out += _prose(DOCS / snippet.group(1))
            continue
        out.append(line)
    return out


def slug(heading: str) -> str:
    """Python-Markdown's toc slug (MkDocs' default): markup dropped, lowercase, punctuation
    removed, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_]", "", text) if "`" not in heading else text.replace("*", "")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in _prose(path):
        m = _HEADING.match(line)
        if not m:
            continue
        attr = _ANCHOR_ATTR.search(m.group(2))
        found.add(attr.group(1) if attr else slug(_ANCHOR_ATTR.sub("", m.group(2))))
    return found


def links(path: Path) -> list[str]:
    """The link targets of a page, outside inline code."""
    return [t for line in _prose(path) for t in _LINK.findall(re.sub(r"`[^`]*`", "", line))]


def _relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I) and not target.startswith("/")


def test_pages_have_links():
    """The check reads the links it should (a broken pattern would pass every page)."""
    assert len([t for p in pages() for t in links(p) if _relative(t)]) > 50


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for target in links(page):
        if not _relative(target):
            continue
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT)}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def _nav_pages(nav: object) -> list[str]:
    """The page files of mkdocs.yml's `nav`, in order."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for v in nav.values() for p in _nav_pages(v)]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_pages(item)]
    return []


def test_index_lists_every_page_as_the_site_navigation_does():
    """docs/index.md's "Every page" lists each page once, in the order of mkdocs.yml's nav, and
    the nav holds every page of docs/ (the generated snippets aside)."""
    import yaml

    class _Loader(yaml.SafeLoader):  # mkdocs.yml's `!relative` tag names a folder
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    nav = _nav_pages(config["nav"])
    files = sorted(
        str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if "_generated" not in p.parts
    )
    assert sorted(nav) == files, "mkdocs.yml's nav and the pages of docs/ differ"
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    section = text.split("\n## Every page\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"\]\(([^)#]+)\)", section)
    assert listed == nav
