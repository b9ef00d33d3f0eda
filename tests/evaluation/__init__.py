"""Tests of tfgan_mh.evaluation."""
