"""D's projection embedding and its singular values (MHGAN §3.2)."""

import numpy as np
import tensorflow as tf

from tfgan_mh.run import restore


def projection_embedding(run: restore.Run, normalized: bool = True) -> np.ndarray:
  """The class embedding E [K, F] of D's projection head (MHGAN Fig. 2a; also D's classifier in MHSharedGAN).

  Args:
    run: a run restored with its discriminator.
    normalized: E / sigma(E) as D uses it at inference (spectral norm, the stored power-iteration
      state), or the raw trained matrix E.

  Raises:
    ValueError: the run was loaded without D, or D has no projection head (the message names its heads).
  """
  d = run.discriminator
  if d is None:
    raise ValueError(f"the run in {run.model_dir} was loaded without its discriminator: load it with "
                     "with_discriminator=True")
  heads = tuple(getattr(d, "heads", ()))
  if "projection" not in heads:
    raise ValueError(f"the discriminator of {run.model_dir} has heads {heads}: no projection embedding (only "
                     "runs whose heads include 'projection' have one)")
  embed = d.head.embed
  table = embed.table(training=False) if normalized else embed.kernel
  return np.asarray(tf.convert_to_tensor(table), np.float64)


def projection_singular_values(run: restore.Run, normalized: bool = True) -> np.ndarray:
  """Singular values [min(K, F)] of `projection_embedding(run, normalized)`, descending (MHGAN §3.2).

  MHGAN §3.2: the spectrum (rank vs value) of a healthy projection is sigmoid-shaped; a steep exponential
  decay means the projection collapsed to a few dimensions (MHSharedGAN, Fig. 8).
  """
  return np.linalg.svd(projection_embedding(run, normalized), compute_uv=False)
