"""eval: judging candidate versions and releasing them through the registry."""
