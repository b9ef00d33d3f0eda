"""Layers and networks. `DiscOutput` is the discriminator's structured output.

  G = build_generator(arch="sagan", image_shape=(32, 32, 3), num_classes=10, conditional=True)
  images = G(z, labels, training=False)            # [B, 32, 32, 3] float32 in [-1, 1]
  D = build_discriminator(arch="sagan", image_shape=(32, 32, 3), num_classes=10,
                          heads=("projection", "classifier"))
  out = D(images, labels, training=True)           # DiscOutput(adv_logits [B], class_logits [B, K], ...)
"""

from tfgan_mh.models.base import reads_labels
from tfgan_mh.models.builders import build_discriminator, build_generator
from tfgan_mh.models.heads import CLASSIFIER_HEADS, ENERGY_HEADS, DiscHeads
from tfgan_mh.models.layers import BatchNorm, DBlock, GBlock, SelfAttention
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.models.spectral import SNConv2D, SNConv2DTranspose, SNDense, SNEmbedding

__all__ = [
    "BatchNorm", "CLASSIFIER_HEADS", "DBlock", "DiscHeads", "DiscOutput", "ENERGY_HEADS", "GBlock",
    "SNConv2D", "SNConv2DTranspose", "SNDense", "SNEmbedding", "SelfAttention", "build_discriminator",
    "build_generator", "reads_labels",
]
