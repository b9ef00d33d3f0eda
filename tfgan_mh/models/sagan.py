"""SAGAN / SNGAN ResNet generator and discriminator at 32, 64 and 128 px.

The baseline of Kavalerov et al. 2019 (MHGAN) §3 (TF-GAN's self-attention example, ch = 64 "channels", z dim 128):
spectral norm in G and D, class-conditional BatchNorm in G, projection discriminator (Fig. 2a) with
the optional heads of Fig. 2b / 2c, a self-attention block in each network. At 128 px the layout is
TF-GAN's:

  G: z -> SNDense(4*4*16ch) -> GBlock 16ch (8) -> 8ch (16) -> 4ch (32) -> 2ch (64) -> attention (64)
     -> GBlock ch (128) -> BN -> ReLU -> SNConv3x3(C) -> tanh
  D: DBlock ch (64) -> 2ch (32) -> attention (32) -> 4ch (16) -> 8ch (8) -> 16ch (4) -> 16ch (4, no
     pooling) -> ReLU -> sum over H, W -> phi [B, 16ch] -> heads

64 px drops the first G block's resolution step (blocks 16ch, 8ch, 4ch, 2ch) and the first D block;
32 px follows SNGAN's CIFAR-10 network (G three 4ch blocks; D 4ch blocks, the last two without pooling).
"""

from typing import Optional, Sequence

import tensorflow as tf

from tfgan_mh.models.base import Discriminator, Generator, tracked
from tfgan_mh.models.layers import BatchNorm, DBlock, GBlock, SelfAttention
from tfgan_mh.models.spectral import SNConv2D, SNDense

# resolution -> (initial channels of the 4x4 map, output channels of each GBlock), in units of ch.
G_SPECS = {32: (4, (4, 4, 4)), 64: (16, (16, 8, 4, 2)), 128: (16, (16, 8, 4, 2, 1))}
# resolution -> ((channels, downsample) of each DBlock), in units of ch.
D_SPECS = {
    32: ((4, True), (4, True), (4, False), (4, False)),
    64: ((1, True), (2, True), (4, True), (8, True), (16, False)),
    128: ((1, True), (2, True), (4, True), (8, True), (16, True), (16, False)),
}
# Default attention resolution (TF-GAN at 128 px: G at 64, D at 32).
G_ATTENTION = {32: 16, 64: 32, 128: 64}
D_ATTENTION = {32: 16, 64: 32, 128: 32}
SUPPORTED = tuple(sorted(G_SPECS))


def attention_index(attention_resolution, resolutions, what) -> Optional[int]:
  """Index of the first block whose output has `attention_resolution` (None: no attention); one-line error."""
  if attention_resolution is None:
    return None
  if attention_resolution not in resolutions:
    raise ValueError(f"{what}: attention_resolution={attention_resolution} is not the resolution of "
                     f"any block; valid: {sorted(set(resolutions))} or None (no attention)")
  return list(resolutions).index(attention_resolution)


def run_generator_blocks(g, h, conds, training):
  """The ResNet generator body shared with BigGAN: blocks (block i gets conds[i]), the attention block after
  block `g.attention_after`, then BN -> ReLU -> conv -> tanh. Returns [B, R, R, C] float32."""
  for i, block in enumerate(g.blocks):
    h = block(h, conds[i], training=training)
    if i == g.attention_after:
      h = g.attention(h, training=training)
  h = tf.nn.relu(g.bn(h, training=training))
  return tf.tanh(tf.cast(g.conv_out(h, training=training), tf.float32))


class SAGANGenerator(Generator):
  """ResNet generator of MHGAN §3 (SAGAN) with conditional BN (or plain BN when unconditional).

  Args:
    image_shape: (R, R, C) with R in 32, 64, 128.
    num_classes: K.
    conditional: class-conditional BN from labels (False: dynamic labeling / unconditional).
    z_dim: latent size (128 in the MHGAN paper).
    ch: channel multiplier (64 in the MHGAN paper).
    attention_resolution: resolution of the self-attention block, "default" for G_ATTENTION, or None.
    upsample_conv: how the blocks compute conv(upsample(.)): "transposed" (fast, default) or "naive"
      (`tfgan_mh.models.layers.GBlock`); the same function and variables either way.
  """

  def __init__(self, *, image_shape, num_classes: int, conditional: bool = True, z_dim: int = 128,
               ch: int = 64, attention_resolution="default", upsample_conv: str = "transposed", **kwargs):
    super().__init__(z_dim=z_dim, num_classes=num_classes, conditional=conditional,
                     image_shape=image_shape, **kwargs)
    r = self.image_shape[0]
    init_mult, mults = G_SPECS[r]
    if attention_resolution == "default":
      attention_resolution = G_ATTENTION[r]
    block_res = [8 * 2**i for i in range(len(mults))]
    self.attention_after = attention_index(attention_resolution, block_res, "SAGAN generator")
    self.attention_resolution = attention_resolution
    k = num_classes if conditional else None
    self.init_ch = init_mult * ch
    self.linear = SNDense(4 * 4 * self.init_ch, name="linear")
    self.blocks = tracked(self, "block", [GBlock(m * ch, k, upsample_conv=upsample_conv, name=f"block{i}")
                                           for i, m in enumerate(mults)])
    self.attention = SelfAttention(name="attention") if attention_resolution is not None else None
    self.bn = BatchNorm(None, name="bn_out")
    self.conv_out = SNConv2D(self.image_shape[-1], 3, name="conv_out")

  def forward(self, z, labels, training):
    h = tf.reshape(self.linear(z, training=training), [-1, 4, 4, self.init_ch])  # [B, 4, 4, C0]
    return run_generator_blocks(self, h, [labels] * len(self.blocks), training)  # [B, R, R, C]


class ResNetDiscriminator(Discriminator):
  """The SN ResNet discriminator trunk of SAGAN and BigGAN: DBlocks, one attention block, phi = sum of ReLU.

  Args:
    spec: ((channels, downsample) of each DBlock).
    attention_resolution: resolution of the attention block (a block's output resolution) or None.
    kernel_initializer: of every conv (BigGAN: orthogonal).
    what: the network's name in error messages.
    Others: `tfgan_mh.models.base.Discriminator`'s.
  """

  def __init__(self, *, spec, attention_resolution, kernel_initializer="glorot_uniform", what: str, **kwargs):
    super().__init__(**kwargs)
    res, block_res = self.image_shape[0], []
    for _, down in spec:
      res = res // 2 if down else res
      block_res.append(res)
    self.attention_after = attention_index(attention_resolution, block_res, what)
    self.attention_resolution = attention_resolution
    self.blocks = tracked(self, "block", [
        DBlock(c, downsample=down, first=(i == 0), kernel_initializer=kernel_initializer, name=f"block{i}")
        for i, (c, down) in enumerate(spec)])
    self.attention = (SelfAttention(kernel_initializer=kernel_initializer, name="attention")
                      if attention_resolution is not None else None)

  def features(self, x, training):
    h = x
    for i, block in enumerate(self.blocks):
      h = block(h, training=training)
      if i == self.attention_after:
        h = self.attention(h, training=training)
    return tf.reduce_sum(tf.cast(tf.nn.relu(h), tf.float32), axis=[1, 2])  # [B, F]


class SAGANDiscriminator(ResNetDiscriminator):
  """ResNet discriminator of MHGAN §3 (SAGAN): SN everywhere, sum-pooled ReLU features phi [B, 16ch].

  Args:
    image_shape: (R, R, C) with R in 32, 64, 128.
    num_classes: K.
    heads: validated head names (see `tfgan_mh.models.heads`).
    ch: channel multiplier (64 in the MHGAN paper).
    attention_resolution: resolution of the self-attention block, "default" for D_ATTENTION, or None.
  """

  def __init__(self, *, image_shape, num_classes: int, heads: Sequence[str], ch: int = 64,
               attention_resolution="default", **kwargs):
    r = int(image_shape[0])
    if attention_resolution == "default":
      attention_resolution = D_ATTENTION[r]
    super().__init__(heads=heads, num_classes=num_classes, image_shape=image_shape,
                     spec=[(m * ch, down) for m, down in D_SPECS[r]], attention_resolution=attention_resolution,
                     what="SAGAN discriminator", **kwargs)
