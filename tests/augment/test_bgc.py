"""ADA's 'bgc' pipeline (tfgan_mh/augment/bgc.py): each transform against numpy, identity at p = 0, gradients."""

import math

import numpy as np
import tensorflow as tf

from tfgan_mh.augment import bgc

_RNG = np.random.default_rng(0)
IMAGES = _RNG.uniform(-1, 1, (3, 6, 6, 3)).astype(np.float32)


def _same_for_all(matrix, batch=3):
  return tf.tile(tf.constant(matrix, tf.float32)[None], [batch, 1, 1])


def _np_bilinear_reflect(images, sx, sy):
  """numpy reference: images [H, W, C] sampled at float source positions sx, sy [H, W], np.pad 'reflect'."""
  h, w, _ = images.shape
  pad = max(h, w)
  padded = np.pad(images, [(pad, pad), (pad, pad), (0, 0)], mode="reflect")
  x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
  fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]

  def at(y, x):
    return padded[y + pad, x + pad]

  return ((at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx) * (1 - fy)
          + (at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx) * fy)


class ResampleTest(tf.test.TestCase):

  def test_blits_are_exact_pixel_moves(self):
    x = tf.constant(IMAGES)
    flip = bgc.resample(x, bgc.scale2d(-tf.ones([3]), tf.ones([3])))
    self.assertAllEqual(flip, IMAGES[:, :, ::-1])
    quarter = bgc.resample(x, bgc.quarter_turns(tf.constant([1, 2, 3])))
    for k in (1, 2, 3):  # output (x, y) reads source (-y, x) per quarter turn: np.rot90's turn
      self.assertAllEqual(quarter[k - 1], np.rot90(IMAGES[k - 1], k=k, axes=(0, 1)))
    shift = bgc.resample(x, bgc.translate2d(-2.0 * tf.ones([3]), 1.0 * tf.ones([3])))  # content moves 2 right, 1 up
    ref = np.pad(IMAGES, [(0, 0), (1, 1), (2, 2), (0, 0)], mode="reflect")[:, 2:8, 0:6]
    self.assertAllEqual(shift, ref)

  def test_fractional_rotation_and_scale_match_numpy(self):
    theta, s = 0.3, 1.4
    c, si = math.cos(theta), math.sin(theta)
    g_inv = np.array([[c, -si, 0.5], [si, c, -0.25], [0, 0, 1]]) @ np.diag([1 / s, s, 1.0])
    out = bgc.resample(tf.constant(IMAGES), _same_for_all(g_inv))
    ys, xs = np.meshgrid(np.arange(6) - 2.5, np.arange(6) - 2.5, indexing="ij")
    src = np.einsum("ij,jhw->ihw", g_inv, np.stack([xs, ys, np.ones_like(xs)]))
    for b in range(3):
      self.assertAllClose(out[b], _np_bilinear_reflect(IMAGES[b], src[0] + 2.5, src[1] + 2.5), atol=1e-5)

  def test_gradient_reaches_the_images(self):
    x = tf.constant(IMAGES)
    with tf.GradientTape() as tape:
      tape.watch(x)
      y = bgc.augment(x, 1.0, tf.constant([3, 4], tf.int64))
      loss = tf.reduce_sum(y * tf.constant(_RNG.normal(size=IMAGES.shape), tf.float32))
    grad = tape.gradient(loss, x)
    self.assertEqual(grad.shape, x.shape)
    self.assertGreater(float(tf.reduce_sum(tf.abs(grad))), 0.0)


class ColourTest(tf.test.TestCase):

  def test_hue_rotation_by_120_degrees_cycles_the_channels(self):
    rot = bgc.rotation_about_luma(tf.constant([2 * math.pi / 3]))
    out = bgc.apply_colour(tf.constant(IMAGES[:1]), rot)
    self.assertAllClose(out[0], IMAGES[0][..., [2, 0, 1]], atol=1e-6)

  def test_luma_flip_and_saturation_by_hand(self):
    v = np.array([1, 1, 1, 0]) / math.sqrt(3)
    flip = np.eye(4) - 2 * np.outer(v, v)  # a gray pixel (a, a, a) -> (-a, -a, -a); chroma unchanged
    out = bgc.apply_colour(tf.constant(IMAGES), _same_for_all(flip))
    mean = IMAGES.mean(-1, keepdims=True)
    self.assertAllClose(out, IMAGES - 2 * mean, atol=1e-6)
    gray = np.outer(v, v) + (np.eye(4) - np.outer(v, v)) * 0.0  # saturation x 0: every pixel its gray value
    self.assertAllClose(bgc.apply_colour(tf.constant(IMAGES), _same_for_all(gray)),
                        np.broadcast_to(mean, IMAGES.shape), atol=1e-6)

  def test_one_channel_images_take_the_mean_colour_row(self):
    c = np.eye(4)
    c[:3, 3] = 0.25
    c[:3, :3] *= 2.0
    x = IMAGES[..., :1]
    self.assertAllClose(bgc.apply_colour(tf.constant(x), _same_for_all(c)), 2.0 * x + 0.25, atol=1e-6)


class PipelineTest(tf.test.TestCase):

  def test_p_zero_is_the_identity_exactly(self):
    for pipeline in ("bgc", "b", "gc"):
      out = bgc.augment(tf.constant(IMAGES), 0.0, tf.constant([5, 6], tf.int64), pipeline)
      self.assertAllEqual(out, IMAGES, msg=pipeline)

  def test_p_one_changes_every_image_and_draws_are_deterministic(self):
    seed = tf.constant([5, 6], tf.int64)
    a, b = bgc.augment(tf.constant(IMAGES), 1.0, seed), bgc.augment(tf.constant(IMAGES), 1.0, seed)
    self.assertAllEqual(a, b)
    self.assertTrue(all(np.abs(a[i] - IMAGES[i]).max() > 0.05 for i in range(3)))
    self.assertNotAllClose(a, bgc.augment(tf.constant(IMAGES), 1.0, seed + [0, 1]))

  def test_each_transform_fires_with_probability_p(self):
    batch = 4000  # x-flip: i ~ U{0, 1} with probability p, so P(flipped) = p / 2
    draws = bgc._Draws(tf.constant([7, 8], tf.int64), batch)
    g_inv = bgc.geometric_matrix(draws, tf.constant(0.5), "b", 8, 8)
    flipped = float(tf.reduce_mean(tf.cast(tf.linalg.det(g_inv[:, :2, :2]) < 0, tf.float32)))
    self.assertAllClose(flipped, 0.25, atol=0.03)

  def test_xla_compiles_it(self):
    # XLA's random transforms differ from TF's kernels (tfgan_mh/models/latents.py): the draws differ, the
    # transforms of given matrices agree, and p = 0 is still the identity.
    seed = tf.constant([9, 1], tf.int64)
    g_inv = _same_for_all([[0.9, -0.3, 0.4], [0.3, 0.9, -0.2], [0, 0, 1]])
    colour = bgc.rotation_about_luma(tf.constant([0.4, 1.0, -2.0]))

    def fixed(x):
      return bgc.apply_colour(bgc.resample(x, g_inv), colour)

    compiled = tf.function(lambda x, p: (bgc.augment(x, p, seed), fixed(x)), jit_compile=True)
    x = tf.constant(IMAGES)
    identity, fixed_out = compiled(x, tf.constant(0.0))
    augmented, _ = compiled(x, tf.constant(0.7))  # the same program: p is an input
    self.assertAllEqual(identity, IMAGES)
    self.assertTrue(np.isfinite(augmented.numpy()).all())
    self.assertNotAllClose(augmented, IMAGES)
    self.assertAllClose(fixed_out, fixed(x), atol=1e-5)

  def test_bad_pipeline_and_channels_are_one_line(self):
    with self.assertRaisesRegex(ValueError, r"^ada.pipeline='bgcx': expected one of b, g, c, bg, bc, gc, bgc "):
      bgc.check_pipeline("bgcx")
    with self.assertRaisesRegex(ValueError, r"^ADA augments images with 1 or 3 channels; these have shape"):
      bgc.augment(tf.zeros([2, 4, 4, 2]), 0.5, tf.constant([1, 2], tf.int64))


if __name__ == "__main__":
  tf.test.main()
