"""Building blocks shared by the loss families: pure per-example functions.

Every function takes keyword-only tensors and returns a float32 tensor of shape `[B]` (one value per
example): no variables, no reduction, no summaries. The train step reduces each term once over the
global batch (sum / global batch size).

Conventions:
  * `labels` are int class ids `[B]` in `[0, K)`; out-of-range ids are not checked (one_hot of an
    out-of-range id is all zeros).
  * K+1 logits are `[B, K+1]` with the LAST column (index K) the "fake" class, as in
    `tfgan_mh.models.outputs` (Zhou et al. 2018 (AM-GAN) calls it class K+1, Kavalerov et al. 2020
    (K+1 GANs) class 0).
  * The true class is selected with `tf.one_hot` masks so every shape stays static (TPU / XLA).

Papers (full references in the `tfgan_mh` package docstring): MHGAN = Kavalerov et al. 2019 (multi-hinge),
AM-GAN = Zhou et al. 2018, K+1 GANs = Kavalerov et al. 2020, MAGAN = Wang et al. 2017. The additive angular
margin loss of Sapkota et al. 2022 (AAM) lives in `angular.py`.
"""

import tensorflow as tf


def _f32(x):
  return tf.cast(x, tf.float32)


def _num_columns(logits):
  """Static number of columns when known (keeps one_hot shapes static), else dynamic."""
  return logits.shape[-1] if logits.shape[-1] is not None else tf.shape(logits)[-1]


def _one_hot(labels, depth):
  return tf.one_hot(tf.cast(labels, tf.int32), depth, dtype=tf.float32)  # [B, depth]


# --- binary adversarial terms ---------------------------------------------------------------------


def hinge_real(*, logits):
  """Hinge loss of D on real samples, max(0, 1 - D(x, y)): L_D^real of Eq. (3) of the MHGAN paper.

  Args:
    logits: [B] real/fake logits D(x, y) of real samples.

  Returns:
    [B] float32.
  """
  return tf.nn.relu(1.0 - _f32(logits))


def hinge_fake(*, logits):
  """Hinge loss of D on generated samples, max(0, 1 + D(G(z, y), y)): L_D^fake of Eq. (3) of the MHGAN paper.

  Args:
    logits: [B] real/fake logits of generated samples.

  Returns:
    [B] float32.
  """
  return tf.nn.relu(1.0 + _f32(logits))


def hinge_generator(*, logits):
  """Hinge-GAN generator loss, -D(G(z, y), y): L_G of Eq. (3) of the MHGAN paper.

  Args:
    logits: [B] real/fake logits of generated samples.

  Returns:
    [B] float32.
  """
  return -_f32(logits)


def bce_real(*, logits):
  """-log D_r(x) with D_r = sigmoid(logits): the real term of L_D in Eq. (1) of the AM-GAN paper.

  Also the non-saturating generator loss -log D_r(G(z)) (L_G of Eq. (1) of the AM-GAN paper, the second form).

  Args:
    logits: [B] real/fake logits.

  Returns:
    [B] float32, softplus(-logits).
  """
  return tf.nn.softplus(-_f32(logits))


def bce_fake(*, logits):
  """-log(1 - D_r(x)) with D_r = sigmoid(logits): the fake term of L_D in Eq. (1) of the AM-GAN paper.

  Args:
    logits: [B] real/fake logits of generated samples.

  Returns:
    [B] float32, softplus(logits).
  """
  return tf.nn.softplus(_f32(logits))


def non_saturating_generator(*, logits):
  """Non-saturating generator loss -log D_r(G(z)) (Eq. (1) of the AM-GAN paper, "-E log D_r(G(z))").

  Args:
    logits: [B] real/fake logits of generated samples.

  Returns:
    [B] float32.
  """
  return bce_real(logits=logits)


def minimax_generator(*, logits):
  """Minimax (saturating) generator loss log(1 - D_r(G(z))), the G side of the original GAN game.

  Args:
    logits: [B] real/fake logits of generated samples.

  Returns:
    [B] float32, -softplus(logits) (<= 0; minimised).
  """
  return -bce_fake(logits=logits)


# --- K-class terms ---------------------------------------------------------------------------------


def softmax_cross_entropy(*, logits, labels):
  """Softmax cross-entropy H(u(y), softmax(logits)): the auxiliary classifier loss of AC-GAN.

  Eq. (10) of the MHGAN paper (written there as E log C_y(x)), Eq. (7)/(9) of the AM-GAN paper,
  Eq. (7) of the AAM paper.

  Args:
    logits: [B, K] class logits.
    labels: [B] int class ids in [0, K).

  Returns:
    [B] float32.
  """
  return tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=tf.cast(labels, tf.int32), logits=_f32(logits))


def uniform_cross_entropy(*, logits):
  """Cross-entropy against the uniform distribution, H(u(.), softmax(logits)).

  The extra discriminator loss of AC-GAN*+ on generated samples, Eq. (20) of the AM-GAN paper.

  Args:
    logits: [B, K] class logits.

  Returns:
    [B] float32, -(1/K) sum_k log softmax_k(logits).
  """
  return -tf.reduce_mean(tf.nn.log_softmax(_f32(logits), axis=-1), axis=-1)


def crammer_singer(*, logits, labels, margin=1.0):
  """Crammer-Singer multi-class hinge loss, max(0, margin - C_y(x) + max_{k != y} C_k(x)).

  Eq. (4) of the MHGAN paper (L_D^aux on real, L_G^aux on generated samples; margin 1). The true
  class is masked with a one_hot, so shapes stay static. Samples classified correctly by more than
  `margin` give zero loss and zero gradient.

  Args:
    logits: [B, K] class affinities C(x) (K >= 2; also used on K+1 logits).
    labels: [B] int class ids in [0, K).
    margin: the required gap between the true class and the best other class.

  Returns:
    [B] float32.
  """
  logits = _f32(logits)
  mask = _one_hot(labels, _num_columns(logits))  # [B, K]
  true = tf.reduce_sum(logits * mask, axis=-1)  # [B] C_y(x)
  others = tf.where(mask > 0.0, tf.ones_like(logits) * logits.dtype.min, logits)  # [B, K]
  best_other = tf.reduce_max(others, axis=-1)  # [B] C_{not y}(x)
  return tf.nn.relu(margin - true + best_other)  # Eq. (4)


def argmax_labels(*, logits):
  """Dynamic labels argmax_k logits_k, without gradient (AM-GAN §5.1; pseudo-labels of MHGAN Eq. (8)).

  Args:
    logits: [B, K] class logits (or probabilities: the argmax is the same).

  Returns:
    [B] int32.
  """
  return tf.stop_gradient(tf.argmax(logits, axis=-1, output_type=tf.int32))


# --- K+1 terms (column K = fake) ------------------------------------------------------------------


def kplus1_class_loss(*, logits, labels):
  """H(v(y), D(x)) on K+1 logits: the real term of L_D of LabelGAN / AM-GAN.

  Eq. (3)/(5) and (15) of the AM-GAN paper, -E log d_m(x) of Eq. (1) of the K+1 GANs paper; also
  the AM-GAN generator loss Eq. (14) with the target class y of each generated sample.

  Args:
    logits: [B, K+1] logits, column K = fake.
    labels: [B] int class ids in [0, K].

  Returns:
    [B] float32.
  """
  return softmax_cross_entropy(logits=logits, labels=labels)


def kplus1_fake_loss(*, logits):
  """H(v(K+1), D(x)) = -log D_{K+1}(x): the fake term of L_D of LabelGAN (Eq. (3)/(5) of the AM-GAN paper).

  Args:
    logits: [B, K+1] logits of generated samples, column K = fake.

  Returns:
    [B] float32.
  """
  logits = _f32(logits)
  return tf.reduce_logsumexp(logits, axis=-1) - logits[:, -1]


def kplus1_not_fake_loss(*, logits):
  """-log sum_{k<=K} D_k(x) = H([1, 0], [D_r, D_{K+1}]): the LabelGAN generator loss.

  Eq. (2)/(4) of the AM-GAN paper; the non-saturating form of the K+1 generator objective of
  K+1 GANs §2.2 (-E log sum_{m>0} P[D = m | X]).

  Args:
    logits: [B, K+1] logits of generated samples, column K = fake.

  Returns:
    [B] float32.
  """
  logits = _f32(logits)
  return tf.reduce_logsumexp(logits, axis=-1) - tf.reduce_logsumexp(logits[:, :-1], axis=-1)


def kplus1_fake_log_prob(*, logits):
  """log D_{K+1}(x) = log P[D = fake | x]: the generator's part of Eq. (1) of the K+1 GANs paper.

  The K+1 objective is a minimax game; the generator minimises p_0 E log d_0(g(z)) (K+1 GANs Eq. (1)/(2)).

  Args:
    logits: [B, K+1] logits of generated samples, column K = fake.

  Returns:
    [B] float32 (<= 0; minimised).
  """
  return -kplus1_fake_loss(logits=logits)


def kplus1_max_real_loss(*, logits):
  """-log max_{l real} P[D = l | x]: the dynamic-labeling generator loss L_Dyn of K+1 GANs §2.2.

  Equals the AM-GAN generator loss (AM-GAN Eq. (14)) with the dynamic label argmax of the K real
  class probabilities (AM-GAN §5.1).

  Args:
    logits: [B, K+1] logits of generated samples, column K = fake.

  Returns:
    [B] float32.
  """
  logits = _f32(logits)
  return tf.reduce_logsumexp(logits, axis=-1) - tf.reduce_max(logits[:, :-1], axis=-1)


# --- energy and feature terms ---------------------------------------------------------------------


def energy_hinge(*, energy, margin):
  """max(0, m - E(G(z))): the fake term of the EBGAN / MAGAN discriminator loss, Eq. (2) of the MAGAN paper.

  Samples whose energy exceeds the margin give zero loss and zero gradient.

  Args:
    energy: [B] auto-encoder energies D(G(z)) of generated samples.
    margin: scalar margin m >= 0.

  Returns:
    [B] float32.
  """
  return tf.nn.relu(_f32(margin) - _f32(energy))


FM_DISTANCES = ("squared_l2", "mean_abs")


def feature_matching(*, real_features, fake_features, distance: str = "squared_l2"):
  """Mean feature matching ||mean_x f(x) - mean_z f(G(z))||_2^2, broadcast to [B_fake].

  `distance="mean_abs"` gives mean_j |mean_x f_j(x) - mean_z f_j(G(z))| instead: the L1 distance averaged over
  the F features, as the MHGAN authors' PyTorch code and PyTorch-StudioGAN (`feature_matching_loss`) compute it.

  The generator term of Improved GAN (Salimans et al. 2016, cited as [27] in MHGAN §1.3),
  used by the K+1 Crammer-Singer variant `mhinge_kplus1_fm`. It is a batch-level quantity: the
  returned per-example tensor repeats it, so its mean over the batch equals the batch value. Under
  `tf.distribute` each replica computes it on its own slice of the batch, so the reduced loss is the
  mean of the per-replica values, not the value on the global batch. The real features get no
  gradient.

  Args:
    real_features: [B_real, F] discriminator features of real samples.
    fake_features: [B_fake, F] discriminator features of generated samples.
    distance: "squared_l2" (Improved GAN) or "mean_abs" (StudioGAN).

  Returns:
    [B_fake] float32, every entry equal.
  """
  if distance not in FM_DISTANCES:
    raise ValueError(f"feature matching distance={distance!r} is not valid; valid: {', '.join(FM_DISTANCES)}")
  real_mean = tf.stop_gradient(tf.reduce_mean(_f32(real_features), axis=0))  # [F]
  fake_features = _f32(fake_features)
  fake_mean = tf.reduce_mean(fake_features, axis=0)  # [F]
  diff = real_mean - fake_mean  # [F]
  value = tf.reduce_sum(tf.square(diff)) if distance == "squared_l2" else tf.reduce_mean(tf.abs(diff))  # []
  return value * tf.ones_like(fake_features[:, 0])  # [B_fake]


def l1_reconstruction(*, images, reconstructions):
  """[B] mean over pixels and channels of |x - x_rec|: the reconstruction (cycle) loss of the AAM paper
  Eq. (2) (StarGAN's ||x - G(G(x, c), c')||_1, computed as a mean over the elements of each image)."""
  diff = tf.abs(_f32(images) - _f32(reconstructions))
  return tf.reduce_mean(tf.reshape(diff, [tf.shape(diff)[0], -1]), axis=1)
