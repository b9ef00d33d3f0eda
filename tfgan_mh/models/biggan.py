"""BigGAN generator and discriminator at 32, 64 and 128 px (Brock et al. 2019, "Large Scale GAN Training for
High Fidelity Natural Image Synthesis", §3 and App. B).

What makes it BigGAN rather than SAGAN (`tfgan_mh.models.sagan`):

  * shared class embedding: one table [K, shared_dim] (not a gain/bias table per BN layer), App. B.1;
  * hierarchical latents: z [B, z_dim] is split into (blocks + 1) equal chunks; chunk 0 feeds the linear
    layer to the 4x4 map, chunk i is concatenated with the shared embedding of the class into the
    conditioning vector c_i [B, chunk + shared_dim] of block i (§3 "hierarchical latent space", App. B.1);
  * linear conditional BN in every G block: BN(x) * (1 + W_g c_i) + W_b c_i, with W_g, W_b bias-free
    spectrally normalized linear layers (App. B.1; the "1 +" as in the authors' BigGAN-PyTorch ccbn);
  * orthogonal initialisation of every conv / linear kernel and of the shared embedding (§3 / App. B);
  * spectral norm in G and D, one self-attention block in each, at a configurable resolution.

Layout (units of `ch`; PyTorch-StudioGAN's big_resnet, which the test pins to the parameter):

  G  32 px: linear -> 4x4x4ch, GBlocks 4ch, 4ch, 4ch (8, 16, 32 px); 64 px: 4x4x16ch, 8ch, 4ch, 2ch, ch;
     128 px: 4x4x16ch, 16ch, 8ch, 4ch, 2ch, ch; then BN -> ReLU -> SN conv3x3 -> tanh.
  D  32 px: DBlocks 2ch (16), 2ch (8), 2ch (8, no pooling), 2ch (8, no pooling); 64 px: ch, 2ch, 4ch, 8ch,
     16ch (last without pooling); 128 px: ch, 2ch, 4ch, 8ch, 16ch, 16ch; ReLU -> sum over H, W -> phi
     -> the heads of `tfgan_mh.models.heads` (projection, classifier, K+1, cosine).

At StudioGAN's CIFAR-10 MHGAN settings (ch 96, z 80, shared 128, attention at 16 px in both, K+1 head) the
trainable parameters are 9,416,196 (G) and 2,415,180 (D), as in that library (tests/models/test_biggan.py).
Batch-norm epsilon 1e-4 (StudioGAN's); the K = 10 classes and 3 channels of CIFAR-10 enter the counts.
"""

from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfgan_mh.models.base import Generator, is_class_weights, tracked
from tfgan_mh.models.layers import BatchNorm, GBlock, SelfAttention
from tfgan_mh.models.sagan import ResNetDiscriminator, attention_index, run_generator_blocks
from tfgan_mh.models.spectral import SNConv2D, SNDense

# resolution -> (channels of the 4x4 map, output channels of each GBlock), in units of ch.
G_SPECS = {32: (4, (4, 4, 4)), 64: (16, (8, 4, 2, 1)), 128: (16, (16, 8, 4, 2, 1))}
# resolution -> ((channels, downsample) of each DBlock), in units of ch.
D_SPECS = {
    32: ((2, True), (2, True), (2, False), (2, False)),
    64: ((1, True), (2, True), (4, True), (8, True), (16, False)),
    128: ((1, True), (2, True), (4, True), (8, True), (16, True), (16, False)),
}
ATTENTION = {32: 16, 64: 32, 128: 64}  # BigGAN at 128 px: 64 in G and D; StudioGAN CIFAR-10: 16 px
Z_DIM = {32: 80, 64: 100, 128: 120}  # 20 per chunk (BigGAN 128 px: z 120, App. B)
BN_EPSILON = 1e-4
SUPPORTED = tuple(sorted(G_SPECS))


# By name, not an instance: Keras 3 gives one unseeded initializer instance the same draws on every call, so a
# shared instance would make every conv of the same shape start identical; each layer gets its own from the name.
ORTHOGONAL = "orthogonal"


class LinearConditionalBN(keras.layers.Layer):
  """BigGAN's conditional BN: BN(x) * (1 + W_g c) + W_b c, c [B, D] the block's conditioning vector.

  The statistics come from a `BatchNorm(affine=False)` (per-replica or cross-replica, moving averages for
  inference); W_g, W_b are bias-free SN linear layers D -> C, orthogonally initialised (App. B.1).
  """

  def __init__(self, epsilon: float = BN_EPSILON, **kwargs):
    super().__init__(**kwargs)
    self.bn = BatchNorm(None, epsilon=epsilon, affine=False, name="bn")
    self.epsilon = epsilon

  def build(self, input_shape):
    c = int(input_shape[-1])
    self.bn.build(input_shape)  # `normalize` is called directly, not through __call__
    self.gain = SNDense(c, use_bias=False, kernel_initializer=ORTHOGONAL, name="gain")
    self.bias = SNDense(c, use_bias=False, kernel_initializer=ORTHOGONAL, name="bias")

  def call(self, x, cond, training=False):
    if cond is None:
      raise ValueError(f"{self.name}: BigGAN's conditional BN needs the conditioning vector, got None")
    y = self.bn.normalize(x, training)  # float32
    gain = 1.0 + tf.cast(self.gain(cond, training=training), tf.float32)  # [B, C]
    bias = tf.cast(self.bias(cond, training=training), tf.float32)
    return tf.cast(y * gain[:, None, None, :] + bias[:, None, None, :], self.compute_dtype)


class BigGANGenerator(Generator):
  """BigGAN generator (module docstring). Unconditional (`conditional=False`): c_i is the z chunk alone.

  Args:
    image_shape: (R, R, C) with R in 32, 64, 128.
    num_classes: K.
    conditional: class-conditional (shared embedding in every c_i) or not.
    z_dim: latent size, a multiple of (number of blocks + 1); None = Z_DIM[R].
    ch: channel multiplier (StudioGAN CIFAR-10: 96; BigGAN 128 px: 96).
    shared_dim: size of the shared class embedding (128).
    attention_resolution: resolution of G's self-attention block; "default" = ATTENTION[R]; None = none.
    upsample_conv: "transposed" (fast, default) or "naive" (`tfgan_mh.models.layers.GBlock`).
  """

  def __init__(self, *, image_shape, num_classes: int, conditional: bool = True, z_dim: Optional[int] = None,
               ch: int = 96, shared_dim: int = 128, attention_resolution="default",
               upsample_conv: str = "transposed", **kwargs):
    r = int(image_shape[0])
    init_mult, mults = G_SPECS[r]
    z_dim = Z_DIM[r] if z_dim is None else int(z_dim)
    chunks = len(mults) + 1
    if z_dim <= 0 or z_dim % chunks:
      raise ValueError(f"BigGAN generator at {r} px splits z into {chunks} equal chunks: z_dim={z_dim} is not a "
                       f"positive multiple of {chunks}")
    super().__init__(z_dim=z_dim, num_classes=num_classes, conditional=conditional, image_shape=image_shape,
                     **kwargs)
    if attention_resolution == "default":
      attention_resolution = ATTENTION[r]
    block_res = [8 * 2**i for i in range(len(mults))]
    self.attention_after = attention_index(attention_resolution, block_res, "BigGAN generator")
    self.attention_resolution = attention_resolution
    self.chunk = z_dim // chunks
    self.shared_dim = int(shared_dim) if conditional else 0
    self.init_ch = init_mult * ch
    self.linear = SNDense(4 * 4 * self.init_ch, kernel_initializer=ORTHOGONAL, name="linear")
    self.blocks = tracked(self, "block", [
        GBlock(m * ch, upsample_conv=upsample_conv, kernel_initializer=ORTHOGONAL, name=f"block{i}",
               make_bn=lambda name: LinearConditionalBN(name=name)) for i, m in enumerate(mults)])
    self.attention = (SelfAttention(kernel_initializer=ORTHOGONAL, name="attention")
                      if attention_resolution is not None else None)
    self.bn = BatchNorm(None, epsilon=BN_EPSILON, name="bn_out")
    self.conv_out = SNConv2D(self.image_shape[-1], 3, kernel_initializer=ORTHOGONAL, name="conv_out")
    self.shared = (self.add_weight(name="shared_embedding", shape=(num_classes, self.shared_dim),
                                   initializer=ORTHOGONAL, dtype="float32", autocast=False)
                   if conditional else None)

  def _shared(self, labels):
    """The shared class embedding [B, shared_dim] (class weights [B, K] mix the rows)."""
    table = self.shared.value
    if is_class_weights(labels):
      return tf.matmul(tf.cast(labels, tf.float32), table)
    return tf.gather(table, tf.cast(labels, tf.int32))

  def forward(self, z, labels, training):
    zs = tf.split(tf.cast(z, tf.float32), len(self.blocks) + 1, axis=1)  # (blocks + 1) x [B, chunk]
    conds = zs[1:]
    if self.conditional:
      shared = self._shared(labels)  # [B, shared_dim]
      conds = [tf.concat([shared, zi], axis=1) for zi in conds]  # [B, shared_dim + chunk] (StudioGAN's order)
    h = tf.reshape(self.linear(zs[0], training=training), [-1, 4, 4, self.init_ch])  # [B, 4, 4, C0]
    return run_generator_blocks(self, h, conds, training)  # [B, R, R, C]


class BigGANDiscriminator(ResNetDiscriminator):
  """BigGAN discriminator (module docstring): SN ResNet, sum-pooled ReLU features phi, the given heads.

  Args:
    image_shape: (R, R, C) with R in 32, 64, 128.
    num_classes: K.
    heads: validated head names (`tfgan_mh.models.heads`).
    ch: channel multiplier (StudioGAN CIFAR-10: 96, i.e. 192-channel blocks at 32 px).
    attention_resolution: resolution of D's self-attention block; "default" = ATTENTION[R]; None = none.
  """

  def __init__(self, *, image_shape, num_classes: int, heads: Sequence[str], ch: int = 96,
               attention_resolution="default", **kwargs):
    r = int(image_shape[0])
    if attention_resolution == "default":
      attention_resolution = ATTENTION[r]
    super().__init__(heads=heads, num_classes=num_classes, image_shape=image_shape,
                     spec=[(m * ch, down) for m, down in D_SPECS[r]], attention_resolution=attention_resolution,
                     kernel_initializer=ORTHOGONAL, what="BigGAN discriminator", **kwargs)
