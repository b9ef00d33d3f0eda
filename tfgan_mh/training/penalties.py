"""Zero-centred gradient penalties of the discriminator: R1 on real data, R2 on generated data.

  R1 = gamma/2 * E_{x ~ p_data} ||grad_x D(x)||^2        R2 = gamma/2 * E_{x ~ p_G} ||grad_x D(x)||^2

Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually Converge?" (arXiv:1801.04406),
Eq. (9) and (10): with R1 (or R2) the GAN dynamics are locally convergent. R3GAN (Huang, Gokaslan, Kuleshov &
Tompkin 2024, "The GAN is dead; long live the GAN! A Modern GAN Baseline", arXiv:2501.05441, §2.2) trains its
relativistic pairing loss (the `rpgan` family) with both at one gamma; its code adds gamma/2 * (R1 + R2) to each
example's D loss, the squared norm summed over that example's pixels, as here. Any loss family can use them.

D(x) is the family's adversarial score (`tfgan_mh.models.outputs.adversarial_score`: `adv_logits`, a K+1 head's
binary logit, or minus an energy), at the batch's labels for a conditional D. The gradient is taken w.r.t. the
images *before* DiffAugment: the augmentation is differentiable and counts as part of D, as in R3GAN's and
StyleGAN2-ADA's code (their augmentation runs inside D's call).

Lazy regularisation (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN",
arXiv:1912.04958, §3.1): with `every = k` the penalties are computed on every k-th D update only (the first one
included) and weighted k * gamma, so their average pull is unchanged while the double backward pass runs 1/k as
often; the other updates carry a zero term.

The per-example terms "d_r1" and "d_r2" join the family's in the train step's one reduction over the global batch.
In gin: `gradient_penalty.r1_gamma = 0.05`, `gradient_penalty.r2_gamma = 0.05`, `gradient_penalty.every = 1`.
"""

import contextlib
import dataclasses

import gin
import tensorflow as tf

from tfgan_mh.models.outputs import DiscOutput, adversarial_score
from tfgan_mh.training import settings as settings_lib

_OFF = "gradient_penalty.r1_gamma = 0 and gradient_penalty.r2_gamma = 0"


@gin.configurable("gradient_penalty")
@dataclasses.dataclass(frozen=True)
class GradientPenalty:
  """gamma of R1 (real) and R2 (fake), 0 = off, and the lazy interval `every` (module docstring); checked when
  made (a bad value is a one-line ValueError)."""

  r1_gamma: float = 0.0
  r2_gamma: float = 0.0
  every: int = 1

  def __post_init__(self):
    for name in ("r1_gamma", "r2_gamma"):
      value = getattr(self, name)
      if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"gradient_penalty.{name}={value!r}: expected a number >= 0 (0 = off), e.g. 0.05")
    settings_lib.check_positive_int("gradient_penalty.every", self.every)  # 1 = every D update

  @property
  def active(self) -> bool:
    return self.r1_gamma > 0 or self.r2_gamma > 0

  def check(self, probe: DiscOutput) -> None:
    """One-line ValueError, before anything is traced, when D's heads give no adversarial score."""
    if self.active:
      adversarial_score(probe, "the gradient penalty", _OFF)

  @contextlib.contextmanager
  def recording(self, real_x, fake_x):
    """A tape watching D's real and fake inputs while D runs on them (None when off)."""
    if not self.active:
      yield None
      return
    with tf.GradientTape(watch_accessed_variables=False) as tape:
      tape.watch([real_x, fake_x])
      yield tape

  def terms(self, tape, real_x, fake_x, real: DiscOutput, fake: DiscOutput, d_updates) -> dict:
    """{"d_r1": [B], "d_r2": [B]} (those with gamma > 0): gamma/2 ||grad_x D(x)||^2 per example, times `every` on
    the regularised updates and 0 on the others.

    Args:
      tape: what `recording` yielded around D's call on (augmented) real_x and fake_x.
      real_x, fake_x: D's inputs before augmentation, [B, ...] each.
      real, fake: D's outputs on them.
      d_updates: D updates done before this one (int scalar: the D optimizer's iterations).
    """
    chosen = [(key, gamma, score, x) for key, gamma, score, x in
              (("d_r1", self.r1_gamma, real, real_x), ("d_r2", self.r2_gamma, fake, fake_x)) if gamma > 0]

    with tape:  # recording again: the scores are read from D's outputs here
      total = tf.add_n([tf.reduce_sum(adversarial_score(score)) for _, _, score, _ in chosen])

    def squared_norms():
      grads = tape.gradient(total, [x for *_, x in chosen])  # each example's score depends on its own input only
      return [tf.reduce_sum(tf.square(tf.reshape(tf.cast(g, tf.float32), [g.shape[0], -1])), axis=1) for g in grads]

    if self.every == 1:
      norms = squared_norms()
    else:
      norms = tf.cond(tf.equal(d_updates % self.every, 0), squared_norms,
                      lambda: [tf.zeros([x.shape[0]], tf.float32) for *_, x in chosen])
    return {key: (0.5 * gamma * self.every) * norm for (key, gamma, _, _), norm in zip(chosen, norms)}
