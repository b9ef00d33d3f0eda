"""Additive angular margin (AAM) loss for the auxiliary classifier, Sec. 3.2 of Sapkota et al. 2022 (AAM).

The discriminator's `cosine_logits` head gives cos(theta_j) = <W_j, phi(x)> / (|W_j| |phi(x)|) in
[-1, 1] (unit class weights, no bias, unit features). The loss adds the angular margin m to the angle
of the true class and scales every logit by s before the softmax cross-entropy.
"""

import tensorflow as tf

# cos(theta) is clipped to [-1 + eps, 1 - eps] so that sin(theta) = sqrt(1 - cos^2) has a finite
# gradient at the poles (|cos| = 1 exactly would give d sin / d cos = inf).
_COS_EPS = 1e-6


def aam_cross_entropy(*, cos_logits, labels, scale, margin):
  """Additive angular margin loss, Eq. (8) of the AAM paper (ArcFace, [9] there).

    L = -log( e^{s cos(theta_y + m)} / (e^{s cos(theta_y + m)} + sum_{j != y} e^{s cos theta_j}) )

  Implemented as a softmax cross-entropy on the logits s * cos(theta_j), with the true class replaced
  by s * cos(theta_y + m) = s * (cos theta_y cos m - sin theta_y sin m). With margin 0 and scale 1 it
  is the softmax cross-entropy on the cosine logits (tested). Eq. (8) is used exactly as written: no
  "easy margin" fallback when theta_y + m > pi.

  Args:
    cos_logits: [B, K] cosines in [-1, 1].
    labels: [B] int class ids in [0, K).
    scale: s > 0, radius of the feature hypersphere.
    margin: m >= 0, additive angular margin in radians.

  Returns:
    [B] float32.
  """
  cos = tf.clip_by_value(tf.cast(cos_logits, tf.float32), -1.0 + _COS_EPS, 1.0 - _COS_EPS)  # [B, K]
  depth = cos.shape[-1] if cos.shape[-1] is not None else tf.shape(cos)[-1]
  mask = tf.one_hot(tf.cast(labels, tf.int32), depth, dtype=tf.float32)  # [B, K]
  sin = tf.sqrt(1.0 - tf.square(cos))  # [B, K] sin(theta), theta in [0, pi]
  margin = tf.cast(margin, tf.float32)
  cos_plus_m = cos * tf.cos(margin) - sin * tf.sin(margin)  # [B, K] cos(theta + m)
  logits = tf.cast(scale, tf.float32) * (cos + mask * (cos_plus_m - cos))  # [B, K] Eq. (8)
  return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(labels, tf.int32),
                                                        logits=logits)
