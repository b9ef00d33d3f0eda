"""Loading a run to inspect: `load(model_dir, "best")` (eval/best.json's step, else the latest checkpoint)."""

from typing import Optional, Union

from tfgan_mh.evaluation import records as records_lib
from tfgan_mh.run import restore

Checkpoint = Union[str, int]  # "best", "latest", a step, or a checkpoint prefix


def checked_model_dir(model_dir) -> str:
  """`model_dir` without a trailing slash; one-line ValueError when it is not a path."""
  if not model_dir or not isinstance(model_dir, str):
    raise ValueError(f"model_dir={model_dir!r}: expected a run directory (local path or gs://...) written "
                     "by tfgan_mh.train")
  return model_dir.rstrip("/")


def _best(model_dir: str) -> Optional[dict]:
  return records_lib.read_json(f"{model_dir}/{restore.BEST_FILE}")


def resolve_step(model_dir: str, checkpoint: Checkpoint = "best") -> Checkpoint:
  """What `load` restores: "best" is the step in eval/best.json, or "latest" when the eval job wrote none.

  The step (not best.json's checkpoint path) is used, so a run copied elsewhere (gs:// -> local) resolves.
  Other values ("latest", a step, a checkpoint prefix) are returned unchanged.
  """
  model_dir = checked_model_dir(model_dir)
  if checkpoint == "best":
    best = _best(model_dir)
    return "latest" if best is None else int(best["step"])
  return checkpoint


def load(model_dir: str, checkpoint: Checkpoint = "best", *, with_discriminator: bool = True) -> restore.Run:
  """Restores a run (`tfgan_mh.run.restore.load_run`); "best" falls back to "latest" (see resolve_step).

  Args:
    model_dir: the run directory (local or gs://).
    checkpoint: "best", "latest", a step number, or a checkpoint prefix.
    with_discriminator: also restore D (needed by `projection_singular_values`).

  Raises:
    ValueError: not a run, no checkpoint, an unknown checkpoint (the message lists the steps).
  """
  model_dir = checked_model_dir(model_dir)
  which = resolve_step(model_dir, checkpoint)
  return restore.load_run(model_dir, which, with_discriminator=with_discriminator)
