"""The names of what a run directory holds: each written by one module, read by many."""

RUN_INFO = "run_info.json"  # image shape, classes, ... decided by the data (`restore.write_run_info`)
OPERATIVE_CONFIG = "operative_config.gin"  # the gin configuration the trainer used
TRAIN_DONE = "TRAIN_DONE"  # written by the trainer after its last step: the eval job's and sweeps' stop signal
LOCK_FILE = "train.lock"  # held while a trainer runs (`run_dir.TrainerLock`)
EVAL_LOCK_FILE = "eval.lock"  # in model_dir/eval, held while an eval job runs (`run_dir.EvalLock`)
BAD_DIR = "bad"  # unreadable checkpoints moved aside on resume (`run_dir.resume_checkpoint`)
RUN_FILES = (RUN_INFO, OPERATIVE_CONFIG, "checkpoint", LOCK_FILE, TRAIN_DONE)  # any of them: a folder holds a run
