"""Prints the trainable-parameter counts of the project's networks at the papers' sizes (a Markdown table).

  python benchmarks/param_counts.py

Counts are of trainable variables only (spectral-norm `u` vectors and batch-norm moving statistics are
non-trainable state). D is counted with the projection head (Kavalerov et al. 2019 (MHGAN) Fig. 2a) and with
projection plus the separate classifier of MHGAN / ACGAN (MHGAN Fig. 2c); the shared classifier (Fig. 2b) adds
nothing.

The paper column uses the short names of the `tfgan_mh` package docstring: MHGAN = Kavalerov et al. 2019, AM-GAN =
Zhou et al. 2018, MAGAN = Wang et al. 2017, K+1 GANs = Kavalerov et al. 2020.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_mh import models  # noqa: E402

# (network, paper, image_shape, K, generator kwargs, discriminator arch, discriminator kwargs)
CONFIGS = [
    ("SAGAN (ch=64)", "MHGAN §3, ImageNet", (128, 128, 3), 1000, dict(arch="sagan", ch=64),
     "sagan", dict(ch=64)),
    ("SAGAN (ch=64)", "MHGAN App. 7, ImageNet", (64, 64, 3), 1000, dict(arch="sagan", ch=64),
     "sagan", dict(ch=64)),
    ("SAGAN (ch=64)", "CIFAR-10", (32, 32, 3), 10, dict(arch="sagan", ch=64), "sagan", dict(ch=64)),
    ("BigGAN (ch=96)", "StudioGAN CIFAR-10 MHGAN", (32, 32, 3), 10, dict(arch="biggan", ch=96, z_dim=80),
     "biggan", dict(ch=96)),
    ("BigGAN (ch=96)", "Brock et al. 2019, ImageNet", (128, 128, 3), 1000, dict(arch="biggan", ch=96, z_dim=120),
     "biggan", dict(ch=96)),
    ("DCGAN", "AM-GAN App. F, CIFAR-10", (32, 32, 3), 10, dict(arch="dcgan"), "dcgan", {}),
    ("MAGAN", "MAGAN B.1, MNIST", (28, 28, 1), 10, dict(arch="magan", conditional=False),
     "magan_ae", {}),
    ("MAGAN", "MAGAN B.2.1, CIFAR-10", (32, 32, 3), 10, dict(arch="magan", conditional=False),
     "magan_ae", {}),
    ("MAGAN", "MAGAN B.2, CelebA", (64, 64, 3), 5, dict(arch="magan", conditional=False),
     "magan_ae", {}),
    ("MLP", "K+1 GANs §3.1, 2-D ring", (2,), 10, dict(arch="mlp"), "mlp", {}),
]


def _trainable(model):
  return int(sum(np.prod(v.shape) for v in model.trainable_variables))


def count(image_shape, k, g_kwargs, d_arch, d_kwargs):
  """(G params, z_dim, D params with projection, D params with projection + classifier)."""
  g_kwargs = dict(g_kwargs)
  conditional = g_kwargs.pop("conditional", True)
  g = models.build_generator(image_shape=image_shape, num_classes=k, conditional=conditional,
                             **g_kwargs)
  labels = tf.zeros([1], tf.int32)
  x = g(tf.zeros([1, g.z_dim]), labels if conditional else None)
  d_counts = []
  head_sets = ((None,) if d_arch == "magan_ae" else
               (("projection",), ("projection", "classifier")))
  for heads in head_sets:
    d = models.build_discriminator(d_arch, image_shape=image_shape, num_classes=k, heads=heads,
                                   **d_kwargs)
    d(x, labels)
    d_counts.append(_trainable(d))
  if len(d_counts) == 1:
    d_counts.append(None)
  return _trainable(g), g.z_dim, d_counts[0], d_counts[1]


def main():
  print("| network | paper / data | image | K | z | G params | D params (projection) | "
        "D params (+ classifier) |")
  print("|---|---|---|---|---|---|---|---|")
  for name, paper, shape, k, g_kwargs, d_arch, d_kwargs in CONFIGS:
    g, z, d_proj, d_cls = count(shape, k, g_kwargs, d_arch, d_kwargs)
    d_proj_s = f"{d_proj:,}" + (" (energy AE)" if d_arch == "magan_ae" else "")
    d_cls_s = "—" if d_cls is None else f"{d_cls:,}"
    shape_s = "x".join(str(s) for s in shape)
    print(f"| {name} | {paper} | {shape_s} | {k} | {z} | {g:,} | {d_proj_s} | {d_cls_s} |")


if __name__ == "__main__":
  main()
