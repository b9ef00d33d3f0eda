"""MAGAN / EBGAN energy statistics on evaluation batches (Wang et al. 2017 (MAGAN)).

The auto-encoder discriminator's energy is D(x) = ||Dec(Enc(x)) - x|| (Eq. (1) of the MAGAN paper); D is
trained to give real data low energy and generated data energy >= the margin m (Eq. (2)), and MAGAN lowers m
to the real-data mean energy when Algorithm 1's conditions hold. The eval job reports the real and
generated energy distributions next to the margin read from the checkpoint (`MarginState.margin`).
"""

from typing import NamedTuple, Optional

import numpy as np


class EnergyStats(NamedTuple):
  real_mean: float  # E_data[D(x)]
  real_std: float
  fake_mean: float  # E_G[D(G(z))]
  fake_std: float
  gap: float  # fake_mean - real_mean
  margin: float  # m (NaN if not given)
  fake_inside_margin: float  # fraction of samples with D(G(z)) < m: the D hinge of Eq. (2) is active


def energy_statistics(*, real_energy, fake_energy, margin: Optional[float] = None) -> EnergyStats:
  """Means, stds and margin terms of per-sample energies (MAGAN Eq. (1)-(2), Algorithm 1).

  Args:
    real_energy: [N] energies D(x) of real (validation) samples (`DiscOutput.energy`).
    fake_energy: [M] energies D(G(z)) of generated samples.
    margin: current margin m, or None.

  Returns:
    EnergyStats (std is the population std).
  """
  r = np.asarray(real_energy, np.float64).reshape(-1)
  f = np.asarray(fake_energy, np.float64).reshape(-1)
  if r.size == 0 or f.size == 0:
    raise ValueError(f"need real and fake energies, got {r.size} and {f.size} values.")
  if not (np.all(np.isfinite(r)) and np.all(np.isfinite(f))):
    raise ValueError("energies contain non-finite values.")
  m = np.nan if margin is None else float(margin)
  inside = np.nan if margin is None else float(np.mean(f < m))
  return EnergyStats(float(r.mean()), float(r.std()), float(f.mean()), float(f.std()),
                     float(f.mean() - r.mean()), m, inside)
