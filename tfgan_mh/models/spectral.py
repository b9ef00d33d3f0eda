"""Spectrally normalized Dense, Conv2D, Conv2DTranspose and Embedding layers (Keras 3).

Spectral normalization (Miyato et al. 2018, ref. [22] of Kavalerov et al. 2019 (MHGAN); used in D and G of the
SAGAN baseline, MHGAN §3) divides a kernel W by its largest singular value sigma(W), estimated by power
iteration on the kernel reshaped to the matrix `[prod(shape[:-1]), shape[-1]]`
(`[kh*kw*cin, cout]` for Conv2D, `[in, out]` for Dense, `[K, dim]` for the embedding table,
`[kh*kw*cout, cin]` for Conv2DTranspose).

Why not `keras.layers.SpectralNormalization` (see
tests/models/test_spectral.py::KerasSpectralNormalizationTest): it assigns W/sigma back INTO the
wrapped kernel in training calls, so (1) the optimizer updates the already-normalized kernel and no
gradient flows through sigma, and (2) under a mixed_bfloat16 policy the value written back is
bf16-rounded, corrupting the float32 master weights. Here:

  * The kernel is a float32 variable created with `autocast=False`; W/sigma is computed in float32 in
    the forward pass, then cast to the compute dtype (bfloat16 under mixed precision). The kernel
    variable is never written by the layer; gradients flow through sigma (as in SNGAN / SAGAN).
  * `u` (`[1, shape[-1]]`, float32, non-trainable, checkpointed with the layer) holds the power-
    iteration state. A call with `training=True` runs ONE power iteration and assigns the new `u`
    (then normalizes with it); a call with `training=False` (inference, sampling, eval) runs NO
    iteration and normalizes with the stored `u` — so inference is deterministic and side-effect free.
  * Replicas: `u` is created with `aggregation="only_first_replica"` (tf.VariableAggregation
    .ONLY_FIRST_REPLICA, synchronization ON_WRITE by default for mirrored variables). The power
    iteration depends only on W and u, which are mirrored and identical on all replicas, so every
    replica computes the same new u; the assign from replica context takes replica 0's value and writes
    it to every copy, so the copies never drift even when floating-point reduction orders differ.
    This is well defined under MirroredStrategy and TPUStrategy (tested on 2 logical CPUs).
  * Gradient accumulation (`commit_power_iteration(False)`): inside it, a training call iterates from the
    stored u without writing the new one; the last micro-batch runs with True and writes it, so n
    micro-batches see the u, sigma and W / sigma of one full-batch call.
"""

import contextlib
import threading
from typing import Optional

import keras
import tensorflow as tf

_EPS = 1e-12
_COMMIT = threading.local()


@contextlib.contextmanager
def commit_power_iteration(commit: bool):
  """Within it, training calls write their new u only if `commit` (a Python bool, known when tracing)."""
  previous = getattr(_COMMIT, "flag", None)
  _COMMIT.flag = commit
  try:
    yield
  finally:
    _COMMIT.flag = previous


def _l2_normalize(x):
  return x * tf.math.rsqrt(tf.maximum(tf.reduce_sum(tf.square(x)), _EPS))


def power_iteration(w_mat, u):
  """One power iteration on `w_mat`.

  Args:
    w_mat: [N, M] float32 matrix.
    u: [1, M] float32 current estimate of the top right singular vector of w_mat.

  Returns:
    (u_new [1, M], v [1, N]) without gradient (SNGAN treats them as constants).
  """
  v = _l2_normalize(tf.matmul(u, w_mat, transpose_b=True))  # [1, N]
  u_new = _l2_normalize(tf.matmul(v, w_mat))  # [1, M]
  return tf.stop_gradient(u_new), tf.stop_gradient(v)


class SpectralNormMixin:
  """Adds `u` and `normalized_kernel(training)` to a layer owning a float32 `self.kernel`.

  Subclasses set `self.spectral_norm` (bool) and call `_build_sn(kernel_shape)` after creating the
  kernel with `autocast=False`.
  """

  def _build_sn(self, kernel_shape):
    self.sn_u = None
    if self.spectral_norm:
      self.sn_u = self.add_weight(
          name="sn_u", shape=(1, int(kernel_shape[-1])),
          initializer=keras.initializers.RandomNormal(stddev=1.0), dtype="float32",
          trainable=False, autocast=False, aggregation="only_first_replica")

  def sigma(self, training=False):
    """The current estimate of the largest singular value of the kernel (float32 scalar)."""
    return self._normalize(training)[1]

  def _normalize(self, training):
    w = tf.convert_to_tensor(self.kernel.value, tf.float32)
    if not self.spectral_norm:
      return w, tf.constant(1.0)
    w_mat = tf.reshape(w, [-1, w.shape[-1]])  # [N, M]
    u = tf.convert_to_tensor(self.sn_u.value, tf.float32)  # [1, M]
    if training:
      u, v = power_iteration(w_mat, u)
      if getattr(_COMMIT, "flag", None) is not False:
        self.sn_u.assign(u)
    else:
      v = tf.stop_gradient(_l2_normalize(tf.matmul(u, w_mat, transpose_b=True)))  # [1, N]
    sigma = tf.reduce_sum(tf.matmul(v, w_mat) * u)  # v^T W u, gradient flows through W
    return w / sigma, sigma

  def normalized_kernel(self, training=False):
    """W / sigma(W) in float32 (W itself when spectral_norm=False)."""
    return self._normalize(training)[0]

  def _kernel_for_compute(self, training):
    return tf.cast(self.normalized_kernel(training), self.compute_dtype)


class SNDense(SpectralNormMixin, keras.layers.Layer):
  """Dense layer y = x W/sigma(W) + b on the last axis.

  Args:
    units: output size.
    use_bias: add a bias.
    spectral_norm: normalize the kernel (False gives a plain Dense with the same variable layout).
    kernel_initializer: initializer of W.
  """

  def __init__(self, units: int, use_bias: bool = True, spectral_norm: bool = True,
               kernel_initializer="glorot_uniform", **kwargs):
    super().__init__(**kwargs)
    self.units = int(units)
    self.use_bias = use_bias
    self.spectral_norm = spectral_norm
    self.kernel_initializer = keras.initializers.get(kernel_initializer)

  def build(self, input_shape):
    kernel_shape = (int(input_shape[-1]), self.units)
    self.kernel = self.add_weight(name="kernel", shape=kernel_shape,
                                  initializer=self.kernel_initializer, dtype="float32",
                                  autocast=False)
    self.bias = (self.add_weight(name="bias", shape=(self.units,), initializer="zeros",
                                 dtype="float32", autocast=False) if self.use_bias else None)
    self._build_sn(kernel_shape)

  def call(self, x, training=False):
    y = tf.matmul(tf.cast(x, self.compute_dtype), self._kernel_for_compute(training))
    if self.use_bias:
      y = y + tf.cast(self.bias.value, self.compute_dtype)
    return y


class _SNConvBase(SpectralNormMixin, keras.layers.Layer):
  """What SNConv2D and SNConv2DTranspose share: arguments, float32 kernel and bias, spectral-norm state.

  Args:
    filters: output channels.
    kernel_size: int or (kh, kw).
    strides: int.
    padding: "SAME" or "VALID".
    use_bias: add a bias.
    spectral_norm: normalize the kernel (False for the MAGAN / DCGAN generators).
    kernel_initializer: initializer of W.
  """

  def __init__(self, filters: int, kernel_size=3, strides: int = 1, padding: str = "SAME",
               use_bias: bool = True, spectral_norm: bool = True,
               kernel_initializer="glorot_uniform", **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    self.kernel_size = ((kernel_size, kernel_size) if isinstance(kernel_size, int)
                        else tuple(kernel_size))
    self.strides = int(strides)
    self.padding = padding.upper()
    self.use_bias = use_bias
    self.spectral_norm = spectral_norm
    self.kernel_initializer = keras.initializers.get(kernel_initializer)

  def _kernel_shape(self, in_channels: int):
    raise NotImplementedError

  def build(self, input_shape):
    kernel_shape = self._kernel_shape(int(input_shape[-1]))
    self.kernel = self.add_weight(name="kernel", shape=kernel_shape,
                                  initializer=self.kernel_initializer, dtype="float32",
                                  autocast=False)
    self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer="zeros",
                                 dtype="float32", autocast=False) if self.use_bias else None)
    self._build_sn(kernel_shape)

  def _add_bias(self, y):
    # AddV2, not tf.nn.bias_add: with BiasAdd, TF 2.21's grappler remapper fails on the DBlocks' conv + bias +
    # residual add + ReLU ("remapper failed: ... Mutation::Apply error") and drops every fusion of the graph.
    return y + tf.cast(self.bias.value, self.compute_dtype) if self.use_bias else y


def upsampled_conv_kernel(kernel):
  """The kernel [4, 4, cout, cin] of the stride-2 transposed conv equal to a 3x3 SAME conv after 2x nearest
  upsampling.

  Output row 2i of conv(up(x)) sees input rows i-1 (tap 0) and i (taps 1 + 2); row 2i+1 sees rows i (taps
  0 + 1) and i+1 (tap 2). So input row i reaches output rows 2i-1 .. 2i+2 with the row taps
  [k2, k1 + k2, k0 + k1, k0]; the same holds for columns. The transposed conv does 16 multiply-adds per
  input pixel and channel pair where conv(up(x)) does 4 * 9 = 36.
  """
  k = kernel  # [3, 3, cin, cout]
  rows = tf.stack([k[2], k[1] + k[2], k[0] + k[1], k[0]])  # [4, 3, cin, cout]
  taps = tf.stack([rows[:, 2], rows[:, 1] + rows[:, 2], rows[:, 0] + rows[:, 1], rows[:, 0]], axis=1)
  return tf.transpose(taps, [0, 1, 3, 2])  # [4, 4, cout, cin]


class SNConv2D(_SNConvBase):
  """NHWC 2-D convolution, spectrally normalized kernel [kh, kw, cin, cout] (arguments: `_SNConvBase`).

  `call(x, upsample=True)` returns conv(upsample2x(x)) (2x nearest-neighbour upsampling) computed without
  materializing the upsampled input: a 1x1 conv commutes with the upsampling (4x fewer multiply-adds), a
  3x3 SAME conv is a stride-2 transposed conv with the kernel of `upsampled_conv_kernel` (4/9 of them).
  Equal to the naive order up to float rounding (tests/models/test_layers.py).
  """

  def _kernel_shape(self, in_channels: int):
    return self.kernel_size + (in_channels, self.filters)

  def call(self, x, training=False, upsample=False):
    x = tf.cast(x, self.compute_dtype)
    if upsample and self.kernel_size == (3, 3) and self.strides == 1 and self.padding == "SAME":
      # Taps summed in float32, then cast (under mixed bfloat16 the kernel is rounded once, as in conv).
      kernel = tf.cast(upsampled_conv_kernel(self.normalized_kernel(training)), self.compute_dtype)
      b, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
      y = tf.nn.conv2d_transpose(x, kernel, tf.stack([b, 2 * h, 2 * w, self.filters]), strides=2,
                                 padding="SAME")
      return self._add_bias(tf.ensure_shape(y, [None, 2 * h, 2 * w, self.filters]))
    kernel = self._kernel_for_compute(training)
    if not upsample:
      y = tf.nn.conv2d(x, kernel, strides=self.strides, padding=self.padding)
    elif self.kernel_size == (1, 1) and self.strides == 1:
      y = upsample2x(tf.nn.conv2d(x, kernel, strides=1, padding="VALID"))
    else:
      y = tf.nn.conv2d(upsample2x(x), kernel, strides=self.strides, padding=self.padding)
    return self._add_bias(y)


def upsample2x(x):
  """Nearest-neighbour 2x upsampling [B, H, W, C] -> [B, 2H, 2W, C]."""
  return tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)


class SNConv2DTranspose(_SNConvBase):
  """NHWC transposed convolution, kernel [kh, kw, cout, cin] ("fractional-strided", DC in App. B of MAGAN).

  Output size: H * strides for "SAME"; (H - 1) * strides + kh for "VALID" (e.g. 1x1 -> 7x7 with a
  7x7 kernel, the first layer of the MNIST generator of Wang et al. 2017 (MAGAN), App. B.1). Arguments:
  `_SNConvBase`.
  """

  def _kernel_shape(self, in_channels: int):
    return self.kernel_size + (self.filters, in_channels)

  def _out_size(self, size, k):
    if self.padding == "SAME":
      return size * self.strides
    return (size - 1) * self.strides + k

  def call(self, x, training=False):
    x = tf.cast(x, self.compute_dtype)
    b = tf.shape(x)[0]
    h = self._out_size(x.shape[1], self.kernel_size[0])
    w = self._out_size(x.shape[2], self.kernel_size[1])
    y = tf.nn.conv2d_transpose(x, self._kernel_for_compute(training),
                               output_shape=tf.stack([b, h, w, self.filters]),
                               strides=self.strides, padding=self.padding)
    return self._add_bias(tf.ensure_shape(y, [None, h, w, self.filters]))


class SNEmbedding(SpectralNormMixin, keras.layers.Layer):
  """Class embedding table E [K, dim] with sigma(E) normalized (the projection embedding of MHGAN Fig. 2).

  `layer(labels)` looks up rows of E/sigma(E); `layer.table(training)` returns the whole normalized
  table (float32), used by the shared classifier head (MHGAN Fig. 2b).

  Args:
    num_classes: K.
    dim: embedding size (the discriminator feature size F).
    spectral_norm: normalize the table.
    embeddings_initializer: initializer of E.
  """

  def __init__(self, num_classes: int, dim: int, spectral_norm: bool = True,
               embeddings_initializer="glorot_uniform", **kwargs):
    super().__init__(**kwargs)
    self.num_classes = int(num_classes)
    self.dim = int(dim)
    self.spectral_norm = spectral_norm
    self.embeddings_initializer = keras.initializers.get(embeddings_initializer)

  def build(self, input_shape=None):
    shape = (self.num_classes, self.dim)
    self.kernel = self.add_weight(name="embeddings", shape=shape,
                                  initializer=self.embeddings_initializer, dtype="float32",
                                  autocast=False)
    self._build_sn(shape)

  def table(self, training=False):
    """E / sigma(E): [K, dim] float32."""
    return self.normalized_kernel(training)

  def call(self, labels, training=False, table: Optional[tf.Tensor] = None):
    """Rows of the normalized table; pass `table` to reuse one already computed in this call."""
    table = self.table(training) if table is None else table
    return tf.gather(table, tf.cast(labels, tf.int32))  # [B, dim] float32
