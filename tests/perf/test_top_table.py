"""`perf --search`'s table of best plans: no two rows a reader cannot tell apart."""

from __future__ import annotations

import pytest

from gigawatt import app
from gigawatt.catalog import Catalog
from gigawatt.cli import main
from gigawatt.cli.jobs import TOP_FIGURES, TOP_KNOBS, distinct_top


@pytest.fixture(scope="module")
def top() -> list[dict]:
    found = app.perf(
        model="llama3-70b", system="dgx-h100", gpus=1024, search=True, catalog=Catalog.load()
    )
    return [dict(r) for r in found.to_json()["top"]]


def _shown(row: dict, extra: list[str]) -> tuple:
    return (*(row[k] for k in (*TOP_KNOBS, *extra)), round(row["step_time_s"], 3))


def test_rows_that_differ_only_in_a_knob_without_effect_are_merged(top):
    """Plans that differ only in a knob that changed nothing (pp_balance here, as when the
    search kept both balancings of a split on which they give the same stages): the table keeps
    one of each, names the knob, and every row it shows differs from the others in a shown
    column. Since the search builds only the interleavings Megatron-Core accepts, this case's
    own top ten has no such pair, so twins are added to it."""
    twins = [{**r, "pp_balance": not r["pp_balance"]} for r in top[:3]]
    plans = [*top, *twins]
    rows, merged, extra = distinct_top(plans)
    assert len(rows) == len(plans) - len(twins) and merged == ["pp_balance"]
    for knob in merged:
        assert knob not in TOP_FIGURES
    shown = [_shown(r, extra) for r in rows]
    assert len(set(shown)) == len(shown)
    # every dropped plan has a kept twin with the same figures, differing only in `merged`
    for r in plans:
        assert any(all(r[k] == k_row[k] for k in r if k not in merged) for k_row in rows), r


def test_a_hidden_knob_that_changes_the_result_becomes_a_column(top):
    """Two plans alike in the shown knobs but with different figures stay two rows, and the
    knob that tells them apart is added as a column."""
    a = dict(top[0])
    b = {**a, "pp_balance": not a["pp_balance"], "step_time_s": a["step_time_s"] * 1.01}
    rows, merged, extra = distinct_top([a, b])
    assert rows == [a, b] and merged == [] and extra == ["pp_balance"]


def test_perf_search_prints_the_merged_table(capsys, top):
    with pytest.raises(SystemExit) as exc:
        main(
            ["perf", "--model", "llama3-70b", "--system", "dgx-h100", "--gpus", "1024", "--search"]
        )
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    rows, merged, _ = distinct_top(top)
    said = f"of the {len(top)} best plans are not shown: each differs from a row above only in"
    if len(rows) < len(top):
        assert f"{len(top) - len(rows)} {said} {', '.join(merged)}" in out
    else:  # no twins among this search's best plans: nothing is said to be hidden
        assert said not in out
