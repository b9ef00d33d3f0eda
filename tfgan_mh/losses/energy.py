"""Energy families of Wang et al. 2017 (MAGAN): EBGAN (fixed margin) and MAGAN (margin adapted per epoch).

The discriminator is an auto-encoder; its `energy` head is the per-sample reconstruction error (Eq. (1) of
the MAGAN paper; by default the authors' sum of squared errors on [0, 1] pixels, `tfgan_mh.models.magan`). Eq. (2):

    L_D(x, z) = D(x) + max(0, m - D(G(z)))        L_G(z) = D(G(z))

MAGAN adapts m with `MarginState` (Algorithm 1 + Eq. (4) of the MAGAN paper): D-only pre-training with m = 0,
then the initial margin m_1 = mean real energy of one more pass over the data with the pre-trained D and no
updates (authors' code, gan_release.py: the `real_add` pass after pre-training; the trainer's
`mean_real_energy`), then at each epoch end

    m_{t+1} = E^t_data   if   E^{t-1}_G <= E^t_G  and  E^t_data < m_t  and  E^t_data < E^t_G,

else m_{t+1} = m_t, with E^0_G = inf (S^0_G = inf in Algorithm 1). The second condition makes the
update a strict decrease: the margin never increases.
"""

import tensorflow as tf

from tfgan_mh.losses import core
from tfgan_mh.losses.family import LossFamily, _check_nonnegative, register


class EnergyFamily(LossFamily):
  """Eq. (2) of the MAGAN paper with the margin given by `_margin(margin)`; unconditional G."""

  required_heads = ("energy",)
  conditional_generator = False
  uses_margin = True

  def _margin(self, margin):
    raise NotImplementedError

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels, unlabeled=None,
                         unlabeled_pseudo_labels=None, margin=None):
    self.check_heads(real)
    self.check_heads(fake)
    m = self._margin(margin)
    return {"d_energy_real": tf.cast(real.energy, tf.float32),  # D(x)
            "d_energy_hinge_fake": core.energy_hinge(energy=fake.energy, margin=m)}

  def generator_loss(self, *, fake, fake_labels, real=None, margin=None):
    self.check_heads(fake)
    return {"g_energy": tf.cast(fake.energy, tf.float32)}  # D(G(z))


@register("ebgan")
class EBGANFamily(EnergyFamily):
  """EBGAN, Eq. (2) of the MAGAN paper with a fixed margin m (a hyperparameter).

  The `margin` argument of the loss methods is ignored: EBGAN's margin is this family's own `margin`.

  Args:
    num_classes: K (unused by the losses).
    margin: m > 0; 10 is the first EBGAN baseline of MAGAN §4.3 (MNIST; it also tries 5 and 1.08). The
      right value depends on the energy scale of the auto-encoder.
  """

  uses_margin = False  # fixed margin: no MarginState, no pre-training, no epoch-end updates

  def __init__(self, *, num_classes: int, margin: float = 10.0):
    super().__init__(num_classes=num_classes)
    if not margin > 0.0:
      raise ValueError(f"loss family {self.name!r}: margin={margin!r} must be > 0")
    self.margin = float(margin)

  def _margin(self, margin):
    return self.margin


@register("magan")
class MAGANFamily(EnergyFamily):
  """MAGAN, Eq. (2) + Algorithm 1 of the MAGAN paper: the margin comes from a `MarginState`.

  The loss methods need `margin=` (the trainer passes `MarginState.margin`: 0 during pre-training).
  """

  def __init__(self, *, num_classes: int):
    super().__init__(num_classes=num_classes)

  def _margin(self, margin):
    if margin is None:
      raise ValueError(f"loss family {self.name!r} needs margin= (the current MarginState.margin)")
    return margin


def magan_margin_update(*, margin, real_mean, fake_mean, prev_fake_mean):
  """The epoch-end margin rule of Eq. (4) / Algorithm 1 line 23-24 of the MAGAN paper.

  Args:
    margin: m_t, scalar.
    real_mean: E^t_data, mean real energy of epoch t.
    fake_mean: E^t_G, mean generated energy of epoch t.
    prev_fake_mean: E^{t-1}_G (inf for the first epoch).

  Returns:
    (m_{t+1}, updated): the new margin (float32 scalar) and whether all three conditions held.
  """
  margin, real_mean, fake_mean, prev_fake_mean = (
      tf.cast(v, tf.float32) for v in (margin, real_mean, fake_mean, prev_fake_mean))
  updated = tf.logical_and(tf.logical_and(prev_fake_mean <= fake_mean, real_mean < margin),
                           real_mean < fake_mean)  # Eq. (4)
  return tf.where(updated, real_mean, margin), updated


class MarginState(tf.Module):
  """MAGAN's adaptive margin and the epoch statistics it is computed from (MAGAN Algorithm 1).

  Checkpointable (`tf.train.Checkpoint(margin_state=state)`); variables are created in the caller's
  scope (the trainer builds it under `strategy.scope()`). All methods run in cross-replica context
  with values already summed over replicas; they work eagerly and inside `tf.function`.

  Lifecycle: `accumulate(...)` after every D step; `end_pretraining()` once after the D-only
  pre-training (Algorithm 1 lines 1-9: m = 0 during it, then m_1 = mean real energy of the
  pre-training); `end_epoch()` after every later epoch (lines 23-24).

  Attributes (tf.Variables): real_energy_sum, fake_energy_sum, count (this epoch's sums),
    last_fake_mean (E^{t-1}_G, inf before the first epoch), pretraining (1 until end_pretraining),
    num_updates (how many epoch ends lowered the margin).
  """

  def __init__(self, name: str = "margin_state"):
    super().__init__(name=name)
    agg = tf.VariableAggregation.ONLY_FIRST_REPLICA

    def var(value, var_name, dtype=tf.float32):
      return tf.Variable(value, dtype=dtype, trainable=False, name=var_name, aggregation=agg)

    self._margin = var(0.0, "margin")  # Algorithm 1 line 1: m_0 = 0
    self.real_energy_sum = var(0.0, "real_energy_sum")
    self.fake_energy_sum = var(0.0, "fake_energy_sum")
    self.count = var(0.0, "count")
    self.last_fake_mean = var(float("inf"), "last_fake_mean")  # S^0_G = inf
    self.pretraining = var(1, "pretraining", tf.int32)
    self.num_updates = var(0, "num_updates", tf.int32)

  @property
  def margin(self):
    """The current margin m_t, float32 scalar tensor (0 during pre-training)."""
    return tf.identity(self._margin)

  def accumulate(self, real_energy_sum, fake_energy_sum, count):
    """Adds one step's global sums of real and generated energies over `count` samples each."""
    self.real_energy_sum.assign_add(tf.cast(real_energy_sum, tf.float32))
    self.fake_energy_sum.assign_add(tf.cast(fake_energy_sum, tf.float32))
    self.count.assign_add(tf.cast(count, tf.float32))

  def _reset_sums(self):
    for v in (self.real_energy_sum, self.fake_energy_sum, self.count):
      v.assign(tf.zeros_like(v))

  def _means(self):
    n = tf.maximum(self.count, 1.0)
    return self.real_energy_sum / n, self.fake_energy_sum / n

  def epoch_means(self):
    """(E^t_data, E^t_G): this epoch's mean real and generated energies so far (0 with no samples)."""
    return self._means()

  def end_pretraining(self, real_mean=None):
    """Sets m_1 and starts the epochs (Algorithm 1 line 9).

    Args:
      real_mean: mean real energy of a pass with the pre-trained D and no updates (the authors' code; the
        trainer's `mean_real_energy`). None: the mean real energy accumulated during pre-training (which
        includes the untrained auto-encoder); with no accumulated samples the margin then stays 0.

    Returns the new margin.
    """
    if real_mean is None:
      real_mean, _ = self._means()
      real_mean = tf.where(self.count > 0.0, real_mean, self._margin)
    self._margin.assign(tf.cast(real_mean, tf.float32))
    self.last_fake_mean.assign(float("inf"))
    self.pretraining.assign(0)
    self._reset_sums()
    return self.margin

  def end_epoch(self):
    """Applies Eq. (4) to this epoch's means, remembers E^t_G and resets the sums.

    During pre-training (before `end_pretraining`) it does nothing, so the pre-training statistics
    keep accumulating. An epoch with no samples changes nothing but the (empty) sums.

    Returns:
      bool scalar tensor: whether the margin was lowered.
    """
    active = tf.logical_and(tf.equal(self.pretraining, 0), self.count > 0.0)
    real_mean, fake_mean = self._means()
    new_margin, updated = magan_margin_update(margin=self._margin, real_mean=real_mean,
                                              fake_mean=fake_mean,
                                              prev_fake_mean=self.last_fake_mean)
    updated = tf.logical_and(active, updated)
    self._margin.assign(tf.where(updated, new_margin, self._margin))
    self.num_updates.assign_add(tf.cast(updated, tf.int32))
    self.last_fake_mean.assign(tf.where(active, fake_mean, self.last_fake_mean))
    keep = tf.equal(self.pretraining, 1)  # pre-training: keep accumulating for end_pretraining
    for v in (self.real_energy_sum, self.fake_energy_sum, self.count):
      v.assign(tf.where(keep, v, tf.zeros_like(v)))
    return updated
