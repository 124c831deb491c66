"""新质 Xinzhi: the platform a city science-and-technology bureau runs its future-industry work on."""

__version__ = "0.1.0"
