"""Interpolation in a run's generator: slerp between two latents of one class, and one latent across two classes."""

from typing import NamedTuple, Optional

import numpy as np

from tfgan_mh.inspection.samples import check_count, check_label, generate, latents
from tfgan_mh.run import restore

INTERPOLATION_METHODS = ("slerp", "linear")


class Interpolation(NamedTuple):
  """n samples along a path: z (and class weights for a class interpolation) at t = 0 .. 1."""
  samples: np.ndarray  # [n, *image_shape] float32 (images in [-1, 1], or points)
  t: np.ndarray  # [n] in [0, 1]
  z: np.ndarray  # [n, z_dim]
  class_weights: Optional[np.ndarray]  # [n, K] (class interpolation), else None
  labels: Optional[np.ndarray]  # [n] int (z interpolation of a conditional run), else None


def slerp(z_from, z_to, t) -> np.ndarray:
  """Spherical interpolation [n, d] between two latents (the great circle, scaled; linear if parallel)."""
  z_from, z_to = np.asarray(z_from, np.float64), np.asarray(z_to, np.float64)
  t = np.asarray(t, np.float64)[:, None]
  cos = np.dot(z_from, z_to) / max(np.linalg.norm(z_from) * np.linalg.norm(z_to), 1e-12)
  omega = np.arccos(np.clip(cos, -1.0, 1.0))
  if np.sin(omega) < 1e-6:
    return (1 - t) * z_from + t * z_to
  return (np.sin((1 - t) * omega) * z_from + np.sin(t * omega) * z_to) / np.sin(omega)


def _one_latent(run: restore.Run, name: str, z) -> np.ndarray:
  z = np.asarray(z, np.float32)
  if z.shape not in ((run.generator.z_dim,), (1, run.generator.z_dim)):
    raise ValueError(f"{name} has shape {z.shape}: expected one latent [z_dim={run.generator.z_dim}]")
  return z.reshape(-1)


def interpolate_z(run: restore.Run, label: Optional[int], n: int = 8, *, seed: int = 0, z_from=None,
                  z_to=None, method: str = "slerp", use_ema: bool = True) -> Interpolation:
  """Samples of one class along a path in z from `z_from` (t = 0) to `z_to` (t = 1).

  Args:
    run: the restored run.
    label: the class (None for an unconditional run).
    n: samples along the path (>= 2).
    seed: seed of the two end latents when `z_from` / `z_to` are not given (`latents(run, 2, seed)`).
    z_from, z_to: end latents [z_dim].
    method: "slerp" (the usual path for Gaussian latents) or "linear".
    use_ema: the EMA generator when the run has one.
  """
  label = check_label(run, "label", label)
  n = check_count("n", n, 2)
  if method not in INTERPOLATION_METHODS:
    raise ValueError(f"method={method!r}: expected one of {', '.join(INTERPOLATION_METHODS)}")
  ends = latents(run, 2, seed)
  z0 = ends[0] if z_from is None else _one_latent(run, "z_from", z_from)
  z1 = ends[1] if z_to is None else _one_latent(run, "z_to", z_to)
  t = np.linspace(0.0, 1.0, n)
  z = slerp(z0, z1, t) if method == "slerp" else (1 - t[:, None]) * z0 + t[:, None] * z1
  z = z.astype(np.float32)
  z[0], z[-1] = z0, z1  # the ends exactly
  labels = None if label is None else np.full([n], label, np.int32)
  return Interpolation(generate(run, z, labels, use_ema), t, z, None, labels)


def class_weights(num_classes: int, label_a: int, label_b: int, t) -> np.ndarray:
  """[n, K] float32 rows (1 - t) e_a + t e_b: the class-weight input of a conditional generator."""
  t = np.asarray(t, np.float32)
  w = np.zeros([len(t), num_classes], np.float32)
  w[:, label_a] += 1 - t
  w[:, label_b] += t
  return w


def interpolate_classes(run: restore.Run, z, label_a: int, label_b: int, n: int = 8, *,
                        use_ema: bool = True) -> Interpolation:
  """Samples of one latent while the class conditioning moves from class `label_a` (t = 0) to `label_b`.

  The generator gets class weights (1 - t) e_a + t e_b (see the module docstring): its class embedding is
  interpolated; the ends are exactly G(z, label_a) and G(z, label_b).

  Args:
    run: a restored class-conditional run.
    z: one latent [z_dim] (or [1, z_dim]), e.g. `latents(run, 1, seed)`.
    label_a, label_b: class ids.
    n: samples along the path (>= 2).
    use_ema: the EMA generator when the run has one.
  """
  if not run.conditional:
    raise ValueError(f"the run in {run.model_dir} has an unconditional generator: there is no class "
                     "conditioning to interpolate (use interpolate_z)")
  label_a, label_b = check_label(run, "label_a", label_a), check_label(run, "label_b", label_b)
  n = check_count("n", n, 2)
  z = np.tile(_one_latent(run, "z", z)[None], (n, 1))
  t = np.linspace(0.0, 1.0, n)
  weights = class_weights(run.num_classes, label_a, label_b, t)
  return Interpolation(generate(run, z, weights, use_ema), t, z, weights, None)
