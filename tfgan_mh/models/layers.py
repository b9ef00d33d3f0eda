"""Building blocks of the SAGAN / SNGAN networks: (conditional) batch norm, self-attention, ResNet blocks.

References: the SAGAN baseline of Kavalerov et al. 2019 (MHGAN) §3 (TF-GAN's self-attention
example: class-conditional BatchNorm in G, spectral norm in G and D, a non-local block, ResNet up / down
blocks as in SNGAN, ref. [22] of the MHGAN paper).
"""

from typing import Optional

import gin
import keras
import tensorflow as tf

from tfgan_mh.models.base import BuiltOnFirstCall, is_class_weights
from tfgan_mh.models.spectral import SNConv2D, upsample2x


def _expand_to(params, rank):
  """[B, C] -> [B, 1, ..., 1, C] broadcastable against a rank-`rank` NHWC / NC tensor."""
  return tf.reshape(params, [tf.shape(params)[0]] + [1] * (rank - 2) + [params.shape[-1]])


@gin.configurable("BatchNorm", module="tfgan_mh.models")
def batch_norm_defaults(cross_replica: bool = False) -> dict:
  """The gin-set defaults of every `BatchNorm` (gin name `BatchNorm`): `BatchNorm.cross_replica = True`.

  A function, not the class: Keras 3 reads the layer's own `__init__` signature, which gin's wrapper hides.
  False: per-replica statistics, as the MHGAN paper's SAGAN baseline (TF-GAN) trains; BigGAN (Brock et al. 2019,
  App. C) syncs them across replicas (compare_gan: `standardize_batch.use_cross_replica_mean = True`).
  """
  return dict(cross_replica=cross_replica)


class BatchNorm(keras.layers.Layer):
  """Batch norm whose gain and bias come from the class (conditional BN, MHGAN §3) or are learned.

  With `num_classes=None` it is an ordinary batch norm (learned per-channel gain and bias); with K
  classes the gain and bias are rows of [K, C] tables indexed by the label (gain initialised to 1,
  bias to 0), as in the TF-GAN SAGAN generator. Class weights [B, K] (float, in place of the labels [B])
  give the weighted sums of the rows, w @ table (a one-hot row is that class's row).

  Statistics are computed in float32 (also under mixed bfloat16) over all axes but the last, on this
  replica's batch (per-replica BN, as on TPU), or with `cross_replica=True` over the global batch of all
  replicas (synchronized BN, as BigGAN trains: compare_gan's `standardize_batch.use_cross_replica_mean`;
  gin: `BatchNorm.cross_replica = True` turns it on for every BatchNorm of G and D). The moving averages
  (float32, non-trainable, checkpointed) use `aggregation="mean"`: under tf.distribute each update writes
  the mean of the replicas' new values to every copy, so they stay identical (with `cross_replica` the
  replicas' values are already equal). Inference (`training=False`) uses them.

  Args:
    num_classes: K for class-conditional gain/bias, None for unconditional.
    momentum: moving-average decay of the inference statistics.
    epsilon: added to the variance.
    affine: False: no gain and bias at all (the caller applies its own, e.g. BigGAN's linear conditional BN).
    cross_replica: in training, mean and variance over all replicas' examples (`_normalize_global_batch`);
      False: this replica's (identical with one replica); None: the gin default (`batch_norm_defaults`).
  """

  def __init__(self, num_classes: Optional[int] = None, momentum: float = 0.9,
               epsilon: float = 1e-5, affine: bool = True, cross_replica: Optional[bool] = None, **kwargs):
    super().__init__(**kwargs)
    if num_classes and not affine:
      raise ValueError(f"BatchNorm: affine=False has no gain and bias, so num_classes={num_classes} must be None")
    if cross_replica is None:
      cross_replica = batch_norm_defaults()["cross_replica"]
    if not isinstance(cross_replica, bool):
      raise ValueError(f"BatchNorm: cross_replica={cross_replica!r} is not valid; valid: True, False")
    self.cross_replica = cross_replica
    self.num_classes = num_classes
    self.affine = affine
    self.momentum = momentum
    self.epsilon = epsilon

  def build(self, input_shape):
    c = int(input_shape[-1])

    def weight(name, shape, init, trainable=True, aggregation="none"):
      return self.add_weight(name=name, shape=shape, initializer=init, dtype="float32",
                             trainable=trainable, autocast=False, aggregation=aggregation)

    self.moving_mean = weight("moving_mean", (c,), "zeros", False, "mean")
    self.moving_variance = weight("moving_variance", (c,), "ones", False, "mean")
    if not self.affine:
      return
    if self.num_classes:
      self.gamma = weight("gamma_table", (self.num_classes, c), "ones")  # [K, C]
      self.beta = weight("beta_table", (self.num_classes, c), "zeros")  # [K, C]
    else:
      self.gamma = weight("gamma", (c,), "ones")
      self.beta = weight("beta", (c,), "zeros")

  def call(self, x, labels=None, training=False):
    if self.num_classes and labels is None:
      raise ValueError(f"{self.name}: class-conditional batch norm needs labels, got None")
    y = self.normalize(x, training)
    rank = len(x.shape)
    if not self.affine:
      return tf.cast(y, self.compute_dtype)
    if self.num_classes and is_class_weights(labels):  # class weights [B, K]: mix the rows
      weights = tf.cast(labels, tf.float32)
      gamma = _expand_to(tf.matmul(weights, self.gamma.value), rank)  # [B, 1, 1, C]
      beta = _expand_to(tf.matmul(weights, self.beta.value), rank)
    elif self.num_classes:
      labels = tf.cast(labels, tf.int32)
      gamma = _expand_to(tf.gather(self.gamma.value, labels), rank)  # [B, 1, 1, C]
      beta = _expand_to(tf.gather(self.beta.value, labels), rank)
    else:
      gamma, beta = self.gamma.value, self.beta.value
    return tf.cast(y * gamma + beta, self.compute_dtype)

  def normalize(self, x, training=False):
    """(x - mean) / sqrt(var + eps) in float32: the batch's statistics in training (and the moving averages
    updated from them), the moving averages in inference."""
    x32 = tf.cast(x, tf.float32)
    if training:
      y, mean, variance = self._normalize_batch(x32)
      m = self.momentum
      self.moving_mean.assign(m * self.moving_mean.value + (1 - m) * mean)
      self.moving_variance.assign(m * self.moving_variance.value + (1 - m) * variance)
      return y
    mean, variance = self.moving_mean.value, self.moving_variance.value
    return (x32 - mean) * tf.math.rsqrt(variance + self.epsilon)

  def _normalize_batch(self, x32):
    """(x - mean) / sqrt(var + eps) with this batch's mean and (biased) variance [C], float32.

    Images [B, H, W, C] go through one fused op (FusedBatchNormV3: one pass forward, one backward, 2x faster
    than the composed ops at [64, 32, 32, 384]); it returns the Bessel-corrected variance, scaled back here
    so the moving average keeps tracking the biased one. With `cross_replica` and more than one replica in
    sync the statistics are the global batch's (`_normalize_global_batch`).
    """
    replica = tf.distribute.get_replica_context()  # None in cross-replica context: x is the whole batch
    if self.cross_replica and replica is not None and replica.num_replicas_in_sync > 1:
      return self._normalize_global_batch(x32, replica)
    if len(x32.shape) == 4:
      c = x32.shape[-1]
      y, mean, variance = tf.compat.v1.nn.fused_batch_norm(
          x32, tf.ones([c]), tf.zeros([c]), epsilon=self.epsilon, is_training=True)
      n = tf.cast(tf.size(x32) // c, tf.float32)
      return y, mean, variance * (n - 1.0) / n
    mean, variance = tf.nn.moments(x32, axes=list(range(len(x32.shape) - 1)))  # [C]
    return (x32 - mean) * tf.math.rsqrt(variance + self.epsilon), mean, variance

  def _normalize_global_batch(self, x32, replica):
    """(x - mean) / sqrt(var + eps) with the mean and (biased) variance [C] of every replica's examples.

    Two passes, two all-reduce SUMs of [C + 1] and [C] floats: sum(x) and the example count give the global
    mean, then sum((x - mean)^2) the variance. Not the one-pass E[x^2] - E[x]^2: in float32 that loses
    about (mean / std)^2 ulps to cancellation and can turn negative once activations drift off zero; the
    second all-reduce only adds latency. Gradients flow through both: the gradient of an all-reduce SUM
    in replica context is the all-reduce SUM of the replicas' incoming gradients (`ReplicaContext.
    all_reduce` defines it), i.e. exactly the gradient of the global-batch formula. Shapes stay static.
    """
    axes = list(range(len(x32.shape) - 1))
    c = int(x32.shape[-1])
    count = tf.cast(tf.size(x32) // c, tf.float32)  # this replica's examples x positions
    sums = replica.all_reduce(tf.distribute.ReduceOp.SUM,
                              tf.concat([tf.reduce_sum(x32, axes), count[None]], 0))  # [C + 1]
    n = sums[c]
    mean = sums[:c] / n  # [C]
    centered = x32 - mean
    variance = replica.all_reduce(tf.distribute.ReduceOp.SUM, tf.reduce_sum(tf.square(centered), axes)) / n
    return centered * tf.math.rsqrt(variance + self.epsilon), mean, variance


UPSAMPLE_CONVS = ("transposed", "naive")


def avgpool2x(x):
  return tf.nn.avg_pool2d(x, 2, 2, "VALID")


class SelfAttention(keras.layers.Layer):
  """SAGAN non-local block: x + gamma * o(softmax(theta(x) phi(x)^T) g(x)), gamma initialised at 0.

  theta, phi: 1x1 SN convs to C/8 channels; g: 1x1 SN conv to C/2; phi and g are 2x2 max-pooled
  (TF-GAN SAGAN); o: 1x1 SN conv back to C. At initialisation gamma = 0 so the block is the identity.
  The attention softmax is computed in float32.

  Args:
    kernel_initializer: of the four convs (BigGAN: orthogonal).
  """

  def __init__(self, kernel_initializer="glorot_uniform", **kwargs):
    super().__init__(**kwargs)
    self.kernel_initializer = kernel_initializer

  def build(self, input_shape):
    c = int(input_shape[-1])
    self.channels = c
    conv = lambda ch, name: SNConv2D(max(1, ch), 1, use_bias=False, kernel_initializer=self.kernel_initializer,
                                     name=name)
    self.theta = conv(c // 8, "theta")
    self.phi = conv(c // 8, "phi")
    self.g = conv(c // 2, "g")
    self.o = conv(c, "o")
    self.gamma = self.add_weight(name="gamma", shape=(), initializer="zeros", dtype="float32",
                                 autocast=False)

  def call(self, x, training=False):
    b, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
    theta = tf.reshape(self.theta(x, training=training), [b, h * w, -1])  # [B, HW, C/8]
    phi = tf.reshape(tf.nn.max_pool2d(self.phi(x, training=training), 2, 2, "VALID"),
                     [b, (h // 2) * (w // 2), -1])  # [B, HW/4, C/8]
    logits = tf.matmul(tf.cast(theta, tf.float32), tf.cast(phi, tf.float32), transpose_b=True)
    attn = tf.nn.softmax(logits, axis=-1)  # [B, HW, HW/4]
    g = tf.reshape(tf.nn.max_pool2d(self.g(x, training=training), 2, 2, "VALID"),
                   [b, (h // 2) * (w // 2), -1])  # [B, HW/4, C/2]
    attn_g = tf.matmul(tf.cast(attn, self.compute_dtype), g)  # [B, HW, C/2]
    o = self.o(tf.reshape(attn_g, [b, h, w, -1]), training=training)  # [B, H, W, C]
    return x + tf.cast(self.gamma.value, self.compute_dtype) * o


class GBlock(BuiltOnFirstCall, keras.layers.Layer):
  """SNGAN / SAGAN generator ResNet block, 2x upsampling.

  h = conv3x3(relu(BN(conv3x3(up(relu(BN(x, y)))), y))); shortcut = conv1x1(up(x)); out = h + shortcut.
  BN is class-conditional when num_classes is given (MHGAN §3), plain otherwise.

  Args:
    channels: output channels.
    num_classes: K for conditional BN, None for unconditional.
    upsample_conv: "transposed" computes conv3x3(up(.)) as a stride-2 transposed conv and conv1x1(up(x)) as
      up(conv1x1(x)) (`SNConv2D(upsample=True)`: the same function, 4/9 and 1/4 of the multiply-adds);
      "naive" upsamples first, as written above (and as PyTorch-StudioGAN / BigGAN-PyTorch compute it).
    make_bn: None, or make_bn(name) -> the layer used for both batch norms, called as bn(x, cond, training)
      (BigGAN's linear conditional BN, `tfgan_mh.models.biggan`); `labels` is then passed through as `cond`.
    kernel_initializer: of the three convs (BigGAN: orthogonal).
  """

  def __init__(self, channels: int, num_classes: Optional[int] = None, upsample_conv: str = "transposed",
               make_bn=None, kernel_initializer="glorot_uniform", **kwargs):
    super().__init__(**kwargs)
    if upsample_conv not in UPSAMPLE_CONVS:
      raise ValueError(f"upsample_conv={upsample_conv!r} is not valid; valid: {', '.join(UPSAMPLE_CONVS)}")
    self.upsample_conv = upsample_conv
    make_bn = make_bn or (lambda name: BatchNorm(num_classes, name=name))
    init = dict(kernel_initializer=kernel_initializer)
    self.bn1 = make_bn("bn1")
    self.conv1 = SNConv2D(channels, 3, name="conv1", **init)
    self.bn2 = make_bn("bn2")
    self.conv2 = SNConv2D(channels, 3, name="conv2", **init)
    self.conv_sc = SNConv2D(channels, 1, name="conv_sc", **init)

  def call(self, x, labels=None, training=False):
    h = tf.nn.relu(self.bn1(x, labels, training=training))
    if self.upsample_conv == "naive":
      h = self.conv1(upsample2x(h), training=training)
      shortcut = self.conv_sc(upsample2x(x), training=training)
    else:
      h = self.conv1(h, training=training, upsample=True)
      shortcut = self.conv_sc(x, training=training, upsample=True)
    h = tf.nn.relu(self.bn2(h, labels, training=training))
    h = self.conv2(h, training=training)
    return h + shortcut


class DBlock(keras.layers.Layer):
  """SNGAN / SAGAN discriminator ResNet block with optional 2x average-pool downsampling.

  First ("optimized") block: h = pool(conv3x3(relu(conv3x3(x)))), shortcut = conv1x1(pool(x)).
  Other blocks: h = pool(conv3x3(relu(conv3x3(relu(x))))), shortcut = pool(conv1x1(x)) when the channels
  change or the block downsamples, else x.

  Args:
    channels: output channels.
    downsample: 2x average pooling at the end.
    first: the optimized first block (no pre-activation on the raw image).
    kernel_initializer: of the convs (BigGAN: orthogonal).
  """

  def __init__(self, channels: int, downsample: bool = True, first: bool = False,
               kernel_initializer="glorot_uniform", **kwargs):
    super().__init__(**kwargs)
    self.channels = channels
    self.downsample = downsample
    self.first = first
    self.kernel_initializer = kernel_initializer
    self.conv1 = SNConv2D(channels, 3, name="conv1", kernel_initializer=kernel_initializer)
    self.conv2 = SNConv2D(channels, 3, name="conv2", kernel_initializer=kernel_initializer)
    self.conv_sc = None

  def build(self, input_shape):
    if self.first or self.downsample or int(input_shape[-1]) != self.channels:
      self.conv_sc = SNConv2D(self.channels, 1, name="conv_sc", kernel_initializer=self.kernel_initializer)

  def call(self, x, training=False):
    pool = avgpool2x if self.downsample else (lambda t: t)
    h = x if self.first else tf.nn.relu(x)
    h = self.conv2(tf.nn.relu(self.conv1(h, training=training)), training=training)
    h = pool(h)
    if self.first:
      shortcut = self.conv_sc(pool(x), training=training)
    elif self.conv_sc is not None:
      shortcut = pool(self.conv_sc(x, training=training))
    else:
      shortcut = x
    return h + tf.cast(shortcut, h.dtype)
