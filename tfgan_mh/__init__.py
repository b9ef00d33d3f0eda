"""tfgan_mh: class-conditional GAN research in TensorFlow 2 (Keras 3, tf.distribute).

Sub-packages:
  data      input pipelines (TFDS, local files, synthetic ring) for distribute_datasets_from_function
  models    spectral-norm layers, generators and discriminators returning `DiscOutput`
  losses    per-example loss functions and gin-selectable loss families
  training  the strategy-agnostic train step and loop
  metrics   evaluation math (IS, FID, intra-FID, ...)

Papers (docstrings cite them by the short name on the left; a module that cites one often names it in
full once, then by the name in parentheses, e.g. "MHGAN Eq. (4)", "AM-GAN §5.1", "K+1 GANs §3.1"):
  Kavalerov et al. 2019 (MHGAN)     I. Kavalerov, W. Czaja, R. Chellappa, "cGANs with Multi-Hinge Loss",
                                    2019, arXiv:1912.04216.
  Zhou et al. 2018 (AM-GAN)         Z. Zhou, H. Cai, S. Rong, Y. Song, K. Ren, W. Zhang, Y. Yu, J. Wang,
                                    "Activation Maximization Generative Adversarial Nets", ICLR 2018,
                                    arXiv:1703.02000.
  Kavalerov et al. 2020 (K+1 GANs)  I. Kavalerov, W. Czaja, R. Chellappa, "A study of quality and diversity
                                    in K+1 GANs", I Can't Believe It's Not Better! (ICBINB) workshop at
                                    NeurIPS 2020, PMLR 137:129-135.
  Sapkota et al. 2022 (AAM)         S. Sapkota, B. Khanal, B. Bhattarai, B. Khanal, T.-K. Kim, "Label
                                    Geometry Aware Discriminator for Conditional Generative Networks",
                                    ICPR 2022, arXiv:2105.05501.
  Wang et al. 2017 (MAGAN)          R. Wang, A. Cully, H. J. Chang, Y. Demiris, "MAGAN: Margin Adaptation
                                    for Generative Adversarial Networks", 2017, arXiv:1704.03817.
"""

__version__ = "0.1.0"

# Before anything imports TensorFlow: oneDNN kernels on x86 CPUs with AVX2 unless the user chose
# (TF_ENABLE_ONEDNN_OPTS); `tfgan_mh.cpu` says why and what was measured.
from tfgan_mh import cpu as _cpu  # pylint: disable=g-import-not-at-top

_cpu.prefer_onednn()
