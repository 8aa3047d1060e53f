"""`python -m gigawatt ...`: the command line of the `gigawatt` console script, for a Python
environment whose scripts folder is not on the PATH (a notebook's kernel, `py -m` on Windows)."""

from gigawatt_entry import main

main()
