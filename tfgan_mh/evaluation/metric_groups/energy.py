"""energy: MAGAN / EBGAN real and generated energies and the checkpoint's margin (MAGAN Eq. (1)-(2)).

Paper: Wang et al. 2017 (MAGAN).
"""

from typing import Optional

import numpy as np
import tensorflow as tf

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class EnergyMetric(streaming.StreamingMetric):
  """MAGAN / EBGAN real and generated energies and the margin from the checkpoint (MAGAN Eq. (1)-(2))."""

  needs = ("disc_real", "disc_fake")

  def __init__(self, margin: Optional[float]):
    self.margin = margin
    self.real, self.fake = [], []  # O(samples) scalars

  def update_fake(self, batch):
    self.fake.append(np.asarray(batch.energy, np.float64).reshape(-1))

  def update_real(self, batch):
    self.real.append(np.asarray(batch.energy, np.float64).reshape(-1))

  def result(self):
    r = metrics.energy_statistics(real_energy=np.concatenate(self.real or [np.zeros([0])]),
                                  fake_energy=np.concatenate(self.fake or [np.zeros([0])]), margin=self.margin)
    return {"energy_real_mean": r.real_mean, "energy_real_std": r.real_std, "energy_fake_mean": r.fake_mean,
            "energy_fake_std": r.fake_std, "energy_gap": r.gap, "margin": r.margin,
            "energy_fake_inside_margin": r.fake_inside_margin}


def checkpoint_margin(prefix: str) -> Optional[float]:
  """The MAGAN / EBGAN margin m stored in a checkpoint (`MarginState`), or None if it holds none."""
  from tfgan_mh import losses  # pylint: disable=g-import-not-at-top
  state = losses.MarginState()
  status = tf.train.Checkpoint(margin_state=state).read(prefix)
  try:
    status.assert_existing_objects_matched()
  except AssertionError:
    return None
  status.expect_partial()
  return float(state.margin.numpy())


@registry.register
class Energy(registry.MetricGroup):
  name = "energy"
  doc = "MAGAN / EBGAN real and generated energies and the checkpoint's margin (MAGAN Eq. (1)-(2))"
  keys = ("energy_real_mean", "energy_real_std", "energy_fake_mean", "energy_fake_std", "energy_gap", "margin",
          "energy_fake_inside_margin")
  shown = ("energy_gap",)

  @classmethod
  def build(cls, ctx):
    ctx.need_heads(("energy",), "energy head", missing="D has no energy head (not an EBGAN / MAGAN run)")
    ctx.need_validation()
    return EnergyMetric(checkpoint_margin(ctx.checkpoint))
