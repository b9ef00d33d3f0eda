"""Where a K+1 discriminator sends a 2-D generator: D's class posterior along rays out of the ring's centre.

The dynamic-labeling generator loss of Kavalerov, Czaja and Chellappa 2020 ("A study of quality and diversity
in K+1 GANs", PMLR 137, §2.2, "Mode GAN") is L_Dyn = -log max_{l real} P(D = l | G(z)): each fake moves to
where D is most sure it is *some* real class. On the ring of overlapping Gaussians that is not where the data's
density peaks: away from the centre the classes overlap less, so the winning class's posterior can keep growing
past the means. `radial_profile` measures it on a trained run: along the ray from the data's centre through
each class mean, log max_{l<K} P(D = l | x) and P(D = fake | x) at a range of radii (mean over the K rays),
beside the radii of real points and of the generator's samples. `plot_radial_profile` draws runs side by side.
"""

from typing import Dict, NamedTuple, Optional, Sequence

import numpy as np
import tensorflow as tf

from tfgan_mh.inspection.samples import check_count, generate, latents
from tfgan_mh.run import restore


class RadialProfile(NamedTuple):
  """D's posterior along the rays through the class means, and where real and generated points lie.

  Attributes:
    radii: [R] distances from the centre of the real points at which D was evaluated.
    log_max_real: [R] mean over the K rays of log max_{l<K} P(D = l | x) (the quantity L_Dyn raises).
    p_fake: [R] mean over the K rays of P(D = fake | x) (the last column of the K+1 logits).
    real_radius: [N] distances of the real points from their centre.
    sample_radius: [M] distances of the generator's samples from that centre.
  """
  radii: np.ndarray
  log_max_real: np.ndarray
  p_fake: np.ndarray
  real_radius: np.ndarray
  sample_radius: np.ndarray

  @property
  def peak_radius(self) -> float:
    """The radius where D's log max real-class posterior is highest."""
    return float(self.radii[int(np.argmax(self.log_max_real))])


def _check_run(run: restore.Run) -> None:
  shape = tuple(run.info.get("image_shape") or ())
  if shape != (2,):
    raise ValueError(f"run {run.model_dir!r} has data of shape {shape}: the radial profile needs 2-D points "
                     "(the ring, data_ring.gin)")
  heads = tuple(getattr(run.discriminator, "heads", None) or ())
  if "kplus1" not in heads:
    raise ValueError(f"run {run.model_dir!r} has discriminator heads {heads}: the radial profile needs the "
                     "'kplus1' head (K+1 GAN, Mode GAN, AM-GAN)")


def radial_profile(run: restore.Run, radii: Optional[Sequence[float]] = None, num_samples: int = 5000, *,
                   real=None, seed: int = 0, use_ema: bool = True) -> RadialProfile:
  """D's posterior along the K rays from the real points' centre through each class mean (module docstring).

  Args:
    run: a loaded 2-D run whose discriminator has the 'kplus1' head (`inspection.load`).
    radii: distances from the centre to evaluate (default 0 to 3x the largest class-mean radius, 61 points).
    num_samples: generator samples (and real points, when `real` is not given) to measure radii on.
    real: (points [N, 2], labels [N]) of the real data; default: `num_samples` points of the run's train split.
    seed: seed of the generator's latents.
    use_ema: sample from the EMA generator when the run has one.
  """
  _check_run(run)
  num_samples = check_count("num_samples", num_samples)
  points, labels = real if real is not None else restore.real_data(run, num_samples)
  if points is None:
    raise ValueError(f"run {run.model_dir!r}: its real data cannot be rebuilt here; pass real=(points, labels)")
  points, labels = np.asarray(points, np.float64), np.asarray(labels)
  centre = points.mean(axis=0)
  means = np.stack([points[labels == k].mean(axis=0) for k in range(run.num_classes)])  # [K, 2]
  directions = (means - centre) / np.linalg.norm(means - centre, axis=1, keepdims=True)
  if radii is None:
    radii = np.linspace(0.0, 3.0 * float(np.linalg.norm(means - centre, axis=1).max()), 61)
  radii = np.asarray(radii, np.float64)
  grid = centre + radii[:, None, None] * directions[None]  # [R, K, 2]
  logits = run.discriminator(tf.constant(grid.reshape(-1, 2), tf.float32), training=False).kplus1_logits
  log_p = tf.nn.log_softmax(tf.cast(logits, tf.float64)).numpy().reshape(len(radii), run.num_classes, -1)
  z = latents(run, num_samples, seed)
  labels_g = np.arange(num_samples) % run.num_classes if run.conditional else None
  samples = np.asarray(generate(run, z, labels_g, use_ema=use_ema), np.float64)
  return RadialProfile(radii=radii, log_max_real=log_p[..., :-1].max(axis=-1).mean(axis=1),
                       p_fake=np.exp(log_p[..., -1]).mean(axis=1),
                       real_radius=np.linalg.norm(points - centre, axis=1),
                       sample_radius=np.linalg.norm(samples - centre, axis=1))


def plot_radial_profile(profiles: Dict[str, RadialProfile], title: str = ""):
  """Top: each run's log max real-class posterior vs radius (its peak marked); bottom: the radii of the real
  points and of each run's samples (histograms on the same axis)."""
  if not profiles:
    raise ValueError("profiles={}: expected at least one {name: RadialProfile}")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 6.5))
  real = next(iter(profiles.values())).real_radius
  reach = max(max(float(p.radii.max()), float(p.sample_radius.max())) for p in profiles.values())
  bins = np.linspace(0.0, max(reach, float(real.max())), 61)
  bottom.hist(real, bins=bins, density=True, color="0.6", label="real data")
  for i, (name, p) in enumerate(profiles.items()):
    color = f"C{i}"
    top.plot(p.radii, p.log_max_real, color=color, label=f"{name} (peak at r = {p.peak_radius:.2f})")
    top.axvline(p.peak_radius, color=color, linestyle=":")
    bottom.hist(p.sample_radius, bins=bins, density=True, histtype="step", linewidth=1.5, color=color,
                label=f"{name} samples (mean r = {p.sample_radius.mean():.2f})")
  top.set_ylabel("log max$_{l<K}$ P(D = l | x)")
  top.set_title(title or "K+1 discriminator along the rays through the class means")
  top.legend(fontsize=8)
  bottom.set_xlabel("distance from the centre of the real points")
  bottom.set_ylabel("density")
  bottom.legend(fontsize=8)
  fig.tight_layout()
  return fig
