"""Regulatory thresholds against training runs (the acts cited in the thresholds catalog)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gigawatt.policy import check_training_run, in_force_on, thresholds_crossed

DAY_S = 86_400.0


def _by_id(checks):
    return {c.id: c for c in checks}


def test_llama_405b_crosses_the_eu_threshold_only(catalog):
    # Llama 3.1 405B: 3.8e25 FLOP (Meta, official) -> above 1e25, below 1e26.
    checks = _by_id(check_training_run(catalog, 3.8e25, start=dt.date(2026, 3, 1)))
    assert checks["eu-ai-act-systemic-risk"].exceeded
    assert checks["eu-ai-act-systemic-risk"].notification_deadline == dt.date(2026, 3, 15)
    assert not checks["ca-sb53-frontier"].exceeded
    assert not checks["ny-raise-frontier"].exceeded


def test_crossing_dates_for_a_gigawatt_run(catalog):
    """Arithmetic: ~4e20 FLOP/s sustained crosses 1e25 in ~7 h and 1e26 in ~3 days."""
    rate = 4e20
    duration = 90 * DAY_S
    start = dt.date(2027, 6, 1)
    checks = _by_id(
        check_training_run(catalog, rate * duration, start=start, duration_s=duration, cost_usd=5e9)
    )
    eu = checks["eu-ai-act-systemic-risk"]
    assert (eu.crossing_date - start).days == 0  # 1e25 / 4e20 = 6.9 h
    ca = checks["ca-sb53-frontier"]
    assert ca.crossing_date == start + dt.timedelta(seconds=1e26 / rate)
    assert ca.crossing_date == dt.date(2027, 6, 3)  # 2.9 days
    ny = checks["ny-raise-frontier"]
    assert ny.exceeded and ny.in_force  # in force from 2027-01-01
    assert not checks["us-eo-14110-model"].in_force  # revoked 2025-01-20
    crossed = thresholds_crossed(list(checks.values()))
    assert {"eu-ai-act-systemic-risk", "ca-sb53-frontier", "ny-raise-frontier"} <= set(crossed)
    assert "us-eo-14110-model" not in crossed


def test_new_york_as_amended_has_no_cost_test(catalog):
    # S8828 (2026) replaced the 2025 text with SB 53's definitions: 1e26 operations decides.
    checks = _by_id(check_training_run(catalog, 2e26, start=dt.date(2027, 2, 1)))
    assert checks["ny-raise-frontier"].exceeded is True
    assert checks["ny-raise-frontier"].in_force


def test_the_2025_cost_test_needs_a_cost_at_market_prices(catalog):
    record = next(t for t in catalog.thresholds() if t.id == "ny-raise-2025-as-passed")
    assert record.cost_usd == 1e8 and record.cost_basis == "market"
    checks = _by_id(check_training_run(catalog, 2e26, start=dt.date(2027, 2, 1)))
    assert checks["ny-raise-2025-as-passed"].exceeded is None  # cost unknown: cannot decide
    # The test reads the market figure, not the ownership one.
    split = {"ownership": 5e7, "market": 5e8}
    dear = _by_id(check_training_run(catalog, 2e26, start=dt.date(2027, 2, 1), cost_usd=split))
    assert dear["ny-raise-2025-as-passed"].exceeded is True
    assert "market prices USD 500,000,000" in dear["ny-raise-2025-as-passed"].note
    split = {"ownership": 5e8, "market": 5e7}
    cheap = _by_id(check_training_run(catalog, 2e26, start=dt.date(2027, 2, 1), cost_usd=split))
    assert cheap["ny-raise-2025-as-passed"].exceeded is False


def test_the_2025_text_was_never_in_force(catalog):
    checks = _by_id(check_training_run(catalog, 2e26, start=dt.date(2026, 3, 19), cost_usd=5e8))
    assert checks["ny-raise-2025-as-passed"].exceeded
    assert not checks["ny-raise-2025-as-passed"].in_force
    assert "ny-raise-2025-as-passed" not in thresholds_crossed(list(checks.values()))


def test_cost_crossing_is_dated_by_the_cost_share(catalog):
    # 2e26 FLOP over 10 days crosses 1e26 on day 5; USD 1B of market cost crosses USD 100M
    # on day 1: the later of the two dates the 2025 text's frontier model.
    start = dt.date(2027, 2, 1)
    checks = _by_id(
        check_training_run(
            catalog, 2e26, start=start, duration_s=10 * DAY_S, cost_usd={"market": 1e9}
        )
    )
    assert checks["ny-raise-2025-as-passed"].crossing_date == start + dt.timedelta(days=5)
    checks = _by_id(
        check_training_run(
            catalog, 1e27, start=start, duration_s=10 * DAY_S, cost_usd={"market": 2.5e8}
        )
    )
    assert checks["ny-raise-2025-as-passed"].crossing_date == start + dt.timedelta(days=4)


def test_new_york_not_in_force_before_2027(catalog):
    checks = _by_id(check_training_run(catalog, 2e26, start=dt.date(2026, 6, 1)))
    assert checks["ny-raise-frontier"].exceeded and not checks["ny-raise-frontier"].in_force


@pytest.mark.parametrize(
    ("day", "expected"),
    [(dt.date(2023, 10, 29), False), (dt.date(2024, 6, 1), True), (dt.date(2025, 1, 20), False)],
)
def test_in_force_window(catalog, day, expected):
    eo = next(t for t in catalog.thresholds() if t.id == "us-eo-14110-model")
    assert in_force_on(eo, day) is expected


def test_the_revenue_test_is_labelled_not_made_a_condition(catalog):
    """SB 53 obliges every developer of a model above 1e26 operations (a transparency report);
    USD 500 M of revenue only makes a "large frontier developer". The note must not say the law
    applies only above that revenue."""
    checks = _by_id(check_training_run(catalog, 2e26, start=dt.date(2026, 3, 1)))
    note = checks["ca-sb53-frontier"].note
    assert "large frontier developer test: revenue > USD 500,000,000" in note
    assert "applies to developers" not in note


def test_thresholds_exceeded_but_not_law_are_listed_apart(catalog):
    """A run that exceeds rules not yet in force, revoked or never in force: the checks carry
    the day judged and the rule's dates, and `train`'s summary lists those rules apart, each
    with why, so none reads as a duty."""
    from gigawatt.cli.jobs import threshold_lines
    from gigawatt.scenario import month_from_index, month_index

    records = {t.id: t for t in catalog.thresholds()}
    ny = records["ny-raise-frontier"]
    eo = records["us-eo-14110-model"]
    never = records["ny-raise-2025-as-passed"]
    start = dt.date.fromisoformat(
        month_from_index(month_index(ny.effective.isoformat()[:7]) - 6) + "-01"
    )
    checks = check_training_run(
        catalog, 2e26, start=start, duration_s=30 * DAY_S, cost_usd={"market": 1e9}
    )
    by_id = _by_id(checks)
    for c in checks:
        record = records[c.id]
        assert (c.effective, c.revoked) == (record.effective, record.revoked)
        assert c.checked_on == (c.crossing_date or start)
    assert by_id["ny-raise-frontier"].exceeded and not by_id["ny-raise-frontier"].in_force
    triggers = {t.id: t.notification_trigger for t in catalog.thresholds()}
    lines = threshold_lines([c.as_dict() for c in checks], dated=True, triggers=triggers)
    text = " ".join(lines)
    now, pending, later = lines[0], lines[-2], lines[-1]
    assert now.startswith("Thresholds exceeded and in force when crossed: ")
    assert "ny-raise-frontier" not in now and "us-eo-14110-model" not in now
    # not yet in force: no duty from the crossing, but the rule may cover the released model
    assert pending.startswith("Exceeded, not yet in force when crossed: ")
    assert f"ny-raise-frontier (in force from {ny.effective.isoformat()})" in pending
    assert "may still cover it" in pending
    assert later.startswith("Exceeded, but not law when crossed (no duty from them): ")
    assert "ny-raise-frontier" not in later
    assert f"us-eo-14110-model (revoked {eo.revoked.isoformat()})" in later
    assert never.revoked <= never.effective and "ny-raise-2025-as-passed (never in force)" in later
    eu = by_id["eu-ai-act-systemic-risk"]
    assert (
        f"eu-ai-act-systemic-risk notification due {eu.notification_deadline.isoformat()}" in text
    )
    # the deadline comes with what triggers it and whom it binds (the provider placing the model
    # on the EU market), as the catalog states it
    trigger = " ".join(records["eu-ai-act-systemic-risk"].notification_trigger.split())
    assert f"eu-ai-act-systemic-risk notification: {trigger}" in lines
    assert "places it on the EU market" in trigger


def _train(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[dict, str]:
    """`gigawatt train ARGS`: its --json object, and its text with whitespace collapsed."""
    from gigawatt.cli import main

    with pytest.raises(SystemExit):
        main(["train", *args, "--json"])
    data = json.loads(capsys.readouterr().out)
    with pytest.raises(SystemExit):
        main(["train", *args])
    return data, " ".join(capsys.readouterr().out.split())


def test_train_flags_a_threshold_only_the_hardware_count_crosses(capsys):
    """Under full recomputation the executed FLOPs exceed the model FLOPs by HFU / MFU: a run
    whose model-FLOP count sits just under a compute-only threshold in force, and whose
    hardware count is over it, is flagged; a run well under it is not."""

    def train(tokens: str) -> tuple[dict, str]:
        return _train(capsys, ["--model", "llama3-405b", "--tokens", tokens, "--system",
                               "gb200-nvl72", "--gpus", "16384", "--plan", "recompute=full",
                               "--start", "2026-06"])  # fmt: skip

    data, out = train("10T")  # well under 1e26 on either count
    assert "Counted from the hardware" not in out
    ratio = data["hfu"] / data["mfu"]
    assert ratio > 1  # full recomputation executes more than the model counts
    ca = next(c for c in data["thresholds"] if c["id"] == "ca-sb53-frontier")
    # tokens that put the model count just under the threshold, the hardware count over it
    tokens = ca["value"] / (data["training_flop"] / data["tokens"]) / ratio**0.5
    data, out = train(f"{tokens:.6e}")
    hardware = data["training_flop"] * data["hfu"] / data["mfu"]
    assert data["training_flop"] < ca["value"] < hardware and ca["in_force"]
    assert f"the run computes {hardware:.3g} FLOP, over ca-sb53-frontier" in out


def test_train_flags_a_threshold_the_6nd_count_stays_under(capsys):
    """The model-FLOP count adds the attention term in full to 6 N D, the count developers
    publish: Llama 3 70B on 21T tokens is 1.01e25 model FLOP (over the EU's 1e25) but
    6 x 69.5B active parameters x 21T = 8.76e24 (under it). `train` says so; on 15T tokens
    both counts are under, and nothing is said."""

    def train(tokens: str) -> tuple[dict, str]:
        return _train(capsys, ["--model", "llama3-70b", "--tokens", tokens, "--system",
                               "dgx-h100", "--gpus", "1024"])  # fmt: skip

    data, out = train("21T")
    six_nd = data["training_flop_6nd"]
    assert six_nd == pytest.approx(6 * data["params_active"] * data["tokens"])
    assert six_nd < 1e25 < data["training_flop"]
    assert "eu-ai-act-systemic-risk" in data["thresholds_crossed"]
    assert f"the run computes {six_nd:.3g} FLOP, not over eu-ai-act-systemic-risk" in out
    assert "eu-ai-act-gpai-indicative" not in out.split("Counted as 6 x")[1]
    _, out = train("15T")
    assert "Counted as 6 x active parameters" not in out


def test_law_status_reads_each_thresholds_dates(catalog, capsys):
    """A threshold's legal state on a day, apart from the record's provenance `status`: EO
    14110 revoked on 2025-01-20, RAISE as amended not yet in force before 2027-01-01, RAISE
    as passed never in force, SB 53 in force from 2026-01-01; `gigawatt catalog thresholds`
    prints today's, so that "status: official" of a revoked order does not read as law."""
    from gigawatt.cli import main
    from gigawatt.policy import law_status

    day = dt.date(2026, 12, 7)
    t = {r.id: r for r in catalog.thresholds()}
    assert law_status(t["us-eo-14110-model"], day) == (
        "revoked 2025-01-20 (in force 2023-10-30 to 2025-01-20)"
    )
    assert law_status(t["ny-raise-frontier"], day) == "not yet in force (from 2027-01-01)"
    assert law_status(t["ny-raise-frontier"], dt.date(2027, 1, 1)) == "in force since 2027-01-01"
    assert law_status(t["ny-raise-2025-as-passed"], day).startswith("never in force")
    assert law_status(t["ca-sb53-frontier"], day) == "in force since 2026-01-01"
    assert law_status(t["ca-sb53-frontier"], dt.date(2025, 12, 31)).startswith("not yet")
    for r in t.values():  # the words agree with the policy model's test
        assert law_status(r, day).startswith("in force since") == in_force_on(r, day)
    with pytest.raises(SystemExit) as exc:
        main(["catalog", "thresholds"])
    out = " ".join(capsys.readouterr().out.split())
    assert exc.value.code == 0
    today = dt.date.today()
    for r in t.values():
        assert (
            f"law: {law_status(r, today)}, on {today}; threshold: {r.metric} > {r.value:g}" in out
        )
