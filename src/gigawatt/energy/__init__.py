"""Energy, carbon, water, power swings and on-site supply (DESIGN.md section 6, "energy").

- `footprint`: one job's energy, carbon (location, market, embodied) and water.
- `programme`: the `energy` stage of `simulate`, monthly per phase and site.
- `swings`: a synchronous job's sub-second power trace and its mitigation.
- `profiles`, `supply`: hourly solar/wind profiles and the PyPSA least-cost supply model
  (optional extra `gigawatt[supply]`).
- `report`: what `gigawatt energy` prints.
"""
