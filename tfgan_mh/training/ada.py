"""ADA, adaptive discriminator augmentation (Karras, Aittala, Hellsten, Laine, Lehtinen & Aila 2020, "Training
Generative Adversarial Networks with Limited Data", arXiv:2006.06676, §3).

Every image D sees in training (real and fake, in the D and the G step) goes through the 'bgc' pipeline
(`tfgan_mh.augment.bgc`) with probability p per transform. p starts at 0 and follows an overfitting heuristic:

  r_t = E[sign(D_train(x_real))]          (§3, Eq. (1): the fraction of real images D calls real, mapped to [-1, 1])
  every `interval` D updates:  p <- max(0, p + sign(r_t - target) * batch * interval / (kimg * 1000))

with r_t the mean over those updates' global batches, target 0.6 (§3: "r_t = 0.6 worked well") and the speed
`kimg` = 500: p can go from 0 to 1 in 500k real images (§3). These are the authors' defaults
(stylegan2-ada-pytorch, `train.py`: ada_target 0.6, ada_interval 4, ada_kimg 500); as there, p is bounded below
by 0 only (a p >= 1 applies every transform). D(x) is the family's adversarial score
(`tfgan_mh.models.outputs.adversarial_score`), as for LeCam and the gradient penalties.

p, the running sum and the count live in `AdaController`'s variables, which the checkpoint holds (a resumed run
continues with its p); the train step logs "ada/p" and "ada/r_t" (the r_t of the last adjustment).

In gin: `ada.pipeline = 'bgc'` turns it on (default '' = off); `ada.target`, `ada.interval`, `ada.kimg`,
`ada.initial_p`, and `ada.adjust = False` for a fixed p (the paper's fixed-p baselines, Fig. 4).
"""

import dataclasses

import gin
import tensorflow as tf

from tfgan_mh.augment import bgc
from tfgan_mh.models.outputs import adversarial_score
from tfgan_mh.training import settings as settings_lib

_OFF = "ada.pipeline=''"


def _check_number(name, value, low, low_inclusive=True):
  bad = isinstance(value, bool) or not isinstance(value, (int, float))
  if bad or not (value >= low if low_inclusive else value > low):
    bound = f">= {low:g}" if low_inclusive else f"> {low:g}"
    raise ValueError(f"ada.{name}={value!r}: expected a number {bound}")


@gin.configurable("ada")
@dataclasses.dataclass(frozen=True)
class AdaSettings:
  """What ADA does (module docstring); checked when made (a bad value is a one-line ValueError)."""

  pipeline: str = ""  # '' = off; 'bgc' (the paper's), or any of b, g, c, bg, bc, gc
  target: float = 0.6
  interval: int = 4  # D updates per adjustment of p
  kimg: float = 500.0  # thousands of real images for p to move by 1
  initial_p: float = 0.0
  adjust: bool = True  # False: p stays at initial_p

  def __post_init__(self):
    if self.pipeline:
      bgc.check_pipeline(self.pipeline)
    _check_number("target", self.target, 0.0)
    if self.target > 1:
      raise ValueError(f"ada.target={self.target!r}: expected a number in [0, 1] (E[sign D(x)] lies in [-1, 1])")
    settings_lib.check_positive_int("ada.interval", self.interval)
    _check_number("kimg", self.kimg, 0.0, low_inclusive=False)
    _check_number("initial_p", self.initial_p, 0.0)
    if not isinstance(self.adjust, bool):
      raise ValueError(f"ada.adjust={self.adjust!r}: expected True or False")

  @property
  def active(self) -> bool:
    return bool(self.pipeline)


def _variable(value, dtype, name):
  return tf.Variable(value, dtype=dtype, trainable=False, name=name,
                     aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)


class AdaController(tf.Module):
  """p and its running statistics; create under the strategy's scope.

  Args:
    settings: an active `AdaSettings`.
    global_batch_size: real images per D update, all replicas.
  """

  def __init__(self, settings: AdaSettings, global_batch_size: int):
    super().__init__(name="ada")
    self.settings = settings
    self.p = _variable(float(settings.initial_p), tf.float32, "p")
    self.sign_sum = _variable(0.0, tf.float32, "sign_sum")  # sum of r_t of the D updates since the last adjustment
    self.count = _variable(0, tf.int64, "count")
    self.last_rt = _variable(0.0, tf.float32, "last_rt")
    self.step_size = global_batch_size * settings.interval / (settings.kimg * 1000.0)

  def augment(self, images, seed):
    """The pipeline's transforms of `images` with the current p (replica context)."""
    return bgc.augment(images, self.p.read_value(), seed, self.settings.pipeline)

  def observe(self, real_sign_mean) -> dict:
    """Adds one D update's E[sign D(x_real)] (the global-batch mean); every `interval` calls moves p. Returns the
    measurements to log. Runs in cross-replica context (the value is the same for every replica)."""
    total = self.sign_sum.assign_add(tf.cast(real_sign_mean, tf.float32))
    count = self.count.assign_add(1)
    due = count >= self.settings.interval
    r_t = total / tf.cast(count, tf.float32)
    p = self.p.read_value()
    if self.settings.adjust:
      moved = tf.maximum(p + tf.sign(r_t - self.settings.target) * self.step_size, 0.0)
      p = self.p.assign(tf.where(due, moved, p))
    with tf.control_dependencies([p]):
      last = self.last_rt.assign(tf.where(due, r_t, self.last_rt.read_value()))
      self.sign_sum.assign(tf.where(due, 0.0, total))
      self.count.assign(tf.where(due, tf.constant(0, tf.int64), count))
    return {"ada/p": tf.identity(p), "ada/r_t": last}


def check(settings, image_shape, probe, needed_by="ADA") -> None:
  """One-line ValueError, before anything is traced, when ADA is on for samples that are not 1- or 3-channel
  images or for heads without an adversarial score."""
  if settings is None or not settings.active:
    return
  shape = tuple(image_shape)
  if len(shape) != 3 or shape[-1] not in (1, 3):
    raise ValueError(f"ADA ({settings.pipeline}) needs images [H, W, 1 or 3]; these samples have shape {shape}: "
                     f"set {_OFF}")
  adversarial_score(probe, needed_by, _OFF)
