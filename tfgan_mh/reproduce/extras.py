"""What a claim adds to the common pipeline (`claims.Claim.extras`): values read from a run's own files, values
that compare runs, and a reference row on real data. The runner and the report call these hooks and never branch
on a claim's name.
"""

import dataclasses
import json
import os
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from tfgan_mh.evaluation import records
from tfgan_mh.reproduce import distance
from tfgan_mh.run import run_dir


@dataclasses.dataclass(frozen=True)
class Extras:
  """A claim's additions to the pipeline; every hook is optional.

  `run_values(model_dir)`: more values of one finished run, kept in its row (the report tabulates those the claim
  lists in its `metrics`).
  `across_runs(rows, seed_dirs)`: adds values that compare runs to `rows`, in place (`seed_dirs`: seed -> arm ->
  run directory).
  `real_data(dataset, classifier, data_dir, num_samples)`: values of the real data of the claim's first dataset
  (`classifier`: its dataset classifier, None for point data; `num_samples`: None, the whole test split, or a
  count, the smoke test's).
  """
  run_values: Optional[Callable[[str], Dict[str, Any]]] = None
  across_runs: Optional[Callable[[List[Dict[str, Any]], Dict[int, Dict[str, str]]], None]] = None
  real_data: Optional[Callable[..., Dict[str, float]]] = None


NONE = Extras()
MARGIN_FILE = "reproduce_margins.json"  # a MAGAN run's margin at every logged step, kept with the run's steps


def margin_history(model_dir: str) -> List[float]:
  """MAGAN's margin at every logged step (TensorBoard "magan/margin"), in step order."""
  from tfgan_mh.evaluation import scalars  # pylint: disable=g-import-not-at-top
  curves = scalars.read_scalars(model_dir)
  return curves["magan/margin"][1].tolist() if "magan/margin" in curves else []


def kept_margins(model_dir: str) -> List[float]:
  """`margin_history`, kept in `MARGIN_FILE` with the run's steps: the event files stay on the machine that trained
  the run (results/campaign/.gitignore), so a clone rebuilds the report from this record. A record of other steps
  (the run went on since) is read again from the events."""
  path, steps = os.path.join(model_dir, MARGIN_FILE), run_dir.done_steps(model_dir)
  try:
    with open(path) as f:
      kept = json.load(f)
  except (OSError, ValueError):
    kept = {}
  if kept.get("steps") == steps and steps is not None:
    return kept["margins"]
  margins = margin_history(model_dir)
  if margins and steps is not None:
    records.write_json_atomic(path, {"steps": steps, "margins": margins})
  return margins


def _margin_values(model_dir: str) -> Dict[str, Any]:
  """MAGAN's margin schedule: its first and last value after pretraining, how often it fell, every value."""
  margins = [m for m in kept_margins(model_dir) if m > 0]
  return dict(margin_first=margins[0] if margins else None, margin_last=margins[-1] if margins else None,
              margin_updates=len(set(margins)) - 1 if margins else None, margin_per_epoch=margins)


def _test_split_is(dataset, classifier: str, data_dir: Optional[str], num_samples: Optional[int]):
  """The classifier Inception Score of the dataset's test images (MAGAN §4.1 reports 9.09 for MNIST's)."""
  from tfgan_mh.data import builder  # pylint: disable=g-import-not-at-top
  from tfgan_mh.evaluation import extractors  # pylint: disable=g-import-not-at-top
  from tfgan_mh.metrics import inception_score  # pylint: disable=g-import-not-at-top
  ext = extractors.load_extractor(f"classifier:{classifier}")
  batch = num_samples or 500  # 500 divides the 10 000 test images
  test = builder.build_source(**dataset.source_kwargs(data_dir)).input_fn(
      global_batch_size=batch, split="test", training=False)  # [batch, 28, 28, 1] in [-1, 1]
  images = np.concatenate([x.numpy() for x, _ in (test.take(1) if num_samples else test)])
  score = inception_score.inception_score(logits=ext(images)[0].numpy(), num_splits=10)
  return {"classifier_is_mean": score.mean, "classifier_is_std": score.std}


def _ring_quality(dataset, classifier, data_dir, num_samples) -> Dict[str, float]:
  """The ring's validation points scored as samples: the shares and coverage a perfect generator reaches."""
  del dataset, classifier, data_dir, num_samples  # the ring is generated, always whole
  from tfgan_mh.data import ring  # pylint: disable=g-import-not-at-top
  from tfgan_mh.metrics import mixture  # pylint: disable=g-import-not-at-top
  src = ring.ring_source()
  q = mixture.mixture_quality(src.arrays("validation")[0], src.means, src.std)
  return {k: q[k] for k in ("ring_high_quality_2std", "ring_high_quality_3std", "ring_modes_covered",
                            "ring_mode_kl")}


def _distance_to_binary(rows, seed_dirs) -> None:
  """K+1 ~ binary (`distance`), where every seed has the binary arm to compare with."""
  if all("binary" in d for d in seed_dirs.values()):
    distance.add_distance_to_binary(rows, seed_dirs)


MAGAN = Extras(run_values=_margin_values, real_data=_test_split_is)
MODE_GAN = Extras(across_runs=_distance_to_binary, real_data=_ring_quality)
