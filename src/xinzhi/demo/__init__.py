"""A deterministic synthetic Shenyang, calibrated to the published 2023 figures.

``build_demo_city(engine, seed=2023, enterprises=19_938)`` fills an empty, migrated database:
districts and parks, enterprises with four years of accounts, IP rights, technology
contracts, innovation platforms and the city's targets. See ``city`` for the build,
``calibration`` for the figures it reproduces and ``archetypes`` for the rules the data are
drawn to pass or fail. ``complete_demo_city`` then adds what the other pages show — chain
maps, experts, research results and demands, the challenge board, the matching indexes and
a recorded assessment run (``completion``).
"""

from .city import DemoSummary, build_demo_city, generate_city
from .completion import Completion, complete_demo_city

__all__ = ["Completion", "DemoSummary", "build_demo_city", "complete_demo_city", "generate_city"]
