"""The run's settings split by owner: `Cadence.next_stop` by hand, each part from its own gin name, and old names
refused with the new one."""

import gin
from absl.testing import absltest

from tfgan_mh import cli
from tfgan_mh.training import cadence as cadence_lib
from tfgan_mh.training import loop


class CadenceTest(absltest.TestCase):

  def test_next_stop_is_the_nearest_mark(self):
    c = cadence_lib.Cadence(steps_per_loop=100, save_every=1000, summary_every=250, image_every=1000, log_every=300)
    self.assertEqual(c.next_stop(0, 5000), 100)  # the call's length first
    self.assertEqual(c.next_stop(230, 5000), 250)  # summary at 250
    self.assertEqual(c.next_stop(250, 5000), 300)  # log at 300
    self.assertEqual(c.next_stop(990, 5000), 1000)  # save + picture
    self.assertEqual(c.next_stop(4990, 4995), 4995)  # the end of the run
    self.assertEqual(c.next_stop(0, 5000, also_every=[70]), 70)  # an epoch end
    self.assertEqual(c.next_stop(0, 5000, also_every=[None], also_at=[40]), 40)  # the end of D-only steps
    self.assertEqual(c.next_stop(50, 5000, also_at=[40]), 150)  # a mark already passed is ignored

  def test_bad_values_are_one_line_errors_naming_the_gin_parameter(self):
    for kwargs, message in [(dict(save_every=0), "cadence.save_every=0: expected an integer >= 1"),
                            (dict(steps_per_loop=2.5), "cadence.steps_per_loop=2.5: expected an integer >= 1"),
                            (dict(checkpoint_input="yes"), "cadence.checkpoint_input='yes': expected True or False")]:
      with self.assertRaisesRegex(ValueError, "^" + message.replace("(", r"\(")):
        cadence_lib.Cadence(**kwargs)


class RunSettingsTest(absltest.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_each_part_reads_its_own_gin_name(self):
    cli.parse_gin([], ["train.loss_family = 'mhinge'", "train.num_steps = 7", "cadence.save_every = 3",
                       "pictures.max_classes = 4", "execution.jit_compile = True", "optimization.accumulate_steps = 2",
                       "ema.decay = 0.9", "lecam.weight = 0.3", "lecam.decay = 0.5", "diffaugment.policy = 'color'"])
    s = loop.RunSettings()
    self.assertEqual((s.train.loss_family, s.train.num_steps, s.cadence.save_every, s.cadence.log_every),
                     ("mhinge", 7, 3, 100))
    self.assertEqual((s.pictures.max_classes, s.execution.jit_compile, s.optimization.accumulate_steps),
                     (4, True, 2))
    self.assertEqual((s.ema.decay, s.ema.start, s.lecam.weight, s.lecam.decay, s.diffaugment.policy),
                     (0.9, 0, 0.3, 0.5, "color"))

  def test_an_old_name_is_refused_with_the_new_one(self):
    cases = [("train.save_every = 5", "cadence.save_every"), ("train.ema_decay = 0.999", "ema.decay"),
             ("train.picture_classes = 3", "pictures.max_classes"), ("LeCam.decay = 0.9", "lecam.decay"),
             ("train.lecam_weight = 0.3", "lecam.weight"), ("train.jit_compile = True", "execution.jit_compile")]
    for binding, new in cases:
      old = binding.split(" ")[0]
      with self.subTest(binding=binding):
        with self.assertRaisesRegex(ValueError, rf"^gin configuration error in --gin_param '{binding}': {old} was "
                                    rf"renamed {new}: bind {new} instead$"):
          cli.parse_gin([], [binding])
        gin.clear_config()
    path = self.create_tempfile(content="train.loss_family = 'mhinge'\ng/train.steps_per_loop = 10\n").full_path
    with self.assertRaisesRegex(ValueError, "^gin configuration error in .*: train.steps_per_loop was renamed "
                                "cadence.steps_per_loop: bind cadence.steps_per_loop instead$"):
      cli.parse_gin([path], [])

  def test_the_rename_table_maps_to_parameters_that_exist(self):
    import tfgan_mh.configurables  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
    for old, new in cli.RENAMED_BINDINGS.items():
      with self.subTest(old=old):
        gin.parse_config(f"{new} = None")  # gin refuses a parameter its configurable does not have
        gin.clear_config()


if __name__ == "__main__":
  absltest.main()
