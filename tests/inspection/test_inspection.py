"""notebooks/inspect.ipynb and `tfgan_mh.inspection` on tiny real runs; the notebook is executed headless.

Runs (trained once per test process, in a temporary folder):
  a, b   4 steps of small conditional DCGANs (ch 4, z_dim 8, EMA) on 200 synthetic 32 x 32 images of 4
         classes (class c: a bright band at rows 4 + 6c, plus noise; no dataset needed). a has the MHGAN
         heads (projection + classifier), b the MHSharedGAN ones (projection + shared_classifier). The
         real eval job evaluates both (checkpoints 2 and 4) with a stand-in extractor (a fixed random
         projection of the pixels with the FeatureExtractor interface), so eval/metrics.jsonl holds FID and
         intra-FID per class and eval/best.json exists.
  ring   2 steps of the embedded default (2-D ring, MLPs, no EMA), never evaluated (no metrics.jsonl).

`plot_class_grid` draws the picture of the train job and the sample CLI (`tfgan_mh.plots`). The notebook
runs in a fresh ipykernel of this interpreter (a kernel spec written for the test, so a "python3" kernel
spec installed elsewhere cannot be picked up), with MPLBACKEND=Agg; any failing cell fails the test.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")  # before matplotlib is imported anywhere

import gin  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_mh import cli  # noqa: E402
from tfgan_mh import inspection  # noqa: E402
from tfgan_mh import models  # noqa: E402
from tfgan_mh import plots  # noqa: E402
from tfgan_mh.cli import train as train_main  # noqa: E402
from tfgan_mh.evaluation import job  # noqa: E402
from tfgan_mh.models import base as models_base  # noqa: E402
from tfgan_mh.models import layers  # noqa: E402
from tfgan_mh.training import loop  # noqa: E402
from tfgan_mh.run import restore  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOK = os.path.join(REPO, "notebooks", "inspect.ipynb")
K = 4
TINY = ["train.num_steps = 4", "train.global_batch_size = 8", "cadence.steps_per_loop = 1",
        "cadence.save_every = 2", "cadence.summary_every = 2", "cadence.image_every = 4", "cadence.log_every = 2",
        "ema.decay = 0.5"]
_RUNS = {}


def _tempdir() -> str:
  path = tempfile.mkdtemp(prefix="tfgan_mh_notebook_")
  atexit.register(shutil.rmtree, path, ignore_errors=True)
  return path


class _Projection:
  """Stand-in feature extractor: tanh of a fixed random projection of the pixels; logits a linear map."""

  def __init__(self, num_logits=8, feature_dim=6, seed=0):
    rng = np.random.default_rng(seed)
    self.name, self.num_logits, self.feature_dim = "stand-in", num_logits, feature_dim
    self.w_features = tf.constant(rng.standard_normal((32 * 32, feature_dim)).astype(np.float32) / 8.0)
    self.w_logits = tf.constant(rng.standard_normal((feature_dim, num_logits)).astype(np.float32))

  def __call__(self, x):
    features = tf.tanh(tf.reshape(tf.cast(x, tf.float32), [-1, 32 * 32]) @ self.w_features)  # [B, d]
    return features @ self.w_logits, features


def _train(model_dir, params):
  gin.clear_config()
  try:
    cli.parse_gin([train_main.DEFAULT_GIN], params)
    loop.train(model_dir)
  finally:
    gin.clear_config()


def runs() -> dict:
  """{"a", "b", "ring": model_dir}, trained (and a, b evaluated) once per process."""
  if _RUNS:
    return _RUNS
  root = _tempdir()
  rng = np.random.default_rng(0)
  y = np.arange(200) % K
  x = rng.integers(0, 40, (200, 32, 32, 1)).astype(np.uint8)
  for c in range(K):
    x[y == c, 4 + 6 * c:10 + 6 * c, 4:28] += 200
  npz = os.path.join(root, "bands.npz")
  np.savez(npz, x=x, y=y)
  image = TINY + ["build_source.name = 'npz'", f"build_source.path = '{npz}'",
                  "build_generator.arch = 'dcgan'", "build_discriminator.arch = 'dcgan'",
                  "build_generator.ch = 4", "build_discriminator.ch = 4", "build_generator.z_dim = 8"]
  cfg = dict(num_samples=80, batch_size=40, num_real=200, num_splits=2, metrics="fid,intra_fid,self_accuracy",
             validation_split="none", best_metric="fid")
  for name, heads in [("a", "('projection', 'classifier')"), ("b", "('projection', 'shared_classifier')")]:
    model_dir = os.path.join(root, name)
    _train(model_dir, image + [f"build_discriminator.heads = {heads}"])
    try:
      assert job.watch(model_dir, job.EvalConfig(inception=_Projection(), **cfg), poll_secs=1) == "done"
    finally:
      gin.clear_config()
    _RUNS[name] = model_dir
  _RUNS["ring"] = os.path.join(root, "ring")
  _train(_RUNS["ring"], ["train.num_steps = 2", "train.global_batch_size = 16", "cadence.steps_per_loop = 1",
                         "cadence.save_every = 2", "cadence.image_every = 2", "cadence.log_every = 2",
                         "cadence.summary_every = 2", "ema.decay = None"])
  return _RUNS


def _records(model_dir):
  with open(os.path.join(model_dir, "eval", "metrics.jsonl")) as f:
    return {r["step"]: r for r in map(json.loads, f)}


def _best_step(model_dir):
  with open(os.path.join(model_dir, "eval", "best.json")) as f:
    return json.load(f)["step"]


def _copy_run(test, src):
  dst = os.path.join(test.create_tempdir().full_path, os.path.basename(src))
  shutil.copytree(src, dst)
  return dst


def _rewrite_records(model_dir, edit):
  path = os.path.join(model_dir, "eval", "metrics.jsonl")
  with open(path) as f:
    lines = [edit(json.loads(line)) for line in f]
  with open(path, "w") as f:
    f.write("".join(json.dumps(r) + "\n" for r in lines))


def _fake_run(generator, discriminator=None):
  info = {"num_classes": generator.num_classes, "conditional": generator.conditional,
          "z_dim": generator.z_dim, "image_shape": list(generator.image_shape)}
  return restore.Run(model_dir="/fake/run", checkpoint="/fake/run/ckpt-1", step=1, info=info,
                     generator=generator, discriminator=discriminator, ema_generator=None)


class InspectLibTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.dirs = runs()

  def tearDown(self):
    gin.clear_config()
    import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
    plt.close("all")
    super().tearDown()

  def test_load_best_falls_back_to_latest(self):
    a = self.dirs["a"]
    self.assertEqual(inspection.resolve_step(a, "best"), _best_step(a))
    self.assertEqual(inspection.load(a).step, _best_step(a))
    self.assertEqual(inspection.load(a, "latest").step, 4)
    self.assertEqual(inspection.load(a, 2).step, 2)
    self.assertEqual(inspection.resolve_step(self.dirs["ring"], "best"), "latest")  # no eval/best.json
    self.assertEqual(inspection.load(self.dirs["ring"]).step, 2)
    with self.assertRaisesRegex(ValueError, r"no checkpoint for step 3 .*available steps: 2, 4"):
      inspection.load(a, 3)
    with self.assertRaisesRegex(ValueError, "model_dir='': expected a run directory"):
      inspection.load("")
    with self.assertRaisesRegex(ValueError, "has no run_info.json"):
      inspection.load(self.create_tempdir().full_path)

  def test_class_grid_tiles_are_the_generators_samples(self):
    run = inspection.load(self.dirs["a"], "latest")
    fig = inspection.plot_class_grid(run, classes=[3, 1], per_class=3, seed=5)
    (ax,) = fig.axes
    self.assertEqual(ax.get_title(), "EMA generator, step 4")
    self.assertEqual([t.get_text() for t in ax.get_yticklabels()], ["class 3", "class 1"])
    grid = np.asarray(ax.images[0].get_array())
    self.assertEqual((grid.shape, grid.dtype), ((2 * 33 + 1, 3 * 33 + 1), np.uint8))  # grayscale
    z = np.random.default_rng(5).standard_normal((6, 8)).astype(np.float32)
    expected = plots.to_uint8(run.ema_generator(z, tf.constant([3, 3, 3, 1, 1, 1]), training=False))
    for i in range(6):
      r, c = divmod(i, 3)
      self.assertAllEqual(grid[1 + 33 * r:33 + 33 * r, 1 + 33 * c:33 + 33 * c], expected[i, ..., 0])
    raw = inspection.plot_class_grid(run, classes=[3, 1], per_class=3, seed=5, use_ema=False)
    self.assertEqual(raw.axes[0].get_title(), "generator, step 4")
    self.assertNotAllEqual(raw.axes[0].images[0].get_array(), grid)
    samples, labels = inspection.class_samples(run, per_class=2, shared_z=True)
    self.assertAllEqual(labels, [0, 0, 1, 1, 2, 2, 3, 3])
    self.assertAllClose(samples[6:], run.ema_generator(inspection.latents(run, 2), tf.constant([3, 3])),
                        atol=1e-6)
    self.assertEqual(inspection.evenly_spaced_classes(1000, 5), [0, 250, 500, 749, 999])
    self.assertEqual(inspection.evenly_spaced_classes(4, 10), [0, 1, 2, 3])

  def test_ring_grid_is_a_scatter_of_points(self):
    run = inspection.load(self.dirs["ring"])
    samples, labels = inspection.class_samples(run, per_class=20)
    self.assertEqual((samples.shape, labels.shape), ((200, 2), (200,)))
    fig = inspection.plot_class_grid(run, per_class=20)  # the train job's picture: real data | generated
    self.assertEqual([ax.get_title() for ax in fig.axes], ["real data", "generator, step 2"])
    self.assertEqual([t.get_text() for t in fig.legends[0].get_texts()],
                     [f"class {k}" for k in range(10)] + ["real data (behind)"])
    generated = [c for c in fig.axes[1].collections if c.get_label().startswith("class")]
    self.assertAllClose(np.concatenate([c.get_offsets() for c in generated]), samples)

  def test_metric_curves_are_the_records(self):
    a = self.dirs["a"]
    records = _records(a)
    curves = inspection.metric_curves(a)
    for key in ("fid", "intra_fid_mean", "self_accuracy", "fid_mean_term"):
      steps, values = curves[key]
      self.assertAllEqual(steps, [2, 4])
      self.assertAllClose(values, [records[2][key], records[4][key]])
    for key in ("step", "wall_time", "checkpoint_time", "num_samples", "intra_fid_num_classes",
                "intra_fid_per_class", "timing", "generator"):
      self.assertNotIn(key, curves)
    self.assertEqual(list(inspection.metric_curves(a, ["fid"])), ["fid"])
    with self.assertRaisesRegex(ValueError, r"metric 'is_mean' is not in .*; recorded metrics: fid, "):
      inspection.metric_curves(a, ["is_mean"])
    with self.assertRaisesRegex(ValueError, r"ring/eval/metrics.jsonl does not exist: the eval job has not"):
      inspection.metric_curves(self.dirs["ring"])
    with self.assertRaisesRegex(ValueError, "has no run_info.json: not a tfgan_mh run"):
      inspection.metric_curves(self.create_tempdir().full_path)

  def test_metric_curves_read_only_with_a_line_being_written_and_nulls(self):
    d = _copy_run(self, self.dirs["a"])
    _rewrite_records(d, lambda r: {**r, "fid": None} if r["step"] == 4 else r)  # NaN is written as null
    path = os.path.join(d, "eval", "metrics.jsonl")
    with open(path, "a") as f:
      f.write('{"step": 6, "fid": 1.0, "intra_fid_me')  # the eval job is appending this line
    with open(path, "rb") as f:
      before = f.read()
    steps, values = inspection.metric_curves(d)["fid"]
    self.assertAllEqual(steps, [2, 4])
    self.assertTrue(np.isfinite(values[0]) and np.isnan(values[1]))
    with open(path, "rb") as f:
      self.assertEqual(f.read(), before)  # not repaired behind the eval job's back
    self.assertFalse(os.path.exists(path + ".truncated"))
    with open(path, "w") as f:
      f.write('{"step": 2, "fid"')  # the first record is being written
    with self.assertRaisesRegex(ValueError, "metrics.jsonl holds no complete record yet"):
      inspection.metric_curves(d)

  def test_intra_fid_comparison_is_aligned_per_class(self):
    a, b = self.dirs["a"], self.dirs["b"]
    ra, rb = _records(a)[_best_step(a)], _records(b)[_best_step(b)]
    cmp = inspection.compare_intra_fid(a, b)
    self.assertAllEqual(cmp.classes, np.arange(K))
    self.assertAllClose(cmp.a, ra["intra_fid_per_class"])
    self.assertAllClose(cmp.b, rb["intra_fid_per_class"])
    self.assertEqual((cmp.step_a, cmp.step_b), (_best_step(a), _best_step(b)))
    self.assertEqual(cmp.num_better_b, int(np.sum(np.array(rb["intra_fid_per_class"])
                                                  < np.array(ra["intra_fid_per_class"]))))
    self.assertAllClose(inspection.intra_fid_per_class(a, 4), _records(a)[4]["intra_fid_per_class"])
    self.assertAllClose(inspection.intra_fid_per_class(a, "latest"), _records(a)[4]["intra_fid_per_class"])
    # A class without intra-FID in one run (too few samples: null) is left out; the others stay aligned.
    holes = _copy_run(self, b)
    _rewrite_records(holes, lambda r: {**r, "intra_fid_per_class": [v if i != 2 else None for i, v in
                                                                    enumerate(r["intra_fid_per_class"])]})
    cmp = inspection.compare_intra_fid(a, holes, checkpoint_b=4)
    self.assertAllEqual(cmp.classes, [0, 1, 3])
    self.assertAllClose(cmp.b, np.array(_records(b)[4]["intra_fid_per_class"])[[0, 1, 3]])
    self.assertAllClose(cmp.a, np.array(ra["intra_fid_per_class"])[[0, 1, 3]])

  def test_intra_fid_bad_input(self):
    a = self.dirs["a"]
    none = _copy_run(self, a)
    _rewrite_records(none, lambda r: {**{k: v for k, v in r.items() if not k.startswith("intra_fid")},
                                      "absent": {"intra_fid": "no --inception extractor"}})
    with self.assertRaisesRegex(ValueError, r"^\S+/a has no intra-FID at step 2: no --inception extractor$"):
      inspection.compare_intra_fid(a, none)
    fewer = _copy_run(self, a)
    _rewrite_records(fewer, lambda r: {**r, "intra_fid_per_class": r["intra_fid_per_class"][:3]})
    with self.assertRaisesRegex(ValueError,
                                r"cannot compare intra-FID per class: \S+ has 4 classes, \S+ has 3$"):
      inspection.compare_intra_fid(a, fewer)
    with self.assertRaisesRegex(ValueError, r"step 3 of \S+ was not evaluated .*evaluated steps: 2, 4"):
      inspection.intra_fid_per_class(a, 3)
    with self.assertRaisesRegex(ValueError, r"checkpoint='first': expected 'best', 'latest' or an evaluated"):
      inspection.intra_fid_per_class(a, "first")
    with self.assertRaisesRegex(ValueError, "eval/metrics.jsonl does not exist"):
      inspection.compare_intra_fid(a, self.dirs["ring"])

  def test_interpolate_z_ends_are_the_samples_of_the_end_latents(self):
    run = inspection.load(self.dirs["a"], "latest")
    z0, z1 = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)
    interp = inspection.interpolate_z(run, 2, 5, z_from=z0, z_to=z1)
    self.assertEqual(interp.samples.shape, (5, 32, 32, 1))
    self.assertAllClose(interp.t, [0, 0.25, 0.5, 0.75, 1])
    self.assertAllEqual(interp.labels, [2] * 5)
    ends = run.ema_generator(np.stack([z0, z1]), tf.constant([2, 2]), training=False)
    self.assertAllClose(interp.samples[[0, -1]], ends, atol=1e-6)
    # slerp keeps the norm between orthogonal latents of equal norm; linear goes through the chord.
    u, v = np.eye(8, dtype=np.float32)[:2] * 3
    on_circle = inspection.interpolate_z(run, 0, 3, z_from=u, z_to=v)
    self.assertAllClose(np.linalg.norm(on_circle.z, axis=1), [3] * 3)
    linear = inspection.interpolate_z(run, 0, 3, z_from=u, z_to=v, method="linear")
    self.assertAllClose(linear.z[1], (u + v) / 2)
    seeded = inspection.interpolate_z(run, 0, 3, seed=4)
    self.assertAllClose(seeded.z[[0, -1]], inspection.latents(run, 2, 4))

  def test_interpolate_classes_ends_are_the_two_classes(self):
    run = inspection.load(self.dirs["a"], "latest")
    z = inspection.latents(run, 1, 7)
    interp = inspection.interpolate_classes(run, z, 0, 3, 5)
    self.assertAllClose(interp.class_weights.sum(1), [1] * 5)
    self.assertAllClose(interp.class_weights[:, [0, 3]], [[1, 0], [.75, .25], [.5, .5], [.25, .75], [0, 1]])
    ends = run.ema_generator(np.repeat(z, 2, 0), tf.constant([0, 3]), training=False)
    self.assertAllClose(interp.samples[[0, -1]], ends, atol=1e-6)
    self.assertAllEqual(interp.z, np.repeat(z, 5, 0))
    middle = interp.samples[2]
    self.assertGreater(np.abs(middle - ends[0]).max(), 1e-4)
    self.assertGreater(np.abs(middle - ends[1]).max(), 1e-4)

  def test_class_weights_mix_the_class_conditioning(self):
    # One-hot input (MLP / DCGAN / MAGAN): class weights are the one-hot part of [z, one_hot(y)].
    z = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    w = np.array([[1, 0, 0], [0.25, 0, 0.75], [0, 0.5, 0.5]], np.float32)
    self.assertAllEqual(models_base.one_hot_concat(z, w, 3, tf.float32), np.concatenate([z, w], 1))
    self.assertAllEqual(models_base.one_hot_concat(z, tf.constant([2, 0, 1]), 3, tf.float32),
                        np.concatenate([z, np.eye(3)[[2, 0, 1]]], 1))
    # Conditional BN (SAGAN): gain and bias are w @ tables.
    bn = layers.BatchNorm(num_classes=3)
    x = np.random.default_rng(1).standard_normal((3, 2, 2, 4)).astype(np.float32)
    bn(x, tf.constant([0, 1, 2]))
    rng = np.random.default_rng(2)
    gamma, beta = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    bn.gamma.assign(gamma)
    bn.beta.assign(beta)
    normed = x / np.sqrt(1 + 1e-5)  # moving mean 0, variance 1
    expected = normed * (w @ gamma)[:, None, None] + (w @ beta)[:, None, None]
    self.assertAllClose(bn(x, w, training=False), expected, atol=1e-5)
    # A whole SAGAN generator: one-hot weights are exactly the integer labels; a mixture is in between.
    g = models.build_generator("sagan", image_shape=(32, 32, 1), num_classes=3, ch=4)
    zg = np.random.default_rng(3).standard_normal((2, g.z_dim)).astype(np.float32)
    g(zg, tf.constant([0, 1]))
    for v in g.variables:
      if v.shape.rank == 2 and v.shape[0] == 3:  # the conditional-BN tables [K, C]
        v.assign(np.random.default_rng(v.shape[1]).standard_normal(v.shape) * 0.5)
    self.assertAllEqual(g(zg, tf.constant([2, 1])), g(zg, tf.constant(np.eye(3, dtype=np.float32)[[2, 1]])))
    mixed = g(zg[:1], tf.constant([[0.5, 0.5, 0.0]]))
    self.assertGreater(np.abs(mixed - g(zg[:1], tf.constant([0]))).max(), 1e-4)
    with self.assertRaisesRegex(ValueError,
                                r"class weights have shape \(2, 4\), expected \[B, num_classes=3\]"):
      g(zg, tf.ones([2, 4]))

  def test_projection_singular_values_are_those_of_the_embedding_d_uses(self):
    for name in ("a", "b"):
      run = inspection.load(self.dirs[name], "latest")
      embed = run.discriminator.head.embed
      table = embed.table(training=False).numpy()
      values = inspection.projection_singular_values(run)
      self.assertAllClose(values, np.linalg.svd(table, compute_uv=False))
      self.assertEqual(values.shape, (min(K, table.shape[1]),))
      self.assertAllEqual(np.argsort(-values), np.arange(len(values)))
      raw = inspection.projection_singular_values(run, normalized=False)
      self.assertAllClose(raw, np.linalg.svd(embed.kernel.numpy(), compute_uv=False))
      self.assertAllClose(values, raw / embed.sigma().numpy(), rtol=1e-5)
      # It is the embedding of D's projection: D(x, k) - D(x, 0) = <E_k - E_0, phi(x)>.
      e = inspection.projection_embedding(run)
      x = run.ema_generator(inspection.latents(run, 3), tf.constant([0, 1, 2]), training=False)
      phi = run.discriminator(x, tf.constant([0, 0, 0]), training=False).features.numpy()
      d0 = run.discriminator(x, tf.constant([0, 0, 0]), training=False).adv_logits.numpy()
      for k in range(1, K):
        dk = run.discriminator(x, tf.constant([k, k, k]), training=False).adv_logits.numpy()
        self.assertAllClose(dk - d0, phi @ (e[k] - e[0]), atol=1e-4)
      if name == "b":  # MHSharedGAN: the embedding is also the classifier, class_logits[:, k] = D(x, k)
        logits = run.discriminator(x, tf.constant([0, 0, 0]), training=False).class_logits.numpy()
        self.assertAllClose(logits - logits[:, :1], phi @ (e - e[0]).T, atol=1e-4)

  def test_bad_input_is_one_line(self):
    run = inspection.load(self.dirs["a"], "latest", with_discriminator=False)
    z = inspection.latents(run, 1)
    cases = [
        (lambda: inspection.interpolate_z(run, 4, 3),
         r"label=4: expected a class id in 0..3 \(num_classes=4\)"),
        (lambda: inspection.interpolate_z(run, None, 3), "label=None: expected a class id in 0..3"),
        (lambda: inspection.interpolate_z(run, 0, 1), "n=1: expected an int >= 2"),
        (lambda: inspection.interpolate_z(run, 0, 3, method="cubic"),
         "method='cubic': expected one of slerp"),
        (lambda: inspection.interpolate_z(run, 0, 3, z_from=np.zeros(3)), r"z_from has shape \(3,\)"),
        (lambda: inspection.interpolate_classes(run, z, 0, -1, 3),
         "label_b=-1: expected a class id in 0..3"),
        (lambda: inspection.interpolate_classes(run, np.zeros((2, 8)), 0, 1), r"z has shape \(2, 8\)"),
        (lambda: inspection.plot_class_grid(run, classes=[0, 9]), r"classes\[1\]=9: expected a class id in 0..3"),
        (lambda: inspection.plot_class_grid(run, classes=[]), r"classes=\[\]: expected at least one class id"),
        (lambda: inspection.class_samples(run, per_class=0), "per_class=0: expected an int >= 1"),
        (lambda: inspection.generate(run, np.zeros((2, 3))),
         r"z has shape \(2, 3\): expected \[B, z_dim=8\]"),
        (lambda: inspection.projection_singular_values(run), "loaded without its discriminator"),
        (lambda: inspection.evenly_spaced_classes(10, 0), "max_classes=0: expected an int >= 1"),
    ]
    for fn, message in cases:
      with self.assertRaisesRegex(ValueError, message):
        fn()
      try:
        fn()
      except ValueError as e:
        self.assertNotIn("\n", str(e))
    kplus1 = models.build_discriminator("mlp", image_shape=(2,), num_classes=3, heads=("kplus1",))
    uncond = models.build_generator("mlp", image_shape=(2,), num_classes=3, conditional=False)
    fake = _fake_run(uncond, kplus1)
    with self.assertRaisesRegex(ValueError, r"^the discriminator of /fake/run has heads \('kplus1',\): no "
                                r"projection embedding"):
      inspection.projection_singular_values(fake)
    with self.assertRaisesRegex(ValueError, "unconditional generator: there is no class conditioning"):
      inspection.interpolate_classes(fake, np.zeros(16), 0, 1)
    with self.assertRaisesRegex(ValueError, "label=0: the run in /fake/run has an unconditional generator"):
      inspection.interpolate_z(fake, 0, 3)
    self.assertEqual(inspection.interpolate_z(fake, None, 3).samples.shape, (3, 2))
    self.assertEqual(inspection.class_samples(fake, per_class=5)[0].shape, (5, 2))

  def test_plots(self):
    a, b = self.dirs["a"], self.dirs["b"]
    run = inspection.load(a, "latest")
    cmp = inspection.compare_intra_fid(a, b)
    fig = inspection.plot_intra_fid_comparison(cmp, "a", "b")
    ax = fig.axes[0]
    self.assertAllClose(ax.collections[0].get_offsets(), np.stack([cmp.a, cmp.b], 1))
    xs, ys = ax.lines[0].get_data()
    self.assertAllClose(xs, ys)  # the y = x diagonal
    self.assertIn(f"{cmp.num_better_b} of {K} classes below the line (b better)", ax.get_title())
    values = inspection.projection_singular_values(run)
    fig = inspection.plot_singular_values({"a": values})
    self.assertAllClose(fig.axes[0].lines[0].get_ydata(), values / values[0])
    self.assertAllEqual(fig.axes[0].lines[0].get_xdata(), np.arange(1, len(values) + 1))
    curves = inspection.metric_curves(a)
    fig = inspection.plot_metric_curves({"a": curves, "b": inspection.metric_curves(b)})
    self.assertEqual([ax.get_title() for ax in fig.axes if ax.lines],
                     [m for m in inspection.DEFAULT_CURVES if m in curves])
    self.assertLen(fig.axes[0].lines, 2)
    with self.assertRaisesRegex(ValueError, "metric 'bogus' has no curve; available: fid, "):
      inspection.plot_metric_curves(curves, ["bogus"])
    interp = {"z": inspection.interpolate_z(run, 0, 4),
              "class": inspection.interpolate_classes(run, inspection.latents(run, 1), 0, 1, 4)}
    figs = [fig, inspection.plot_interpolations(interp), inspection.plot_class_grid(run, [0, 2], 3)]
    ring = inspection.load(self.dirs["ring"])
    figs += [inspection.plot_class_grid(ring, per_class=20),
             inspection.plot_interpolations({"z": inspection.interpolate_z(ring, 1, 4)})]
    self.assertEqual([t.get_text() for t in figs[2].axes[0].get_yticklabels()], ["class 0", "class 2"])
    for f in figs:
      f.canvas.draw()  # rendering errors surface here (Agg)


def _kernel_manager(tmp):
  """An AsyncKernelManager for an ipykernel of this interpreter (a kernel spec written to `tmp`)."""
  from jupyter_client.kernelspec import KernelSpecManager  # pylint: disable=g-import-not-at-top
  from jupyter_client.manager import AsyncKernelManager  # pylint: disable=g-import-not-at-top
  spec = os.path.join(tmp, "kernels", "tfgan_mh_test")
  os.makedirs(spec)
  with open(os.path.join(spec, "kernel.json"), "w") as f:
    json.dump({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
               "display_name": "tfgan_mh test", "language": "python"}, f)
  specs = KernelSpecManager(kernel_dirs=[os.path.join(tmp, "kernels")])
  return AsyncKernelManager(kernel_name="tfgan_mh_test", kernel_spec_manager=specs)


def _stdout(nb) -> str:
  return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                 if o.output_type == "stream" and o.name == "stdout")


class NotebookTest(tf.test.TestCase):

  def _execute(self, **env_vars):
    import nbformat  # pylint: disable=g-import-not-at-top
    from nbclient import NotebookClient  # pylint: disable=g-import-not-at-top
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TFGAN_MH_")}
    env.update(MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join(
        p for p in (REPO, os.environ.get("PYTHONPATH")) if p), **env_vars)
    client = NotebookClient(nb, km=_kernel_manager(self.create_tempdir().full_path), timeout=180,
                            resources={"metadata": {"path": os.path.dirname(NOTEBOOK)}})
    client.execute(env=env)  # CellExecutionError (with the cell and its traceback) if any cell fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    self.assertEqual(errors, [])
    return nb

  def test_notebook_is_stored_clean(self):
    import nbformat  # pylint: disable=g-import-not-at-top
    nb = nbformat.read(NOTEBOOK, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    self.assertEqual(nb.nbformat, 4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
      self.assertEqual((cell.outputs, cell.execution_count), ([], None), cell.source[:60])
      self.assertNotRegex(cell.source, r"(?m)^\s*[!%]")  # plain Python: no shell escapes or magics
    params = code[0]
    self.assertIn("parameters", params.metadata.get("tags", []))
    for name, var in [("MODEL_DIR", "TFGAN_MH_MODEL_DIR"), ("COMPARE_DIR", "TFGAN_MH_COMPARE_DIR"),
                      ("CHECKPOINT", "TFGAN_MH_CHECKPOINT")]:
      self.assertRegex(params.source, rf'(?m)^{name} = os\.environ\.get\("{var}"')
    self.assertIn('IN_COLAB = "google.colab" in sys.modules', code[1].source)

  def test_notebook_runs_headless_on_two_evaluated_runs(self):
    dirs = runs()
    nb = self._execute(TFGAN_MH_MODEL_DIR=dirs["b"], TFGAN_MH_COMPARE_DIR=dirs["a"])
    out = _stdout(nb)
    cmp = inspection.compare_intra_fid(dirs["a"], dirs["b"])
    self.assertIn(f"{dirs['b']}: step {_best_step(dirs['b'])} ", out)
    self.assertIn(f"compare with {dirs['a']}: step {_best_step(dirs['a'])}", out)
    self.assertIn(f"intra-FID of {K} classes: {cmp.num_better_b} lower in MODEL_DIR", out)
    self.assertIn("metrics recorded at steps [2, 4]", out)
    self.assertIn(f"MODEL_DIR: {K} singular values", out)
    self.assertIn(f"COMPARE_DIR: {K} singular values", out)
    self.assertNotIn("no intra-FID comparison", out)
    self.assertNotIn("no metric curves", out)

  def test_notebook_trains_and_evaluates_the_default_in_an_empty_model_dir(self):
    model_dir = os.path.join(self.create_tempdir().full_path, "first_open")
    demo = ";".join(["train.num_steps = 4", "train.global_batch_size = 16", "cadence.steps_per_loop = 1",
                     "cadence.save_every = 2", "cadence.image_every = 4", "cadence.log_every = 2",
                     "cadence.summary_every = 1"])
    nb = self._execute(TFGAN_MH_MODEL_DIR=model_dir, TFGAN_MH_DEMO_PARAMS=demo)
    out = _stdout(nb)
    self.assertIn(f"{model_dir} holds no checkpoint: training the embedded default there", out)
    self.assertTrue(os.path.exists(os.path.join(model_dir, "TRAIN_DONE")))
    self.assertEqual(sorted(_records(model_dir)), [2, 4])  # the eval job ran on both checkpoints
    self.assertIn(f"{model_dir}: step 4 ", out)  # no best export for 2-D points (FID needs images): the latest
    self.assertIn("metrics recorded at steps [2, 4]", out)
    self.assertRegex(out, r"\d+ training scalars, 6 shown: d/loss, g/loss, d/acc_real, d/acc_fake, "
                          r"d/class_acc_real, g/self_acc")

  def test_notebook_runs_on_a_ring_run_without_eval(self):
    nb = self._execute(TFGAN_MH_MODEL_DIR=runs()["ring"])
    out = _stdout(nb)
    self.assertIn("no eval/best.json yet (the eval job has not run): the latest checkpoint is shown", out)
    self.assertIn("MODEL_DIR: no metric curves:", out)
    self.assertIn("COMPARE_DIR is None: set it (or TFGAN_MH_COMPARE_DIR)", out)
    self.assertIn("MODEL_DIR: 10 singular values", out)
