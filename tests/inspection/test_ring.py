"""inspection.ring: D's K+1 posterior along the rays through the class means, against hand-computed values."""

import types

import numpy as np
from scipy import special
import tensorflow as tf

from tfgan_mh import inspection
from tfgan_mh.inspection import ring
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.run import restore


class _Generator:
  """Every sample at (3, 4): distance 5 from the origin."""
  num_classes, conditional, z_dim, image_shape = 2, False, 3, (2,)

  def __call__(self, z, labels=None, training=False):
    return tf.ones([tf.shape(z)[0], 2]) * tf.constant([3.0, 4.0])


class _KPlus1:
  """Logits (x1, -x1, |x|^2): class 0 to the right, class 1 to the left, "fake" far from the origin."""
  heads = ("kplus1",)

  def __call__(self, x, labels=None, training=False):
    x = tf.cast(x, tf.float32)
    return DiscOutput(kplus1_logits=tf.stack([x[:, 0], -x[:, 0], tf.reduce_sum(x * x, axis=1)], axis=1))


def _run(generator=None, discriminator=None, image_shape=(2,)):
  g = generator or _Generator()
  info = {"num_classes": 2, "conditional": False, "z_dim": 3, "image_shape": list(image_shape)}
  return restore.Run(model_dir="/fake/ring", checkpoint="/fake/ring/ckpt-1", step=1, info=info, generator=g,
                     discriminator=discriminator or _KPlus1(), ema_generator=None)


# Class 0 at (1, 0) and (1, 2) (mean (1, 1)), class 1 at (-1, 0) and (-1, 2) (mean (-1, 1)): centre (0, 1).
REAL = (np.array([[1.0, 0.0], [1.0, 2.0], [-1.0, 0.0], [-1.0, 2.0]]), np.array([0, 0, 1, 1]))


class RadialProfileTest(tf.test.TestCase):

  def test_posterior_along_the_rays_equals_the_hand_computed_softmax(self):
    radii = np.linspace(0.0, 2.0, 21)
    p = ring.radial_profile(_run(), radii, num_samples=7, real=REAL)
    # Ray of class 0 goes right from (0, 1): x = (r, 1); of class 1 left: x = (-r, 1). Both: max real logit r,
    # the other -r, fake r^2 + 1.
    logits = np.stack([radii, -radii, radii ** 2 + 1.0], axis=1)
    log_p = logits - special.logsumexp(logits, axis=1, keepdims=True)
    self.assertAllClose(p.log_max_real, log_p[:, 0], rtol=1e-6)
    self.assertAllClose(p.p_fake, np.exp(log_p[:, 2]), rtol=1e-6)
    self.assertEqual(p.peak_radius, radii[np.argmax(log_p[:, 0])])
    self.assertAllClose(p.real_radius, [np.sqrt(2.0)] * 4)
    self.assertAllClose(p.sample_radius, [np.hypot(3.0, 3.0)] * 7)  # (3, 4) - (0, 1)

  def test_default_radii_reach_three_times_the_farthest_class_mean(self):
    p = ring.radial_profile(_run(), num_samples=2, real=REAL)
    self.assertLen(p.radii, 61)
    self.assertAllClose([p.radii[0], p.radii[-1]], [0.0, 3.0])  # class means at distance 1

  def test_bad_runs_are_one_line_errors(self):
    with self.assertRaisesRegex(ValueError, r"^run '/fake/ring' has data of shape \(32, 32, 1\): the radial "
                                r"profile needs 2-D points"):
      ring.radial_profile(_run(image_shape=(32, 32, 1)), real=REAL)
    binary = types.SimpleNamespace(heads=("adversarial",))
    with self.assertRaisesRegex(ValueError, r"heads \('adversarial',\): the radial profile needs the 'kplus1' "):
      ring.radial_profile(_run(discriminator=binary), real=REAL)
    with self.assertRaisesRegex(ValueError, r"^num_samples=0: expected an int >= 1$"):
      ring.radial_profile(_run(), num_samples=0, real=REAL)

  def test_figure_names_each_run_and_its_peak(self):
    p = ring.radial_profile(_run(), np.linspace(0.0, 2.0, 21), num_samples=5, real=REAL)
    fig = inspection.plot_radial_profile({"mode_gan": p, "kplus1": p}, title="seed 0")
    top, bottom = fig.axes
    self.assertEqual(top.get_title(), "seed 0")
    self.assertEqual([t.get_text() for t in top.get_legend().get_texts()],
                     [f"mode_gan (peak at r = {p.peak_radius:.2f})", f"kplus1 (peak at r = {p.peak_radius:.2f})"])
    self.assertEqual(bottom.get_legend().get_texts()[0].get_text(), "real data")
    self.assertEqual(bottom.get_xlabel(), "distance from the centre of the real points")
    with self.assertRaisesRegex(ValueError, r"profiles=\{\}"):
      inspection.plot_radial_profile({})


if __name__ == "__main__":
  tf.test.main()
