"""solvemeter: measure whether AI agents finish real tasks, at what depth and cost."""

__version__ = "0.1.0"
