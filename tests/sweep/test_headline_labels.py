"""What the headline outputs are called where people read them (sensitivity, report)."""

from __future__ import annotations

from gigawatt.sweep.headline import headline_column


def test_threshold_date_title_says_the_rule_may_not_be_in_force() -> None:
    # threshold_date[ID] counts revoked and not-yet-applicable rules too (headline.py): a
    # reader must not take the month for a legal obligation.
    title = headline_column("threshold_date[us-eo-14110-model]").header
    assert "us-eo-14110-model" in title
    assert "in force or not" in title
    assert "largest run started then" in title


def test_largest_run_compute_title_says_when_the_run_starts() -> None:
    column = headline_column("largest_run_flop_end")
    assert "started in the last month" in column.header
    assert column.heading(brackets=True).endswith("[FLOP]")


def test_whole_run_capex_reads_as_run_prints_it() -> None:
    """run prints 'cumulative capex to 2032-12: USD 565.8B' and the report's Money paragraph
    'Capex USD 565.8B'; the tornado's point value read 566 beside them."""
    column = headline_column("capex_usd_total")
    assert column.cell({"capex_usd_total": 565.77e9}) == f"{565.77e9 / 1e9:,.1f}"


def test_energy_total_is_called_facility_energy() -> None:
    """`energy_twh_total` sums facility energy (IT x PUE); run, the report's tables and the
    band and compare charts now call it "Facility energy", and so does the sensitivity's
    title (it read "Energy over the scenario")."""
    assert headline_column("energy_twh_total").header.startswith("Facility energy over")
