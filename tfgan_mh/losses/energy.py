"""Energy families of Wang et al. 2017 (MAGAN): EBGAN (fixed margin) and MAGAN (margin adapted per epoch).

The discriminator is an auto-encoder; its `energy` head is the per-sample reconstruction error (Eq. (1) of
the MAGAN paper; by default the authors' sum of squared errors on [0, 1] pixels, `tfgan_mh.models.magan`). Eq. (2):

    L_D(x, z) = D(x) + max(0, m - D(G(z)))        L_G(z) = D(G(z))

MAGAN adapts m with `MarginState` (Algorithm 1 + Eq. (4) of the MAGAN paper): D-only pre-training with m = 0,
then the initial margin m_1 = mean real energy of one more pass over the data with the pre-trained D and no
updates (authors' code, gan_release.py: the `real_add` pass after pre-training; the trainer's
`mean_real_energy`), then at each epoch end (`MAGANFamily`'s hooks)

    m_{t+1} = E^t_data   if   E^{t-1}_G <= E^t_G  and  E^t_data < m_t  and  E^t_data < E^t_G,

else m_{t+1} = m_t, with E^0_G = inf (S^0_G = inf in Algorithm 1). The second condition makes the
update a strict decrease: the margin never increases.
"""

import tensorflow as tf
from absl import logging

from tfgan_mh.losses import core
from tfgan_mh.losses.family import LossFamily, register


class EnergyFamily(LossFamily):
  """Eq. (2) of the MAGAN paper with the family's margin (`margin_value`); unconditional G."""

  required_heads = ("energy",)
  conditional_generator = False

  def margin_value(self):
    raise NotImplementedError

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels, margin=None):
    """`margin`: m of Eq. (2); None = the family's own (EBGAN's fixed m, MAGAN's current m_t)."""
    m = self.margin_value() if margin is None else margin
    return {"d_energy_real": tf.cast(real.energy, tf.float32),  # D(x)
            "d_energy_hinge_fake": core.energy_hinge(energy=fake.energy, margin=m)}

  def generator_loss(self, *, fake, fake_labels):
    return {"g_energy": tf.cast(fake.energy, tf.float32)}  # D(G(z))


@register("ebgan")
class EBGANFamily(EnergyFamily):
  """EBGAN, Eq. (2) of the MAGAN paper with a fixed margin m (a hyperparameter).

  Args:
    num_classes: K (unused by the losses).
    margin: m > 0; 10 is the first EBGAN baseline of MAGAN §4.3 (MNIST; it also tries 5 and 1.08). The
      right value depends on the energy scale of the auto-encoder.
  """

  def __init__(self, *, num_classes: int, margin: float = 10.0):
    super().__init__(num_classes=num_classes)
    if not margin > 0.0:
      raise ValueError(f"loss family {self.name!r}: margin={margin!r} must be > 0")
    self.margin = float(margin)

  def margin_value(self):
    return self.margin


@register("magan")
class MAGANFamily(EnergyFamily):
  """MAGAN, Eq. (2) + Algorithm 1 of the MAGAN paper: the margin adapts at epoch ends (`MarginState`).

  Algorithm 1 through the family hooks: `build_state` creates the `MarginState` (checkpoint key
  "margin_state"); the first `pretrain_epochs` epochs train D only with m = 0 (`d_only_steps`, line 9);
  `after_step` adds each step's global real energy (the D steps' mean, line 16) and generated energy (of the G
  step, line 21) to the epoch's sums; `on_epoch_end` sets m_1 after the pre-training (the mean real energy of
  one more epoch with the pre-trained D and no updates: the authors' code) and applies Eq. (4) after every
  later epoch.

  Args:
    num_classes: K (unused by the losses).
    pretrain_epochs: D-only epochs with m = 0 before training (§3.2.2 of the paper: 2); >= 1, since m_1 comes
      from the pre-trained D.
  """

  needs_epochs = True

  def __init__(self, *, num_classes: int, pretrain_epochs: int = 2):
    super().__init__(num_classes=num_classes)
    if isinstance(pretrain_epochs, bool) or not isinstance(pretrain_epochs, int) or pretrain_epochs < 1:
      raise ValueError(f"magan.pretrain_epochs={pretrain_epochs!r}: loss family 'magan' sets its first margin "
                       "from D-only pre-training (MAGAN Algorithm 1 l.9); use an integer >= 1 (paper: 2)")
    self.pretrain_epochs = pretrain_epochs
    self.state = None

  def build_state(self):
    self.state = MarginState()
    return {"margin_state": self.state}

  def margin_value(self):
    if self.state is None:
      raise ValueError(f"loss family {self.name!r} has no margin yet: pass margin= or build_state() first")
    return self.state.margin

  def d_only_steps(self, epoch_len):
    return self.pretrain_epochs * epoch_len  # the trainer gives a family that needs_epochs an epoch length

  def after_step(self, d_outs, g_out, global_batch_size):
    real_energy = tf.constant(0.0)  # S_data: the D steps' mean D(x) (line 16)
    for out in d_outs:
      real_energy += out["d/energy_real"] / len(d_outs)
    fake_energy = g_out["g/energy_fake"] if g_out is not None else tf.constant(0.0)  # S_G (line 21)
    n = tf.constant(float(global_batch_size))
    self.state.accumulate(real_energy * n, fake_energy * n, n)
    return {"magan/margin": tf.identity(self.state.margin)}

  def on_epoch_end(self, *, step, epoch_len, mean_real_energy):
    pretrain_steps = self.d_only_steps(epoch_len)
    if step == pretrain_steps:  # m_1: one more epoch of real data through the pre-trained D, no updates
      self.state.end_pretraining(mean_real_energy(epoch_len))
      logging.info("MAGAN pre-training done: m_1 = %.4g", float(self.state.margin.numpy()))
      return {}
    if step < pretrain_steps:
      return {}
    real_mean, fake_mean = (float(v) for v in self.state.epoch_means())  # before Eq. (4) uses them
    self.state.end_epoch()
    return {"magan/epoch_real_energy": real_mean, "magan/epoch_fake_energy": fake_mean}


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
