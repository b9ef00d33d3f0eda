"""tfgan_mh: class-conditional GAN research in TensorFlow 2 (Keras 3, tf.distribute).

Sub-packages:
  data      input pipelines (TFDS, local files, synthetic ring) for distribute_datasets_from_function
  models    spectral-norm layers, generators and discriminators returning `DiscOutput`
  losses    per-example loss functions and gin-selectable loss families
  training  the strategy-agnostic train step and loop
  metrics   evaluation math (IS, FID, intra-FID, ...)
"""

__version__ = "0.1.0"
