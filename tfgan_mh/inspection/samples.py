"""Samples of a loaded run: latents, the (EMA) generator's images, a grid of samples per class."""

from typing import Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from tfgan_mh.run import restore

GENERATE_BATCH = 256  # samples per generator call


def check_count(name: str, value, minimum: int = 1) -> int:
  if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
    raise ValueError(f"{name}={value!r}: expected an int >= {minimum}")
  return int(value)


def check_label(run: restore.Run, name: str, label) -> Optional[int]:
  """A class id of a conditional run; None for an unconditional one."""
  if not run.conditional:
    if label is not None:
      raise ValueError(f"{name}={label!r}: the run in {run.model_dir} has an unconditional generator (no "
                       "class input); pass None")
    return None
  k = run.num_classes
  if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < k:
    raise ValueError(f"{name}={label!r}: expected a class id in 0..{k - 1} (num_classes={k})")
  return int(label)


def evenly_spaced_classes(num_classes: int, max_classes: int) -> list:
  """At most `max_classes` evenly spaced class ids, first and last included (rows of a grid for large K)."""
  check_count("num_classes", num_classes)
  check_count("max_classes", max_classes)
  return sorted({int(c) for c in np.linspace(0, num_classes - 1, min(num_classes, max_classes)).round()})


def latents(run: restore.Run, n: int, seed: int = 0) -> np.ndarray:
  """[n, z_dim] float32 standard normal latents (numpy default_rng(seed)), as `tfgan_mh.cli.sample` draws them."""
  n = check_count("n", n)
  return np.random.default_rng(seed).standard_normal((n, run.generator.z_dim)).astype(np.float32)


def generate(run: restore.Run, z, labels=None, use_ema: bool = True) -> np.ndarray:
  """Samples [B, *image_shape] float32 of G(z [B, z_dim], labels [B] int or class weights [B, K] float).

  Generated in batches of GENERATE_BATCH; `labels` is ignored (may be None) for an unconditional run.
  """
  z = np.asarray(z, np.float32)
  if z.ndim != 2 or z.shape[1] != run.generator.z_dim:
    raise ValueError(f"z has shape {z.shape}: expected [B, z_dim={run.generator.z_dim}]")
  if run.conditional:
    if labels is None:
      raise ValueError(f"labels=None: the run in {run.model_dir} is class-conditional; pass class ids [B] "
                       f"in 0..{run.num_classes - 1} or class weights [B, {run.num_classes}]")
    labels = np.asarray(labels)
    if len(labels) != len(z):
      raise ValueError(f"{len(labels)} labels for {len(z)} latents: expected one per latent")
  out = []
  for i in range(0, len(z), GENERATE_BATCH):
    y = None if not run.conditional else tf.constant(labels[i:i + GENERATE_BATCH])
    out.append(run.sample(tf.constant(z[i:i + GENERATE_BATCH]), y, use_ema=use_ema).numpy())
  return np.concatenate(out, 0)


def class_samples(run: restore.Run, classes: Optional[Sequence[int]] = None, per_class: int = 8,
                  seed: int = 0, use_ema: bool = True,
                  shared_z: bool = False) -> Tuple[np.ndarray, np.ndarray]:
  """`per_class` samples of each class, row-major: (samples [R * per_class, ...], labels [R * per_class]).

  Args:
    run: the restored run.
    classes: class ids, one row each (None: every class). Must be None for an unconditional run, which
      gets one row (labels all 0).
    per_class: samples per class.
    seed: seed of the latents.
    use_ema: the EMA generator when the run has one.
    shared_z: the same `per_class` latents in every row (column j shows one z across the classes).
  """
  per_class = check_count("per_class", per_class)
  if not run.conditional:
    if classes is not None:
      raise ValueError(f"classes={classes!r}: the run in {run.model_dir} has an unconditional generator; "
                       "pass classes=None")
    rows = np.zeros([1], np.int32)
  else:
    k = run.num_classes
    rows = np.arange(k, dtype=np.int32) if classes is None else np.asarray(
        [check_label(run, f"classes[{i}]", c) for i, c in enumerate(classes)], np.int32)
    if not len(rows):
      raise ValueError(f"classes={classes!r}: expected at least one class id in 0..{k - 1}")
  z = latents(run, per_class if shared_z else len(rows) * per_class, seed)
  if shared_z:
    z = np.tile(z, (len(rows), 1))
  labels = np.repeat(rows, per_class)  # row r holds class rows[r]
  return generate(run, z, labels, use_ema), labels
