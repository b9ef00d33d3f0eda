"""LeCam regularisation of the discriminator (Tseng et al. 2021, "Regularizing Generative Adversarial Networks
under Limited Data", §3, Eq. (3)).

  R_LC = E_x[ (D(x) - alpha_F)^2 ] + E_z[ (D(G(z)) - alpha_R)^2 ]

alpha_R, alpha_F are exponential moving averages (decay gamma = 0.99, §3) of D's mean output on real and on
generated images; the D loss gets lambda * R_LC. It pulls D's real outputs towards the fake anchor and its fake
outputs towards the real anchor, so D cannot push them apart without bound (the paper ties the regularised
objective to the LeCam divergence, §3.1). The authors' code (google/lecam-gan, `lecam_reg`) and
PyTorch-StudioGAN use the one-sided form relu(D(x) - alpha_F)^2 + relu(alpha_R - D(G(z)))^2, which only
pulls outputs that have crossed the other side's anchor: `one_sided=True`. Both authors' code and StudioGAN
update the anchors from the current batch first, then regularise with the new anchors; before `start_step`
the anchors follow the current batch (decay 0) and the term is off (their `ema_start`). Done the same here.

The per-example terms are returned for the train step's one reduction over the global batch; the anchors are
updated from global-batch means (identical on every replica) and checkpointed.

"D's output" is the family's adversarial score (`tfgan_mh.models.outputs.adversarial_score`): `adv_logits`, the
binary logit of a K+1 head, or minus the energy of an energy D.
"""

import dataclasses

import gin
import numpy as np
import tensorflow as tf

from tfgan_mh.models.outputs import DiscOutput, adversarial_score


def _number(v) -> bool:
  return isinstance(v, (int, float)) and not isinstance(v, bool)


@gin.configurable("lecam")
@dataclasses.dataclass(frozen=True)
class LeCamSettings:
  """LeCam's settings (gin `lecam.*`); a bad value is a one-line ValueError when made.

  weight: lambda >= 0; 0 = off (the paper: 0.3 on CIFAR with BigGAN, 0.01 with StyleGAN2).
  decay: gamma of the anchors' moving averages, in [0, 1) (0.99, §3).
  start_step: train steps during which the anchors follow the batch and the term is off (authors' code and
    StudioGAN: 1000 on CIFAR; 0 = on from the start).
  one_sided: the authors' code's relu form (module docstring) instead of Eq. (3).
  """

  weight: float = 0.0
  decay: float = 0.99
  start_step: int = 0
  one_sided: bool = False

  def __post_init__(self):
    if not _number(self.weight) or not self.weight >= 0:
      raise ValueError(f"lecam.weight={self.weight!r}: expected a number >= 0 (0 = no LeCam regularisation)")
    if not _number(self.decay) or not 0.0 <= self.decay < 1.0:
      raise ValueError(f"lecam.decay={self.decay!r}: expected a number in [0, 1) (0.99 in the paper)")
    if isinstance(self.start_step, bool) or not isinstance(self.start_step, (int, np.integer)) or self.start_step < 0:
      raise ValueError(f"lecam.start_step={self.start_step!r}: expected an integer >= 0")
    if not isinstance(self.one_sided, bool):
      raise ValueError(f"lecam.one_sided={self.one_sided!r}: expected True or False")

  @property
  def active(self) -> bool:
    return self.weight > 0


def adversarial_output(out: DiscOutput) -> tf.Tensor:
  """The per-example real-vs-fake score [B] float32 that LeCam regularises (module docstring)."""
  return adversarial_score(out, "LeCam", "lecam.weight=0")


class LeCam(tf.Module):
  """The anchors alpha_R, alpha_F (float32 variables) and the per-example terms of lambda * R_LC, for `settings`
  (`LeCamSettings`, active). Create under the strategy's scope."""

  def __init__(self, settings: LeCamSettings):
    super().__init__(name="lecam")
    if not settings.active:
      raise ValueError(f"lecam.weight={settings.weight}: must be > 0 to build LeCam (0 turns it off)")
    self.weight, self.decay = float(settings.weight), float(settings.decay)
    self.start_step, self.one_sided = int(settings.start_step), settings.one_sided
    kwargs = dict(trainable=False, dtype=tf.float32, aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
    self.anchor_real = tf.Variable(0.0, name="anchor_real", **kwargs)
    self.anchor_fake = tf.Variable(0.0, name="anchor_fake", **kwargs)

  def _update(self, anchor, per_example, global_batch, decay):
    """anchor <- decay * anchor + (1 - decay) * mean over the global batch; returns the new value."""
    total = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM,
                                                           tf.reduce_sum(tf.stop_gradient(per_example)))
    new = decay * anchor + (1.0 - decay) * total / float(global_batch)
    anchor.assign(new)
    return new

  def terms(self, real: DiscOutput, fake: DiscOutput, step, global_batch: int) -> dict:
    """Updates the anchors from this D step's outputs; returns {"d_lecam_real": [B], "d_lecam_fake": [B]}.

    Args:
      real, fake: D's outputs on this replica's real and generated examples.
      step: the train step (int64 scalar).
      global_batch: examples per D step over all replicas.
    """
    d_real, d_fake = adversarial_output(real), adversarial_output(fake)  # [B], [B]
    started = tf.cast(step >= self.start_step, tf.float32)
    decay = self.decay * started
    alpha_r = tf.stop_gradient(self._update(self.anchor_real, d_real, global_batch, decay))
    alpha_f = tf.stop_gradient(self._update(self.anchor_fake, d_fake, global_batch, decay))
    pull_real, pull_fake = d_real - alpha_f, alpha_r - d_fake  # [B]
    if self.one_sided:
      pull_real, pull_fake = tf.nn.relu(pull_real), tf.nn.relu(pull_fake)
    on = tf.cast(step > self.start_step, tf.float32) if self.start_step else 1.0  # StudioGAN: step > start
    return {"d_lecam_real": self.weight * on * tf.square(pull_real),
            "d_lecam_fake": self.weight * on * tf.square(pull_fake)}
