"""`build_generator` / `build_discriminator`: the gin-configurable entry points of `tfgan_mh.models`.

Archs and the image shapes they support (MHGAN = Kavalerov et al. 2019, AM-GAN = Zhou et al. 2018, MAGAN =
Wang et al. 2017, K+1 GANs = Kavalerov et al. 2020, AAM = Sapkota et al. 2022; see the `tfgan_mh` docstring):

  generator       sagan  (R, R, C), R in 32, 64, 128   MHGAN §3 (SAGAN ResNet, conditional BN)
                  biggan (R, R, C), R in 32, 64, 128   Brock et al. 2019 (shared embedding, hierarchical z)
                  dcgan  (32, 32, C)                   AM-GAN App. F
                  magan  (28, 28, C), (32, 32, C), (64, 64, C)   MAGAN App. B (MNIST, CIFAR-10, CelebA)
                  mlp    (D,)                          K+1 GANs §3.1 ring of Gaussians
                  translation (H, W, C), H, W divisible by 2**num_down: G(x, c) of AAM / StarGAN (images in)
  discriminator   sagan, biggan, dcgan, mlp as above, heads from `tfgan_mh.models.heads.CLASSIFIER_HEADS`
                  magan_ae  (28, 28, C) fully connected, (32, 32, C) / (64, 64, C) convolutional;
                            heads ("energy",) only (MAGAN)
"""

from typing import Optional, Sequence

import gin

from tfgan_mh.models import biggan, dcgan, magan, mlp, sagan, translation
from tfgan_mh.models.heads import CLASSIFIER_HEADS, ENERGY_HEADS, validate_heads

GENERATOR_ARCHS = ("sagan", "biggan", "dcgan", "magan", "mlp", "translation")
DISCRIMINATOR_ARCHS = ("sagan", "biggan", "dcgan", "magan_ae", "mlp")
_RESOLUTIONS = {"sagan": sagan.SUPPORTED, "biggan": biggan.SUPPORTED, "dcgan": dcgan.SUPPORTED, "magan": magan.SUPPORTED,
                "magan_ae": magan.SUPPORTED}
_DEFAULT_HEADS = {"sagan": ("projection", "classifier"), "biggan": ("projection", "classifier"), "dcgan": ("projection", "classifier"),
                  "mlp": ("projection", "classifier"), "magan_ae": ENERGY_HEADS}


def _check_shape(arch, image_shape, kind):
  image_shape = tuple(int(d) for d in image_shape)
  if arch == "translation":
    if len(image_shape) != 3:
      raise ValueError(f"{kind} arch 'translation' translates images (H, W, C); got {image_shape}")
    return image_shape
  if arch == "mlp":
    image_ok = kind == "discriminator" and len(image_shape) == 3  # read flattened (MLPDiscriminator)
    if len(image_shape) != 1 and not image_ok:
      what = "flat points (D,) or images (H, W, C)" if kind == "discriminator" else "flat points, image_shape (D,)"
      raise ValueError(f"{kind} arch 'mlp' takes {what}; got {image_shape}")
    return image_shape
  supported = _RESOLUTIONS[arch]
  ok = (len(image_shape) == 3 and image_shape[0] == image_shape[1] and image_shape[0] in supported
        and image_shape[2] >= 1)
  if not ok:
    listed = ", ".join(f"({r}, {r}, C)" for r in supported)
    raise ValueError(f"{kind} arch {arch!r} does not support image_shape {image_shape}; "
                     f"supported: {listed}")
  return image_shape


@gin.configurable(denylist=["image_shape", "num_classes", "conditional"])
def build_generator(arch: str = "sagan", *, image_shape, num_classes: int, conditional: bool = True,
                    z_dim: Optional[int] = None, ch: Optional[int] = None,
                    attention_resolution="default", spectral_norm: Optional[bool] = None,
                    hidden: Sequence[int] = (128, 128, 128), upsample_conv: str = "transposed",
                    shared_dim: int = 128, num_down: int = 2, num_res: int = 6, label_every_layer: bool = False):
  """Builds a generator G(z [B, z_dim], labels [B] or None, training) -> [B, *image_shape] float32.

  Args:
    arch: "sagan", "biggan", "dcgan", "magan" or "mlp" (see module docstring).
    image_shape: shape of one sample, read from the data.
    num_classes: K, read from the data.
    conditional: class-conditional G (labels required) or unconditional (labels=None; dynamic
      labeling, MAGAN).
    z_dim: latent size; None = the paper's (sagan 128 (MHGAN), biggan 80 / 100 / 120 at 32 / 64 / 128 px,
      dcgan 100 (AM-GAN), magan 50 / 320 / 350 (MAGAN), mlp 16).
    ch: channel multiplier; None = the paper's (sagan 64 (MHGAN), biggan 96, dcgan 96 (AM-GAN)).
    attention_resolution: sagan / biggan: resolution of the attention block, "default" (sagan R/2,
      biggan 16 / 32 / 64 at 32 / 64 / 128 px) or None.
    spectral_norm: dcgan only: SN in G (None = off, as in the AM-GAN paper).
    hidden: mlp only: hidden widths.
    label_every_layer: mlp only: one_hot(y) enters every layer, not only beside z.
    shared_dim: biggan only: size of the shared class embedding (128).
    num_down, num_res: translation only: stride-2 down/upsamplings and residual blocks (StarGAN: 2, 6);
      `ch` defaults to 64 there. Its input is an image [B, H, W, C], not z.
    upsample_conv: sagan / biggan: "transposed" (default) computes each block's conv(upsample(h)) without
      upsampling first (4/9 of the multiply-adds, same function); "naive" upsamples first.

  Returns:
    A `tfgan_mh.models.base.Generator` (attributes z_dim, num_classes, conditional, image_shape).

  Raises:
    ValueError: unknown arch or unsupported image_shape.
  """
  if arch not in GENERATOR_ARCHS:
    raise ValueError(f"unknown generator arch {arch!r}; valid: {', '.join(GENERATOR_ARCHS)}")
  if label_every_layer and arch != "mlp":
    raise ValueError(f"build_generator.label_every_layer=True applies to arch 'mlp' only; arch {arch!r} has its "
                     "own class input")
  image_shape = _check_shape(arch, image_shape, "generator")
  common = dict(image_shape=image_shape, num_classes=num_classes, conditional=conditional)
  if z_dim is not None:
    common["z_dim"] = z_dim
  if arch == "sagan":
    return sagan.SAGANGenerator(ch=ch or 64, attention_resolution=attention_resolution,
                                upsample_conv=upsample_conv, name="generator", **common)
  if arch == "biggan":
    return biggan.BigGANGenerator(ch=ch or 96, shared_dim=shared_dim, attention_resolution=attention_resolution,
                                  upsample_conv=upsample_conv, name="generator", **common)
  if arch == "dcgan":
    return dcgan.DCGANGenerator(ch=ch or 96, spectral_norm=bool(spectral_norm), name="generator",
                                **common)
  if arch == "magan":
    return magan.MAGANGenerator(name="generator", **common)
  if arch == "translation":
    if not conditional:
      raise ValueError("generator arch 'translation' takes a target domain: it needs a conditional loss family "
                       "(train.loss_family='translation')")
    return translation.TranslationGenerator(image_shape=image_shape, num_classes=num_classes, ch=ch or 64,
                                            num_down=num_down, num_res=num_res, name="generator")
  return mlp.MLPGenerator(hidden=hidden, label_every_layer=label_every_layer, name="generator", **common)


def _check_spectral_norm(arch: str, spectral_norm: Optional[bool]) -> bool:
  """The arch's SN choice: `spectral_norm` where the arch offers it, else its fixed one (a contrary value raises)."""
  fixed = {"sagan": True, "biggan": True, "magan_ae": False}.get(arch)
  if spectral_norm is None:
    return True if fixed is None else fixed
  if fixed is not None and bool(spectral_norm) != fixed:
    state = "always spectrally normalized" if fixed else "never spectrally normalized (the MAGAN authors' code)"
    raise ValueError(f"build_discriminator.spectral_norm={spectral_norm}: the {arch} discriminator is {state}; "
                     "only mlp and dcgan can choose")
  return bool(spectral_norm)


@gin.configurable(denylist=["image_shape", "num_classes"])
def build_discriminator(arch: str = "sagan", *, image_shape, num_classes: int,
                        heads: Optional[Sequence[str]] = None, ch: Optional[int] = None,
                        attention_resolution="default", hidden: Sequence[int] = (128, 128, 128),
                        input_noise: float = 0.1, dropout: float = 0.3,
                        spectral_norm: Optional[bool] = None, label_input: bool = False):
  """Builds a discriminator D(x, labels [B] or None, training) -> `DiscOutput`.

  Args:
    arch: "sagan", "biggan", "dcgan", "magan_ae" or "mlp" (see module docstring).
    image_shape: shape of one sample, read from the data.
    num_classes: K, read from the data.
    heads: head names (see `tfgan_mh.models.heads`); None = ("projection", "classifier") (MHGAN
      Fig. 2c), or ("energy",) for magan_ae.
    ch: channel multiplier; None = the paper's (sagan 64 (MHGAN), biggan 96, dcgan 64 (AM-GAN)).
    attention_resolution: sagan / biggan: resolution of the attention block, "default" or None.
    hidden: mlp only: hidden widths. An mlp D reads images flattened (with `label_input`, one_hot(y) joins the
      flattened pixels: the MLP conditional GAN of Mirza & Osindero 2014, arXiv:1411.1784 §4.1).
    input_noise, dropout: dcgan only (AM-GAN App. F: 0.1 and 0.3).
    spectral_norm: spectrally normalize D's layers and heads; None = the arch's own: on for sagan, biggan,
      dcgan and mlp, off for magan_ae (plain weights, the MAGAN authors' code). mlp and dcgan accept
      False (plain weights, as the tutorials' conditional GAN); sagan and biggan refuse False, magan_ae
      refuses True.
    label_input: one_hot(y) concatenated to D's input (`tfgan_mh.models.base.Discriminator`): the tutorials'
      conditional GAN, usually with heads ("adversarial",); not for magan_ae (it reconstructs its input).

  Returns:
    A Keras model with attributes `heads` and `num_classes`.

  Raises:
    ValueError: unknown arch, unsupported image_shape, a head not valid for the arch, or an invalid
      combination of heads.
  """
  if arch not in DISCRIMINATOR_ARCHS:
    raise ValueError(f"unknown discriminator arch {arch!r}; valid: {', '.join(DISCRIMINATOR_ARCHS)}")
  valid = ENERGY_HEADS if arch == "magan_ae" else CLASSIFIER_HEADS
  heads = validate_heads(_DEFAULT_HEADS[arch] if heads is None else heads, valid, arch)
  image_shape = _check_shape(arch, image_shape, "discriminator")
  spectral_norm = _check_spectral_norm(arch, spectral_norm)
  if label_input and arch == "magan_ae":
    raise ValueError("build_discriminator.label_input=True: the magan_ae discriminator reconstructs its input "
                     "and cannot read a label there; use sagan, biggan, dcgan or mlp")
  common = dict(image_shape=image_shape, num_classes=num_classes, heads=heads, label_input=label_input,
                name="discriminator")
  if arch == "sagan":
    return sagan.SAGANDiscriminator(ch=ch or 64, attention_resolution=attention_resolution, **common)
  if arch == "biggan":
    return biggan.BigGANDiscriminator(ch=ch or 96, attention_resolution=attention_resolution, **common)
  if arch == "dcgan":
    return dcgan.DCGANDiscriminator(ch=ch or 64, input_noise=input_noise, dropout=dropout,
                                    spectral_norm=spectral_norm, **common)
  if arch == "magan_ae":
    common.pop("label_input")
    return magan.MAGANAutoEncoderDiscriminator(**common)
  return mlp.MLPDiscriminator(hidden=hidden, spectral_norm=spectral_norm, **common)
