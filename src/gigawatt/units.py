"""Unit constants, defined once (DESIGN.md section 8: SI in code, convert at the edges).

A name reads as a conversion factor: `power_w / W_PER_GW` is gigawatts, `duration_s / S_PER_H`
hours. Calendar lengths are conventions, named for the convention they use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is not imported for constants (`gigawatt --help` stays fast)
    import numpy as np

# power
W_PER_KW = 1e3
W_PER_MW = 1e6
#: Days in a (non-leap) year: a yearly amount of a per-day price.
DAYS_PER_YEAR = 365.0
W_PER_GW = 1e9
MW_PER_GW = 1e3
KW_PER_MW = 1e3

# energy
WH_PER_MWH = 1e6
MWH_PER_TWH = 1e6
MWH_PER_GWH = 1e3
J_PER_KWH = 3.6e6
WH_PER_KWH = 1e3
WH_PER_GWH = 1e9
WH_PER_TWH = 1e12

# time
S_PER_H = 3600.0
S_PER_DAY = 86_400.0
H_PER_DAY = 24
#: A 365-day year: what annual energy figures and amortisation over years count.
H_PER_YEAR = 8760.0
MONTHS_PER_YEAR = 12
#: A mean Gregorian month (365.25 / 12 days) [s]: converts per-month rates.
S_PER_MONTH = 365.25 / 12 * S_PER_DAY

# mass
KG_PER_T = 1e3
G_PER_KG = 1e3
T_PER_MT = 1e6

# memory: a GiB is 2^30 bytes (`memory_gib_per_gpu`, DESIGN.md section 7)
BYTES_PER_GIB = 2**30

# compute
FLOPS_PER_TFLOP = 1e12
FLOPS_PER_PFLOP = 1e15
FLOPS_PER_EFLOP = 1e18

# display scales of counts, money and volumes
MILLION = 1e6
BILLION = 1e9


def month_hours(months: np.ndarray) -> np.ndarray:
    """Hours in each calendar month of a datetime64[M] array (leap years included)."""
    days = (months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")
    return days.astype(float) * H_PER_DAY
