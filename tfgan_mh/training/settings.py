"""The train job's settings (`train.*` in gin: `TrainSettings`, checked once, when made) and its checks of the run
directory and init_from before anything is built."""

import dataclasses
from typing import Optional

import gin
import numpy as np
import tensorflow as tf

from tfgan_mh.training import ema as ema_lib
from tfgan_mh.training import lecam as lecam_lib


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


_POSITIVE_INTS = ("num_steps", "global_batch_size", "d_steps", "steps_per_loop", "save_every", "max_to_keep",
                  "summary_every", "image_every", "log_every", "images_per_class", "accumulate_steps")


def _is_int(v) -> bool:
  return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def check_positive_int(name: str, value) -> None:
  """One-line ValueError unless `value` is an integer >= 1 (`name` as the message shows it)."""
  if not _is_int(value) or value < 1:
    raise ValueError(f"{name}={value!r}: expected an integer >= 1")


def _check(settings: dict) -> None:
  """One-line ValueError for a train.* setting of the wrong type or range, before anything is created (the EMA
  and LeCam settings by their modules' checks, which the trainer also applies)."""
  for name in _POSITIVE_INTS:
    check_positive_int(f"train.{name}", settings[name])
  if not _is_int(settings["seed"]) or settings["seed"] < 0:
    raise ValueError(f"train.seed={settings['seed']!r}: expected an integer >= 0")
  if settings["steps_per_epoch"] is not None:
    check_positive_int("train.steps_per_epoch", settings["steps_per_epoch"])
  ema_lib.check_settings(settings["ema_decay"], settings["ema_start"], "train.")
  lecam_lib.check_weight(settings["lecam_weight"], "train.")


@gin.configurable("train", module="tfgan_mh.training.loop")
@dataclasses.dataclass(frozen=True)
class TrainSettings:
  """What `loop.train` runs, bound in gin as `train.<field>`; a bad value is a one-line ValueError when made."""

  loss_family: str = gin.REQUIRED
  num_steps: int = gin.REQUIRED
  global_batch_size: int = 64  # Kavalerov et al. 2019 (MHGAN) §3.1: 256 on TPU; CPU configs override
  d_steps: int = 1  # D steps per G step: 1 for SAGAN / MHGAN, 2 for ACGAN (MHGAN §3.1)
  steps_per_loop: int = 100  # train steps per host call (one tf.function)
  ema_decay: Optional[float] = None  # e.g. 0.9999 (BigGAN); None = no EMA generator
  ema_start: int = 0  # steps before the EMA starts (a copy until then); StudioGAN MHGAN: 1000
  precision: str = "auto"  # 'auto', 'float32' or 'mixed_bfloat16' (tfgan_mh.training.precision)
  mixed_bfloat16: Optional[bool] = None  # older configs: True / False = precision 'mixed_bfloat16' / 'float32'
  jit_compile: bool = False  # XLA for GPU; TPUs always compile; on CPU it measured 1.4-5x slower
  save_every: int = 1000
  max_to_keep: int = 100000  # large so a sidecar eval job never misses a checkpoint
  summary_every: int = 100
  image_every: int = 1000
  log_every: int = 100
  images_per_class: int = 8
  picture_classes: int = 20  # rows of the sample picture (evenly spaced classes)
  init_from: Optional[str] = None  # another run's model_dir or checkpoint (MHSharedGAN switch, MHGAN §3.2)
  checkpoint_input: bool = False  # also checkpoint the input iterator (saves the shuffle buffer)
  steps_per_epoch: Optional[int] = None  # epoch length in train steps (families with epoch hooks); default N / batch
  optimizer: str = "adam"  # 'adam' or 'adamax' (MAGAN), configured per network: g/adam.*, d/adam.*
  fake_labels: str = "auto"  # G's labels: p_d if the data is imbalanced (tfgan_mh.training.labels)
  diffaugment: str = ""  # DiffAugment policies for every image D sees, e.g. 'color,cutout' (tfgan_mh.augment)
  lecam_weight: float = 0.0  # LeCam regularisation of D (0 = off; other settings: LeCam.*)
  accumulate_steps: int = 1  # micro-batches per update: the batch-n update in n slices (accumulate.py)
  seed: int = 0
  allow_batch_change: bool = False  # resume with another global_batch_size (run_info.json keeps both)

  def __post_init__(self):
    _check(dataclasses.asdict(self))
