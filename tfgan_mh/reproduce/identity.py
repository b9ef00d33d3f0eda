"""What a reproduce run trains, as a fingerprint: so a changed recipe is never mistaken for a finished run, and
a run two claims share (the tutorials' cGAN arm, a baseline) is trained once.

A run's recipe is the gin configuration its arm parses (gin files + bindings + dataset + seed + the smoke
bindings), without the step count and the save / picture cadence that follow from `--steps` (a run extended to
more steps keeps its recipe, unless its rates anneal to 0 at its last step: `fingerprint`) and without where the
data is read from (`--data_dir` or TFDS: the same data). Its
fingerprint (sha256 of `gin.config_str()`, the normalised bindings: comments and file layout do not count) is
written to `RECIPE_FILE` in the run directory when it starts training.

`recipe_changed` is true for a run whose recorded fingerprint differs from the arm's present one (its gin files
were edited since, e.g. a campaign re-tuned the recipe): the runner then trains it again in a clean folder. A
run written before fingerprints existed has none and is taken as it is. Renaming a gin parameter changes the
fingerprint of every recipe that binds it: when the train job's settings were split by owner (2026-12-05,
`tfgan_mh.cli.RENAMED_BINDINGS`), the records of `results/campaign` were re-recorded once, each checked equal to
the old code's fingerprint of its recipe first; a run of another OUT recorded before then is set aside and trained
again.

`find_same` looks for a finished run of the same recipe and steps elsewhere under OUT/runs with its checkpoints
on disk; `copy_run` copies it (checkpoint files hard-linked where the file system allows: TF writes new ones
and never rewrites one) without its eval/ folder, so each claim evaluates it with its own metrics.
"""

import glob
import hashlib
import json
import os
import re
import shutil
from typing import Callable, Optional, Sequence

import gin

from tfgan_mh import cli
from tfgan_mh.evaluation import records
from tfgan_mh.run import run_dir

RECIPE_FILE = "reproduce_recipe.json"
_SEED_DIR = re.compile(r"seed\d+$")


def fingerprint(gin_files: Sequence[str], bindings: Sequence[str], steps: Optional[int] = None) -> str:
  """sha256 of the gin configuration that `gin_files` + `bindings` parse to (the global gin config is left
  clear). A recipe whose rates anneal to 0 at its last step (`optimization.anneal_from`) counts its `steps` too:
  its schedule follows its length, so a longer run of it is another recipe, trained again from step 0."""
  from tfgan_mh.training import optim  # pylint: disable=g-import-not-at-top
  gin.clear_config()
  try:
    cli.parse_gin(list(gin_files), list(bindings))
    config = gin.config_str()
    if steps is not None and optim.OptimizationSettings().anneal_from is not None:
      config += f"\n# annealed over {steps} steps\n"
    return hashlib.sha256(config.encode()).hexdigest()
  finally:
    gin.clear_config()


def recorded(model_dir: str) -> Optional[str]:
  """The fingerprint written in `model_dir`, None when it has none (or it cannot be read)."""
  try:
    with open(os.path.join(model_dir, RECIPE_FILE)) as f:
      return json.load(f)["sha256"]
  except (OSError, ValueError, KeyError, TypeError):
    return None


def record(model_dir: str, digest: str) -> None:
  """Writes the fingerprint into `model_dir` (atomically)."""
  os.makedirs(model_dir, exist_ok=True)
  records.write_json_atomic(os.path.join(model_dir, RECIPE_FILE), {"sha256": digest})


def recipe_changed(model_dir: str, digest: str) -> bool:
  """True when `model_dir` was trained with another recipe than `digest` (module docstring)."""
  mine = recorded(model_dir)
  return mine is not None and mine != digest


def find_same(out: str, model_dir: str, digest: str, steps: int, complete: Callable[[str], bool]) -> Optional[str]:
  """Another run directory under OUT/runs of this recipe, finished at `steps`, for which `complete(dir)` holds
  (its checkpoints are on disk); None when there is none."""
  mine = os.path.abspath(model_dir)
  for path in sorted(glob.glob(os.path.join(out, "runs", "*", "*", "*", "seed*", RECIPE_FILE))):
    other = os.path.dirname(path)
    if (_SEED_DIR.search(other) and os.path.abspath(other) != mine and recorded(other) == digest
        and run_dir.done_steps(other) == steps and complete(other)):
      return other
  return None


def _link_or_copy(src: str, dst: str) -> None:
  """Hard-links a checkpoint file (TF never rewrites one in place), copies any other (TRAIN_DONE, records...)."""
  if os.path.basename(src).startswith("ckpt-"):
    try:
      os.link(src, dst)
      return
    except OSError:
      pass
  shutil.copy2(src, dst)


def copy_run(src: str, dst: str) -> None:
  """Copies the finished run `src` to `dst` (which must not exist) without its eval/ folder; the copy appears
  whole or not at all (written as `dst.partial`, then renamed)."""
  partial = dst + ".partial"
  shutil.rmtree(partial, ignore_errors=True)
  os.makedirs(os.path.dirname(dst), exist_ok=True)
  shutil.copytree(src, partial, ignore=shutil.ignore_patterns("eval", "*.partial"), copy_function=_link_or_copy)
  os.replace(partial, dst)
