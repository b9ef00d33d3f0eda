"""DINOv2 and CLIP extractors (tfgan_mh/evaluation/backbones.py) through the real `dinov2:` / `clip:` specs, on
reduced-depth KerasHub backbones of the same classes with random weights saved as local presets (nothing downloads
here): shapes, preprocessing constants, the CLS token / projected embedding, one-line errors, and
`evaluate_samples --extractor=...` reporting FD, KID, PR, DC and CMMD in each space with the extractor in the
record's protocol."""

import os

import numpy as np
import tensorflow as tf
from absl import flags

from tfgan_mh.cli import evaluate_samples
from tfgan_mh.evaluation import backbones
from tfgan_mh.evaluation import extractors

keras_hub = __import__("pytest").importorskip("keras_hub", reason="KerasHub is the test extra's (pip install -e "
                                              "'.[test]')")

IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))  # stated here independently of the module
CLIP = ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))
SPACE_METRICS = "is,fid,kid,precision_recall,density_coverage,cmmd"


def _tiny_dinov2(folder):
  backbone = keras_hub.models.DINOV2Backbone(
      patch_size=14, num_layers=2, hidden_dim=16, num_heads=2, intermediate_dim=32, image_shape=(224, 224, 3),
      position_embedding_shape=(224, 224, 3))
  backbone.save_to_preset(folder)
  return backbone


def _tiny_clip(folder):
  vision = keras_hub.models.CLIPVisionEncoder(patch_size=16, hidden_dim=16, num_layers=2, num_heads=2,
                                              intermediate_dim=32, image_shape=(64, 64, 3))
  text = keras_hub.models.CLIPTextEncoder(vocabulary_size=50, embedding_dim=16, hidden_dim=16, num_layers=1,
                                          num_heads=2, intermediate_dim=32, max_sequence_length=8)
  backbone = keras_hub.models.CLIPBackbone(vision_encoder=vision, text_encoder=text, projection_dim=12)
  backbone.save_to_preset(folder)
  return backbone


def _constant_images(values, side):
  """[B, side, side, 3] images whose every pixel of example b is values[b]."""
  return np.broadcast_to(np.asarray(values, np.float32)[:, None, None, :], (len(values), side, side, 3)).copy()


class BackbonesTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    root = tf.compat.v1.test.get_temp_dir()
    tf.keras.utils.set_random_seed(0)
    cls.dinov2_dir, cls.clip_dir = os.path.join(root, "dinov2"), os.path.join(root, "clip")
    cls.dinov2_model = _tiny_dinov2(cls.dinov2_dir)
    cls.clip_model = _tiny_clip(cls.clip_dir)
    cls.dinov2 = extractors.load_extractor(f"dinov2:{cls.dinov2_dir}")
    cls.clip = extractors.load_extractor(f"clip:{cls.clip_dir}")

  def test_dinov2_is_the_cls_token_of_imagenet_normalised_224_px_images(self):
    ext = self.dinov2
    self.assertEqual((ext.num_logits, ext.feature_dim, ext.image_shape), (0, 16, (224, 224, 3)))
    x = np.random.default_rng(0).uniform(-1, 1, (2, 224, 224, 3)).astype(np.float32)  # no resize at 224
    logits, features = ext(x)
    self.assertEqual(logits.shape, (2, 0))
    expected = self.dinov2_model({"images": ((x + 1) / 2 - np.array(IMAGENET[0])) / np.array(IMAGENET[1])})[:, 0]
    self.assertAllClose(features, expected, atol=1e-5)

  def test_clip_is_the_projected_embedding_at_its_encoders_side(self):
    ext = self.clip
    self.assertEqual((ext.num_logits, ext.feature_dim, ext.image_shape), (0, 12, (64, 64, 3)))
    # A 1-channel 16 px image of constant pixels: tiled, resized (still constant), then CLIP-normalised.
    gray = np.array([-0.5, 0.25], np.float32)
    _, features = ext(np.broadcast_to(gray[:, None, None, None], (2, 16, 16, 1)).copy())
    in_01 = _constant_images(np.repeat((gray[:, None] + 1) / 2, 3, axis=1), 64)  # [0, 1] RGB at 64 px
    expected = self.clip_model.get_vision_embeddings(((in_01 - np.array(CLIP[0])) / np.array(CLIP[1]))
                                                     .astype(np.float32))
    self.assertAllClose(features, expected, atol=1e-4)

  def test_the_protocol_names_the_space_and_its_preprocessing(self):
    for ext, mean in ((self.dinov2, IMAGENET[0]), (self.clip, CLIP[0])):
      self.assertStartsWith(ext.name, ext.name.split(":")[0] + ":")
      self.assertIn("bicubic antialiased", ext.resize_method)
      self.assertIn(str(mean), ext.resize_method)
    self.assertEqual(backbones.DEFAULT_PRESETS, {"dinov2": "dinov2_large", "clip": "clip_vit_base_patch32"})

  def test_bad_presets_are_one_line_errors(self):
    missing = os.path.join(self.get_temp_dir(), "no_such_preset")
    with self.assertRaisesRegex(ValueError, rf"^extractor 'dinov2:{missing}': cannot load KerasHub preset .*: a "
                                r"preset name needs network once; offline, run keras_hub.models.DINOV2Backbone"
                                r".from_preset\(NAME\).save_to_preset\(DIR\) elsewhere and pass 'dinov2:DIR'$"):
      extractors.load_extractor(f"dinov2:{missing}")
    with self.assertRaisesRegex(ValueError, r"^unknown extractor spec 'dino': expected one of inception, .*, "
                                r"dinov2\[:PRESET\], clip\[:PRESET\]$"):
      extractors.load_extractor("dino")

  def test_evaluate_samples_scores_a_folder_in_each_space(self):
    root = self.create_tempdir().full_path
    rng = np.random.default_rng(1)
    samples, real = (rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8) for n in (24, 30))
    folder = os.path.join(root, "samples")
    os.makedirs(folder)
    for i, image in enumerate(samples):
      tf.io.write_file(os.path.join(folder, f"{i:02d}.png"), tf.io.encode_png(image))
    np.savez(os.path.join(root, "real.npz"), x=real, y=np.zeros([30], np.int64))
    for spec in (f"dinov2:{self.dinov2_dir}", f"clip:{self.clip_dir}"):
      fv = flags.FlagValues()
      evaluate_samples.define_flags(fv)
      fv(["prog", f"--samples={folder}", f"--reference=npz:{root}/real.npz", f"--extractor={spec}",
          f"--metrics={SPACE_METRICS}", "--classifier=none", "--kid_subsets=4", "--kid_subset_size=10",
          "--batch_size=12"])
      record = evaluate_samples.run(fv)
      for key in ("fid", "kid_mean", "precision", "recall", "density", "coverage", "cmmd"):
        self.assertTrue(np.isfinite(record[key]), msg=f"{spec}: {key}={record.get(key)}")
      self.assertGreater(record["cmmd"], 0.0)
      self.assertRegex(record["absent"]["is"], r"gives features only, no class logits")
      self.assertEqual(record["protocol"]["kept_features"]["extractor"], spec)
      self.assertEqual(record["protocol"]["inception"]["name"], spec)
      self.assertIn("bicubic antialiased", record["protocol"]["inception"]["resize"])


if __name__ == "__main__":
  tf.test.main()
