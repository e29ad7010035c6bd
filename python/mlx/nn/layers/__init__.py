"""Every layer of ``mlx.nn``, one file per area."""

from mlx.nn.layers.base import Module
from mlx.nn.layers.activations import *
from mlx.nn.layers.containers import *
from mlx.nn.layers.convolution import *
from mlx.nn.layers.convolution_transpose import *
from mlx.nn.layers.dropout import *
from mlx.nn.layers.embedding import *
from mlx.nn.layers.linear import *
from mlx.nn.layers.normalization import *
from mlx.nn.layers.pooling import *
from mlx.nn.layers.positional_encoding import *
from mlx.nn.layers.quantized import *
from mlx.nn.layers.recurrent import *
from mlx.nn.layers.transformer import *
from mlx.nn.layers.upsample import *
from mlx.nn.layers.distributed import *
