"""Generator export (SavedModel read back without tfgan_mh) and the sample CLI, on tiny trained runs.

The image run trains 2 steps of small DCGAN networks on the first 200 real MNIST digits (padded to 32 x 32,
written as an npz); it is skipped when ../shared/data/mnist is absent. The ring run is the embedded default.
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from unittest import mock

import gin
import numpy as np
import tensorflow as tf

from tests import forkserver
from tfgan_mh import cli
from tfgan_mh.run import export
from tfgan_mh import models
from tfgan_mh import plots
from tfgan_mh.cli import sample
from tfgan_mh.cli import train as train_main
from tfgan_mh.training import loop
from tfgan_mh.run import restore

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist")  # ../shared/data/mnist
TINY = ["train.num_steps = 2", "train.global_batch_size = 8", "cadence.steps_per_loop = 1",
        "cadence.save_every = 1", "cadence.summary_every = 2", "cadence.image_every = 2", "cadence.log_every = 2",
        "ema.decay = 0.5"]
_RUNS = {}


def _tempdir(test=None) -> str:
  path = tempfile.mkdtemp(prefix="tfgan_mh_export_")
  if test is None:
    atexit.register(shutil.rmtree, path, ignore_errors=True)
  else:
    test.addCleanup(shutil.rmtree, path, ignore_errors=True)
  return path


def drawn(fig) -> np.ndarray:
  """The uint8 array an image-grid figure of `tfgan_mh.plots` shows ([H, W] for grayscale)."""
  return np.asarray(fig.axes[0].images[0].get_array())


def row_labels(fig) -> list:
  return [t.get_text() for t in fig.axes[0].get_yticklabels()]


def _train(params) -> str:
  model_dir = os.path.join(_tempdir(), "run")
  gin.clear_config()
  try:
    cli.parse_gin([train_main.DEFAULT_GIN], TINY + params)
    loop.train(model_dir)
  finally:
    gin.clear_config()
  return model_dir


def image_run_dir(test) -> str:
  """A 2-step MNIST run (conditional DCGAN, ch 4, z_dim 8, EMA), trained once per test process."""
  if "image" not in _RUNS:
    if not os.path.isdir(MNIST_DIR):
      test.skipTest(f"real MNIST data absent: {MNIST_DIR} (../shared/data/mnist of the workspace)")
    from tfgan_mh.data import local  # pylint: disable=g-import-not-at-top
    x = local.read_idx(os.path.join(MNIST_DIR, "train-images-idx3-ubyte.gz"))[:200]
    y = local.read_idx(os.path.join(MNIST_DIR, "train-labels-idx1-ubyte.gz"))[:200]
    npz = os.path.join(_tempdir(), "mnist200.npz")
    np.savez(npz, x=np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None], y=y)  # [200, 32, 32, 1] uint8
    _RUNS["image"] = _train([
        "build_source.name = 'npz'", f"build_source.path = '{npz}'", "build_source.num_classes = 10",
        "build_generator.arch = 'dcgan'", "build_discriminator.arch = 'dcgan'", "build_generator.ch = 4",
        "build_discriminator.ch = 4", "build_generator.z_dim = 8"])
  return _RUNS["image"]


def ring_run_dir() -> str:
  if "ring" not in _RUNS:
    _RUNS["ring"] = _train([])
  return _RUNS["ring"]


def _latents(n, z_dim, seed=3):
  z = np.random.default_rng(seed).standard_normal((n, z_dim)).astype(np.float32)
  return z, (np.arange(n) % 10).astype(np.int32)


# Runs in a fresh interpreter where importing tfgan_mh fails: the export must need TensorFlow only.
_LOADER = r"""
import json, sys
sys.modules["tfgan_mh"] = None  # any `import tfgan_mh...` now raises ImportError
import numpy as np
import tensorflow as tf
path, z_file, labels_file, out_file = sys.argv[1:]
g = tf.saved_model.load(path)
fn = g.signatures["serving_default"]
out = fn(z=tf.constant(np.load(z_file)), labels=tf.constant(np.load(labels_file)))
np.save(out_file, out["images"].numpy())
loaded = sorted(m for m, v in sys.modules.items() if v is not None and m.split(".")[0] == "tfgan_mh")
print(json.dumps(dict(
    loaded=loaded, z_dim=int(g.z_dim.numpy()), num_classes=int(g.num_classes.numpy()),
    image_shape=g.image_shape.numpy().tolist(), conditional=bool(g.conditional.numpy()),
    step=int(g.step.numpy()), ema=bool(g.ema.numpy()), kind=g.kind.numpy().decode(),
    metadata=json.loads(g.metadata.numpy().decode()),
    inputs={k: [v.shape.as_list(), v.dtype.name] for k, v in fn.structured_input_signature[1].items()},
    outputs={k: [v.shape.as_list(), v.dtype.name] for k, v in fn.structured_outputs.items()})))
"""


def _subprocess_env():
  return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
              PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


class ExportTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_image_export_loads_without_tfgan_mh(self):
    run = restore.load_run(image_run_dir(self), 1, with_discriminator=False)
    tmp = _tempdir(self)
    path = export.export_generator(run, os.path.join(tmp, "nested", "g"))
    self.assertEqual(path, os.path.join(tmp, "nested", "g"))
    self.assertEqual(sorted(os.listdir(os.path.join(tmp, "nested"))), ["g"])  # no temporary left behind
    z, labels = _latents(20, 8)
    np.save(os.path.join(tmp, "z.npy"), z)
    np.save(os.path.join(tmp, "labels.npy"), labels)
    result = subprocess.run(
        [sys.executable, "-c", _LOADER, path, os.path.join(tmp, "z.npy"), os.path.join(tmp, "labels.npy"),
         os.path.join(tmp, "out.npy")],
        cwd=tmp, env=_subprocess_env(), capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    info = json.loads(result.stdout.strip().splitlines()[-1])
    self.assertEqual(info["loaded"], [])
    self.assertEqual(info["inputs"], {"z": [[None, 8], "float32"], "labels": [[None], "int32"]})
    self.assertEqual(info["outputs"], {"images": [[None, 32, 32, 1], "uint8"]})
    self.assertEqual((info["z_dim"], info["num_classes"], info["image_shape"], info["conditional"]),
                     (8, 10, [32, 32, 1], True))
    self.assertEqual((info["step"], info["ema"], info["kind"]), (1, True, "images"))
    self.assertEqual(info["metadata"]["checkpoint"], os.path.join(run.model_dir, "ckpt-1"))
    self.assertEqual(info["metadata"]["run_info"]["dataset"], "npz")
    self.assertTrue(info["metadata"]["use_ema"])
    # The exported uint8 images are the in-process EMA generator's, quantised as the train job's PNGs.
    got = np.load(os.path.join(tmp, "out.npy"))
    want = plots.to_uint8(run.sample(tf.constant(z), tf.constant(labels)).numpy())
    self.assertEqual(got.dtype, np.uint8)
    self.assertEqual(got.shape, (20, 32, 32, 1))
    np.testing.assert_array_equal(got, want)
    self.assertGreater(np.ptp(got.astype(int)), 10)  # real pictures, not a constant

  def test_raw_generator_and_signature_checks(self):
    run = restore.load_run(image_run_dir(self), with_discriminator=False)
    path = export.export_generator(run, os.path.join(_tempdir(self), "raw"), use_ema=False)
    g = tf.saved_model.load(path)
    self.assertFalse(bool(g.ema.numpy()))
    self.assertEqual(int(g.step.numpy()), 2)
    z, labels = _latents(12, 8, seed=5)
    got = g.signatures["serving_default"](z=tf.constant(z), labels=tf.constant(labels))["images"].numpy()
    raw = plots.to_uint8(run.sample(tf.constant(z), tf.constant(labels), use_ema=False).numpy())
    ema = plots.to_uint8(run.sample(tf.constant(z), tf.constant(labels)).numpy())
    np.testing.assert_array_equal(got, raw)
    self.assertGreater(np.abs(raw.astype(int) - ema).max(), 0)  # EMA (decay 0.5) differs from G
    np.testing.assert_array_equal(g.generate(tf.constant(z), tf.constant(labels))["images"].numpy(), got)
    fn = g.signatures["serving_default"]
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "labels must be < num_classes=10"):
      fn(z=tf.constant(z[:2]), labels=tf.constant([3, 10], tf.int32))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "labels must be >= 0"):
      fn(z=tf.constant(z[:2]), labels=tf.constant([-1, 0], tf.int32))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "same batch size"):
      fn(z=tf.constant(z[:3]), labels=tf.constant([1, 2], tf.int32))

  def test_ring_export_gives_float_points(self):
    run = restore.load_run(ring_run_dir(), with_discriminator=False)
    g = tf.saved_model.load(export.export_generator(run, os.path.join(_tempdir(self), "ring")))
    self.assertEqual(g.kind.numpy(), b"points")
    self.assertEqual(g.image_shape.numpy().tolist(), [2])
    fn = g.signatures["serving_default"]
    self.assertEqual(list(fn.structured_outputs), ["samples"])
    z, labels = _latents(30, int(g.z_dim.numpy()))
    got = fn(z=tf.constant(z), labels=tf.constant(labels))["samples"].numpy()
    self.assertEqual(got.dtype, np.float32)
    self.assertAllClose(got, run.sample(tf.constant(z), tf.constant(labels)).numpy(), atol=1e-6, rtol=0)

  def test_unconditional_generator_ignores_labels(self):
    g = models.build_generator("dcgan", image_shape=(32, 32, 3), num_classes=10, conditional=False, ch=4,
                               z_dim=6)
    z = tf.constant(_latents(4, 6)[0])
    want = plots.to_uint8(g(z, None, training=False).numpy())
    loaded = tf.saved_model.load(export.export_generator(g, os.path.join(_tempdir(self), "u"), step=7))
    self.assertEqual((int(loaded.step.numpy()), bool(loaded.conditional.numpy())), (7, False))
    fn = loaded.signatures["serving_default"]
    for labels in ([0, 0, 0, 0], [9, 3, 99, -5]):  # no range check: the labels are not used
      np.testing.assert_array_equal(fn(z=z, labels=tf.constant(labels, tf.int32))["images"].numpy(), want)

  def test_a_failed_export_keeps_the_previous_one(self):
    run = restore.load_run(ring_run_dir(), 1, with_discriminator=False)
    parent = _tempdir(self)
    path = export.export_generator(run, os.path.join(parent, "g"))

    def broken_save(module, tmp, signatures=None):
      del module, signatures
      os.makedirs(os.path.join(tmp, "variables"))
      with open(os.path.join(tmp, "saved_model.pb"), "wb") as f:
        f.write(b"half")
      raise tf.errors.ResourceExhaustedError(None, None, "disk full")

    newer = restore.load_run(ring_run_dir(), 2, with_discriminator=False)
    with mock.patch.object(tf.saved_model, "save", broken_save):
      with self.assertRaisesRegex(tf.errors.ResourceExhaustedError, "disk full"):
        export.export_generator(newer, path)
    self.assertEqual(os.listdir(parent), ["g"])  # the half-written temporary is gone
    self.assertEqual(int(tf.saved_model.load(path).step.numpy()), 1)
    export.export_generator(newer, path)  # a complete export replaces it
    self.assertEqual(os.listdir(parent), ["g"])
    self.assertEqual(int(tf.saved_model.load(path).step.numpy()), 2)

  def test_bad_arguments(self):
    run = restore.load_run(ring_run_dir(), with_discriminator=False)
    tmp = _tempdir(self)
    existing = export.export_generator(run, os.path.join(tmp, "g"))
    with self.assertRaisesRegex(ValueError, r"^export path '.*/g' exists and overwrite is False"):
      export.export_generator(run, existing, overwrite=False)
    a_file = os.path.join(tmp, "file")
    with open(a_file, "w") as f:
      f.write("keep")
    with self.assertRaisesRegex(ValueError, r"^export path '.*/file' is a file: expected a directory"):
      export.export_generator(run, a_file)
    with self.assertRaisesRegex(ValueError, r"cannot be written: '.*/file' is a file, not a directory"):
      export.export_generator(run, os.path.join(a_file, "sub", "g"))
    with self.assertRaisesRegex(ValueError, "^export path is empty"):
      export.export_generator(run, "")
    fresh = models.build_generator("mlp", image_shape=(2,), num_classes=10)
    with self.assertRaisesRegex(ValueError, "has no variables yet: call it once"):
      export.export_generator(fresh, os.path.join(tmp, "fresh"))
    with self.assertRaisesRegex(ValueError, "cannot export str: expected a restore.Run or a tfgan_mh "
                                "generator"):
      export.export_generator("generator", os.path.join(tmp, "str"))
    with open(a_file) as f:
      self.assertEqual(f.read(), "keep")
    self.assertEqual(sorted(os.listdir(tmp)), ["file", "g"])

  def test_export_cli(self):
    model_dir = ring_run_dir()
    out = os.path.join(_tempdir(self), "exported")
    cmd = [sys.executable, "-m", "tfgan_mh.cli.export", f"--model_dir={model_dir}", "--checkpoint=1",
           f"--out={out}"]
    ok = forkserver.run(cmd, cwd=REPO, env=_subprocess_env(), timeout=300)
    self.assertEqual(ok.returncode, 0, ok.stderr[-3000:])
    self.assertRegex(ok.stdout, rf"exported the EMA generator of {model_dir}/ckpt-1 \(step 1\) to {out} in ")
    self.assertEqual(int(tf.saved_model.load(out).step.numpy()), 1)
    again = forkserver.run(cmd, cwd=REPO, env=_subprocess_env(), timeout=300)
    self.assertEqual(again.returncode, 1)
    errors = [line for line in again.stderr.splitlines() if line.startswith("error:")]
    self.assertEqual(errors, [f"error: export path '{out}' exists and overwrite is False: choose a new "
                              "directory or allow overwriting"])


class SampleTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_parse_labels(self):
    self.assertIsNone(sample.parse_labels("all"))
    self.assertIsNone(sample.parse_labels(" ALL "))
    self.assertEqual(sample.parse_labels("0, 3,7"), [0, 3, 7])
    for bad in ("", "1,,2", "-1", "a", "1.5"):
      with self.assertRaisesRegex(ValueError, r"^--labels=.* is not a class id; expected 'all' or comma"):
        sample.parse_labels(bad)

  def test_figure_rows_are_classes(self):
    run = restore.load_run(image_run_dir(self), with_discriminator=False)
    fig = sample.figure(run, labels=[0, 3], num=4, seed=1)
    (ax,) = fig.axes
    self.assertEqual(ax.get_title(), "generated (checkpoint step 2)")
    self.assertEqual(row_labels(fig), ["class 0", "class 3"])  # the npz data has no class names
    picture = drawn(fig)
    self.assertEqual(picture.shape, (2 * 33 + 1, 4 * 33 + 1))  # 32 px tiles, 1 px white borders, grayscale
    self.assertEqual(ax.images[0].get_cmap().name, "gray")
    z = np.random.default_rng(1).standard_normal((8, 8)).astype(np.float32)
    want = plots.to_uint8(run.sample(tf.constant(z), tf.constant([0] * 4 + [3] * 4, tf.int32)).numpy())[..., 0]
    np.testing.assert_array_equal(picture[1:33, 1:33], want[0])      # row 0 = class 0
    np.testing.assert_array_equal(picture[34:66, 100:132], want[7])  # row 1, column 3 = class 3
    self.assertTrue(np.all(picture[0] == 255) and np.all(picture[:, 33] == 255))
    every = sample.figure(run, num=1)  # labels=None: every class
    self.assertEqual(drawn(every).shape, (10 * 33 + 1, 34))
    self.assertEqual(row_labels(every), [f"class {k}" for k in range(10)])
    shared = drawn(sample.figure(run, labels=[5, 5], num=3, shared_z=True))
    np.testing.assert_array_equal(shared[1:33], shared[34:66])  # same z and class: identical rows
    raw = sample.figure(run, labels=[0, 3], num=4, seed=1, use_ema=False)
    self.assertEqual(raw.axes[0].get_title(), "generated (checkpoint step 2, raw generator)")
    self.assertGreater(np.abs(drawn(raw).astype(int) - picture).max(), 0)
    with self.assertRaisesRegex(ValueError,
                                r"class 10 is out of range; the run has num_classes=10 \(valid 0..9\)"):
      sample.figure(run, labels=[1, 10])
    with self.assertRaisesRegex(ValueError, "--num=0: expected at least 1"):
      sample.figure(run, num=0)

  def test_figure_of_the_ring(self):
    run = restore.load_run(ring_run_dir(), with_discriminator=False)
    fig = sample.figure(run, labels=[2], num=50)
    self.assertEqual([ax.get_title() for ax in fig.axes], ["real data", f"generated (checkpoint step {run.step})"])
    (legend,) = fig.legends
    self.assertEqual([t.get_text() for t in legend.get_texts()],
                     [f"class {k}" for k in range(10)] + ["real data (behind)"])  # the real data has every class
    generated = [c for c in fig.axes[1].collections if c.get_label().startswith("class")]
    self.assertEqual([(c.get_label(), len(c.get_offsets())) for c in generated], [("class 2", 50)])
    self.assertAllClose(generated[0].get_facecolor()[0, :3], plots.class_colors([2], 10)[0, :3])  # RGB, alpha 0.8
    self.assertEqual(fig.axes[0].get_xlim(), fig.axes[1].get_xlim())
    picture = plots.to_array(fig)
    self.assertEqual((picture.shape[2], picture.dtype), (3, np.uint8))

  def test_check_out(self):
    tmp = _tempdir(self)
    sample.check_out(os.path.join(tmp, "new", "dir", "x.png"))
    for out, message in ((os.path.join(tmp, "x.jpg"), "must end with .png"),
                         (tmp + "/d.png", "is a directory"),
                         ("", "--out is required")):
      if message == "is a directory":
        os.makedirs(out)
      with self.assertRaisesRegex(ValueError, message):
        sample.check_out(out)
    a_file = os.path.join(tmp, "f")
    open(a_file, "w").close()
    with self.assertRaisesRegex(ValueError, r"cannot be written: '.*/f' is a file, not a directory"):
      sample.check_out(os.path.join(a_file, "x.png"))

  def _cli(self, *flags):
    return forkserver.run([sys.executable, "-m", "tfgan_mh.cli.sample"] + list(flags), cwd=REPO,
                          env=_subprocess_env(), timeout=300)

  def test_cli_writes_the_grid(self):
    model_dir = image_run_dir(self)
    out = os.path.join(_tempdir(self), "pics", "grid.png")
    result = self._cli(f"--model_dir={model_dir}", "--checkpoint=1", "--labels=0,3", "--num=4", "--seed=1",
                       f"--out={out}")
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    with open(out, "rb") as f:
      got = tf.io.decode_png(f.read()).numpy()
    run = restore.load_run(model_dir, 1, with_discriminator=False)
    want = plots.to_array(sample.figure(run, labels=[0, 3], num=4, seed=1))
    np.testing.assert_array_equal(got, want)  # the figure of `sample.figure`, RGB
    self.assertEqual(result.stdout.strip(), f"wrote {out} ({want.shape[1]}x{want.shape[0]} px) from the EMA "
                                            f"generator of {model_dir}/ckpt-1 (step 1)")
    self.assertEqual(os.listdir(os.path.dirname(out)), ["grid.png"])  # no temporary left

  def test_cli_errors_are_one_line_and_write_nothing(self):
    model_dir = image_run_dir(self)
    tmp = _tempdir(self)
    out = os.path.join(tmp, "kept.png")
    with open(out, "wb") as f:
      f.write(b"previous picture")
    a_file = os.path.join(tmp, "file")
    open(a_file, "w").close()
    cases = [
        (["--checkpoint=5"], "error: no checkpoint for step 5 in '%s'; available steps: 1, 2" % model_dir),
        (["--labels=2,10"], "error: --labels: class 10 is out of range; the run has num_classes=10 "
                            "(valid 0..9)"),
        (["--labels=x"], "error: --labels='x': 'x' is not a class id; expected 'all' or comma-separated "
                         "non-negative integers such as 0,1,2"),
        (["--num=0"], "error: --num=0: expected at least 1 sample per class"),
        (["--num=many"], "error: flag --num=many: invalid literal for int() with base 10: 'many'"),
        ([f"--out={a_file}/x.png"], f"error: --out='{a_file}/x.png' cannot be written: '{a_file}' is a file, "
                                    "not a directory"),
        ([f"--out={tmp}/x.jpg"], f"error: --out='{tmp}/x.jpg' must end with .png (the picture is written as "
                                 "PNG)"),
    ]
    for flags, message in cases:
      args = [f"--model_dir={model_dir}", f"--out={out}"] + flags
      result = self._cli(*args)
      self.assertEqual(result.returncode, 1, (flags, result.stderr[-2000:]))
      errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
      self.assertEqual(errors, [message])
      self.assertEqual(result.stderr.strip().splitlines()[-1], message)
      self.assertEqual(result.stdout, "")
    with open(out, "rb") as f:
      self.assertEqual(f.read(), b"previous picture")
    self.assertEqual(sorted(os.listdir(tmp)), ["file", "kept.png"])


if __name__ == "__main__":
  tf.test.main()
