"""ReACGAN: the data-to-data cross-entropy (D2D-CE) of Kang, Shim, Cho & Park 2021, "Rebooting ACGAN: Auxiliary
Classifier GANs with Stable Training" (NeurIPS 2021, arXiv:2111.01118), Eq. (7), in the hinge GAN of Eq. (8).

For example i of a batch with unit embedding f_i, label y_i and unit class proxies v_k:

  D2D-CE_i = -log( exp(min(f_i.v_{y_i} - m_p, 0) / tau)
                   / [exp(min(f_i.v_{y_i} - m_p, 0) / tau) + sum_{j in N(i)} exp(max(f_i.f_j - m_n, 0) / tau)] )

N(i): the examples of the batch whose label differs from y_i (the paper's false-negative removal; the example
itself is among the others of its class). The positive term stops pulling f_i towards its proxy once their
similarity passes m_p; a negative pushes only while its similarity to f_i exceeds m_n. D minimises
hinge + lambda * D2D-CE on real data, G hinge + lambda * D2D-CE on its samples at their labels (Eq. (8)).

Here f_i is D's penultimate feature phi(x_i) normalised and f_i.v_k is the `cosine` head's logit (unit features,
unit class weights: `tfgan_mh.models.heads`), so a ReACGAN D is built with heads ('adversarial', 'cosine').
PyTorch-StudioGAN's ReACGAN first projects phi to a 512-d embedding by a linear layer (`d_embed_dim`): with
`cosine_head.embed_dim = 512` the cosine head does the same, and f_i is that embedding normalised. The negatives
are the *global* batch's: each replica gathers the others' embeddings and labels (`ReplicaContext.all_gather`,
differentiable), as StudioGAN gathers them over GPUs, so a step under
MirroredStrategy equals the single-device step (with gradient accumulation, the micro-batch's).

Defaults are StudioGAN's CIFAR-10 ReACGAN.yaml (cond_lambda 0.5, m_p 0.98, temperature 0.5); m_n = 1 - m_p as
its code (it adds m_p - 1 to every data-to-data similarity). Its code also subtracts each row's largest
similarity from the negative terms (not from the positive one) before the exponential, which changes the value
of the loss, not only its range; Eq. (7) is computed here, with a log-sum-exp.
"""

import tensorflow as tf

from tfgan_mh.losses import core
from tfgan_mh.losses.family import LossFamily, _check_nonnegative, register


def d2d_cross_entropy(*, cosine_logits, features, labels, temperature: float, pos_margin: float,
                      neg_margin: float):
  """[B] float32 D2D-CE of each example of this replica's batch against the global batch (module docstring).

  Args:
    cosine_logits: [B, K] f_i . v_k (the cosine head).
    features: [B, F] D's penultimate features (normalised here).
    labels: [B] int class ids.
  """
  f = tf.math.l2_normalize(tf.cast(features, tf.float32), axis=1)  # [B, F]
  labels = tf.cast(labels, tf.int32)
  context = tf.distribute.get_replica_context()
  f_all, labels_all = context.all_gather(f, axis=0), context.all_gather(labels, axis=0)  # [N, F], [N]
  proxy = tf.gather(tf.cast(cosine_logits, tf.float32), labels, axis=1, batch_dims=1)  # [B] f_i . v_{y_i}
  positive = tf.minimum(proxy - pos_margin, 0.0) / temperature  # [B]
  negatives = tf.maximum(tf.matmul(f, f_all, transpose_b=True) - neg_margin, 0.0) / temperature  # [B, N]
  others = tf.not_equal(labels[:, None], labels_all[None, :])  # [B, N]: N(i)
  negatives = tf.where(others, negatives, tf.fill(tf.shape(negatives), float("-inf")))
  return tf.reduce_logsumexp(tf.concat([positive[:, None], negatives], axis=1), axis=1) - positive


@register("reacgan")
class ReACGANFamily(LossFamily):
  """ReACGAN (module docstring): the hinge GAN on D's adversarial head plus lambda * D2D-CE, D on real data and
  G on its samples."""

  required_heads = ("adv_logits", "cosine_logits", "features")
  conditional_generator = True

  def __init__(self, *, num_classes: int, cond_lambda: float = 0.5, temperature: float = 0.5,
               pos_margin: float = 0.98, neg_margin: float = 0.02):
    super().__init__(num_classes=num_classes)
    _check_nonnegative(self.name, "cond_lambda", cond_lambda)
    if not temperature > 0 or not -1.0 <= neg_margin <= pos_margin <= 1.0:
      raise ValueError(f"reacgan: temperature={temperature!r}, pos_margin={pos_margin!r}, neg_margin={neg_margin!r}: "
                       "need temperature > 0 and -1 <= neg_margin <= pos_margin <= 1")
    self.cond_lambda, self.temperature = float(cond_lambda), float(temperature)
    self.pos_margin, self.neg_margin = float(pos_margin), float(neg_margin)

  def _d2dce(self, out, labels):
    return self.cond_lambda * d2d_cross_entropy(
        cosine_logits=out.cosine_logits, features=out.features if out.embedding is None else out.embedding,
        labels=labels, temperature=self.temperature,
        pos_margin=self.pos_margin, neg_margin=self.neg_margin)

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    return {"d_hinge_real": core.hinge_real(logits=real.adv_logits),
            "d_hinge_fake": core.hinge_fake(logits=fake.adv_logits),
            "d_d2dce": self._d2dce(real, real_labels)}

  def generator_loss(self, *, fake, fake_labels):
    return {"g_hinge": core.hinge_generator(logits=fake.adv_logits), "g_d2dce": self._d2dce(fake, fake_labels)}
