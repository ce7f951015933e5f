"""The embedded default for `make run`: debug on, nothing to set up."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
