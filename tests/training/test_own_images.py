"""Training on one's own images: a folder of class sub-folders through base/data_image_folder.gin, as the
README's "Train on your own images" runs it (a CPU experiment, its data replaced by the image folder)."""

import json
import os

import gin
import numpy as np
import tensorflow as tf

from tfgan_mh import cli
from tfgan_mh.training import loop
from tfgan_mh.run import restore

# Shrinking overrides: tiny networks, batch and steps (the loss, optimizer and architecture stay the file's).
SHRINK = ["build_generator.ch = 4", "build_discriminator.ch = 4", "train.global_batch_size = 4",
          "train.num_steps = 2", "cadence.steps_per_loop = 2", "cadence.summary_every = 2", "cadence.log_every = 2",
          "cadence.image_every = 2", "cadence.save_every = 2", "pictures.images_per_class = 1"]


def _write_folder(root):
  """3 classes x 3 images: 32 x 32 RGB PNGs, one grayscale PNG, one 48 x 40 JPEG (cropped, then resized)."""
  rng = np.random.default_rng(0)
  for k, cls in enumerate(("dog", "bird", "cat")):  # written unsorted: ids follow the sorted names
    os.makedirs(os.path.join(root, cls))
    for i in range(3):
      image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
      encoded = tf.io.encode_png(image)
      name = f"{i}.png"
      if (k, i) == (0, 1):
        encoded = tf.io.encode_png(image[..., :1])  # grayscale: becomes RGB
      elif (k, i) == (1, 2):
        encoded, name = tf.io.encode_jpeg(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)), "odd.jpg"
      tf.io.write_file(os.path.join(root, cls, name), encoded)
  return root


class OwnImagesTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_two_steps_on_an_image_folder(self):
    tmp = self.create_tempdir().full_path
    images = _write_folder(os.path.join(tmp, "my_images"))
    model_dir = os.path.join(tmp, "run")
    gin.clear_config()
    cli.parse_gin(["experiments/mnist_mhinge_cpu", "base/data_image_folder"],
                  [f"build_source.path = '{images}'"] + SHRINK)
    measurements = loop.train(model_dir)
    gin.clear_config()
    self.assertTrue(os.path.exists(os.path.join(model_dir, loop.TRAIN_DONE)))
    self.assertTrue(all(np.isfinite(v) for v in measurements.values()), measurements)
    with open(os.path.join(model_dir, restore.RUN_INFO)) as f:
      info = json.load(f)
    self.assertEqual((info["dataset"], info["num_classes"], info["image_shape"], info["loss_family"]),
                     ("image_folder", 3, [32, 32, 3], "mhinge"))
    self.assertEqual(info["class_names"], ["bird", "cat", "dog"])

  def test_the_placeholder_path_fails_clearly(self):
    gin.clear_config()
    cli.parse_gin(["base/data_image_folder"], [])
    from tfgan_mh import data  # pylint: disable=g-import-not-at-top
    with self.assertRaisesRegex(ValueError, r"path='REQUIRED: bind build_source.path to your image folder' is not "
                                            "a directory"):
      data.build_source()


if __name__ == "__main__":
  tf.test.main()
