"""What a run trains (`train.*` in gin: `TrainSettings`, checked once, when made), the check every settings class
shares, and the checks of the run directory and init_from before anything is built."""

import dataclasses
from typing import Optional

import gin
import numpy as np
import tensorflow as tf


def check_writable(model_dir: str) -> None:
  """Raises ValueError if model_dir cannot be created or written (local path or gs://)."""
  if tf.io.gfile.exists(model_dir) and not tf.io.gfile.isdir(model_dir):
    raise ValueError(f"model_dir {model_dir!r} is a file: pass a directory (a new one, or a run to resume)")
  probe = model_dir.rstrip("/") + "/.write_probe"
  try:
    tf.io.gfile.makedirs(model_dir)
    with tf.io.gfile.GFile(probe, "w") as f:
      f.write("ok")
    tf.io.gfile.remove(probe)
  except (tf.errors.OpError, OSError) as e:
    raise ValueError(f"model_dir {model_dir!r} is not writable ({type(e).__name__}); "
                     "pass a directory you can write to (local or gs://)") from None


def resolve_init_from(path: str) -> str:
  """A checkpoint prefix from a run directory or a prefix; ValueError if it points to nothing."""
  if tf.io.gfile.isdir(path):
    latest = tf.train.latest_checkpoint(path)
    if latest is None:
      raise ValueError(f"init_from={path!r} is a directory with no checkpoint; "
                       "pass a run directory containing ckpt-N files or a checkpoint prefix")
    return latest
  if tf.io.gfile.exists(path + ".index"):
    return path
  raise ValueError(f"init_from={path!r} points to no checkpoint (no {path}.index, not a run directory)")


_POSITIVE_INTS = ("num_steps", "global_batch_size", "d_steps")


def _is_int(v) -> bool:
  return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def check_positive_int(name: str, value) -> None:
  """One-line ValueError unless `value` is an integer >= 1 (`name` as the message shows it)."""
  if not _is_int(value) or value < 1:
    raise ValueError(f"{name}={value!r}: expected an integer >= 1")


@gin.configurable("train", module="tfgan_mh.training.loop")
@dataclasses.dataclass(frozen=True)
class TrainSettings:
  """What a run trains and for how long (gin `train.*`); a bad value is a one-line ValueError when made.

  The other settings of a run belong to the code that uses them, each its own gin name (`loop.RunSettings`):
  `cadence.*` (saves, summaries, pictures, log, steps per host call), `pictures.*`, `execution.*` (precision,
  XLA), `optimization.*` (optimizer, gradient accumulation), `ema.*`, `lecam.*`, `diffaugment.*`, `ada.*`,
  `gradient_penalty.*`.
  """

  loss_family: str = gin.REQUIRED
  num_steps: int = gin.REQUIRED
  global_batch_size: int = 64  # Kavalerov et al. 2019 (MHGAN) §3.1: 256 on TPU; CPU configs override
  d_steps: int = 1  # D steps per G step: 1 for SAGAN / MHGAN, 2 for ACGAN (MHGAN §3.1)
  init_from: Optional[str] = None  # another run's model_dir or checkpoint (MHSharedGAN switch, MHGAN §3.2)
  steps_per_epoch: Optional[int] = None  # epoch length in train steps (families with epoch hooks); default N / batch
  fake_labels: str = "auto"  # G's labels: p_d if the data is imbalanced (tfgan_mh.training.labels)
  seed: int = 0
  allow_batch_change: bool = False  # resume with another global_batch_size (run_info.json keeps both)

  def __post_init__(self):
    for name in _POSITIVE_INTS:
      check_positive_int(f"train.{name}", getattr(self, name))
    if not _is_int(self.seed) or self.seed < 0:
      raise ValueError(f"train.seed={self.seed!r}: expected an integer >= 0")
    if self.steps_per_epoch is not None:
      check_positive_int("train.steps_per_epoch", self.steps_per_epoch)
