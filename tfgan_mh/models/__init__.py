"""Layers and networks. `DiscOutput` is the discriminator's structured output."""

from tfgan_mh.models.outputs import DiscOutput
