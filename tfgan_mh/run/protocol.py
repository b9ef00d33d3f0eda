"""The evaluation protocol an experiment states in its gin file, stored in run_info.json by the train job and
read back by the eval job (`tfgan_mh.evaluation.protocol` says why protocols differ between the papers).
"""

from typing import Any, Dict, Optional

import gin

IS_SPLITS_SOURCES = {
    1: "one score over all samples (TF-GAN SAGAN eval: MHGAN; PyTorch-StudioGAN)",
    10: "mean +- std over 10 splits (Salimans et al. 2016 script; AM-GAN, MAGAN)",
}
DEFAULT_IS_SPLITS = 10  # the Salimans script: most papers, and the eval job before protocols existed


@gin.configurable("eval_protocol")
def eval_protocol(*, inception_score_splits: int = DEFAULT_IS_SPLITS) -> Dict[str, Any]:
  """The evaluation protocol of an experiment (stored in run_info.json under "eval_protocol").

  Args:
    inception_score_splits: 1 for MHGAN (TF-GAN: one score over all samples), 10 for AM-GAN / MAGAN (Salimans).

  Raises:
    ValueError: a split count that is not a positive int (one line).
  """
  splits = inception_score_splits
  if isinstance(splits, bool) or not isinstance(splits, int) or splits < 1:
    raise ValueError(f"eval_protocol.inception_score_splits={splits!r}: expected a positive int (1 for MHGAN's "
                     "TF-GAN protocol, 10 for the Salimans script of AM-GAN / MAGAN)")
  return {"inception_score_splits": splits,
          "inception_score_source": IS_SPLITS_SOURCES.get(splits, f"mean +- std over {splits} splits")}


def run_is_splits(run_info: Dict[str, Any], override: Optional[int]) -> Dict[str, Any]:
  """The IS splits for a run: the flag when given, else the run's protocol, else the default.

  Returns:
    {"is_splits": S, "is_splits_from": "flag" | "run" | "default", "is_splits_source": text}.
  """
  stored = (run_info.get("eval_protocol") or {}).get("inception_score_splits")
  if override is not None:
    splits, origin = int(override), "flag"
  elif stored is not None:
    splits, origin = int(stored), "run"
  else:
    splits, origin = DEFAULT_IS_SPLITS, "default"
  return {"is_splits": splits, "is_splits_from": origin,
          "is_splits_source": IS_SPLITS_SOURCES.get(splits, f"mean +- std over {splits} splits")}
