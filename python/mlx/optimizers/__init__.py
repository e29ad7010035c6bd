"""``mlx.optimizers``: optimizers, learning-rate schedules and ``clip_grad_norm``."""

from mlx.optimizers.optimizers import *  # noqa: F401,F403
from mlx.optimizers.schedulers import *  # noqa: F401,F403
