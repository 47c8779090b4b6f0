"""Theme helpers: values the templates need that Jinja cannot compute alone."""

from .helpers import register

__all__ = ["register"]
