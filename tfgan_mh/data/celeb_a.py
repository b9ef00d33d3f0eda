"""The 5-class CelebA split of the K+1 GANs paper §3.1, decided from the TFDS `celeb_a` attributes and landmarks.

"Front facing female/male with mouth open/closed are 4, and all faces rotated more than 15 degrees are the
5th." Classes:
  0 front-facing female, mouth closed      1 front-facing female, mouth open
  2 front-facing male,   mouth closed      3 front-facing male,   mouth open
  4 rotated more than `max_angle` (15) degrees
"male" is the attribute `Male`, "mouth open" the attribute `Mouth_Slightly_Open`.

Rotation, from the 5 landmarks (image pixels, y pointing down; "lefteye" is the eye on the image left):
  * roll (in-plane tilt) = the angle of the eye line, atan2(righteye_y - lefteye_y, righteye_x - lefteye_x).
  * yaw (head turned left/right) from how far the nose tip sits off the middle of the eyes along the eye
    line. A head turned by yaw t about a vertical axis, seen orthographically, moves eyes at +-a to
    +-a cos t and a nose tip protruding d in front of the eyes to d sin t, so
      u / h = (d / a) tan t,   t = atan(u / (rho h)),
    with u the nose offset from the eye midpoint along the eye line, h half the eye distance and
    rho = d / a the nose depth over half the eye distance (about 1 for adult faces; `nose_depth_ratio`).
  A face is rotated when max(|roll|, |yaw|) > max_angle. (CelebA's aligned images have a near-horizontal
  eye line, so in practice the yaw decides.)
"""

import math

import tensorflow as tf

NUM_CLASSES = 5
ROTATED = 4
MAX_ANGLE_DEGREES = 15.0  # K+1 GANs §3.1
CROP = 108  # central 108 x 108 of the aligned 218 x 178 images: the face without background (DCGAN's CelebA crop)


def face_angles(landmarks, *, nose_depth_ratio: float = 1.0):
  """(roll, yaw) in degrees from CelebA landmarks (dict of `lefteye_x` ... `nose_y`, any shape [...]).

  Returns:
    roll, yaw: float32 [...]; roll > 0 when the right (image) eye is lower, yaw > 0 when the nose is
    right of the eye midpoint in the image.
  """
  f = lambda k: tf.cast(landmarks[k], tf.float32)
  lx, ly, rx, ry = f("lefteye_x"), f("lefteye_y"), f("righteye_x"), f("righteye_y")
  nx, ny = f("nose_x"), f("nose_y")
  dx, dy = rx - lx, ry - ly
  dist = tf.sqrt(dx * dx + dy * dy)  # eye distance 2h
  roll = tf.atan2(dy, dx)
  u = tf.math.divide_no_nan((nx - (lx + rx) / 2) * dx + (ny - (ly + ry) / 2) * dy, dist)  # along eye line
  yaw = tf.atan(tf.math.divide_no_nan(u, nose_depth_ratio * dist / 2))
  deg = 180.0 / math.pi
  return roll * deg, yaw * deg


def celeb_a_5_class(landmarks, attributes, *, max_angle: float = MAX_ANGLE_DEGREES,
                    nose_depth_ratio: float = 1.0) -> tf.Tensor:
  """The class id (int32, shape of the landmark entries) of the K+1 GANs paper §3.1's 5-class CelebA split.

  Args:
    landmarks: dict with lefteye_x/_y, righteye_x/_y, nose_x/_y (TFDS celeb_a `landmarks`).
    attributes: dict with bool `Male` and `Mouth_Slightly_Open` (TFDS celeb_a `attributes`).
    max_angle: degrees of roll or yaw above which a face is "rotated" (class 4).
    nose_depth_ratio: rho of the yaw estimate (module docstring).
  """
  roll, yaw = face_angles(landmarks, nose_depth_ratio=nose_depth_ratio)
  rotated = tf.maximum(tf.abs(roll), tf.abs(yaw)) > max_angle
  front = 2 * tf.cast(attributes["Male"], tf.int32) + tf.cast(attributes["Mouth_Slightly_Open"], tf.int32)
  return tf.where(rotated, tf.constant(ROTATED, tf.int32), front)
