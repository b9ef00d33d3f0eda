"""What the train step does to every image D sees: ADA's adaptive 'bgc' transforms (`tfgan_mh.training.ada`), then
the DiffAugment policies (`tfgan_mh.augment.diffaugment`), each off by default; both can be on.

`GANTrainer` calls it with the seed of each draw: `images = augmentation(images, seed)` on real and fake images in
the D step and on fakes (and the reals a family asks for) in the G step; after each D update
`after_d_update(measurements)` lets ADA move its p.
"""

import dataclasses
from typing import Optional

import gin
import tensorflow as tf

from tfgan_mh.augment import diffaugment
from tfgan_mh.models.outputs import DiscOutput, adversarial_score
from tfgan_mh.training import ada as ada_lib

REAL_SIGN = "d/real_sign"  # the D step's measurement E[sign D(x_real)] ADA reads
_ADA_SEED_OFFSET = 4096  # ADA's draws: seed[0] + this; DiffAugment's use seed[0] + 16 k, k < 3


@gin.configurable("diffaugment")
@dataclasses.dataclass(frozen=True)
class DiffAugmentSettings:
  """DiffAugment (gin `diffaugment.policy`: policies of `tfgan_mh.augment.diffaugment`, e.g. 'color,cutout';
  '' = off), checked when made."""

  policy: str = ""

  def __post_init__(self):
    diffaugment.parse_policy(self.policy)


class Augmentation:
  """DiffAugment `policy` (e.g. 'color,cutout') and ADA `ada` (`AdaSettings`; None or inactive = off).

  Checks both on construction (one-line ValueError); `build` creates ADA's variables (in the strategy's scope).
  """

  def __init__(self, policy, ada: Optional[ada_lib.AdaSettings], image_shape):
    self.policy = diffaugment.parse_policy(policy)
    if self.policy and len(tuple(image_shape)) != 3:
      raise ValueError(f"DiffAugment {','.join(self.policy)} needs images [H, W, C]; these samples have shape "
                       f"{tuple(image_shape)}: set diffaugment.policy=''")
    self.ada_settings = ada if ada is not None and ada.active else None
    self.image_shape = tuple(image_shape)
    self.ada = None

  def build(self, probe: DiscOutput, global_batch_size: int) -> None:
    """ADA's controller (checked against D's outputs `probe`); nothing without ADA."""
    if self.ada_settings is not None:
      ada_lib.check(self.ada_settings, self.image_shape, probe)
      self.ada = ada_lib.AdaController(self.ada_settings, global_batch_size)

  @property
  def active(self) -> bool:
    return bool(self.policy) or self.ada_settings is not None

  def __call__(self, images, seed):
    """T(images) with draws from `seed` ([2] int64); `images` itself when nothing is on."""
    if self.ada is not None:
      images = self.ada.augment(images, seed + tf.constant([_ADA_SEED_OFFSET, 0], seed.dtype))
    if self.policy:
      images = diffaugment.diff_augment(images, self.policy, seed)
    return images

  def describe_ada(self) -> Optional[dict]:
    """ADA's settings for run_info.json (None when off)."""
    return None if self.ada_settings is None else dataclasses.asdict(self.ada_settings)

  def checkpoint_items(self) -> dict:
    return {} if self.ada is None else {"ada": self.ada}

  def real_measurements(self, real: DiscOutput, global_mean) -> dict:
    """{REAL_SIGN: E[sign D(x_real)]} over the global batch (`global_mean`: the trainer's reduction) with ADA."""
    if self.ada is None:
      return {}
    return {REAL_SIGN: global_mean(tf.sign(adversarial_score(real)))}

  def after_d_update(self, measurements: dict) -> dict:
    """ADA's bookkeeping after one D update (cross-replica); the measurements to log ("ada/p", "ada/r_t")."""
    return {} if self.ada is None else self.ada.observe(measurements[REAL_SIGN])
