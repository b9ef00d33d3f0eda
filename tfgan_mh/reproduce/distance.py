"""The mode_gan claim's check K+1 ~ binary (Kavalerov et al., "A study of quality and diversity in K+1 GANs",
§3): the energy distance of each arm's samples to the binary GAN's of the same seed, the binary arm's to the next
seed's (the seed-to-seed floor), each value kept in its run directory so a clone rebuilds the report from records.
"""

import json
import os
from typing import Optional

import gin
import numpy as np

from tfgan_mh.evaluation import records
from tfgan_mh.run import run_dir

DISTANCE_FILE = "reproduce_distance_to_binary.json"  # a mode_gan run's energy distance to the binary GAN, kept


def _pairs(seed_dirs):
  """(model_dir, the binary run it is compared with) of every run of mode_gan's distance check."""
  seeds = sorted(seed_dirs)
  for seed in seeds:
    for arm, model_dir in seed_dirs[seed].items():
      if arm != "binary":
        yield model_dir, seed_dirs[seed]["binary"]
      elif len(seeds) > 1:
        yield model_dir, seed_dirs[seeds[(seeds.index(seed) + 1) % len(seeds)]]["binary"]


def _kept_distance(model_dir, other) -> Optional[float]:
  """The distance written in `model_dir` against `other` at both runs' present steps; None when there is none."""
  try:
    with open(os.path.join(model_dir, DISTANCE_FILE)) as f:
      kept = json.load(f)
  except (OSError, ValueError):
    return None
  same = (kept.get("against") == os.path.relpath(other, os.path.dirname(model_dir))
          and kept.get("steps") == [run_dir.done_steps(model_dir), run_dir.done_steps(other)])
  return kept.get("energy_distance_to_binary") if same else None


def add_distance_to_binary(rows, seed_dirs, num_points: int = 2000):
  """The K+1 GANs paper's claim K+1 ~ binary: energy distance of each arm's samples to the binary GAN's (same seed).

  The binary arm's own value is its distance to the binary GAN of the next seed: the seed-to-seed noise
  floor the K+1 distance is compared with (None with one seed). Each value is kept in its run directory
  (`DISTANCE_FILE`, with the runs' steps), so a clone that holds the records but not the checkpoints rebuilds the
  report; the generators are sampled only when a value is missing.
  """
  from tfgan_mh.metrics import mixture  # pylint: disable=g-import-not-at-top
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  pairs = list(_pairs(seed_dirs))
  values = {model_dir: _kept_distance(model_dir, other) for model_dir, other in pairs}
  if any(v is None for v in values.values()):
    samples = {}
    for model_dir in {d for pair in pairs for d in pair}:
      gin.clear_config()
      run = restore.load_run(model_dir, "latest")
      z = np.random.default_rng(1000).standard_normal((num_points, run.generator.z_dim)).astype(np.float32)
      samples[model_dir] = run.sample(z, None, use_ema=True).numpy()
      gin.clear_config()
    for model_dir, other in pairs:
      values[model_dir] = float(mixture.energy_distance(samples[model_dir], samples[other]))
      keep_distance(model_dir, other, values[model_dir])
  for row in rows:
    if row["model_dir"] in values:
      row["values"]["energy_distance_to_binary"] = values[row["model_dir"]]


def keep_distance(model_dir, other, value: float) -> None:
  """Writes `model_dir`'s distance to the binary run `other` with both runs' steps (atomically)."""
  records.write_json_atomic(os.path.join(model_dir, DISTANCE_FILE), {
      "energy_distance_to_binary": value, "against": os.path.relpath(other, os.path.dirname(model_dir)),
      "steps": [run_dir.done_steps(model_dir), run_dir.done_steps(other)]})
