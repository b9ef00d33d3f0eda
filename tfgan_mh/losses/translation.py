"""The multi-domain image-to-image translation objective of Sapkota et al. 2022 (AAM)
(StarGAN's, hinge form).

    L_D = L_D^real + L_D^fake + lambda_cls^D * aux(C(x), c_x)
    L_G = -D(G(x, c)) + lambda_cls * aux(C(G(x, c)), c) + lambda_rec * ||x - G(G(x, c), c_x)||_1

x: a real image of domain c_x; c: the target domain drawn for it; aux: the auxiliary classifier loss on D's
classifier head, softmax cross-entropy ('ce', StarGAN's domain classification) or the additive angular
margin loss ('aam', AAM Eq. (8), on `cosine_logits`); the reconstruction (cycle) term is AAM Eq. (2)
(`core.l1_reconstruction`). The adversarial terms are the project's hinge terms (Eq. (3) of Kavalerov et al.
2019, MHGAN) where StarGAN and the AAM paper use WGAN-GP: the comparison CE vs AAM holds the adversarial loss
fixed either way.

The family trains the image-to-image generator (`generator_takes_images`): G's input is the real batch
(not latents), the target domains are the step's fake labels, and `generator_needs` asks the G step for
`source` (x) and `reconstruction` (G(G(x, c), c_x)).
"""

from tfgan_mh.losses import core
from tfgan_mh.losses.family import AuxClassifier, _check_nonnegative, register
from tfgan_mh.losses.mhinge import HingeAuxFamily

# Eq. (8) of the AAM paper gives no values for s and m; ArcFace's (as `acgan`).
# lambda_cls = 1, lambda_rec = 10: StarGAN's.
_AAM_SCALE = 64.0
_AAM_MARGIN = 0.5


@register("translation")
class TranslationFamily(HingeAuxFamily):
  """The translation objective of the AAM paper (module docstring).

  Args:
    num_classes: K domains.
    aux_loss: 'aam' (AAM Eq. (8)), 'ce' (StarGAN) or 'mhinge' (MHGAN Eq. (4)).
    g_aux_weight: lambda_cls of L_G (1).
    d_aux_weight: lambda_cls of L_D (1).
    rec_weight: lambda_rec (10).
    mhinge_margin, aam_scale, aam_margin: as `acgan`.
  """

  generator_takes_images = True
  generator_needs = ("source", "reconstruction")

  def __init__(self, *, num_classes: int, aux_loss: str = "aam", g_aux_weight: float = 1.0,
               d_aux_weight: float = 1.0, rec_weight: float = 10.0, mhinge_margin: float = 1.0,
               aam_scale: float = _AAM_SCALE, aam_margin: float = _AAM_MARGIN):
    if isinstance(num_classes, int) and not isinstance(num_classes, bool) and num_classes < 2:
      raise ValueError(f"loss family 'translation' needs at least 2 domains (the data's classes); the source has "
                       f"num_classes={num_classes}: use a source whose labels name the domains")
    super().__init__(num_classes=num_classes)
    _check_nonnegative(self.name, "rec_weight", rec_weight)
    aux = AuxClassifier(self.name, aux_loss, mhinge_margin=mhinge_margin, aam_scale=aam_scale,
                        aam_margin=aam_margin)
    self._setup(aux=aux, d_aux_weight=d_aux_weight, g_aux_weight=g_aux_weight)
    self.rec_weight = float(rec_weight)

  def generator_loss(self, *, fake, fake_labels, source, reconstruction):
    """L_G terms; `source` [B, H, W, C] the real images G transformed, `reconstruction` = G(G(x, c), c_x)
    (`generator_needs`)."""
    terms = super().generator_loss(fake=fake, fake_labels=fake_labels)
    terms["g_cycle"] = self.rec_weight * core.l1_reconstruction(images=source, reconstructions=reconstruction)
    return terms
