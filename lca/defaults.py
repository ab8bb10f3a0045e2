"""Defaults the command line shows in its `--help`, in a module that imports nothing.

They live here, not beside the code that uses them, so that `genai-lca --help` can print them
without loading Brightway, pint, numpy or scipy (issue 15: `--help` under 0.3 s of CPU).
"""

#: The Brightway project a run writes to when `--project` is not given.
DEFAULT_PROJECT = "genai-lca"
#: Sobol' base points: n (k + 2) evaluations, about 14,000 for the example's 12 inputs.
SOBOL_N = 1024
