"""Single-agent Gymnasium views of the dialogue."""

from gopo_env.envs.expert import ExpertEnv
from gopo_env.envs.text import TextEnv

__all__ = ["ExpertEnv", "TextEnv"]
