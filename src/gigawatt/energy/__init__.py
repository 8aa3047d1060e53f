"""Energy, carbon, water, power swings and on-site supply (DESIGN.md section 6, "energy").

- `footprint`: one job's energy, carbon (location, market, embodied) and water.
- `programme`: the `energy` stage of `simulate`, monthly per phase and site.
- `swings`: a synchronous job's sub-second power trace and its mitigation.
- `profiles`, `supply`: hourly solar/wind profiles and the PyPSA least-cost supply model
  (optional extra `gigawatt[supply]`).
- `sites`: a scenario's sites seen by the energy model (grid, contracts, totals, one site's
  swings and supply); `gigawatt.app.energy` assembles `gigawatt energy` from them.
"""
