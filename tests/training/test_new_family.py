"""A new loss family is one module and one gin file: nothing in tfgan_mh is edited.

The module here is a user's, outside the package: the least-squares GAN of Mao et al. 2017 ("Least Squares
Generative Adversarial Networks", arXiv:1611.04076, Eq. (2) with a = 0, b = c = 1) with a step counter as its own
state (a hook the built-in MAGAN uses for its margin). The gin file imports it (gin's `import` registers the
family), includes the embedded ring experiment and selects it; the trainer, the data and the networks are
untouched.
"""

import glob
import os
import sys
import textwrap

import numpy as np
import tensorflow as tf

from tests import forkserver
from tfgan_mh.run.names import OPERATIVE_CONFIG, TRAIN_DONE

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_MODULE = '''
import tensorflow as tf

from tfgan_mh import losses


class StepCounter(tf.Module):
  def __init__(self):
    super().__init__(name="step_counter")
    self.count = tf.Variable(0, dtype=tf.int64, trainable=False,
                             aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)


@losses.register("lsgan_user")
class LeastSquaresFamily(losses.LossFamily):
  """LSGAN, Eq. (2) of Mao et al. 2017: real target b, fake target a, G's target c."""

  required_heads = ("adv_logits",)
  conditional_generator = False

  def __init__(self, *, num_classes, real_target=1.0, fake_target=0.0):
    super().__init__(num_classes=num_classes)
    self.b, self.a, self.c = float(real_target), float(fake_target), float(real_target)
    self.counter = None

  def discriminator_loss(self, *, real, fake, real_labels, fake_labels):
    return {"d_ls_real": 0.5 * tf.square(tf.cast(real.adv_logits, tf.float32) - self.b),
            "d_ls_fake": 0.5 * tf.square(tf.cast(fake.adv_logits, tf.float32) - self.a)}

  def generator_loss(self, *, fake, fake_labels):
    return {"g_ls": 0.5 * tf.square(tf.cast(fake.adv_logits, tf.float32) - self.c)}

  def build_state(self):
    self.counter = StepCounter()
    return {"lsgan_counter": self.counter}

  def after_step(self, d_outs, g_out, global_batch_size):
    self.counter.count.assign_add(1)
    return {"lsgan/steps": tf.cast(self.counter.count, tf.float32)}
'''

_GIN = """
import lsgan_user_family
include 'ring_default.gin'

train.loss_family = 'lsgan_user'
build_discriminator.heads = ('adversarial',)
lsgan_user.real_target = 1.0
"""


def _last_scalars(model_dir):
  """{tag: value at the last step it was written} of the run's scalar summaries."""
  out = {}
  for path in sorted(glob.glob(os.path.join(model_dir, "events.*"))):
    for event in tf.compat.v1.train.summary_iterator(path):
      for v in event.summary.value:
        out[v.tag] = float(tf.make_ndarray(v.tensor)) if v.tensor.dtype == tf.float32.as_datatype_enum else None
  return out


class NewFamilyTest(tf.test.TestCase):

  def test_a_module_and_a_gin_file_train_a_new_family(self):
    folder = self.create_tempdir().full_path
    with open(os.path.join(folder, "lsgan_user_family.py"), "w") as f:
      f.write(textwrap.dedent(_MODULE))
    with open(os.path.join(folder, "lsgan_user.gin"), "w") as f:
      f.write(_GIN)
    model_dir = os.path.join(folder, "run")
    # The user's command, in a process of its own (the family registers there, not in this test process).
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join([folder, REPO]))
    proc = forkserver.run(
        [sys.executable, "-m", "tfgan_mh.train", "--gin_file=lsgan_user.gin", f"--model_dir={model_dir}",
         *(f"--gin_param={b}" for b in ("train.num_steps = 4", "train.global_batch_size = 16",
                                         "cadence.steps_per_loop = 2", "cadence.save_every = 4",
                                         "cadence.image_every = 4", "cadence.log_every = 4",
                                         "cadence.summary_every = 4"))],
        cwd=folder, env=env, timeout=600)
    self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
    self.assertTrue(os.path.exists(os.path.join(model_dir, TRAIN_DONE)))
    out = _last_scalars(model_dir)
    self.assertEqual(sorted(k for k in out if "_ls" in k), ["d/d_ls_fake", "d/d_ls_real", "g/g_ls"])
    self.assertTrue(all(np.isfinite(out[k]) and out[k] >= 0 for k in ("d/d_ls_fake", "d/d_ls_real", "g/g_ls")))
    self.assertAllClose(out["d/loss"], out["d/d_ls_fake"] + out["d/d_ls_real"], rtol=1e-5)
    self.assertEqual(out["lsgan/steps"], 4.0)  # its after_step hook ran once per train step
    reader = tf.train.load_checkpoint(os.path.join(model_dir, "ckpt-4"))  # its state is in the checkpoint
    self.assertEqual(int(reader.get_tensor("lsgan_counter/count/.ATTRIBUTES/VARIABLE_VALUE")), 4)
    with open(os.path.join(model_dir, OPERATIVE_CONFIG)) as f:
      self.assertIn("train.loss_family = 'lsgan_user'", f.read())


if __name__ == "__main__":
  tf.test.main()
