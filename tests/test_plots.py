"""tfgan_mh.plots: the figures are inspected before rendering (titles, legend, row labels, colours, pixels),
then rendered and written as PNG and decoded again."""

import os

import numpy as np
import tensorflow as tf
from matplotlib import colors as mpl_colors

from tfgan_mh import plots

FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _ring(k=3, per_class=20, seed=0):
  rng = np.random.default_rng(seed)
  y = np.repeat(np.arange(k), per_class)
  angle = 2 * np.pi * y / k
  return np.stack([np.cos(angle), np.sin(angle)], 1) * 2 + 0.1 * rng.standard_normal((len(y), 2)), y


def _legend(fig):
  (legend,) = fig.legends
  return [t.get_text() for t in legend.get_texts()]


class PlotsTest(tf.test.TestCase):

  def test_to_uint8_maps_minus_one_one_to_the_pixel_range(self):
    self.assertAllEqual(plots.to_uint8([-1.0, 0.0, 1.0, -3.0, 2.0, 0.5]), [0, 128, 255, 0, 255, 191])

  def test_class_names_and_colours(self):
    self.assertEqual(plots.class_name(3), "class 3")
    self.assertEqual(plots.class_name(np.int32(9), FASHION), "Ankle boot")
    self.assertEqual(plots.class_name(12, FASHION), "class 12")  # more classes than names
    for k in (10, 20, 50):
      colours = plots.class_colors(np.arange(k), k)
      self.assertLen({tuple(c) for c in colours.round(4)}, k)  # every class its own colour
      self.assertAllEqual(plots.class_colors([k - 1], k)[0], colours[k - 1])  # fixed by the id
    grey = mpl_colors.to_rgba(plots.BACKGROUND)
    self.assertGreater(np.abs(plots.class_colors(np.arange(10), 10) - grey).sum(1).min(), 0.3)

  def test_points_figure(self):
    real, real_y = _ring(seed=0)
    fake, fake_y = _ring(seed=1)
    fake = fake * 1.5  # wider than the real data: both panels still get the same limits
    fig = plots.points_figure(real, real_y, fake, fake_y, title="generated, step 7", num_classes=3,
                              class_names=("a", "b", "c"))
    left, right = fig.axes
    self.assertEqual([left.get_title(), right.get_title()], ["real data", "generated, step 7"])
    self.assertEqual(_legend(fig), ["a", "b", "c", "real data (behind)"])
    self.assertEqual((left.get_xlim(), left.get_ylim()), (right.get_xlim(), right.get_ylim()))
    self.assertAllClose(np.diff(left.get_xlim()), np.diff(left.get_ylim()))  # square and equal axes
    self.assertEqual((left.get_aspect(), right.get_aspect()), (1.0, 1.0))
    self.assertEqual((right.get_xlabel(), right.get_ylabel()), ("x\u2081", "x\u2082"))
    lo, hi = np.concatenate([real, fake]).min(0), np.concatenate([real, fake]).max(0)
    self.assertTrue(left.get_xlim()[0] < lo[0] and left.get_xlim()[1] > hi[0])  # every point is shown
    self.assertTrue(left.get_ylim()[0] < lo[1] and left.get_ylim()[1] > hi[1])
    # One scatter per class in each panel (the generated one over the real data in grey), each in its colour.
    per_class = [c for c in right.collections if c.get_label() in ("a", "b", "c")]
    self.assertEqual([len(c.get_offsets()) for c in per_class], [20, 20, 20])
    self.assertLen({tuple(c.get_facecolor()[0].round(4)) for c in per_class}, 3)
    self.assertAllClose(right.collections[0].get_offsets(), real)  # the background
    picture = plots.to_array(fig)
    self.assertEqual(picture.shape, (460, 1020, 3))
    self.assertGreater(len(np.unique(picture.reshape(-1, 3), axis=0)), 50)

  def test_points_without_classes_or_real_data(self):
    fake, y = _ring(k=10, per_class=5)
    fig = plots.points_figure(None, None, fake, y, title="g", num_classes=10)
    self.assertEqual([ax.get_title() for ax in fig.axes], ["g"])
    self.assertEqual(_legend(fig), [f"class {k}" for k in range(10)])
    fig = plots.points_figure(fake, y, fake, np.zeros_like(y), title="g", num_classes=10, conditional=False)
    self.assertEqual(_legend(fig), [f"class {k}" for k in range(10)] + ["generated (no class input)",
                                                                         "real data (behind)"])

  def test_grayscale_grid(self):
    images = np.random.default_rng(0).uniform(-1, 1, (6, 8, 8, 1)).astype(np.float32)
    fig = plots.grid_figure(images, ["Trouser", "Bag"], title="generated, step 3")
    (ax,) = fig.axes
    self.assertEqual(ax.get_title(), "generated, step 3")
    self.assertEqual([t.get_text() for t in ax.get_yticklabels()], ["Trouser", "Bag"])
    self.assertEqual(list(ax.get_xticks()), [])
    (image,) = ax.images
    self.assertEqual((image.get_cmap().name, image.get_clim()), ("gray", (0.0, 255.0)))
    drawn = np.asarray(image.get_array())
    self.assertEqual(drawn.shape, (2 * 9 + 1, 3 * 9 + 1))  # 8 px tiles, 1 px white gaps
    want = plots.to_uint8(images)
    self.assertAllEqual(drawn[1:9, 1:9], want[0, ..., 0])     # row 0, column 0
    self.assertAllEqual(drawn[10:18, 19:27], want[5, ..., 0])  # row 1, column 2
    self.assertTrue(np.all(drawn[0] == 255) and np.all(drawn[:, 9] == 255))
    # Row labels sit at the rows' centres.
    self.assertAllClose(ax.get_yticks(), [4.5, 13.5])
    path = os.path.join(self.create_tempdir().full_path, "sub", "grid.png")
    picture = plots.to_array(fig)
    plots.write_png(path, picture)
    with open(path, "rb") as f:
      decoded = tf.io.decode_png(f.read()).numpy()
    self.assertAllEqual(decoded, picture)
    self.assertEqual(decoded.shape[2], 3)
    self.assertGreater(decoded.shape[0], 2 * 9 * plots.GRID_MAX_SCALE)  # magnified: a person can see it

  def test_colour_grid_with_column_labels(self):
    images = np.linspace(-1, 1, 4 * 4 * 4 * 3).reshape(4, 4, 4, 3)
    fig = plots.grid_figure(images, ["class 0", "class 1"], title="t", col_labels=["source", "to class 1"])
    (ax,) = fig.axes
    self.assertEqual(np.asarray(ax.images[0].get_array()).shape, (11, 11, 3))
    self.assertEqual([t.get_text() for t in ax.get_xticklabels()], ["source", "to class 1"])
    with self.assertRaisesRegex(ValueError, "3 images do not fill 2 rows evenly"):
      plots.grid_figure(images[:3], ["a", "b"], title="t")

  def test_big_grids_are_not_magnified(self):
    images = np.zeros((10 * 8, 64, 64, 3), np.float32)
    fig = plots.grid_figure(images, [str(k) for k in range(10)], title="t")
    width, height = fig.get_size_inches() * fig.dpi
    self.assertBetween(height, 10 * 65 + 1, 10 * 65 + 150)  # one screen pixel per image pixel, plus the title
    self.assertBetween(width, 8 * 65 + 1, 8 * 65 + 150)
    huge = plots.grid_figure(np.zeros((1000, 32, 32, 1)), [f"class {k}" for k in range(1000)], title="t")
    self.assertLess(huge.get_size_inches()[1] * huge.dpi, plots.GRID_MAX_PX + 150)  # Agg can draw it


if __name__ == "__main__":
  tf.test.main()
