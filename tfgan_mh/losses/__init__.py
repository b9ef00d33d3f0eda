"""Per-example loss functions and the gin-selectable loss families of the five papers: Kavalerov et al. 2019
(MHGAN), Zhou et al. 2018 (AM-GAN), Kavalerov et al. 2020 (K+1 GANs), Sapkota et al. 2022 (AAM) and Wang et al.
2017 (MAGAN); full references in the `tfgan_mh` package docstring.

Building blocks (pure functions, keyword-only, per-example float32 `[B]`):
  core:     hinge_real / hinge_fake / hinge_generator (MHGAN Eq. (3)), bce_real / bce_fake /
            non_saturating_generator / minimax_generator (AM-GAN Eq. (1)), softmax_cross_entropy,
            uniform_cross_entropy (AM-GAN Eq. (20)), crammer_singer (MHGAN Eq. (4)), K+1 terms
            (AM-GAN Eq. (2)-(5), (14); K+1 GANs Eq. (1), L_Dyn), energy_hinge (MAGAN Eq. (2)),
            feature_matching.
  angular:  aam_cross_entropy (AAM Eq. (8)).

Families (`get_family(name, num_classes=K, **overrides)`; hyperparameters from gin `<name>.<param>`):
  hinge, binary, cgan                                           adversarial.py
  mhinge, mhinge_shared, mhinge_ssl, mhinge_kplus1_fm           mhinge.py
  acgan, acgan_ssl, ac_gan_star, ac_gan_star_plus, ac_gan, gan_star   acgan.py
  labelgan, kplus1, amgan, mode_gan,                            kplus1.py
  labelgan_projection, mode_gan_projection
  ebgan, magan (+ MarginState)                                  energy.py
  translation (G(x, c), cycle loss; AAM's translation setting)  translation.py
  rpgan (relativistic pairing: R3GAN's loss, with gradient_penalty.*)  relativistic.py
  reacgan (hinge + data-to-data cross-entropy, D2D-CE)          reacgan.py
  adcgan (hinge + the 2K-way auxiliary discriminative classifier)  adcgan.py
"""

from tfgan_mh.losses.angular import aam_cross_entropy
from tfgan_mh.losses.core import (argmax_labels, bce_fake, bce_real, crammer_singer, energy_hinge,
                                  feature_matching, hinge_fake, hinge_generator, hinge_real,
                                  kplus1_class_loss, kplus1_fake_log_prob, kplus1_fake_loss,
                                  kplus1_max_real_loss, kplus1_not_fake_loss, l1_reconstruction,
                                  minimax_generator,
                                  non_saturating_generator, softmax_cross_entropy,
                                  uniform_cross_entropy)
from tfgan_mh.losses.family import (AUX_LOSSES, LABELINGS, AuxClassifier, LossFamily, family_names, register,
                                    get_family, pseudo_labels)
# Importing the family modules registers the families.
from tfgan_mh.losses import adversarial  # noqa: F401,E402
from tfgan_mh.losses import mhinge  # noqa: F401,E402
from tfgan_mh.losses import acgan  # noqa: F401,E402
from tfgan_mh.losses import kplus1  # noqa: F401,E402
from tfgan_mh.losses import translation  # noqa: F401,E402
from tfgan_mh.losses import relativistic  # noqa: F401,E402
from tfgan_mh.losses import reacgan  # noqa: F401,E402
from tfgan_mh.losses import adcgan  # noqa: F401,E402
from tfgan_mh.losses.energy import MarginState, magan_margin_update  # noqa: E402
