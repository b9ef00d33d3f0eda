"""Reproductions of the papers' headline claims at CPU scale: `python -m tfgan_mh.reproduce CLAIM`.

`claims` defines the comparisons (arms = the project's gin experiments), `runner` trains and evaluates them
(reusing finished runs), `report` writes OUT/CLAIM.md and OUT/CLAIM.json with mean ± std over seeds, the
papers' numbers and a verdict.
"""

from tfgan_mh.reproduce.claims import CLAIMS
from tfgan_mh.reproduce.runner import run_claim

__all__ = ["CLAIMS", "run_claim"]
